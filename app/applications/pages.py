"""The hromada leader's application pages and the staff screening form: server-rendered, htmx-enhanced.

Every page works without JavaScript (plain forms, 303 redirects); with htmx the draft saves as the leader
types and the eligibility verdict follows the answers. Controllers only parse, call one service and render.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Response, Template

from app.accounts.auth import client_address, require_user, signed_in, staff_only
from app.accounts.services.users import CurrentUser, uploader
from app.applications import services
from app.platform.documents import human_size, read_document
from app.platform.downloads import attachment
from app.platform.errors import Conflict, DomainError, InvalidInput
from app.platform.i18n import N_, format_day, format_kyiv, format_number, gettext, pick, to_kyiv
from app.platform.storage import Storage

FormBody = Body(media_type=RequestEncodingType.URL_ENCODED)
MultipartBody = Body(media_type=RequestEncodingType.MULTI_PART)

STATUS_LABELS = {
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "eligible": N_("eligible"),
    "ineligible": N_("ineligible"),
    "under_review": N_("under review"),
    "scored": N_("scored"),
    "selected": N_("selected"),
    "reserve": N_("reserve list"),
    "rejected": N_("rejected"),
    "withdrawn": N_("withdrawn"),
}
STATUS_BADGES = {
    "eligible": "ok",
    "selected": "ok",
    "submitted": "warn",
    "under_review": "warn",
    "scored": "warn",
    "reserve": "warn",
    "ineligible": "bad",
    "rejected": "bad",
    "withdrawn": "bad",
}
# The choices of the default form, shown in words; a round's own choices are shown as written.
CHOICE_LABELS = {
    "regular": N_("Regular ASC"),
    "city_raion": N_("City-raion ASC"),
    "inter_municipal": N_("Inter-municipal ASC"),
    "mobile": N_("Mobile ASC"),
    "remote_workplaces": N_("Remote workplaces"),
    "branch": N_("Branch of an ASC"),
    "new": N_("New centre"),
    "modernisation": N_("Modernisation of a centre"),
}
FILE_ACCEPT = {
    "pdf": ".pdf,application/pdf",
    "png": ".png,image/png",
    "jpg": ".jpg,.jpeg,image/jpeg",
    "webp": ".webp,image/webp",
    "docx": ".docx",
    "xlsx": ".xlsx",
    "odt": ".odt",
    "ods": ".ods",
}
YES = ("yes", "true", "1", "так")
NO = ("no", "false", "0", "ні")
SCREENING_DECISIONS = ("computed", "eligible", "ineligible")
SCREENABLE = ("submitted", "eligible", "ineligible")


def status_label(status: str) -> str:
    return gettext(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "")


def choice_label(value: str) -> str:
    return gettext(CHOICE_LABELS[value]) if value in CHOICE_LABELS else value


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _single(value: Any) -> str:
    if isinstance(value, list):
        value = value[-1] if value else ""
    return "" if value is None else str(value)


def form_answers(questions: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, str]:
    """The answers a form posted, for this round's questions only (a radio left unchosen is not posted)."""
    return {q["key"]: _single(data[q["key"]]) for q in questions if q["key"] in data}


def input_value(question: dict[str, Any], value: Any) -> str:
    """An answer as the form field shows it."""
    if value is None:
        return ""
    if question["type"] == "yes_no":
        text = str(value).lower() if not isinstance(value, bool) else ("yes" if value else "no")
        return "yes" if text in YES else "no" if text in NO else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def shown_value(question: dict[str, Any], value: Any) -> str:
    """An answer as the read-only view shows it."""
    if value is None or value == "":
        return "—"
    kind = question["type"]
    if kind == "yes_no":
        text = input_value(question, value)
        return gettext("Yes") if text == "yes" else gettext("No") if text == "no" else str(value)
    if kind == "choice":
        return choice_label(str(value))
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value)
    if kind == "date":
        try:
            return format_day(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    return str(value)


def saved_note(application: dict[str, Any]) -> dict[str, Any]:
    moment = application["updated_at"]
    return {"time": to_kyiv(moment).strftime("%H:%M") if moment else "", "revision": application["revision"]}


async def live_verdict(application: dict[str, Any], user: CurrentUser, answers: dict[str, Any]) -> dict[str, Any]:
    """The verdict by the draft's answers and its documents as they are now."""
    return await services.eligibility_check(
        round_id=application["round"], hromada_code=application["hromada_code"], answers=answers, user=user
    )


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
    round_ = await services.get_round(application["round"])
    field_errors = field_errors or {}
    document_errors = dict(document_errors or {})
    stored = application["answers"] or {}
    values = {**stored, **(answers or {})}
    is_draft = application["status"] == "draft"
    accepting = services.accepting_applications(round_)
    editable = is_draft and user.role == "applicant" and accepting

    documents = await services.application_documents(application["id"])
    by_kind: dict[str, dict[str, Any]] = {}
    for document in documents:
        by_kind[document["kind"]] = document  # the newest of a kind wins
    kinds = []
    for spec in round_["document_kinds"]:
        kinds.append(
            {
                "key": spec["key"],
                "title": pick(spec["title_uk"], spec.get("title_en", "")),
                "required": spec["required"],
                "types": ", ".join(t.upper() for t in spec["types"]),
                "accept": ",".join(FILE_ACCEPT.get(t, "." + t) for t in spec["types"]),
                "limit": human_size(spec["max_bytes"]),
                "document": by_kind.get(spec["key"]),
                "error": document_errors.pop(spec["key"], "") if editable else "",
            }
        )
    if document_errors and not error:
        error = next(iter(document_errors.values()))

    questions = []
    for spec in round_["questions"]:
        value = values.get(spec["key"])
        questions.append(
            {
                "key": spec["key"],
                "label": pick(spec["label_uk"], spec.get("label_en", "")),
                "type": spec["type"],
                "required": spec["required"],
                "choices": [(choice, choice_label(choice)) for choice in spec.get("choices") or []],
                "value": input_value(spec, value),
                "shown": shown_value(spec, value),
                "error": field_errors.get(spec["key"], ""),
            }
        )
    unplaced = [message for key, message in field_errors.items() if key not in {q["key"] for q in questions}]
    if unplaced and not error:
        error = unplaced[0]

    if is_draft:
        verdict = await live_verdict(application, user, values)
    else:
        verdict = application["verdict"]
    withdrawable = (
        user.role == "applicant"
        and application["status"] in ("draft", "submitted")
        and not (round_["deadline"] and services.now_utc() > round_["deadline"])
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
            "status_label": status_label,
            "status_badge": status_badge,
            "screening_error": screening_error,
            "screening_form": {"decision": "computed", "reason": "", **(screening_form or {})},
        },
        status_code=status_code,
    )


class ApplicationPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @post("/rounds/{round_id:int}/apply", status_code=303)
    async def apply(self, request: Request, round_id: int) -> Redirect:
        user = require_user(request)
        try:
            row = await services.create_application(
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
        applications = await services.my_applications(user=user)
        applied = {row["round"] for row in applications}
        open_rounds = []
        if user.role == "applicant" and user.hromada_id is not None:
            open_rounds = [
                r
                for r in await services.list_rounds(user=user, status="open")
                if r["id"] not in applied and services.accepting_applications(r)
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
                "status_label": status_label,
                "status_badge": status_badge,
            },
        )

    @get("/applications/{application_id:int}")
    async def page(self, request: Request, application_id: int) -> Template:
        user = require_user(request)
        return await render_page(request, await services.get_application(application_id=application_id, user=user))

    @post("/applications/{application_id:int}/answers", status_code=303)
    async def save(
        self, request: Request, application_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        application = await services.get_application(application_id=application_id, user=user)
        round_ = await services.get_round(application["round"])
        answers = form_answers(round_["questions"], data)
        try:
            saved = await services.save_answers(
                application_id=application_id, answers=answers, user=user, actor=user.actor(client_address(request))
            )
        except DomainError as failure:
            if is_htmx(request):
                return Template(
                    "applications/_saved.html",
                    context={"saved": None, "save_error": failure.message, "oob": False},
                    status_code=failure.status_code,
                    headers={"X-Autosave-Error": "1"},
                )
            field = failure.extra.get("field", "")
            return await render_page(
                request,
                application,
                status_code=failure.status_code,
                error=failure.message,
                answers=answers,
                field_errors={field: failure.message} if field else None,
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
        application = await services.get_application(application_id=application_id, user=user)
        kind = _single(data.get("kind"))
        upload = data.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput(gettext("Choose a file to upload."), extra={"field": "file"})
            await services.add_document(
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
        application = await services.get_application(application_id=application_id, user=user)
        try:
            await services.delete_document(
                application_id=application_id,
                document_id=document_id,
                user=user,
                actor=user.actor(client_address(request)),
                storage=storage,
            )
        except DomainError as failure:
            kind = next(
                (d["kind"] for d in await services.application_documents(application_id) if d["id"] == document_id), ""
            )
            return await render_page(
                request, application, status_code=failure.status_code, document_errors={kind: failure.message}
            )
        return Redirect(f"/applications/{application_id}#documents", status_code=303)

    @get("/applications/{application_id:int}/documents/{document_id:int}")
    async def download(self, request: Request, storage: Storage, application_id: int, document_id: int) -> Response:
        user = require_user(request)
        await services.get_application_document(application_id=application_id, document_id=document_id, user=user)
        document, content = await read_document(storage=storage, document_id=document_id, user=uploader(user))
        return attachment(document, content)

    @post("/applications/{application_id:int}/submit", status_code=303)
    async def submit(
        self, request: Request, application_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        """Saves the answers the form carries (the button belongs to the answers form), then submits."""
        user = require_user(request)
        application = await services.get_application(application_id=application_id, user=user)
        round_ = await services.get_round(application["round"])
        answers = form_answers(round_["questions"], data or {})
        actor = user.actor(client_address(request))
        try:
            if answers and application["status"] == "draft":
                application = await services.save_answers(
                    application_id=application_id, answers=answers, user=user, actor=actor
                )
            await services.submit(application_id=application_id, user=user, actor=actor)
        except DomainError as failure:
            field_errors = {key: gettext("Answer this question.") for key in failure.extra.get("missing_answers", [])}
            document_errors = {
                key: gettext("Attach this document.") for key in failure.extra.get("missing_documents", [])
            }
            if failure.extra.get("field"):
                field_errors[failure.extra["field"]] = failure.message
            return await render_page(
                request,
                application,
                status_code=failure.status_code,
                error=failure.message,
                answers=answers,
                field_errors=field_errors,
                document_errors=document_errors,
            )
        return Redirect(f"/applications/{application_id}", status_code=303)

    @post("/applications/{application_id:int}/withdraw", status_code=303)
    async def withdraw(self, request: Request, application_id: int) -> Template | Redirect:
        user = require_user(request)
        application = await services.get_application(application_id=application_id, user=user)
        try:
            await services.withdraw(application_id=application_id, user=user, actor=user.actor(client_address(request)))
        except DomainError as failure:
            return await render_page(request, application, status_code=failure.status_code, error=failure.message)
        return Redirect(f"/applications/{application_id}", status_code=303)

    @post("/applications/{application_id:int}/screening", guards=[staff_only], status_code=303)
    async def screening(
        self, request: Request, application_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        application = await services.get_application(application_id=application_id, user=user)
        decision = _single(data.get("decision")) or "computed"
        reason = _single(data.get("reason"))
        form = {"decision": decision, "reason": reason}
        if decision not in SCREENING_DECISIONS:
            return await render_page(
                request,
                application,
                status_code=422,
                screening_form=form,
                error=gettext("Choose a decision: confirm the computed verdict, eligible or ineligible."),
            )
        try:
            await services.screen(
                application_id=application_id,
                eligible=None if decision == "computed" else decision == "eligible",
                reason=reason,
                user=user,
                actor=user.actor(client_address(request)),
            )
        except DomainError as failure:
            on_reason = failure.extra.get("field") == "reason"
            return await render_page(
                request,
                application,
                status_code=failure.status_code,
                screening_form=form,
                screening_error=failure.message if on_reason else "",
                error="" if on_reason else failure.message,
            )
        return Redirect(f"/applications/{application_id}", status_code=303)
