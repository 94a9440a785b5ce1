"""The procurement pages, server-rendered and usable without JavaScript, one module per screen group: the
hromada's project page, the staff's list and management of projects, the lot forms, the dashboard, the catalogue."""
