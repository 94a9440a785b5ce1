"""scoring (built by the issues that follow the foundation)."""
