"""What every domain stands on and no domain owns: settings, the database, sessions, permission primitives,
the audit log, document storage and scanning, languages, errors and backups. It imports no domain."""
