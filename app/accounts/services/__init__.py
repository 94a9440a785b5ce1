"""The accounts' logic, one module per concept: users, passwords, login (with its rate limits) and API tokens."""
