"""Spaces: the search (with "free between"), and a space's page with its week and the form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import Form, IntegerField, SelectField, SelectMultipleField, widgets
from wtforms.fields import DateTimeLocalField
from wtforms.validators import NumberRange, Optional, ValidationError

from booking.clock import booking_now, campus_zone
from booking.core.intervals import Interval
from booking.errors import DomainError
from booking.extensions import current_session, db
from booking.models import SPACE_KINDS
from booking.services import bookings as booking_service
from booking.services import campus as campus_service
from booking.services import catalog as catalog_service
from booking.services import spaces as space_service
from booking.services.catalog import SpaceView
from booking.services.people import holds_qualification
from booking.web import web
from booking.web.access import me, signed_in
from booking.web.display import KIND_NAMES, WEEKDAY_SHORT
from booking.web.feedback import Problem, problem_of
from booking.web.forms import LOCAL_FORMATS, BookingForm
from booking.web.pages import clock


class _Checkboxes(SelectMultipleField):  # type: ignore[misc]
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SearchForm(Form):  # type: ignore[misc]
    """The search's filters (a GET form: it changes nothing)."""

    kind = SelectField(_l("Kind"), default="", validate_choice=True)
    building = SelectField(_l("Building"), default="", validate_choice=True)
    min_capacity = IntegerField(
        _l("At least this many people"), validators=[Optional(), NumberRange(1, 100000)]
    )
    feature = _Checkboxes(_l("Features"), validate_choice=True)
    free_from = DateTimeLocalField(_l("Free from"), format=LOCAL_FORMATS, validators=[Optional()])
    free_to = DateTimeLocalField(_l("Free until"), format=LOCAL_FORMATS, validators=[Optional()])

    def validate_free_to(self, field: DateTimeLocalField) -> None:
        start = self.free_from.data
        if (start is None) != (field.data is None):
            raise ValidationError(_l("Give both times, or neither."))
        if start is not None and field.data is not None and field.data <= start:
            raise ValidationError(_l("Choose an end after the start."))


@web.get("/spaces")
@signed_in
def spaces() -> Any:
    session = current_session()
    tz = campus_zone()
    cat = catalog_service.load(session)
    features = sorted({f for v in cat.spaces if v.active for f in v.features})
    form = SearchForm(request.args)
    form.kind.choices = [("", _("Any kind"))] + [(k, str(KIND_NAMES[k])) for k in SPACE_KINDS]
    form.building.choices = [("", _("Any building"))] + [
        (b.code, b.name) for b in campus_service.list_buildings(session)
    ]
    form.feature.choices = [(f, f) for f in features]
    results: list[SpaceView] = []
    searched_free = False
    if form.validate():
        free_from = form.free_from.data.replace(tzinfo=tz) if form.free_from.data else None
        free_to = form.free_to.data.replace(tzinfo=tz) if form.free_to.data else None
        searched_free = free_from is not None
        try:
            results = space_service.search(
                session,
                me(),
                space_service.SpaceFilter(
                    kind=form.kind.data or None,
                    building=form.building.data or None,
                    min_capacity=form.min_capacity.data,
                    features=tuple(form.feature.data or ()),
                ),
                now=booking_now(),
                tz=tz,
                free_from=free_from,
                free_to=free_to,
            )
        except DomainError as err:
            flash(err.message, "error")
    today = booking_now().astimezone(tz).date()
    qualified = {
        v.id
        for v in results
        if v.rules.required_qualification is None
        or holds_qualification(me(), v.rules.required_qualification, today)
    }
    return render_template(
        "web/spaces.html",
        form=form,
        results=results,
        qualified=qualified,
        searched_free=searched_free,
        free_args=(
            {"start": request.args.get("free_from"), "end": request.args.get("free_to")}
            if searched_free
            else {}
        ),
    )


# ---------------------------------------------------------------------------------------------
# A space's page


@dataclass
class Block:
    kind: str  # free, mine, booking, buffer, closed, outside_opening_hours
    start: datetime
    end: datetime
    top: float
    height: float
    booking_id: int | None = None
    title: str = ""


@dataclass
class Day:
    day: date
    label: str
    blocks: list[Block]
    free: list[Block]


def _week_start(value: str | None, today: date) -> date:
    try:
        chosen = date.fromisoformat(value) if value else today
    except ValueError:
        chosen = today
    if not 1901 <= chosen.year <= 8999:
        chosen = today
    return chosen - timedelta(days=chosen.weekday())


def _hour_range(view: SpaceView) -> tuple[int, int]:
    hours = view.rules.opening_hours
    if not hours:
        return 7, 22
    starts = [a for spans in hours.values() for a, _b in spans]
    ends = [b for spans in hours.values() for _a, b in spans]
    first = max(0, min(starts) // 60)
    last = min(24, -(-max(ends) // 60))
    if last - first < 4:
        first, last = max(0, first - 2), min(24, last + 2)
    return first, last


def _free_slots(free: Interval, now: datetime, tz: ZoneInfo, step_min: int) -> list[Interval]:
    """A free interval cut at whole hours, so that each slot is one click; the past left out."""
    slots = []
    cursor = max(free.start, now)
    # Round the cursor up to the space's grid (in local time).
    local = cursor.astimezone(tz)
    minutes = local.hour * 60 + local.minute
    up = (
        (-minutes) % step_min
        if local.second == 0 and local.microsecond == 0
        else step_min - (minutes % step_min)
    )
    cursor = (local.replace(second=0, microsecond=0) + timedelta(minutes=up)).astimezone(tz)
    while cursor < free.end:
        local = cursor.astimezone(tz)
        next_hour = (local.replace(minute=0) + timedelta(hours=1)).astimezone(tz)
        end = min(next_hour, free.end)
        if end - cursor >= timedelta(minutes=min(step_min, 15)):
            slots.append(Interval(cursor, end))
        cursor = end
    return slots


def _week(view: SpaceView, monday: date, tz: ZoneInfo) -> tuple[list[Day], tuple[int, int]]:
    session = current_session()
    start = datetime.combine(monday, time(0), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
    avail = space_service.space_availability(session, me(), view.id, start, end, tz)
    mine, _cursor = booking_service.list_bookings(
        session,
        me(),
        booking_service.BookingFilter(start=start, end=end, space_id=view.id, user_id=me().id),
        limit=500,
        cursor=None,
    )
    mine = [b for b in mine if b.status in booking_service.ACTIVE]
    mine_ids = {b.id for b in mine}
    first, last = _hour_range(view)
    now = booking_now()
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        top = datetime.combine(day, time(first), tzinfo=tz) if first < 24 else None
        bottom = (
            datetime.combine(day, time(last), tzinfo=tz)
            if last < 24
            else datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        )
        assert top is not None
        span = (bottom - top).total_seconds()

        def place(kind: str, a: datetime, b: datetime, **extra: Any) -> Block | None:
            a, b = max(a, top), min(b, bottom)  # noqa: B023
            if b <= a:
                return None
            return Block(
                kind,
                a,
                b,
                top=(a - top).total_seconds() / span * 100,  # noqa: B023
                height=(b - a).total_seconds() / span * 100,  # noqa: B023
                **extra,
            )

        blocks: list[Block] = []
        for entry in avail.busy:
            if entry.booking_id is not None and entry.booking_id in mine_ids:
                continue
            block = place(entry.reason, entry.start, entry.end)
            if block:
                blocks.append(block)
        for booking in mine:
            block = place(
                "mine", booking.start, booking.end, booking_id=booking.id, title=booking.title
            )
            if block:
                blocks.append(block)
        free: list[Block] = []
        for interval in avail.free:
            for slot in _free_slots(interval, now, tz, view.rules.granularity_min):
                block = place("free", slot.start, slot.end)
                if block:
                    free.append(block)
        blocks.sort(key=lambda b: b.start)
        days.append(Day(day, f"{WEEKDAY_SHORT[day.weekday()]} {day:%d/%m}", blocks, free))
    return days, (first, last)


def _parse_local(value: str | None, tz: ZoneInfo) -> datetime | None:
    for fmt in LOCAL_FORMATS:
        try:
            return datetime.strptime(value or "", fmt)
        except ValueError:
            continue
    return None


def _render_space(view: SpaceView, form: BookingForm, problem: Problem | None, status: int) -> Any:
    tz = campus_zone()
    today = booking_now().astimezone(tz).date()
    monday = _week_start(request.args.get("week"), today)
    if form.start.data is not None and "week" not in request.args:
        monday = _week_start(form.start.data.date().isoformat(), today)
    days, hours = _week(view, monday, tz)
    rules = view.rules
    return (
        render_template(
            "web/space.html",
            space=view,
            rules=rules,
            form=form,
            problem=problem,
            days=days,
            hours=hours,
            monday=monday,
            prev_week=(monday - timedelta(days=7)).isoformat(),
            next_week=(monday + timedelta(days=7)).isoformat(),
            this_week=_week_start(None, today).isoformat(),
            weekday_short=WEEKDAY_SHORT,
            opening=view.opening_hours_json,
            qualified=rules.required_qualification is None
            or holds_qualification(me(), rules.required_qualification, today),
        ),
        status,
    )


@web.route("/spaces/<int:space_id>", methods=["GET", "POST"])
@signed_in
def space_page(space_id: int) -> Any:
    session = current_session()
    view = space_service.get_space(session, me(), space_id)
    form = BookingForm()
    tz = campus_zone()
    if request.method == "GET":
        form.start.data = _parse_local(request.args.get("start"), tz)
        form.end.data = _parse_local(request.args.get("end"), tz)
        return _render_space(view, form, None, 200)
    if not form.validate_on_submit():
        return _render_space(view, form, None, 422)
    assert form.start.data is not None and form.end.data is not None
    booking_request = booking_service.BookingRequest(
        space_id=view.id,
        start=form.start.data.replace(tzinfo=tz),
        end=form.end.data.replace(tzinfo=tz),
        title=(form.title.data or "").strip(),
        attendees=form.attendees.data,
        rrule=form.rrule(),
        skip_conflicts=bool(form.skip_conflicts.data),
    )
    try:
        if booking_request.rrule is None:
            booking = booking_service.book(session, me(), booking_request, clock())
            booking_id = booking.id
            status = booking.status
        else:
            result = booking_service.book_series(session, me(), booking_request, clock())
            booking_id = None
    except DomainError as err:
        db.session.rollback()
        return _render_space(view, form, problem_of(err, tz), err.status)
    db.session.commit()
    if booking_id is not None:
        if status == "pending":
            flash(_("Your booking was requested: the campus manager will approve it."), "success")
        else:
            flash(_("Your booking is confirmed."), "success")
        return redirect(url_for("web.booking_page", booking_id=booking_id))
    made = len(result.bookings)
    message = ngettext("%(num)d booking was made.", "%(num)d bookings were made.", made)
    if result.skipped:
        skipped = ", ".join(s.start.astimezone(tz).strftime("%d/%m/%Y") for s in result.skipped)
        message += " " + _("Skipped because taken or not allowed: %(dates)s.", dates=skipped)
    flash(message, "success")
    if result.bookings:
        return redirect(url_for("web.booking_page", booking_id=result.bookings[0].id))
    return redirect(url_for("web.home"))
