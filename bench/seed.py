"""Fill a database with a donor programme at scale, in seconds: bulk inserts, one transaction.

    .venv/bin/python -m bench.seed                       # "national": 3 rounds of 1,000 applications
    .venv/bin/python -m bench.seed --scale large         # a round of 10,000 applications (cost growth)
    .venv/bin/python -m bench.seed --scale small --applications 50
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.seed --reset

The database is the app's (DATABASE_URL, else DATA_DIR/asc.sqlite3); it is migrated and the bundled
registry imported first. Seed into an empty database (``--reset`` empties it first).

What a scale holds:
- all 1,469 hromadas of the registry (plus synthetic ones when a round needs more applicants than exist);
- one programme whose first round is decided (winners, reserve, a confirmed selection, a project per winner
  with its package, lots, deliveries and milestones) and whose other rounds are under review with every
  application scored;
- per application: answers, a revision, 2-4 document records (no files), a verdict computed by the round's
  rules, three experts' submitted reviews on the six criteria of the default rubric (totals = points × weights);
- accounts: admin, staff, the experts, and a leader for every hromada that applied, all with one password.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import io
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.accounts.tables import User
from app.applications.forms import DEFAULT_DOCUMENT_KINDS, DEFAULT_QUESTIONS, clean_answers
from app.applications.labels import verdict_labels
from app.applications.rules.evaluation import evaluate
from app.applications.rules.kinds import Facts
from app.applications.tables import Application, ApplicationRevision, Programme, Round
from app.platform.i18n import to_kyiv, ukrainian_sort_key
from app.platform.tables import AuditEntry, StoredDocument
from app.procurement.tables import (
    CatalogueItem,
    Delivery,
    ExchangeRate,
    Lot,
    LotItem,
    Milestone,
    MilestoneTemplate,
    PackageItem,
    ProcurementConfig,
    Project,
    Supplier,
)
from app.registry.tables import Hromada, Oblast
from app.scoring.rubric import DEFAULT_CRITERIA, review_total, validate_criteria
from app.scoring.tables import Assignment, Criterion, Review, ReviewScore, RoundExpert, ScoringConfig, Selection

PASSWORD = "bench-password-2026"
ADMIN_EMAIL = "admin@bench.asc"
STAFF_EMAIL = "staff@bench.asc"
PROGRAMME_CODE = "bench"
REVIEWS_PER_APPLICATION = 3
RESERVE = 50
RULES = {
    "all": [
        {"any": [{"rule": "amalgamated"}, {"rule": "population_max", "value": 100000}]},
        {"rule": "documents_required", "value": ["council_decision", "premises_plan"]},
    ]
}
LOT_CATEGORIES = ("furniture", "it_equipment", "queue_system", "software")
LOT_WEIGHTS = (("planning", 2), ("tender", 2), ("awarded", 1), ("contracted", 3), ("delivered", 2), ("accepted", 4))
CATALOGUE = [
    ("Стіл адміністратора", "Administrator's desk", "furniture", 1_250_000),
    ("Крісло відвідувача", "Visitor's chair", "furniture", 320_000),
    ("Комп'ютер у зборі", "Desktop computer", "it_equipment", 3_600_000),
    ("Багатофункціональний пристрій", "Multifunction printer", "it_equipment", 1_800_000),
    ("Термінал електронної черги", "Electronic queue kiosk", "queue_system", 9_500_000),
    ("Табло черги", "Queue display", "queue_system", 2_100_000),
    ("Мобільний ЦНАП (автомобіль)", "Mobile ASC (van)", "mobile_asc", 210_000_000),
    ("Ліцензія ІС «Вулик»", "Vulyk information system licence", "software", 4_000_000),
    ("Навчання адміністраторів", "Training of administrators", "training", 1_500_000),
]


@dataclass(frozen=True)
class Scale:
    name: str
    rounds: tuple[int, ...]  # applications per round; the first round is decided, the others under review
    experts: int
    winners: int


SCALES = {
    "small": Scale("small", (100, 100), experts=12, winners=15),
    "national": Scale("national", (1000, 1000, 1000), experts=60, winners=150),
    "large": Scale("large", (1000, 10000), experts=60, winners=150),
}


def expert_email(number: int) -> str:
    return f"expert{number:02d}@bench.asc"


def leader_email(hromada_code: str) -> str:
    return f"leader-{hromada_code.lower()}@bench.asc"


def scale_with(scale: Scale, applications: int | None) -> Scale:
    if not applications:
        return scale
    rounds = tuple(applications for _ in scale.rounds)
    return Scale(scale.name, rounds, scale.experts, scale.winners)


# --- Writing ---------------------------------------------------------------------------------------------


class Rows:
    """Rows per table with ids assigned here, written in foreign-key order by ``write``."""

    def __init__(self, next_ids: dict[str, int]) -> None:
        self.next_ids = next_ids
        self.tables: dict[str, tuple[Any, list[dict[str, Any]]]] = {}

    def add(self, table, **values: Any) -> int:
        name = table._meta.tablename
        row_id = self.next_ids.get(name, 1)
        self.next_ids[name] = row_id + 1
        self.tables.setdefault(name, (table, []))[1].append({"id": row_id, **values})
        return row_id

    def count(self, table) -> int:
        return len(self.tables.get(table._meta.tablename, (None, []))[1])


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


async def _insert(connection, postgres: bool, table, rows: list[dict[str, Any]]) -> None:
    name = table._meta.tablename
    columns = list(rows[0])
    records = [tuple(_cell(row[c]) for c in columns) for row in rows]
    if postgres:
        await connection.copy_records_to_table(name, records=records, columns=columns)
    else:
        quoted = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        await connection.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})', records)


async def write(rows: Rows, order: list) -> None:
    from app.platform.db import engine, is_sqlite

    db = engine()
    postgres = not is_sqlite()
    async with db.transaction() as transaction:
        for table in order:
            entry = rows.tables.get(table._meta.tablename)
            if entry and entry[1]:
                await _insert(transaction.connection, postgres, table, entry[1])
        if postgres:
            for table in order:
                name = table._meta.tablename
                await transaction.connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                    f'COALESCE((SELECT MAX(id) FROM "{name}"), 1))'
                )


async def _next_ids(tables: list) -> dict[str, int]:
    from piccolo.query.methods.select import Max

    ids = {}
    for table in tables:
        row = await table.select(Max(table.id, alias="top")).first()
        ids[table._meta.tablename] = ((row or {}).get("top") or 0) + 1
    return ids


# --- The data ----------------------------------------------------------------------------------------------


def _half(value: float) -> float:
    return min(10.0, max(0.0, round(value * 2) / 2))


def _weighted(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def _answers(rng: random.Random, deadline: datetime) -> dict[str, Any]:
    area = rng.randint(60, 600)
    return clean_answers(
        DEFAULT_QUESTIONS,
        {
            "asc_model": rng.choice(["regular", "regular", "inter_municipal", "mobile", "remote_workplaces", "branch"]),
            "project_kind": rng.choice(["new", "modernisation"]),
            "premises": f"Приміщення площею {area} м² на першому поверсі будівлі ради, окремий вхід, пандус, "
            f"зупинка громадського транспорту за {rng.randint(50, 900)} м.",
            "cofinancing_percent": rng.randint(5, 40),
            "staff_count": rng.randint(3, 25),
            "planned_opening": (deadline.date() + timedelta(days=rng.randint(200, 500))).isoformat(),
        },
        strict=True,
    )


def _synthetic_hromadas(rows: Rows, count: int, oblasts: list[dict[str, Any]], rng: random.Random) -> None:
    """Hromadas that do not exist, for rounds larger than Ukraine (the cost-growth check)."""
    for number in range(count):
        oblast = oblasts[number % len(oblasts)]
        name = f"Бенчмаркова {number + 1}"
        code = f"UA99{number + 1:015d}"
        full_name = f"{name} сільська територіальна громада"
        rows.add(
            Hromada,
            code=code,
            name=name,
            full_name=full_name,
            type="rural",
            oblast=oblast["id"],
            raion_code="",
            raion_name="",
            population=rng.randint(3000, 60000),
            population_year=2022,
            area_km2=round(rng.uniform(100, 900), 1),
            amalgamated_on=None,
            search_text=f"{name} {full_name} {code}".casefold(),
            sort_name=ukrainian_sort_key(name),
        )


async def build(scale: Scale, *, password_hash: str, seed: int = 2026) -> dict[str, int]:
    """Generate and write the whole programme; returns the row counts per table."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    all_tables = [
        Hromada,
        User,
        Programme,
        Round,
        ScoringConfig,
        Criterion,
        RoundExpert,
        Application,
        ApplicationRevision,
        StoredDocument,
        Assignment,
        Review,
        ReviewScore,
        Selection,
        CatalogueItem,
        Supplier,
        ExchangeRate,
        ProcurementConfig,
        Project,
        PackageItem,
        Milestone,
        Lot,
        LotItem,
        Delivery,
        AuditEntry,
    ]
    if await Application.exists():
        raise SystemExit("error: the database already has applications; seed an empty one (--reset empties it)")
    rows = Rows(await _next_ids(all_tables))

    oblasts = await Oblast.select(Oblast.id, Oblast.code).order_by(Oblast.code)
    hromadas = await Hromada.select(
        Hromada.id,
        Hromada.code,
        Hromada.name,
        Hromada.full_name,
        Hromada.type,
        Hromada.population,
        Hromada.amalgamated_on,
        Hromada.oblast.code.as_alias("oblast_code"),
    ).order_by(Hromada.id)
    if not hromadas:
        raise SystemExit("error: the registry is empty; import it first")
    pool = [h for h in hromadas if h["amalgamated_on"] is not None or h["population"] <= 100000]
    missing = max(scale.rounds) - len(pool)
    if missing > 0:
        first_synthetic = rows.next_ids["hromada"]
        _synthetic_hromadas(rows, missing, oblasts, rng)
        for offset, row in enumerate(rows.tables["hromada"][1]):
            pool.append({**row, "id": first_synthetic + offset, "oblast_code": oblasts[offset % len(oblasts)]["code"]})

    # Accounts -------------------------------------------------------------------------------------------
    created = now - timedelta(days=700)
    admin_id = rows.add(
        User,
        email=ADMIN_EMAIL,
        name="Адміністратор Бенчмарку",
        role="admin",
        hromada=None,
        password_hash=password_hash,
        is_active=True,
        locale="uk",
        created_at=created,
    )
    staff_id = rows.add(
        User,
        email=STAFF_EMAIL,
        name="Працівник Програми",
        role="staff",
        hromada=None,
        password_hash=password_hash,
        is_active=True,
        locale="uk",
        created_at=created,
    )
    experts = [
        rows.add(
            User,
            email=expert_email(n),
            name=f"Експерт {n:02d}",
            role="expert",
            hromada=None,
            password_hash=password_hash,
            is_active=True,
            locale="uk",
            created_at=created,
        )
        for n in range(1, scale.experts + 1)
    ]
    leaders: dict[int, int] = {}

    def leader_of(hromada: dict[str, Any]) -> int:
        if hromada["id"] not in leaders:
            leaders[hromada["id"]] = rows.add(
                User,
                email=leader_email(hromada["code"]),
                name=f"Голова: {hromada['name']}",
                role="applicant",
                hromada=hromada["id"],
                password_hash=password_hash,
                is_active=True,
                locale="uk",
                created_at=created,
            )
        return leaders[hromada["id"]]

    # The programme and its rounds -----------------------------------------------------------------------
    programme_id = rows.add(Programme, code=PROGRAMME_CODE, name_uk="Програма бенчмарку", name_en="Benchmark programme")
    criteria = validate_criteria(DEFAULT_CRITERIA)
    keys = [c["key"] for c in criteria]
    round_ids = []
    decided_ranking: list[tuple[float, int, dict[str, Any]]] = []
    for index, size in enumerate(scale.rounds):
        decided = index == 0
        deadline = (now - timedelta(days=30 + 150 * (len(scale.rounds) - 1 - index))).replace(
            hour=20, minute=59, second=0
        )
        round_ = {"questions": DEFAULT_QUESTIONS, "document_kinds": DEFAULT_DOCUMENT_KINDS}
        round_id = rows.add(
            Round,
            programme=programme_id,
            title_uk=f"Створення та модернізація ЦНАП: раунд {index + 1} (бенчмарк)",
            title_en=f"Establishing and modernising ASCs: round {index + 1} (benchmark)",
            description_uk="Громади до 100 000 мешканців і об'єднані громади будь-якого розміру, усі області.",
            description_en="Hromadas of up to 100,000 residents and amalgamated hromadas of any size, all oblasts.",
            opens_at=deadline - timedelta(days=60),
            deadline=deadline,
            quota=scale.winners,
            budget_minor=scale.winners * 100_000_00,
            currency="EUR",
            status="decided" if decided else "under_review",
            rules=RULES,
            document_kinds=DEFAULT_DOCUMENT_KINDS,
            questions=DEFAULT_QUESTIONS,
            created_at=deadline - timedelta(days=75),
            updated_at=deadline + timedelta(days=10),
        )
        round_ids.append(round_id)
        rows.add(
            ScoringConfig,
            round=round_id,
            overall_threshold=None,
            reviews_per_application=REVIEWS_PER_APPLICATION,
            divergence_percent=30.0,
            hide_reviews_until="own",
            oblast_is_conflict=False,
            tie_breakers=["population_desc", "submitted_at"],
            show_scores_to_applicants=False,
            package_amount_minor=100_000_00,
        )
        for criterion in criteria:
            rows.add(Criterion, round=round_id, **criterion)
        for expert in experts:
            rows.add(RoundExpert, round=round_id, expert=expert, oblast_code="", added_at=deadline)
        labels = verdict_labels(round_)
        as_of = to_kyiv(deadline).date()
        order = experts[:]
        rng.shuffle(order)
        for number, hromada in enumerate(rng.sample(pool, size)):
            submitted = deadline - timedelta(minutes=rng.randint(10, 59 * 24 * 60))
            answers = _answers(rng, deadline)
            kinds = ["council_decision", "premises_plan"]
            kinds += [k for k, p in (("premises_photos", 0.7), ("cofinancing_letter", 0.5)) if rng.random() < p]
            facts = Facts(
                hromada=hromada, answers=answers, document_kinds=frozenset(kinds), previous_winner=False, as_of=as_of
            )
            verdict = evaluate(RULES, facts, labels=labels)
            leader = leader_of(hromada)
            application_id = rows.add(
                Application,
                round=round_id,
                hromada=hromada["id"],
                status="scored" if verdict["eligible"] else "ineligible",
                answers=answers,
                revision=1,
                created_by=leader,
                created_at=submitted - timedelta(days=rng.randint(1, 20)),
                updated_at=submitted,
                submitted_at=submitted,
                verdict=verdict,
                rules_snapshot=RULES,
                eligible=verdict["eligible"],
                screening_override=False,
                screening_reason="",
                screened_by=staff_id,
                screened_at=deadline + timedelta(days=3),
                withdrawn_at=None,
            )
            rows.add(
                ApplicationRevision,
                application=application_id,
                revision=1,
                answers=answers,
                saved_by=leader,
                saved_at=submitted,
            )
            for kind in kinds:
                extension = "jpg" if kind == "premises_photos" else "pdf"
                rows.add(
                    StoredDocument,
                    key=f"bench/{application_id}/{kind}.{extension}",
                    original_filename=f"{kind}.{extension}",
                    content_type="image/jpeg" if extension == "jpg" else "application/pdf",
                    size_bytes=rng.randint(80_000, 4_000_000),
                    sha256=hashlib.sha256(f"{application_id}/{kind}".encode()).hexdigest(),
                    uploaded_by=leader,
                    owner_type="application",
                    owner_id=application_id,
                    kind=kind,
                    created_at=submitted,
                )
            rows.add(
                AuditEntry,
                at=submitted,
                actor_id=leader,
                actor=leader_email(hromada["code"]),
                action="application.submit",
                object_type="application",
                object_id=str(application_id),
                before={"status": "draft"},
                after={"status": "submitted", "eligible": verdict["eligible"]},
                address="",
            )
            if not verdict["eligible"]:
                continue
            quality = rng.uniform(3.5, 9.5)
            totals = []
            for slot in range(REVIEWS_PER_APPLICATION):
                expert = order[(number * REVIEWS_PER_APPLICATION + slot) % len(order)]
                assigned = deadline + timedelta(days=5)
                assignment_id = rows.add(
                    Assignment, round=round_id, application=application_id, expert=expert, created_at=assigned
                )
                bias = rng.gauss(0, 1.2)
                points = {key: _half(quality + bias + rng.gauss(0, 1.0)) for key in keys}
                total = review_total(criteria, points)
                totals.append(total)
                done = assigned + timedelta(days=rng.randint(1, 20))
                review_id = rows.add(
                    Review,
                    assignment=assignment_id,
                    application=application_id,
                    expert=expert,
                    status="submitted",
                    version=2,
                    total=total,
                    submitted_at=done,
                    updated_at=done,
                )
                for key in keys:
                    comment = "" if rng.random() < 0.5 else f"Оцінка {points[key]:g}: обґрунтування експерта."
                    rows.add(ReviewScore, review=review_id, criterion_key=key, points=points[key], comment=comment)
            if decided:
                mean = sum(totals) / len(totals)
                decided_ranking.append((mean, application_id, hromada))

    # The decided round: selection, winners' projects ---------------------------------------------------------
    decided_round = round_ids[0]
    decided_ranking.sort(key=lambda r: (-r[0], r[1]))
    winners = decided_ranking[: min(scale.winners, max(1, len(decided_ranking) * 15 // 100))]
    reserve = decided_ranking[len(winners) : len(winners) + RESERVE]
    status_of = {app_id: "selected" for _, app_id, _ in winners}
    status_of.update({app_id: "reserve" for _, app_id, _ in reserve})
    for row in rows.tables["application"][1]:
        if row["round"] == decided_round and row["status"] == "scored":
            row["status"] = status_of.get(row["id"], "rejected")
    decided_deadline = rows.tables["funding_round"][1][0]["deadline"]
    confirmed = decided_deadline + timedelta(days=40)
    rows.add(
        Selection,
        round=decided_round,
        status="confirmed",
        params={"quota": scale.winners, "budget_minor": None, "oblast_cap": None},
        winners=[w[1] for w in winners],
        reserve=[r[1] for r in reserve],
        confirmed_by=staff_id,
        confirmed_at=confirmed,
    )
    rows.add(ProcurementConfig, round=decided_round, tolerance_percent=10)
    catalogue = {}
    for name_uk, name_en, category, price in CATALOGUE:
        item_id = rows.add(
            CatalogueItem,
            name_uk=name_uk,
            name_en=name_en,
            category=category,
            unit="pcs",
            unit_price_minor=price,
            currency="UAH",
            active=True,
        )
        catalogue.setdefault(category, []).append((item_id, price))
    suppliers = [
        rows.add(Supplier, name=f"ТОВ «Постачальник {n}»", edrpou=f"{40000000 + n * 7919:08d}") for n in range(1, 21)
    ]
    for days in (0, 30, 60, 90, 120):
        rows.add(ExchangeRate, on_date=(now - timedelta(days=days)).date(), uah_per_eur=f"{44 + days / 100:.4f}")
    templates = await MilestoneTemplate.select().order_by(MilestoneTemplate.position)
    today = now.date()
    for _mean, application_id, hromada in winners:
        start = confirmed.date()
        project_id = rows.add(
            Project,
            application=application_id,
            round=decided_round,
            hromada=hromada["id"],
            created_at=confirmed,
            opened_on=None,
        )
        for category in ("furniture", "it_equipment", "queue_system"):
            item_id, _price = rng.choice(catalogue[category])
            rows.add(PackageItem, project=project_id, item=item_id, quantity=rng.randint(1, 8))
        opened_on = None
        for template in templates:
            due = start + timedelta(days=template["due_after_days"])
            status, met = "scheduled", None
            if due < today or rng.random() < 0.3:
                status = _weighted(rng, (("met", 7), ("partiallyMet", 1), ("notMet", 1), ("scheduled", 2)))
                if status in ("met", "partiallyMet"):
                    met = min(today, due + timedelta(days=rng.randint(-20, 25)))
            if template["key"] == "asc_opened" and status == "met":
                opened_on = met
            rows.add(
                Milestone,
                project=project_id,
                key=template["key"],
                position=template["position"],
                title_uk=template["title_uk"],
                title_en=template["title_en"],
                due_date=due,
                status=status,
                date_met=met,
                note="",
                value=None,
            )
        if opened_on:
            rows.tables["project"][1][-1]["opened_on"] = opened_on
        for category in LOT_CATEGORIES:
            state = _weighted(rng, LOT_WEIGHTS)
            estimate = rng.randint(20, 400) * 10_000_00
            prozorro = rng.random() < 0.4
            contracted = state in ("contracted", "delivered", "accepted")
            contract_date = start + timedelta(days=rng.randint(20, 120)) if contracted else None
            accepted_on = contract_date + timedelta(days=rng.randint(20, 90)) if state == "accepted" else None
            lot_id = rows.add(
                Lot,
                project=project_id,
                title=f"{category}: {hromada['name']}",
                category=category,
                method="prozorro" if prozorro else "programme",
                status=state,
                estimate_minor=estimate,
                currency="UAH",
                prozorro_id=f"UA-{start.year}-{start.month:02d}-{start.day:02d}-{project_id:06d}-a" if prozorro else "",
                supplier=rng.choice(suppliers) if contracted else None,
                contract_number=f"{project_id}-{category[:3].upper()}" if contracted else "",
                contract_date=contract_date,
                contract_value_minor=int(estimate * rng.uniform(0.85, 1.05)) if contracted else None,
                contract_currency="UAH" if contracted else "",
                exchange_rate="44.2000" if contracted else "",
                over_estimate_reason="",
                accepted_on=accepted_on,
                created_at=confirmed,
                updated_at=confirmed,
            )
            item_id, price = rng.choice(catalogue.get(category) or [(None, estimate)])
            rows.add(
                LotItem, lot=lot_id, item=item_id, description="", quantity=rng.randint(1, 6), estimate_minor=price
            )
            if state in ("delivered", "accepted"):
                rows.add(
                    Delivery,
                    lot=lot_id,
                    delivered_on=contract_date + timedelta(days=rng.randint(10, 40)),
                    quantity=rng.randint(1, 6),
                    note="",
                    accepted=state == "accepted",
                    recorded_by=staff_id,
                    created_at=confirmed,
                )

    await write(rows, all_tables)
    _ = admin_id
    return {table._meta.tablename: rows.count(table) for table in all_tables if rows.count(table)}


# --- The command -------------------------------------------------------------------------------------------


async def _reset(settings) -> None:
    from app.platform.db import engine

    if settings.is_postgres:
        await engine().run_ddl("DROP SCHEMA public CASCADE")
        await engine().run_ddl("CREATE SCHEMA public")


async def _analyze() -> None:
    from piccolo.querystring import QueryString

    from app.platform.db import engine, is_sqlite

    # PostgreSQL: VACUUM too, as autovacuum would soon after a bulk load. Until the visibility map is set, a
    # count over an index still reads every row from the table, and the figures would be those of a database
    # nobody runs.
    await engine().run_querystring(QueryString("ANALYZE" if is_sqlite() else "VACUUM ANALYZE"))


async def main_async(args: argparse.Namespace) -> int:
    from argon2 import PasswordHasher

    from app.platform import audit
    from app.platform.db import close_engine, engine_for, migrate, prepare_engine, use_engine
    from app.platform.settings import load_settings
    from app.registry.services.imports import BUNDLED_REGISTRY, import_registry_file

    settings = load_settings()
    if args.reset and not settings.is_postgres:
        for suffix in ("", "-wal", "-shm"):
            path = settings.sqlite_path.with_name(settings.sqlite_path.name + suffix)
            if path.exists():
                path.unlink()
    scale = scale_with(SCALES[args.scale], args.applications)
    started = time.perf_counter()
    db = use_engine(engine_for(settings))
    await prepare_engine(db, pool_max=2)
    try:
        if args.reset:
            await _reset(settings)
        with contextlib.redirect_stdout(io.StringIO()):
            await migrate()
        if not await Hromada.exists():
            await import_registry_file(BUNDLED_REGISTRY, actor=audit.SYSTEM)
        prepared = time.perf_counter()
        # One hash for every account: hashing a password per user would take longer than the whole seed.
        counts = await build(scale, password_hash=PasswordHasher().hash(PASSWORD), seed=args.seed)
        written = time.perf_counter()
        await _analyze()
    finally:
        await close_engine(db)
    where = settings.database_url if settings.is_postgres else str(settings.sqlite_path)
    print(f"Seeded {where} at scale {scale.name}: rounds of {', '.join(map(str, scale.rounds))} applications")
    width = max(len(name) for name in counts)
    for name, count in counts.items():
        print(f"  {name:<{width}}  {count:>8,}")
    print(f"  {'total rows':<{width}}  {sum(counts.values()):>8,}")
    print(
        f"Time: {written - started:.1f} s (migrations and registry {prepared - started:.1f} s, "
        f"generating and writing {written - prepared:.1f} s), "
        f"then (VACUUM) ANALYZE {time.perf_counter() - written:.1f} s"
    )
    print(f"Logins (password {PASSWORD}): {STAFF_EMAIL}, {ADMIN_EMAIL}, {expert_email(1)}…, leader-<code>@bench.asc")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="national")
    parser.add_argument("--applications", type=int, default=0, help="applications per round (overrides the scale)")
    parser.add_argument("--reset", action="store_true", help="empty the database first")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (the same seed gives the same data)")
    return parser


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(main_async(build_parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
