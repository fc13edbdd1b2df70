"""A tenant's usage and invoices as pages: the months, and each month's invoice to print.

The manager sees every tenant's; a tenant_admin its own tenant's; anyone else gets 404 (the
services decide). The UBL document and the usage CSV are served here too, for the session
user, with the same bodies as the API's.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_currency, format_decimal, get_locale

from booking.api.reports import _USAGE_COLUMNS, _csv, _line_json
from booking.clock import booking_now, campus_zone
from booking.core.money import hours, month_key, parse_month
from booking.extensions import current_session
from booking.services import invoices as invoice_service
from booking.web import web
from booking.web.access import me, signed_in
from booking.web.reports import shift_month


@web.app_template_filter("eur")
def format_eur(amount: Decimal | float | int | None) -> str:
    """An amount in euro the reader's way: `€ 1.234,56` in Dutch, `€1,234.56` in English."""
    if amount is None:
        return ""
    return str(format_currency(Decimal(amount), "EUR"))


@web.app_template_filter("minutes_as_hours")
def format_hours(minutes: Decimal | None) -> str:
    """Minutes as hours with two decimals, the reader's way (1,50 or 1.50)."""
    return str(format_decimal(hours(Decimal(minutes or 0)), format="#,##0.00"))


@web.app_template_filter("local_number")
def format_number(value: Decimal | float | int | None, pattern: str = "#,##0.##") -> str:
    """A number the reader's way: 24,5 in Dutch, 24.5 in English."""
    if value is None:
        return ""
    return str(format_decimal(value, format=pattern))


@web.app_template_filter("iban")
def format_iban(iban: str) -> str:
    """In groups of four, as people write it down: BE68 5390 0754 7034."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


@web.app_template_filter("country")
def country_name(code: str) -> str:
    """A two-letter country code as the reader's language names it (BE: België)."""
    return str(get_locale().territories.get(code.upper(), code)) if get_locale() else code


def _today() -> date:
    return booking_now().astimezone(campus_zone()).date()


def _month(text: str) -> date:
    try:
        return parse_month(text)
    except ValueError:
        abort(404)


@web.get("/usage")
@signed_in
def usage() -> Any:
    """The navigation's "Usage & invoices": a tenant_admin's own tenant."""
    if me().role == "manager":
        return redirect(url_for("web.reports", _anchor="invoices"))
    if me().role != "tenant_admin" or me().tenant_id is None:
        abort(404)
    return redirect(url_for("web.tenant_invoices", tenant_id=me().tenant_id))


@web.get("/tenants/<int:tenant_id>/invoices")
@signed_in
def tenant_invoices(tenant_id: int) -> Any:
    chosen = request.args.get("month")
    if chosen:
        return redirect(url_for("web.invoice_page", tenant_id=tenant_id, month=chosen))
    history = invoice_service.usage_history(
        current_session(), me(), tenant_id, _today(), campus_zone()
    )
    return render_template(
        "web/usage.html",
        tenant=history[0].tenant,
        history=history,
        totals={u.month_key: invoice_service.invoice_totals(u) for u in history},
        numbers={u.month_key: invoice_service.invoice_number(u) for u in history},
        this_month=_today().replace(day=1),
    )


@web.get("/tenants/<int:tenant_id>/invoices/<month>")
@signed_in
def invoice_page(tenant_id: int, month: str) -> Any:
    first = _month(month)
    found = invoice_service.invoice(
        current_session(),
        me(),
        tenant_id,
        first,
        campus_zone(),
        config=dict(current_app.config),
        today=_today(),
    )
    page = render_template(
        "web/invoice.html",
        invoice=found,
        month=first,
        prev_month=month_key(shift_month(first, -1)),
        next_month=month_key(shift_month(first, 1)),
        running=first >= _today().replace(day=1),
    )
    # A month with nothing to charge has no invoice, as the API says; the page says so too.
    return page, 200 if found.lines else 404


@web.get("/tenants/<int:tenant_id>/invoices/<month>.xml")
@signed_in
def invoice_xml(tenant_id: int, month: str) -> Any:
    first = _month(month)
    session, tz = current_session(), campus_zone()
    found = invoice_service.usage(session, me(), tenant_id, first, tz)
    if not found.lines:
        abort(404)
    body = invoice_service.invoice_xml(
        found,
        invoice_service.seller_from(dict(current_app.config)),
        invoice_service.buyer_of(session, found.tenant),
        today=_today(),
        tz=tz,
    )
    response = Response(body, mimetype="application/xml")
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    number = invoice_service.invoice_number(found)
    response.headers["Content-Disposition"] = f'attachment; filename="invoice-{number}.xml"'
    return response


@web.get("/tenants/<int:tenant_id>/usage/<month>.csv")
@signed_in
def usage_csv(tenant_id: int, month: str) -> Any:
    found = invoice_service.usage(current_session(), me(), tenant_id, _month(month), campus_zone())
    lines = [_line_json(line) for line in found.lines]
    return _csv(
        _USAGE_COLUMNS,
        ([line.get(name) for name in _USAGE_COLUMNS] for line in lines),
        f"usage-{tenant_id}-{found.month_key}.csv",
    )
