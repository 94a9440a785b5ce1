"""An application's documents: uploads judged by their bytes and kind, replacing, downloading, removing."""

import re

from app.platform.tables import StoredDocument
from tests.integration.applications.application_page import apply, post_form, signed_in_as, upload_page
from tests.integration.applications.conftest import (
    EXE,
    PDF,
    start_application,
    upload,
)


async def test_documents_are_judged_by_their_bytes_and_their_kinds_limit(client, as_role, open_round):
    round_ = await open_round(
        document_kinds=[
            {"key": "council_decision", "title_uk": "Рішення", "required": True, "max_bytes": 200, "types": ["pdf"]},
            {
                "key": "premises_plan",
                "title_uk": "План",
                "required": True,
                "max_bytes": 10_000,
                "types": ["pdf", "png"],
            },
        ]
    )
    application = (await start_application(client, as_role, round_["id"])).json()
    renamed_exe = await upload(client, as_role, application["id"], "council_decision", EXE, name="рішення.pdf")
    assert renamed_exe.status_code == 415
    assert "pdf" in renamed_exe.json()["detail"]
    too_big = await upload(client, as_role, application["id"], "council_decision", PDF + b"0" * 500)
    assert too_big.status_code == 413
    assert "200 bytes" in too_big.json()["detail"]
    unknown_kind = await upload(client, as_role, application["id"], "selfie", PDF)
    assert unknown_kind.status_code == 422
    assert await StoredDocument.count().where(StoredDocument.owner_id == application["id"]) == 0


async def test_a_replaced_document_goes_and_the_key_never_comes_from_the_filename(client, as_role, open_round):
    round_ = await open_round()
    application = (await start_application(client, as_role, round_["id"])).json()
    first = await upload(client, as_role, application["id"], "council_decision", PDF, name="../../etc/passwd.pdf")
    assert first.status_code == 201
    second = await upload(client, as_role, application["id"], "council_decision", PDF + b"%v2", name="v2.pdf")
    assert second.status_code == 201
    rows = await StoredDocument.select().where(StoredDocument.owner_id == application["id"])
    assert [r["original_filename"] for r in rows] == ["v2.pdf"]
    assert rows[0]["key"].startswith("documents/") and "passwd" not in rows[0]["key"] and ".." not in rows[0]["key"]
    download = await client.get(second.json()["download_url"], headers=as_role("leader"))
    assert download.status_code == 200 and download.content == PDF + b"%v2"
    assert download.headers["content-disposition"].startswith("attachment")
    stranger = await client.get(second.json()["download_url"], headers=as_role("other_leader"))
    assert stranger.status_code == 404


async def test_a_renamed_exe_is_refused_with_415_naming_the_allowed_types_and_nothing_is_stored(
    client, users, open_round
):
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    await client.get("/language/en")
    response = await upload_page(client, application_id, "premises_plan", data=EXE, name="plan.pdf")
    assert response.status_code == 415
    assert "jpg, pdf, png" in response.text
    assert 'id="file-premises_plan-error"' in response.text
    assert re.search(r'id="file-premises_plan"[^>]*aria-invalid="true"', response.text)
    assert await StoredDocument.count().where(StoredDocument.owner_id == application_id) == 0


async def test_a_document_is_uploaded_downloaded_and_removed_through_the_page(client, users, open_round):
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    page = f"/applications/{application_id}"
    uploaded = await upload_page(client, application_id, "council_decision", name="рішення.pdf")
    assert uploaded.status_code == 303 and uploaded.headers["location"] == f"{page}#documents"
    document = await StoredDocument.select().where(StoredDocument.owner_id == application_id).first()
    shown = await client.get(page)
    assert f'href="{page}/documents/{document["id"]}"' in shown.text and "рішення.pdf" in shown.text

    downloaded = await client.get(f"{page}/documents/{document['id']}")
    assert downloaded.status_code == 200 and downloaded.content == PDF

    removed = await post_form(client, f"{page}/documents/{document['id']}/delete", {}, page)
    assert removed.status_code == 303
    assert await StoredDocument.count().where(StoredDocument.owner_id == application_id) == 0
