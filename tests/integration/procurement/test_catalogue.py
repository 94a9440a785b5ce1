"""The catalogue of support items and a project's support package through the API."""


async def test_staff_keep_a_catalogue_and_compose_a_package(winners):
    client, staff = winners.client, winners.staff
    item = await client.post(
        "/api/v1/catalogue",
        json={
            "name_uk": "Електронна черга",
            "name_en": "Queue system",
            "category": "queue_system",
            "unit_price_minor": 12_000_000,
        },
        headers=staff,
    )
    assert item.status_code == 201
    bad = await client.post(
        "/api/v1/catalogue", json={"name_uk": "Х", "category": "food", "unit_price_minor": 1}, headers=staff
    )
    assert bad.status_code == 422
    project_id = winners.projects[0]["id"]
    package = await client.put(
        f"/api/v1/projects/{project_id}/package",
        json={"items": [{"item_id": item.json()["id"], "quantity": 1}]},
        headers=staff,
    )
    assert package.status_code == 200 and package.json()[0]["name_en"] == "Queue system"
