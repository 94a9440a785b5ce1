"""The staff's procurement dashboard: stages, overdue milestones and money per oblast as figures and SVG charts,
the exchange rate and the round's tolerance forms, and the XLSX export. Must not decide a rule: it parses forms,
calls one service and renders; a refusal re-renders the dashboard with its message."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import File, Redirect, Template

from app.accounts.auth import client_address, require_user, staff_only
from app.applications.services import rounds as applications
from app.platform.errors import DomainError, InvalidInput, NotFound
from app.platform.i18n import _, pick
from app.procurement import charts
from app.procurement.api import XLSX, xlsx_download
from app.procurement.labels import MONEY_LABELS, STAGE_HEADINGS, helpers
from app.procurement.pages.forms import Form, Pages, error_field, notice, query, record_id, text, whole
from app.procurement.pages.projects import rounds_for
from app.procurement.services.contracts import set_tolerance, tolerance_of
from app.procurement.services.dashboard import dashboard
from app.procurement.services.export import export_to_file
from app.procurement.services.inputs import kyiv_today, parse_date
from app.procurement.services.money import MONEY_KINDS, set_rate
from app.procurement.services.overview import STAGES
from app.procurement.tables import CURRENCIES


def _stage_chart(reached: dict[str, int]) -> Any:
    return charts.bar_chart(
        chart_id="chart-stages",
        title=_("Winners at each stage"),
        description=_("Each bar counts the winners that have reached the stage. The figures are also given above."),
        groups=[charts.Group(_(STAGE_HEADINGS[s]), [reached[s]]) for s in STAGES],
        series=[charts.Series("stage", _("Winners"))],
        axis_label=_("Number of winners"),
        whole=True,
        legend=False,
    )


def _money_chart(per_oblast: list[dict[str, Any]], currency: str) -> Any:
    def major(minor: int | None) -> float | None:
        return None if minor is None else minor / 100

    return charts.bar_chart(
        chart_id="chart-money",
        title=_("Money per oblast: planned, contracted and accepted, %(currency)s", currency=currency),
        description=_("The same amounts are in the table next to the chart."),
        groups=[
            charts.Group(
                pick(o["oblast_name_uk"], o["oblast_name_en"]), [major(o[kind][currency]) for kind in MONEY_KINDS]
            )
            for o in per_oblast
        ],
        series=[charts.Series(kind, _(MONEY_LABELS[kind])) for kind in MONEY_KINDS],
        axis_label=_("Amount, %(currency)s", currency=currency),
    )


async def dashboard_page(
    request: Request,
    *,
    round_id: int | None,
    programme_id: int | None,
    currency: str,
    as_of: str = "",
    done: str = "",
    problems: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Template:
    currency = currency if currency in CURRENCIES else "UAH"
    data = await dashboard(round_id=round_id, programme_id=programme_id, today=parse_date(as_of, "as_of"))
    rounds = await rounds_for(request)
    round_ = next((r for r in rounds if r["id"] == round_id), None)
    if round_id and round_ is None:
        raise NotFound(_("There is no such round."))
    tolerance = await tolerance_of({"round": round_id}) if round_id else None
    filters = {"round": round_id or "", "programme": programme_id or "", "as_of": as_of or ""}
    values = values or {}
    return Template(
        "procurement/dashboard.html",
        context={
            "data": data,
            "rounds": rounds,
            "round": round_,
            "programmes": await applications.list_programmes(),
            "filters": filters,
            "currency": currency,
            "currency_links": {c: query(**filters, currency=c if c != "UAH" else "") for c in CURRENCIES},
            "export_href": "/projects.xlsx" + query(round=round_id),
            "projects_href": "/projects" + query(round=round_id),
            "stage_keys": STAGES,
            "stage_headings": {s: _(STAGE_HEADINGS[s]) for s in STAGES},
            "stage_chart": _stage_chart(data["reached"]),
            "money_chart": _money_chart(data["per_oblast"], currency) if data["per_oblast"] else "",
            "money_labels": {k: _(v) for k, v in MONEY_LABELS.items()},
            "tolerance": tolerance,
            "notice": notice(done),
            "problems": problems or {},
            "rate_form": values.get("rate") or {"on_date": kyiv_today().isoformat(), "uah_per_eur": ""},
            "tolerance_form": values.get("tolerance") or {"tolerance_percent": "" if tolerance is None else tolerance},
            **helpers(),
        },
        status_code=status_code,
    )


class DashboardPages(Pages):
    guards = [staff_only]

    @get("/dashboard")
    async def dashboard(
        self,
        request: Request,
        round: str = "",
        programme: str = "",
        currency: str = "UAH",
        as_of: str = "",
        done: str = "",
    ) -> Template:
        return await dashboard_page(
            request,
            round_id=record_id(round),
            programme_id=record_id(programme),
            currency=currency,
            as_of=as_of,
            done=done,
        )

    @post("/exchange-rates", status_code=200)
    async def set_rate(self, request: Request, data: Form) -> Template | Redirect:
        user = require_user(request)
        form = {"on_date": text(data, "on_date"), "uah_per_eur": text(data, "uah_per_eur")}
        view = {
            "round_id": record_id(text(data, "round")),
            "programme_id": record_id(text(data, "programme")),
            "currency": text(data, "currency") or "UAH",
        }
        try:
            await set_rate(
                on_date=form["on_date"], uah_per_eur=form["uah_per_eur"], actor=user.actor(client_address(request))
            )
        except DomainError as error:
            field = error_field(error) if error_field(error) in form else "uah_per_eur"
            return await dashboard_page(
                request,
                **view,
                problems={"rate": {field: error.message}},
                values={"rate": form},
                status_code=error.status_code,
            )
        target = query(round=view["round_id"], programme=view["programme_id"], currency=view["currency"], done="rate")
        return Redirect(f"/dashboard{target}#settings", status_code=303)

    @post("/rounds/{round_id:int}/procurement-tolerance", status_code=200)
    async def set_tolerance(self, request: Request, round_id: int, data: Form) -> Template | Redirect:
        user = require_user(request)
        form = {"tolerance_percent": text(data, "tolerance_percent")}
        try:
            percent = whole(form["tolerance_percent"], "tolerance_percent")
            if percent is None:
                raise InvalidInput(
                    _("The tolerance must be a whole percentage from 0 to 100."), extra={"field": "tolerance_percent"}
                )
            await set_tolerance(round_id=round_id, percent=percent, actor=user.actor(client_address(request)))
        except DomainError as error:
            if error.status_code == 404:
                raise
            return await dashboard_page(
                request,
                round_id=round_id,
                programme_id=None,
                currency="UAH",
                problems={"tolerance": {"tolerance_percent": error.message}},
                values={"tolerance": form},
                status_code=error.status_code,
            )
        return Redirect(f"/dashboard?round={round_id}&done=tolerance#settings", status_code=303)

    @get("/projects.xlsx", media_type=XLSX)
    async def export(self, round: str = "") -> File:
        round_id = record_id(round)
        name = f"projects-round-{round_id}.xlsx" if round_id else "projects.xlsx"
        return xlsx_download(await export_to_file(round_id=round_id), name)
