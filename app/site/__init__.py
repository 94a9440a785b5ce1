"""The site's own pages and calls that belong to no one domain: the home page, the language switch, health,
the audit log and document downloads. Stands on the platform and on accounts (for who is asking)."""
