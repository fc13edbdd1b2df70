"""Reports for the campus manager: occupancy of the leasable area, utilisation of spaces, peak
hours, cancellations, and every tenant's usage of the month; each table also as CSV."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, render_template, request

from booking.api import reports as api_reports
from booking.clock import booking_now, campus_zone
from booking.core.money import hours, month_key
from booking.extensions import current_session
from booking.models import SPACE_KINDS
from booking.services import invoices as invoice_service
from booking.services import reports as report_service
from booking.services.reports import HeatCell
from booking.web import web
from booking.web.access import manager_only, me
from booking.web.display import KIND_NAMES, WEEKDAY_NAMES, WEEKDAY_SHORT

HEAT_LEVELS = 5


def month_arg(value: str | None, today: date) -> date:
    """The month asked for (YYYY-MM), else this month."""
    try:
        chosen = datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)
    if not 1901 <= chosen.year <= 8999:
        return today.replace(day=1)
    return chosen


def shift_month(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _choice(name: str, allowed: Sequence[str]) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


def heat_rows(cells: Sequence[HeatCell]) -> list[dict[str, Any]]:
    """The 168 cells as seven rows of 24, each with a shading level 0-5 relative to the
    busiest hour (0: nothing booked)."""
    busiest = max((c.booked_seconds for c in cells), default=0)
    rows: list[dict[str, Any]] = []
    for day in range(7):
        row = []
        for cell in cells[day * 24 : day * 24 + 24]:
            level = 0
            if cell.booked_seconds and busiest:
                level = max(1, math.ceil(HEAT_LEVELS * cell.booked_seconds / busiest))
            row.append({"hour": cell.hour, "hours": cell.booked_hours, "level": level})
        rows.append({"name": WEEKDAY_NAMES[day], "short": WEEKDAY_SHORT[day], "cells": row})
    return rows


def _period(month: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(month, time(0), tzinfo=tz)
    return start, datetime.combine(shift_month(month, 1), time(0), tzinfo=tz)


@web.get("/reports")
@manager_only
def reports() -> Any:
    session, user = current_session(), me()
    tz = campus_zone()
    today = booking_now().astimezone(tz).date()
    month = month_arg(request.args.get("month"), today)
    occupancy = report_service.occupancy_on(session, user, today)
    months = [shift_month(month, -k) for k in range(11, -1, -1)]
    history = report_service.occupancy_by_month(session, user, months)
    start, end = _period(month, tz)
    by_kind = report_service.utilisation(session, user, start, end, "kind", tz)
    by_building = report_service.utilisation(session, user, start, end, "building", tz)
    buildings = [str(i.key) for i in by_building]
    kind = _choice("kind", SPACE_KINDS)
    building = _choice("building", buildings)
    heat = report_service.peak_hours(session, user, start, end, tz, kind=kind, building=building)
    cancelled = report_service.cancellations(session, user, start, end, "kind")
    usages = invoice_service.usage_by_tenant(session, user, month, tz)
    chart = {
        "months": [o.label for o in history],
        "occupancy": [round(o.campus.occupancy * 100, 1) for o in history],
        "kinds": [str(KIND_NAMES.get(str(i.key), i.key)) for i in by_kind],
        "utilisation": [round(i.utilisation * 100, 1) for i in by_kind],
    }
    return render_template(
        "web/reports.html",
        month=month,
        month_key=month_key(month),
        prev_month=month_key(shift_month(month, -1)),
        next_month=month_key(shift_month(month, 1)),
        today=today,
        occupancy=occupancy,
        history=history,
        by_kind=by_kind,
        by_building=by_building,
        chart=chart,
        heat=heat_rows(heat),
        heat_total=hours(Decimal(sum(c.booked_seconds for c in heat)) / 60),
        kinds=SPACE_KINDS,
        buildings=buildings,
        kind=kind,
        building=building,
        cancelled=cancelled,
        usages=[(u, invoice_service.invoice_totals(u)) for u in usages],
    )


# ---------------------------------------------------------------------------------------------
# Every table of the page as CSV, for the signed-in manager (the API needs a token): the same
# service calls and the same columns as the API's answers to `Accept: text/csv`.


def _month_period() -> tuple[date, datetime, datetime, ZoneInfo]:
    tz = campus_zone()
    month = month_arg(request.args.get("month"), booking_now().astimezone(tz).date())
    start, end = _period(month, tz)
    return month, start, end, tz


def _occupancy_csv() -> Response:
    tz = campus_zone()
    result = report_service.occupancy_on(
        current_session(), me(), booking_now().astimezone(tz).date()
    )
    return api_reports._csv(
        ["at", "scope", "name", "leasable_m2", "leased_m2", "occupancy"],
        api_reports._occupancy_rows(result),
        f"occupancy-{result.label}.csv",
    )


def _occupancy_months_csv() -> Response:
    month = _month_period()[0]
    months = [shift_month(month, -k) for k in range(11, -1, -1)]
    results = report_service.occupancy_by_month(current_session(), me(), months)
    return api_reports._csv(
        ["month", "scope", "name", "leasable_m2", "leased_m2", "occupancy"],
        [row for result in results for row in api_reports._occupancy_rows(result)],
        f"occupancy-{month_key(months[0])}-{month_key(month)}.csv",
    )


def _utilisation_csv() -> Response:
    month, start, end, tz = _month_period()
    group_by = _choice("group_by", report_service.GROUPS) or "kind"
    items = report_service.utilisation(current_session(), me(), start, end, group_by, tz)
    key = {"space": "space_id", "kind": "kind", "building": "building"}[group_by]
    header = [key, *(["code", "name"] if group_by == "space" else [])]
    header += ["booked_hours", "open_hours", "utilisation"]
    return api_reports._csv(
        header,
        ([api_reports._item_json(item, group_by)[name] for name in header] for item in items),
        f"utilisation-{group_by}-{month_key(month)}.csv",
    )


def _peak_hours_csv() -> Response:
    month, start, end, tz = _month_period()
    cells = report_service.peak_hours(
        current_session(),
        me(),
        start,
        end,
        tz,
        kind=_choice("kind", SPACE_KINDS),
        building=request.args.get("building") or None,
    )
    columns = api_reports.PEAK_HOURS_COLUMNS
    return api_reports._csv(
        columns,
        ([api_reports.peak_hour_json(cell)[name] for name in columns] for cell in cells),
        f"peak-hours-{month_key(month)}.csv",
    )


def _cancellations_csv() -> Response:
    month, start, end, _tz = _month_period()
    group_by = _choice("group_by", report_service.GROUPS) or "kind"
    items = report_service.cancellations(current_session(), me(), start, end, group_by)
    columns = api_reports.cancellation_columns(group_by)
    return api_reports._csv(
        columns,
        (
            [api_reports.cancellation_json(item, group_by)[name] for name in columns]
            for item in items
        ),
        f"cancellations-{group_by}-{month_key(month)}.csv",
    )


_USAGE_SUMMARY = [
    "tenant_id",
    "tenant",
    "month",
    "invoice",
    "booked_hours",
    "free_hours_used",
    "rent_eur",
    "bookings_eur",
    "net_eur",
    "vat_eur",
    "total_eur",
]


def _usage_csv() -> Response:
    month, _start, _end, tz = _month_period()
    rows = []
    for usage in invoice_service.usage_by_tenant(current_session(), me(), month, tz):
        net, vat, total = invoice_service.invoice_totals(usage)
        rows.append(
            [
                usage.tenant.id,
                usage.tenant.name,
                usage.month_key,
                invoice_service.invoice_number(usage) if usage.lines else "",
                hours(usage.booked_minutes),
                hours(usage.free_minutes_used),
                usage.rent_eur,
                usage.bookings_eur,
                net,
                vat,
                total,
            ]
        )
    return api_reports._csv(_USAGE_SUMMARY, rows, f"usage-{month_key(month)}.csv")


CSV_TABLES: dict[str, Callable[[], Response]] = {
    "occupancy": _occupancy_csv,
    "occupancy-months": _occupancy_months_csv,
    "utilisation": _utilisation_csv,
    "peak-hours": _peak_hours_csv,
    "cancellations": _cancellations_csv,
    "usage": _usage_csv,
}


@web.get("/reports/<name>.csv")
@manager_only
def report_csv(name: str) -> Any:
    table = CSV_TABLES.get(name)
    if table is None:
        abort(404)
    return table()
