"""applications (built by the issues that follow the foundation)."""
