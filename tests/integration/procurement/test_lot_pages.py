"""The staff pages of procurement through HTTP with session cookies and CSRF tokens (the round and its winners
set up through the API, the `winners` fixture). Here:
the lot forms of a project's management page."""

from __future__ import annotations

import re

from app.platform.tables import AuditEntry
from tests.integration.procurement.conftest import SUPPLIER
from tests.integration.procurement.staff_forms import (
    api_lot,
    edit,
    field_error,
    lot_form,
    move,
    new_lot,
    plain,
    post_form,
    section_error,
    staff_session,
)


async def test_staff_drive_a_lot_through_every_state_with_the_forms(winners, users):
    http = winners.client
    await staff_session(http, users)
    project_id = winners.projects[0]["id"]
    lot_id = await new_lot(http, project_id)
    lot = await api_lot(winners, lot_id)
    assert lot["estimate_minor"] == 8_000_000 and lot["status"] == "planning"
    manage = await http.get(f"/projects/{project_id}/manage")
    assert f'id="lot-{lot_id}"' in manage.text and "Меблі для ЦНАП" in manage.text

    jump = await move(http, project_id, lot_id, "contracted")
    assert jump.status_code == 409
    message = section_error(jump.text, f"lot-{lot_id}-status-error")
    assert "cannot become contracted" in message and "Allowed next: tender, cancelled" in message

    assert (await move(http, project_id, lot_id, "tender")).status_code == 303
    bad_supplier = await edit(http, project_id, lot_id, supplier_name=SUPPLIER["name"], supplier_edrpou="14360571")
    assert bad_supplier.status_code == 422
    assert "check digit" in field_error(bad_supplier.text, f"lot-{lot_id}-supplier_edrpou-error")
    assert re.search(
        rf'id="lot-{lot_id}-supplier_edrpou"[^>]*aria-invalid="true"[^>]*aria-describedby="lot-{lot_id}-supplier_edrpou-error"',
        bad_supplier.text,
    )
    assert 'value="14360571"' in bad_supplier.text  # what was typed is kept
    awarded = await edit(http, project_id, lot_id, supplier_name=SUPPLIER["name"], supplier_edrpou="14360570")
    assert awarded.status_code == 303
    assert (await move(http, project_id, lot_id, "awarded")).status_code == 303

    contract = {
        "supplier_name": SUPPLIER["name"],
        "supplier_edrpou": SUPPLIER["edrpou"],
        "contract_number": "17/2026",
        "contract_date": "2026-04-01",
        "contract_value": "90000",
        "exchange_rate": "44.50",
    }
    over = await edit(http, project_id, lot_id, **contract)
    assert over.status_code == 422
    assert "tolerance" in field_error(over.text, f"lot-{lot_id}-contract_value-error")
    assert f'id="lot-{lot_id}-confirm_over_estimate"' in over.text  # the confirmation appears with the error
    no_reason = await edit(http, project_id, lot_id, **contract, over_estimate="yes", confirm_over_estimate="yes")
    assert no_reason.status_code == 422
    assert "reason" in field_error(no_reason.text, f"lot-{lot_id}-over_estimate_reason-error")
    confirmed = await edit(
        http,
        project_id,
        lot_id,
        **contract,
        over_estimate="yes",
        confirm_over_estimate="yes",
        over_estimate_reason="Ціни на ДСП зросли",
    )
    assert confirmed.status_code == 303, plain(confirmed.text)
    lot = await api_lot(winners, lot_id)
    assert lot["contract_value_minor"] == 9_000_000 and lot["supplier_edrpou"] == "14360570"
    entry = (
        await AuditEntry.select()
        .where((AuditEntry.action == "lot.update") & (AuditEntry.object_id == str(lot_id)))
        .order_by(AuditEntry.id, ascending=False)
        .output(load_json=True)
        .first()
    )
    assert entry["after"]["over_estimate_reason"] == "Ціни на ДСП зросли"

    early = await move(http, project_id, lot_id, "delivered")
    assert early.status_code == 409  # still awarded: contracted comes first
    assert (await move(http, project_id, lot_id, "contracted")).status_code == 303
    no_delivery = await move(http, project_id, lot_id, "delivered")
    assert no_delivery.status_code == 422
    assert "delivery" in section_error(no_delivery.text, f"lot-{lot_id}-status-error")

    manage_page = f"/projects/{project_id}/manage"
    bad_date = await post_form(http, f"/lots/{lot_id}/deliveries", {"delivered_on": "10.05.2026"}, manage_page)
    assert bad_date.status_code == 422
    assert "2027-03-31" in field_error(bad_date.text, f"delivery-{lot_id}-delivered_on-error")
    delivered = await post_form(
        http,
        f"/lots/{lot_id}/deliveries",
        {"delivered_on": "2026-05-10", "quantity": "18", "note": "Усе на місці"},
        manage_page,
    )
    assert delivered.status_code == 303
    assert (await move(http, project_id, lot_id, "delivered")).status_code == 303
    assert (await move(http, project_id, lot_id, "accepted")).status_code == 303
    lot = await api_lot(winners, lot_id)
    assert lot["status"] == "accepted" and lot["accepted_on"] == "2026-05-10"
    page = await http.get(manage_page)
    assert "This lot is finished" in plain(page.text) and "Усе на місці" in page.text
    project = (await http.get(f"/api/v1/projects/{project_id}", headers=winners.staff)).json()
    furniture = next(m for m in project["milestones"] if m["key"] == "furniture_delivered")
    assert furniture["status"] == "met" and furniture["date_met"] == "2026-05-10"
    assert project["stage"] == "delivered"
    dashboard = await http.get("/dashboard", params={"round": winners.world.round_id})
    assert re.findall(r'<strong class="figure-number">(\d+)</strong>', dashboard.text) == ["2", "1", "1", "0"]


async def test_a_bad_new_lot_keeps_the_typed_rows_and_names_the_field(winners, users):
    http = winners.client
    await staff_session(http, users)
    project_id = winners.projects[0]["id"]
    manage = f"/projects/{project_id}/manage"
    no_category = await post_form(http, f"/projects/{project_id}/lots", lot_form(category=""), manage)
    assert no_category.status_code == 422
    assert "category" in field_error(no_category.text, "new-lot-category-error")
    assert 'value="Стіл адміністратора"' in no_category.text
    bad_amount = await post_form(http, f"/projects/{project_id}/lots", lot_form(**{"row-1-estimate": "20k"}), manage)
    assert bad_amount.status_code == 422
    assert "150000.50" in field_error(bad_amount.text, "new-lot-row-1-estimate-error")
    empty = await post_form(
        http,
        f"/projects/{project_id}/lots",
        lot_form(**{f"row-{i}-{k}": "" for i in (0, 1) for k in ("description", "quantity", "estimate")}),
        manage,
    )
    assert empty.status_code == 422
    assert "at least one item" in section_error(empty.text, "new-lot-items-error")
