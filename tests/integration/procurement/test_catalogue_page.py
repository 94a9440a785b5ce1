"""The staff pages of procurement through HTTP with session cookies and CSRF tokens (the round and its winners
set up through the API, the `winners` fixture). Here:
the catalogue and the package form."""

from __future__ import annotations

from tests.integration.procurement.staff_forms import (
    api_lot,
    field_error,
    new_lot,
    plain,
    post_form,
    staff_session,
)


async def test_staff_keep_the_catalogue_and_compose_the_package_with_forms(winners, users):
    http = winners.client
    await staff_session(http, users)
    bad = await post_form(
        http,
        "/catalogue",
        {"name_uk": "Електронна черга", "category": "queue_system", "unit_price": "сто", "currency": "UAH"},
        "/catalogue",
    )
    assert bad.status_code == 422
    assert "150000.50" in field_error(bad.text, "item-unit_price-error")
    added = await post_form(
        http,
        "/catalogue",
        {
            "name_uk": "Електронна черга",
            "name_en": "Queue system",
            "category": "queue_system",
            "unit": "компл.",
            "unit_price": "120000",
            "currency": "UAH",
        },
        "/catalogue",
    )
    assert added.status_code == 303
    catalogue = await http.get("/catalogue")
    assert "Queue system" in catalogue.text and "120,000.00" in plain(catalogue.text)
    item_id = (await http.get("/api/v1/catalogue", headers=winners.staff)).json()[0]["id"]

    project_id = winners.projects[0]["id"]
    manage = f"/projects/{project_id}/manage"
    negative = await post_form(http, f"/projects/{project_id}/package", {f"qty-{item_id}": "-1"}, manage)
    assert negative.status_code == 422
    assert "at least 0" in field_error(negative.text, f"package-qty-{item_id}-error")
    saved = await post_form(http, f"/projects/{project_id}/package", {f"qty-{item_id}": "2"}, manage)
    assert saved.status_code == 303
    project = (await http.get(f"/api/v1/projects/{project_id}", headers=winners.staff)).json()
    assert [(p["item"], p["quantity"]) for p in project["package"]] == [(item_id, 2)]

    # A lot from the catalogue: no estimate typed, so the catalogue price times the quantity.
    lot_id = await new_lot(
        http,
        project_id,
        category="queue_system",
        **{"row-0-item": str(item_id), "row-0-description": "", "row-0-quantity": "2", "row-0-estimate": ""},
        **{"row-1-description": "", "row-1-quantity": "", "row-1-estimate": ""},
    )
    lot = await api_lot(winners, lot_id)
    assert lot["estimate_minor"] == 24_000_000 and lot["items"][0]["description"] == "Електронна черга"
