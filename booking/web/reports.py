"""Reports for the campus manager: occupancy of the leasable area, utilisation of spaces."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import render_template, request

from booking.clock import booking_now, campus_zone
from booking.extensions import current_session
from booking.services import reports as report_service
from booking.web import web
from booking.web.access import manager_only, me
from booking.web.display import KIND_NAMES


def _month(value: str | None, today: date) -> date:
    try:
        chosen = datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)
    if not 1901 <= chosen.year <= 8999:
        return today.replace(day=1)
    return chosen


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@web.get("/reports")
@manager_only
def reports() -> Any:
    session = current_session()
    tz = campus_zone()
    today = booking_now().astimezone(tz).date()
    month = _month(request.args.get("month"), today)
    after = _shift(month, 1)
    occupancy = report_service.occupancy_on(session, me(), today)
    months = [_shift(month, -k) for k in range(11, -1, -1)]
    history = report_service.occupancy_by_month(session, me(), months)
    start = datetime.combine(month, time(0), tzinfo=tz)
    end = datetime.combine(after, time(0), tzinfo=tz)
    by_kind = report_service.utilisation(session, me(), start, end, "kind", tz)
    by_building = report_service.utilisation(session, me(), start, end, "building", tz)
    chart = {
        "months": [o.label for o in history],
        "occupancy": [round(o.campus.occupancy * 100, 1) for o in history],
        "kinds": [str(KIND_NAMES.get(str(i.key), i.key)) for i in by_kind],
        "utilisation": [round(i.utilisation * 100, 1) for i in by_kind],
    }
    return render_template(
        "web/reports.html",
        month=month,
        prev_month=f"{_shift(month, -1):%Y-%m}",
        next_month=f"{after:%Y-%m}",
        today=today,
        occupancy=occupancy,
        history=history,
        by_kind=by_kind,
        by_building=by_building,
        chart=chart,
    )
