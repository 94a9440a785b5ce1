"""The staff's page of the catalogue of support items: the list, with the form that adds an item.
Must not decide a rule: it parses the form, calls one service and renders; a refusal re-renders with its message."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from app.accounts.auth import client_address, require_user, staff_only
from app.platform.errors import DomainError, InvalidInput
from app.platform.i18n import _
from app.procurement.labels import helpers
from app.procurement.pages.forms import Form, Pages, error_field, minor, notice, texts
from app.procurement.services.catalogue import add_catalogue_item, list_catalogue
from app.procurement.tables import CATEGORIES, CURRENCIES

ITEM_FORM = ("name_uk", "name_en", "category", "unit", "unit_price", "currency")
EMPTY_ITEM = {"name_uk": "", "name_en": "", "category": "", "unit": "", "unit_price": "", "currency": "UAH"}


async def catalogue_page(
    *,
    done: str = "",
    form: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        "procurement/catalogue.html",
        context={
            "items": await list_catalogue(active_only=False),
            "form": form or dict(EMPTY_ITEM),
            "errors": problems or {},
            "categories": CATEGORIES,
            "currencies": CURRENCIES,
            "notice": notice(done),
            **helpers(),
        },
        status_code=status_code,
    )


class CataloguePages(Pages):
    guards = [staff_only]

    @get("/catalogue")
    async def catalogue(self, done: str = "") -> Template:
        return await catalogue_page(done=done)

    @post("/catalogue", status_code=200)
    async def add_item(self, request: Request, data: Form) -> Template | Redirect:
        user = require_user(request)
        form = texts(data, ITEM_FORM)
        try:
            price = minor(form["unit_price"], "unit_price")
            if price is None:
                raise InvalidInput(_("Give the unit price."), extra={"field": "unit_price"})
            await add_catalogue_item(
                data={
                    "name_uk": form["name_uk"],
                    "name_en": form["name_en"],
                    "category": form["category"],
                    "unit": form["unit"] or "pcs",
                    "unit_price_minor": price,
                    "currency": form["currency"] or "UAH",
                },
                actor=user.actor(client_address(request)),
            )
        except DomainError as error:
            field = "unit_price" if error_field(error) == "unit_price_minor" else error_field(error)
            return await catalogue_page(
                form=form, problems={field if field in form else "": error.message}, status_code=error.status_code
            )
        return Redirect("/catalogue?done=item", status_code=303)
