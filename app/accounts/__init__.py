"""Users, roles, login, sessions and API tokens."""
