"""The OCDS release package of a project through the API."""

from tests.integration.procurement.conftest import SUPPLIER, make_lot, patch


async def test_the_ocds_release_package_has_the_standards_required_fields(winners):
    client, staff = winners.client, winners.staff
    project_id = winners.projects[0]["id"]
    lot = await make_lot(winners, project_id, method="programme")
    await patch(winners, lot["id"], {"status": "tender"})
    await patch(winners, lot["id"], {"supplier": SUPPLIER, "status": "awarded"})
    await patch(
        winners,
        lot["id"],
        {
            "contract": {
                "number": "5",
                "date": "2026-04-01",
                "value_minor": 8_000_000,
                "currency": "UAH",
                "exchange_rate": "44",
            },
            "status": "contracted",
        },
    )
    package = (await client.get(f"/api/v1/projects/{project_id}/ocds.json", headers=staff)).json()
    for field in ("uri", "publishedDate", "releases", "publisher", "version"):
        assert field in package, field
    assert package["version"] == "1.1" and package["publisher"]["name"]
    release = package["releases"][0]
    for field in ("ocid", "id", "date", "tag", "initiationType"):
        assert release[field], field
    assert release["initiationType"] == "tender"
    assert set(release["tag"]) <= {"planning", "tender", "award", "contract", "implementation"}
    assert release["ocid"].startswith("ocds-")
    party_ids = {p["id"] for p in release["parties"]}
    assert release["buyer"]["id"] in party_ids
    assert release["awards"][0]["suppliers"][0]["id"] in party_ids
    assert release["contracts"][0]["awardID"] == release["awards"][0]["id"]
    assert release["contracts"][0]["value"] == {"amount": 80000.0, "currency": "UAH"}
    statuses = {m["status"] for m in release["planning"]["milestones"]}
    assert statuses <= {"scheduled", "met", "notMet", "partiallyMet"}
