from datetime import UTC, datetime, timedelta

import pytest

from app.applications.services import rounds
from app.applications.tables import Round
from app.platform import audit
from tests.conftest import api_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
ROUND4_RULES = {
    "all": [
        {"any": [{"rule": "amalgamated"}, {"rule": "population_max", "value": 100000}]},
        {"rule": "documents_required", "value": ["council_decision", "premises_plan"]},
    ]
}
COMPLETE_ANSWERS = {
    "asc_model": "regular",
    "project_kind": "new",
    "premises": "Перший поверх будівлі ради, 120 м²",
    "cofinancing_percent": "15",
    "staff_count": "6",
}


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


@pytest.fixture
async def programme(app):
    return await rounds.ensure_programme(code="ulead", name_uk="U-LEAD з Європою", name_en="U-LEAD with Europe")


@pytest.fixture
async def tokens(client, users):
    return {key: await api_token(client, user["email"]) for key, user in users.items()}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "accept-language": "en"}


@pytest.fixture
def as_role(tokens):
    def headers(role: str) -> dict[str, str]:
        return bearer(tokens[role])

    return headers


@pytest.fixture
async def open_round(client, as_role, programme):
    async def make(rules=None, deadline_days: float = 10, **extra) -> dict:
        body = {
            "programme_code": "ulead",
            "title_uk": "Раунд 4",
            "title_en": "Round 4",
            "deadline": in_days(deadline_days),
            "quota": 150,
            "budget_minor": 150_000_000,
            "rules": rules if rules is not None else ROUND4_RULES,
            **extra,
        }
        created = await client.post("/api/v1/rounds", json=body, headers=as_role("staff"))
        assert created.status_code == 201, created.text
        opened = await client.post(f"/api/v1/rounds/{created.json()['id']}/open", headers=as_role("staff"))
        assert opened.status_code == 200, opened.text
        return opened.json()

    return make


async def move_deadline(round_id: int, days: float) -> None:
    """Test set-up: put a round's deadline in the past (or future) directly in the database."""
    await Round.update({Round.deadline: datetime.now(UTC) + timedelta(days=days)}).where(Round.id == round_id)


async def start_application(client, as_role, round_id: int, hromada="UA05020030000031457", role="leader", answers=None):
    return await client.post(
        f"/api/v1/rounds/{round_id}/applications",
        json={"hromada_code": hromada, "answers": answers or {}},
        headers=as_role(role),
    )


async def upload(client, as_role, application_id: int, kind: str, data: bytes = PDF, name="doc.pdf", role="leader"):
    return await client.post(
        f"/api/v1/applications/{application_id}/documents",
        data={"kind": kind},
        files={"file": (name, data, "application/pdf")},
        headers=as_role(role),
    )


SYSTEM = audit.SYSTEM
