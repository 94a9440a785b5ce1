"""A round's (or a programme's) applications as spreadsheet rows: the columns, one row per application, in batches.
It decides what an export holds; it must not write a file format (app.platform.spreadsheets does)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from app.accounts.services.users import CurrentUser
from app.applications.services.applications import application_columns, decode_application, require_staff
from app.applications.services.rounds import get_round, programme_id, programme_rounds
from app.applications.tables import Application
from app.platform.i18n import _

EXPORT_COLUMNS = [
    "id",
    "hromada_code",
    "hromada",
    "oblast",
    "population",
    "status",
    "submitted_at",
    "eligible",
    "override",
    "screening_reason",
    "reasons",
]
EXPORT_BATCH = 500


def _header(questions: list[str], *, per_round: bool = False) -> list[str]:
    return (["round"] if per_round else []) + EXPORT_COLUMNS + [f"answer:{k}" for k in questions]


async def export_rows(*, round_id: int, user: CurrentUser, locale: str) -> tuple[dict[str, Any], list[list[Any]]]:
    require_staff(user, _("Only programme staff export applications."))
    round_ = await get_round(round_id)
    rows = (
        await Application.select(*application_columns())
        .where((Application.round == round_id) & (Application.status != "draft"))
        .order_by(Application.id)
    )
    questions = [q["key"] for q in round_["questions"]]
    out = [_export_row(row, questions, locale) for row in map(decode_application, rows)]
    return {"round": round_, "header": _header(questions)}, out


def _export_row(row: dict[str, Any], questions: list[str], locale: str) -> list[Any]:
    verdict = row["verdict"] or {}
    reasons = " | ".join(c["reason"][locale] for c in verdict.get("checks", []) if not c["passed"])
    answers = row["answers"] or {}
    return [
        row["id"],
        row["hromada_code"],
        row["hromada_name"],
        row["oblast_name_uk"],
        row["hromada_population"],
        row["status"],
        row["submitted_at"].isoformat() if row["submitted_at"] else "",
        "" if row["eligible"] is None else ("yes" if row["eligible"] else "no"),
        "yes" if row["screening_override"] else "",
        row["screening_reason"],
        reasons,
        *[answers.get(key, "") for key in questions],
    ]


async def export_stream(
    *, user: CurrentUser, locale: str, round_id: int | None = None, programme_code: str | None = None
) -> tuple[list[str], AsyncIterator[list[list[Any]]]]:
    """The header and the rows of a round's (or a whole programme's) applications, as ``export_rows`` gives them,
    but read a batch at a time: memory holds one batch, whatever the number of applications. A programme's
    export starts each row with its round and has an answer column for every question of any of its rounds."""
    require_staff(user, _("Only programme staff export applications."))
    if round_id is not None:
        rounds = [await get_round(round_id)]
    else:
        rounds = await programme_rounds(await programme_id(programme_code))
    questions = list(dict.fromkeys(q["key"] for r in rounds for q in r["questions"]))
    round_ids = [r["id"] for r in rounds]
    per_round = round_id is None

    async def batches() -> AsyncIterator[list[list[Any]]]:
        last = 0
        while round_ids:
            rows = (
                await Application.select(*application_columns())
                .where(Application.round.is_in(round_ids) & (Application.status != "draft") & (Application.id > last))
                .order_by(Application.id)
                .limit(EXPORT_BATCH)
            )
            if not rows:
                return
            yield [
                ([row["round"]] if per_round else []) + _export_row(row, questions, locale)
                for row in map(decode_application, rows)
            ]
            last = rows[-1]["id"]

    return _header(questions, per_round=per_round), batches()
