"""Users, roles, passwords, login, API tokens, and who is asking: the auth middleware and the role guards."""
