"""How the pages write things: dates dd/mm/yyyy and 24-hour times in campus time, words for
codes (kinds, statuses, reasons), in the reader's language."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from booking.clock import campus_zone
from booking.web import web

KIND_NAMES = {
    "office": _l("Office"),
    "meeting_room": _l("Meeting room"),
    "training_room": _l("Training room"),
    "event_space": _l("Event space"),
    "collaboration": _l("Collaboration space"),
    "lab": _l("Lab"),
    "cleanroom": _l("Cleanroom"),
}

# One pictogram per kind (inline SVG paths, 24x24, drawn with the text colour).
KIND_ICONS = {
    "office": "M4 20V6l8-3 8 3v14H4zm4-10h2v2H8zm6 0h2v2h-2zM8 14h2v2H8zm6 0h2v2h-2z",
    "meeting_room": "M3 10h18v3H3zM6 13v6M18 13v6M7 7a2 2 0 1 0 0-.1M17 7a2 2 0 1 0 0-.1",
    "training_room": "M3 4h18v11H3zM8 20l4-5 4 5M7 8h6M7 11h10",
    "event_space": "M2 20h20M4 20V9l8-5 8 5v11M9 20v-6h6v6",
    "collaboration": (
        "M8 11a3 3 0 1 0 0-.1M16 11a3 3 0 1 0 0-.1"
        "M3 20c0-3 2-5 5-5s5 2 5 5M11 20c0-3 2-5 5-5s5 2 5 5"
    ),
    "lab": "M9 3h6M10 3v6L4 20h16L14 9V3M7 15h10",
    "cleanroom": "M12 2l2.5 5.5L20 10l-5.5 2.5L12 18l-2.5-5.5L4 10l5.5-2.5z",
}

STATUS_NAMES = {
    "pending": _l("Awaiting approval"),
    "confirmed": _l("Confirmed"),
    "rejected": _l("Rejected"),
    "cancelled": _l("Cancelled"),
}

REASON_NAMES = {
    "booking": _l("Booked"),
    "buffer": _l("Buffer (cleaning, gowning)"),
    "closed": _l("Closed"),
    "outside_opening_hours": _l("Outside opening hours"),
}

ROLE_NAMES = {
    "member": _l("Member"),
    "tenant_admin": _l("Tenant administrator"),
    "manager": _l("Campus manager"),
}

WEEKDAY_NAMES = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)
WEEKDAY_SHORT = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


def local(moment: datetime) -> datetime:
    return moment.astimezone(campus_zone())


@web.app_template_filter("datetime")
def format_datetime(moment: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in campus time."""
    if moment is None:
        return ""
    return local(moment).strftime("%d/%m/%Y %H:%M")


@web.app_template_filter("date")
def format_date(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%d/%m/%Y")


@web.app_template_filter("time")
def format_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return local(moment).strftime("%H:%M")


@web.app_template_filter("span")
def format_span(interval: Any) -> str:
    """A start and end as one phrase: `01/12/2026 10:00–11:00`, or both dates when they differ."""
    start, end = local(interval[0]), local(interval[1])
    if start.date() == end.date():
        return f"{start:%d/%m/%Y %H:%M}–{end:%H:%M}"
    return f"{start:%d/%m/%Y %H:%M} – {end:%d/%m/%Y %H:%M}"


@web.app_template_filter("weekday")
def format_weekday(value: datetime | date) -> str:
    if isinstance(value, datetime):
        value = local(value)
    return str(WEEKDAY_NAMES[value.weekday()])


@web.app_template_filter("kind")
def kind_name(kind: str) -> str:
    return str(KIND_NAMES.get(kind, kind))


@web.app_template_filter("status")
def status_name(status: str) -> str:
    return str(STATUS_NAMES.get(status, status))


@web.app_template_filter("reason")
def reason_name(reason: str) -> str:
    return str(REASON_NAMES.get(reason, reason))


@web.app_template_filter("role")
def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


@web.app_template_filter("kind_icon")
def kind_icon(kind: str) -> Markup:
    path = KIND_ICONS.get(kind, KIND_ICONS["office"])
    return Markup(
        '<svg class="kind-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
        '<path d="{}"/></svg>'
    ).format(path)


@web.app_template_filter("input_value")
def input_value(moment: datetime | None) -> str:
    """A datetime-local input's value (campus time)."""
    if moment is None:
        return ""
    return local(moment).strftime("%Y-%m-%dT%H:%M")


@web.app_context_processor
def page_helpers() -> dict[str, Any]:
    def switch_language(code: str) -> str:
        args = request.args.to_dict()
        args["lang"] = code
        from urllib.parse import urlencode

        return f"{request.path}?{urlencode(args)}"

    return {
        "switch_language": switch_language,
        "campus_name": _("Health Campus Innovation Hub"),
    }
