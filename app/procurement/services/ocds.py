"""A project as an Open Contracting Data Standard 1.1 release package: parties, tender lots, awards, contracts with
their deliveries, and the milestones, with the standard's codes. Must not read the database: it maps a detail."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

OCID_PREFIX = "ocds-ascrounds"
PUBLISHER = {"name": "ASC Rounds"}
MILESTONE_TYPES = {
    "terms_of_reference": "preProcurement",
    "premises_repaired": "delivery",
    "furniture_delivered": "delivery",
    "equipment_installed": "delivery",
    "software_connected": "delivery",
    "staff_trained": "delivery",
    "asc_opened": "delivery",
}
TENDER_STATUS = {
    "planning": "planning",
    "tender": "active",
    "awarded": "complete",
    "contracted": "complete",
    "delivered": "complete",
    "accepted": "complete",
    "cancelled": "cancelled",
}
CONTRACT_STATUS = {"contracted": "active", "delivered": "active", "accepted": "terminated"}


def _value(amount_minor: int | None, currency: str) -> dict[str, Any] | None:
    if amount_minor is None:
        return None
    return {"amount": round(amount_minor / 100, 2), "currency": currency}


def _day(value: date | None) -> str | None:
    return (
        datetime(value.year, value.month, value.day, tzinfo=UTC).isoformat().replace("+00:00", "Z") if value else None
    )


def release_package(detail: dict[str, Any], *, base_url: str, published: datetime | None = None) -> dict[str, Any]:
    project = detail["project"]
    published = published or datetime.now(UTC)
    stamp = published.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    ocid = f"{OCID_PREFIX}-{project['id']}"
    buyer = {
        "id": f"hromada-{project['hromada_code']}",
        "name": project["hromada_name"],
        "identifier": {"scheme": "UA-KATOTTG", "id": project["hromada_code"]},
        "roles": ["buyer"],
    }
    parties = [buyer]
    suppliers_seen = set()
    tenders, awards, contracts = [], [], []
    for lot in detail["lots"]:
        lot_ref = f"lot-{lot['id']}"
        items = [
            {
                "id": f"item-{item['id']}",
                "description": item["description"],
                "quantity": item["quantity"],
                "relatedLot": lot_ref,
                "classification": {"scheme": "ASC-CATEGORY", "id": lot["category"]},
            }
            for item in lot["items"]
        ]
        tenders.append(
            {
                "lot": {
                    "id": lot_ref,
                    "title": lot["title"] or lot["category"],
                    "status": TENDER_STATUS[lot["status"]],
                    "value": _value(lot["estimate_minor"], lot["currency"]),
                },
                "items": items,
                "prozorro_id": lot["prozorro_id"],
                "method": lot["method"],
            }
        )
        if lot["supplier_edrpou"]:
            supplier_id = f"UA-EDR-{lot['supplier_edrpou']}"
            if supplier_id not in suppliers_seen:
                suppliers_seen.add(supplier_id)
                parties.append(
                    {
                        "id": supplier_id,
                        "name": lot["supplier_name"],
                        "identifier": {"scheme": "UA-EDR", "id": lot["supplier_edrpou"]},
                        "roles": ["supplier"],
                    }
                )
            awards.append(
                {
                    "id": f"award-{lot['id']}",
                    "status": "active" if lot["status"] != "cancelled" else "cancelled",
                    "relatedLots": [lot_ref],
                    "suppliers": [{"id": supplier_id, "name": lot["supplier_name"]}],
                    "value": _value(lot["contract_value_minor"], lot["contract_currency"])
                    if lot["contract_value_minor"] is not None
                    else None,
                }
            )
        if lot["contract_value_minor"] is not None:
            contract = {
                "id": f"contract-{lot['id']}",
                "awardID": f"award-{lot['id']}",
                "title": lot["contract_number"],
                "status": CONTRACT_STATUS.get(lot["status"], "cancelled"),
                "value": _value(lot["contract_value_minor"], lot["contract_currency"]),
                "dateSigned": _day(lot["contract_date"]),
                "items": items,
            }
            deliveries = [
                {
                    "id": f"delivery-{d['id']}",
                    "title": f"Delivery of {d['quantity']}",
                    "type": "delivery",
                    "status": "met",
                    "dateMet": _day(d["delivered_on"]),
                }
                for d in lot["deliveries"]
            ]
            if deliveries:
                contract["implementation"] = {"milestones": deliveries}
            contracts.append({k: v for k, v in contract.items() if v is not None})
    milestones = [
        {
            "id": m["key"],
            "title": m["title_en"] or m["title_uk"],
            "type": MILESTONE_TYPES.get(m["key"], "delivery"),
            "status": m["status"],
            "dueDate": _day(m["due_date"]),
            **({"dateMet": _day(m["date_met"])} if m["date_met"] else {}),
        }
        for m in detail["milestones"]
    ]
    planned = detail["totals"]["planned"]
    tender_value = _value(planned["UAH"], "UAH") if planned["UAH"] is not None else None
    all_items = [item for t in tenders for item in t["items"]]
    tag = ["planning", "tender"] + (["award"] if awards else []) + (["contract"] if contracts else [])
    release = {
        "ocid": ocid,
        "id": f"{ocid}-{stamp}",
        "date": stamp,
        "tag": tag,
        "initiationType": "tender",
        "language": "uk",
        "parties": parties,
        "buyer": {"id": buyer["id"], "name": buyer["name"]},
        "planning": {
            "budget": {"description": project["round_title_en"] or project["round_title_uk"]},
            "milestones": milestones,
        },
        "tender": {
            "id": f"{ocid}-tender",
            "title": f"ASC support package: {project['hromada_name']}",
            "status": "complete" if contracts else "active",
            "lots": [t["lot"] for t in tenders],
            "items": all_items,
            **({"value": tender_value} if tender_value else {}),
        },
        "awards": [{k: v for k, v in a.items() if v is not None} for a in awards],
        "contracts": contracts,
    }
    return {
        "uri": f"{base_url}/api/v1/projects/{project['id']}/ocds.json",
        "version": "1.1",
        "publishedDate": stamp,
        "publisher": PUBLISHER,
        "releases": [release],
    }
