"""The procurement domain's logic, one module per concept: projects and their packages, the catalogue, lots and
their contracts, deliveries, milestones, money, the dashboard, the export and the OCDS release."""
