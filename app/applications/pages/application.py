"""The hromada leader's application pages: start, the draft form (autosaved with htmx), documents, submit, withdraw,
and the application page that staff see too. Pages parse, call one service and render; they decide no rule."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Response, Template

from app.accounts.auth import client_address, require_user, signed_in
from app.accounts.services.users import CurrentUser, uploader
from app.applications.labels import application_badge, application_status, choice_label
from app.applications.pages.answers import form_answers, input_value, shown_value, single
from app.applications.services import documents, drafts, eligibility, rounds, submission
from app.applications.services.applications import get_application, my_applications
from app.applications.services.screening import SCREENABLE
from app.platform import audit
from app.platform.documents import human_size, read_document
from app.platform.downloads import attachment
from app.platform.errors import Conflict, DomainError, InvalidInput
from app.platform.i18n import format_kyiv, gettext, pick, to_kyiv
from app.platform.storage import Storage
from app.platform.web import FormBody, MultipartBody, file_accept, is_htmx


def saved_note(application: dict[str, Any]) -> dict[str, Any]:
    moment = application["updated_at"]
    return {"time": to_kyiv(moment).strftime("%H:%M") if moment else "", "revision": application["revision"]}


async def live_verdict(application: dict[str, Any], user: CurrentUser, answers: dict[str, Any]) -> dict[str, Any]:
    """The verdict by the draft's answers and its documents as they are now."""
    return await eligibility.eligibility_check(
        round_id=application["round"], hromada_code=application["hromada_code"], answers=answers, user=user
    )


def _document_slots(
    round_: dict[str, Any], stored: list[dict[str, Any]], errors: dict[str, str], editable: bool
) -> list[dict[str, Any]]:
    """One slot per document kind the round asks for, with its newest document and its error (popped from
    ``errors``, so what is left belongs to no slot)."""
    by_kind = {document["kind"]: document for document in stored}  # the newest of a kind wins
    return [
        {
            "key": spec["key"],
            "title": pick(spec["title_uk"], spec.get("title_en", "")),
            "required": spec["required"],
            "types": ", ".join(t.upper() for t in spec["types"]),
            "accept": file_accept(spec["types"]),
            "limit": human_size(spec["max_bytes"]),
            "document": by_kind.get(spec["key"]),
            "error": errors.pop(spec["key"], "") if editable else "",
        }
        for spec in round_["document_kinds"]
    ]


def _question_fields(round_: dict[str, Any], values: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "key": spec["key"],
            "label": pick(spec["label_uk"], spec.get("label_en", "")),
            "type": spec["type"],
            "required": spec["required"],
            "choices": [(choice, choice_label(choice)) for choice in spec.get("choices") or []],
            "value": input_value(spec, values.get(spec["key"])),
            "shown": shown_value(spec, values.get(spec["key"])),
            "error": errors.get(spec["key"], ""),
        }
        for spec in round_["questions"]
    ]


async def render_page(
    request: Request,
    application: dict[str, Any],
    *,
    status_code: int = 200,
    error: str = "",
    answers: dict[str, Any] | None = None,
    field_errors: dict[str, str] | None = None,
    document_errors: dict[str, str] | None = None,
    screening_error: str = "",
    screening_form: dict[str, str] | None = None,
) -> Template:
    """The application page: the form while the leader may edit the draft, the read-only view otherwise."""
    user = require_user(request)
    round_ = await rounds.get_round(application["round"])
    field_errors = field_errors or {}
    document_errors = dict(document_errors or {})
    values = {**(application["answers"] or {}), **(answers or {})}
    is_draft = application["status"] == "draft"
    accepting = rounds.accepting_applications(round_)
    editable = is_draft and user.role == "applicant" and accepting

    kinds = _document_slots(round_, await documents.application_documents(application["id"]), document_errors, editable)
    if document_errors and not error:
        error = next(iter(document_errors.values()))
    questions = _question_fields(round_, values, field_errors)
    unplaced = [message for key, message in field_errors.items() if key not in {q["key"] for q in questions}]
    if unplaced and not error:
        error = unplaced[0]

    verdict = await live_verdict(application, user, values) if is_draft else application["verdict"]
    withdrawable = (
        user.role == "applicant"
        and application["status"] in ("draft", "submitted")
        and not (round_["deadline"] and rounds.now_utc() > round_["deadline"])
    )
    return Template(
        "applications/application.html",
        context={
            "user": user,
            "application": application,
            "round": round_,
            "round_title": pick(round_["title_uk"], round_["title_en"]),
            "deadline": format_kyiv(round_["deadline"]),
            "accepting": accepting,
            "editable": editable,
            "withdrawable": withdrawable,
            "screenable": user.is_staff and application["status"] in SCREENABLE,
            "questions": questions,
            "kinds": kinds,
            "verdict": verdict,
            "live": is_draft,
            "oob": False,
            "saved": saved_note(application),
            "save_error": "",
            "error": error,
            "failed_kind": next((kind for kind in kinds if kind["error"]), None),
            "status_label": application_status,
            "status_badge": application_badge,
            "screening_error": screening_error,
            "screening_form": {"decision": "computed", "reason": "", **(screening_form or {})},
        },
        status_code=status_code,
    )


async def _posted_answers(
    request: Request, application_id: int, data: dict[str, Any]
) -> tuple[CurrentUser, audit.Actor, dict[str, Any], dict[str, str]]:
    """The user, the actor the audit log records, the application and the answers its form posted."""
    user = require_user(request)
    application = await get_application(application_id=application_id, user=user)
    round_ = await rounds.get_round(application["round"])
    return user, user.actor(client_address(request)), application, form_answers(round_["questions"], data or {})


async def _posted_form_refused(
    request: Request,
    application: dict[str, Any],
    failure: DomainError,
    answers: dict[str, str],
    field_errors: dict[str, str] | None,
    document_errors: dict[str, str] | None = None,
) -> Template:
    """The application page again with the answers as posted, the failure said above the form and by its fields."""
    return await render_page(
        request,
        application,
        status_code=failure.status_code,
        error=failure.message,
        answers=answers,
        field_errors=field_errors,
        document_errors=document_errors,
    )


class ApplicationPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @post("/rounds/{round_id:int}/apply", status_code=303)
    async def apply(self, request: Request, round_id: int) -> Redirect:
        user = require_user(request)
        try:
            row = await drafts.create_application(
                round_id=round_id,
                hromada_code=user.hromada_code or "",
                answers={},
                user=user,
                actor=user.actor(client_address(request)),
            )
        except Conflict as conflict:
            if conflict.extra.get("application_id"):
                return Redirect(f"/applications/{conflict.extra['application_id']}", status_code=303)
            raise
        return Redirect(f"/applications/{row['id']}", status_code=303)

    @get("/applications/mine")
    async def mine(self, request: Request) -> Template:
        user = require_user(request)
        applications = await my_applications(user=user)
        applied = {row["round"] for row in applications}
        open_rounds = []
        if user.role == "applicant" and user.hromada_id is not None:
            open_rounds = [
                r
                for r in await rounds.list_rounds(user=user, status="open")
                if r["id"] not in applied and rounds.accepting_applications(r)
            ]
        return Template(
            "applications/mine.html",
            context={
                "user": user,
                "applications": [
                    {
                        **row,
                        "round_title": pick(row["round_title_uk"], row["round_title_en"]),
                        "deadline": format_kyiv(row["round_deadline"]),
                    }
                    for row in applications
                ],
                "open_rounds": [
                    {"id": r["id"], "title": pick(r["title_uk"], r["title_en"]), "deadline": format_kyiv(r["deadline"])}
                    for r in open_rounds
                ],
                "status_label": application_status,
                "status_badge": application_badge,
            },
        )

    @get("/applications/{application_id:int}")
    async def page(self, request: Request, application_id: int) -> Template:
        user = require_user(request)
        return await render_page(request, await get_application(application_id=application_id, user=user))

    @post("/applications/{application_id:int}/answers", status_code=303)
    async def save(
        self, request: Request, application_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user, actor, application, answers = await _posted_answers(request, application_id, data)
        try:
            saved = await drafts.save_answers(application_id=application_id, answers=answers, user=user, actor=actor)
        except DomainError as failure:
            if is_htmx(request):
                return Template(
                    "applications/_saved.html",
                    context={"saved": None, "save_error": failure.message, "oob": False},
                    status_code=failure.status_code,
                    headers={"X-Autosave-Error": "1"},
                )
            field = failure.extra.get("field", "")
            return await _posted_form_refused(
                request, application, failure, answers, {field: failure.message} if field else None
            )
        if not is_htmx(request):
            return Redirect(f"/applications/{application_id}", status_code=303)
        return Template(
            "applications/_saved.html",
            context={
                "saved": saved_note(saved),
                "save_error": "",
                "oob": True,
                "verdict": await live_verdict(saved, user, saved["answers"] or {}),
                "live": True,
            },
            status_code=200,
            headers={"X-Draft-Revision": str(saved["revision"])},
        )

    @post("/applications/{application_id:int}/documents", status_code=303)
    async def upload(
        self,
        request: Request,
        storage: Storage,
        application_id: int,
        data: Annotated[dict[str, Any], MultipartBody],
    ) -> Template | Redirect:
        user = require_user(request)
        application = await get_application(application_id=application_id, user=user)
        kind = single(data.get("kind"))
        upload = data.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput(gettext("Choose a file to upload."), extra={"field": "file"})
            await documents.add_document(
                application_id=application_id,
                kind=kind,
                filename=upload.filename,
                data=await upload.read(),
                user=user,
                actor=user.actor(client_address(request)),
                storage=storage,
            )
        except DomainError as failure:
            return await render_page(
                request, application, status_code=failure.status_code, document_errors={kind: failure.message}
            )
        return Redirect(f"/applications/{application_id}#documents", status_code=303)

    @post("/applications/{application_id:int}/documents/{document_id:int}/delete", status_code=303)
    async def remove(
        self, request: Request, storage: Storage, application_id: int, document_id: int
    ) -> Template | Redirect:
        user = require_user(request)
        application = await get_application(application_id=application_id, user=user)
        actor = user.actor(client_address(request))
        try:
            await documents.delete_document(
                application_id=application_id, document_id=document_id, user=user, actor=actor, storage=storage
            )
        except DomainError as failure:
            stored = await documents.application_documents(application_id)
            kind = next((d["kind"] for d in stored if d["id"] == document_id), "")
            return await render_page(
                request, application, status_code=failure.status_code, document_errors={kind: failure.message}
            )
        return Redirect(f"/applications/{application_id}#documents", status_code=303)

    @get("/applications/{application_id:int}/documents/{document_id:int}")
    async def download(self, request: Request, storage: Storage, application_id: int, document_id: int) -> Response:
        user = require_user(request)
        await documents.get_application_document(application_id=application_id, document_id=document_id, user=user)
        document, content = await read_document(storage=storage, document_id=document_id, user=uploader(user))
        return attachment(document, content)

    @post("/applications/{application_id:int}/submit", status_code=303)
    async def submit(
        self, request: Request, application_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        """Saves the answers the form carries (the button belongs to the answers form), then submits."""
        user, actor, application, answers = await _posted_answers(request, application_id, data)
        save_first = bool(answers) and application["status"] == "draft"
        try:
            if save_first:
                application = await drafts.save_answers(
                    application_id=application_id, answers=answers, user=user, actor=actor
                )
            await submission.submit(application_id=application_id, user=user, actor=actor)
        except DomainError as failure:
            field_errors = {key: gettext("Answer this question.") for key in failure.extra.get("missing_answers", [])}
            document_errors = {
                key: gettext("Attach this document.") for key in failure.extra.get("missing_documents", [])
            }
            if failure.extra.get("field"):
                field_errors[failure.extra["field"]] = failure.message
            return await _posted_form_refused(request, application, failure, answers, field_errors, document_errors)
        return Redirect(f"/applications/{application_id}", status_code=303)

    @post("/applications/{application_id:int}/withdraw", status_code=303)
    async def withdraw(self, request: Request, application_id: int) -> Template | Redirect:
        user = require_user(request)
        application = await get_application(application_id=application_id, user=user)
        actor = user.actor(client_address(request))
        try:
            await submission.withdraw(application_id=application_id, user=user, actor=actor)
        except DomainError as failure:
            return await render_page(request, application, status_code=failure.status_code, error=failure.message)
        return Redirect(f"/applications/{application_id}", status_code=303)
