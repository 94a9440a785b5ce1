import pytest

from tests.conftest import api_token
from tests.integration.scoring import conftest as scoring_fixtures
from tests.integration.scoring.conftest import headers
from tests.integration.scoring.test_selection_api import ranked_world

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


world = scoring_fixtures.world  # the scoring round builder, shared as a fixture here


class Winners:
    def __init__(self, world, ids, projects, leader_headers):
        self.world = world
        self.client = world.client
        self.staff = world.staff
        self.ids = ids
        self.projects = projects  # project summaries of the winners, in the order of the selection
        self.leader = leader_headers  # headers of each winner's leader, by project id


@pytest.fixture
async def winners(world, client):
    w, ids = await ranked_world(world)
    confirmed = await client.post(f"/api/v1/rounds/{w.round_id}/selection/confirm", json={"quota": 2}, headers=w.staff)
    assert confirmed.status_code == 200, confirmed.text
    projects = (await client.get("/api/v1/projects", params={"round": w.round_id}, headers=w.staff)).json()
    by_application = {a["id"]: a for a in w.applications}
    leaders = {}
    for project in projects:
        email = by_application[project["application"]]["leader_email"]
        leaders[project["id"]] = headers(await api_token(client, email))
    return Winners(w, ids, projects, leaders)


SUPPLIER = {"name": "ТОВ «Меблі Поділля»", "edrpou": "14360570"}


async def make_lot(winners, project_id, **overrides):
    body = {
        "category": "furniture",
        "method": "prozorro",
        "currency": "UAH",
        "title": "Меблі для ЦНАП",
        "items": [
            {"description": "Стіл адміністратора", "quantity": 6, "estimate_minor": 6_000_000},
            {"description": "Крісло", "quantity": 12, "estimate_minor": 2_000_000},
        ],
        **overrides,
    }
    response = await winners.client.post(f"/api/v1/projects/{project_id}/lots", json=body, headers=winners.staff)
    assert response.status_code == 201, response.text
    return response.json()


async def patch(winners, lot_id, body):
    return await winners.client.patch(f"/api/v1/lots/{lot_id}", json=body, headers=winners.staff)
