"""ASC Rounds: competitive rounds for Administrative Service Centres in Ukrainian hromadas.

The domains, each a package, and the one way their imports run (a package imports only those before it):

    platform      settings, database, sessions, audit, storage, documents, i18n, errors: what every domain stands on
    registry      oblasts and hromadas (KATOTTG), and the registry's import
    accounts      users, passwords, login, API tokens, who is asking and the role guards
    site          the pages and calls that belong to no one domain (home, language, health, audit log, documents)
    applications  programmes, rounds, eligibility, drafts, submission, screening
    scoring       experts, conflicts, assignments, reviews, moderation, ranking, selection
    procurement   projects, lots, suppliers, deliveries, milestones, OCDS

platform <- registry <- accounts <- site / applications <- scoring <- procurement. ``asgi.create_app`` wires
them into one Litestar app; ``cli`` is the ``asc`` command.
"""
