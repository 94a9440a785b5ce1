"""A round with screened-eligible applications and experts, built through the services (set-up only);
the behaviour under test goes through HTTP."""

from datetime import UTC, datetime, timedelta

import pytest

from app.accounts.services.users import create_user, load_user
from app.applications.services import drafts, rounds, screening, submission
from app.platform import audit
from app.registry.tables import Hromada
from tests.conftest import PASSWORD, api_token

CRITERIA = [
    {"key": "premises", "title_uk": "Приміщення", "max_points": 10, "weight": 2, "threshold": 4},
    {"key": "capacity", "title_uk": "Спроможність", "max_points": 10, "weight": 1},
    {"key": "cofinancing", "title_uk": "Співфінансування", "max_points": 5, "weight": 1},
]


def headers(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "accept-language": "en"}


class RoundWorld:
    def __init__(self, client, round_id, applications, experts, staff_token):
        self.client = client
        self.round_id = round_id
        self.applications = applications  # list of dicts: id, hromada_code, population
        self.experts = experts  # list of dicts: id, email, token
        self.staff = headers(staff_token)

    def expert(self, index: int) -> dict[str, str]:
        return headers(self.experts[index]["token"])

    async def assignments_of(self, index: int) -> list[dict]:
        response = await self.client.get("/api/v1/me/assignments", headers=self.expert(index))
        assert response.status_code == 200, response.text
        return response.json()

    async def assignment_for(self, expert_index: int, application_id: int) -> int:
        for row in await self.assignments_of(expert_index):
            if row["application_id"] == application_id:
                return row["assignment_id"]
        raise AssertionError(f"expert {expert_index} has no assignment for {application_id}")

    async def score(self, expert_index: int, application_id: int, points: dict, submit: bool = True, comments=None):
        assignment = await self.assignment_for(expert_index, application_id)
        review = (
            await self.client.get(f"/api/v1/assignments/{assignment}/review", headers=self.expert(expert_index))
        ).json()
        return await self.client.put(
            f"/api/v1/assignments/{assignment}/review",
            json={"scores": points, "comments": comments or {}, "submit": submit, "version": review["version"]},
            headers=self.expert(expert_index),
        )


@pytest.fixture
async def world(app, client, users):
    async def build(n_applications: int = 4, n_experts: int = 3, criteria=CRITERIA, config=None) -> RoundWorld:
        from app.scoring import services as scoring

        staff = await load_user(users["staff"]["id"])
        actor = audit.SYSTEM
        await rounds.ensure_programme(code="ulead", name_uk="U-LEAD", name_en="U-LEAD")
        round_ = await rounds.create_round(
            data={
                "programme_code": "ulead",
                "title_uk": "Раунд",
                "deadline": datetime.now(UTC) + timedelta(days=3),
                "rules": {"rule": "population_min", "value": 0},
                "document_kinds": [],
                "questions": [],
                "quota": 2,
                "budget_minor": 0,
            },
            actor=actor,
        )
        await rounds.transition_round(round_id=round_["id"], to="open", actor=actor)
        hromadas = (
            await Hromada.select(Hromada.code, Hromada.population)
            .where(Hromada.oblast.code == "UA05000000000010236")
            .order_by(Hromada.code)
            .limit(n_applications)
        )
        created = []
        for index, hromada in enumerate(hromadas):
            leader = await create_user(
                email=f"leader{index}@test.asc",
                name=f"Leader {index}",
                role="applicant",
                password=PASSWORD,
                hromada_code=hromada["code"],
                actor=actor,
            )
            leader_user = await load_user(leader["id"])
            application = await drafts.create_application(
                round_id=round_["id"], hromada_code=hromada["code"], answers={}, user=leader_user, actor=actor
            )
            await submission.submit(application_id=application["id"], user=leader_user, actor=actor)
            await screening.screen(application_id=application["id"], eligible=None, reason="", user=staff, actor=actor)
            created.append(
                {
                    "id": application["id"],
                    "hromada_code": hromada["code"],
                    "population": hromada["population"],
                    "leader_email": leader["email"],
                }
            )
        await rounds.transition_round(round_id=round_["id"], to="closed", actor=actor)
        await rounds.transition_round(round_id=round_["id"], to="under_review", actor=actor)
        await scoring.replace_rubric(round_id=round_["id"], criteria=criteria, config=config or {}, actor=actor)
        experts = []
        for index in range(n_experts):
            expert = await create_user(
                email=f"expert{index}@test.asc", name=f"Expert {index}", role="expert", password=PASSWORD, actor=actor
            )
            await scoring.add_expert(round_id=round_["id"], email=expert["email"], actor=actor)
            experts.append(
                {"id": expert["id"], "email": expert["email"], "token": await api_token(client, expert["email"])}
            )
        return RoundWorld(client, round_["id"], created, experts, await api_token(client, users["staff"]["email"]))

    return build
