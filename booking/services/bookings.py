"""Book, change, cancel, approve: the booking engine's use cases.

A write locks the space first (PostgreSQL: the space's row; SQLite: the transaction already
holds the database's write lock), reads what is near in range queries, asks core/ for the
verdict and flushes. The database's own overlap guard has the last word; its refusal becomes
the same 409 as a conflict found here.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from booking.core.availability import BookedSlot, alternative_slots, conflicts
from booking.core.intervals import Interval
from booking.core.recurrence import RecurrenceError, expand, parse_rule
from booking.core.rules import MAX_BOOKING_DAYS, RuleContext, Violation, check
from booking.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    QualificationRequired,
    RuleViolation,
)
from booking.models import Booking, Series, Space, User
from booking.services import audit, notifications, scheduling
from booking.services import catalog as catalog_service
from booking.services.catalog import SpaceView
from booking.services.spaces import SpaceFilter, get_space, may_book, qualified, search
from booking.timefmt import interval_json, iso_local

ACTIVE = ("pending", "confirmed")
SCOPES = ("occurrence", "following", "series")


@dataclass(frozen=True)
class BookingRequest:
    space_id: int
    start: datetime
    end: datetime
    title: str
    attendees: int | None = None
    notes: str = ""
    rrule: str | None = None
    skip_conflicts: bool = False


@dataclass(frozen=True)
class Skipped:
    start: datetime
    end: datetime
    reason: str


@dataclass
class SeriesResult:
    series: Series
    bookings: list[Booking]
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(frozen=True)
class Clock:
    now: datetime
    tz: ZoneInfo


# ---------------------------------------------------------------------------------------------
# Reading


def visible_to(user: User, booking: Booking) -> bool:
    """Owner, the owner's tenant admin and the manager see a booking in full."""
    if user.role == "manager" or booking.user_id == user.id:
        return True
    return (
        user.role == "tenant_admin"
        and user.tenant_id is not None
        and booking.tenant_id == user.tenant_id
    )


# Ids are 32-bit integer columns; no booking has a larger one (and SQLite refuses parameters
# beyond 64 bits instead of finding nothing).
MAX_ID = 2**31 - 1


def get_booking(
    session: Session, user: User, booking_id: int, *, for_update: bool = False
) -> Booking:
    """The booking as the user may see it; NotFound for one they may not see.

    for_update: for a change of state. The booking's row is locked (PostgreSQL; SQLite's
    writers are serialized already) and read afresh, so that two actions on one booking, such
    as a cancel and an approval, run one after the other; otherwise both read "pending" and
    the approval brings a booking that was just cancelled back as confirmed. An occurrence's
    series row is locked first: every action on a series (which may touch all its rows) and
    on its occurrences then takes its locks in one order, series before bookings.
    """
    booking = session.get(Booking, booking_id) if 0 < booking_id <= MAX_ID else None
    if booking is None or not visible_to(user, booking):
        raise NotFound(f"There is no booking {booking_id}.")
    if for_update:
        if booking.series_id is not None:
            session.execute(
                select(Series.id).where(Series.id == booking.series_id).with_for_update()
            )
        locked = session.scalar(
            select(Booking)
            .where(Booking.id == booking_id)
            .with_for_update(of=Booking)
            .execution_options(populate_existing=True)
        )
        assert locked is not None  # bookings are never deleted
        booking = locked
    return booking


@dataclass(frozen=True)
class BookingFilter:
    start: datetime | None = None
    end: datetime | None = None
    space_id: int | None = None
    status: str | None = None
    user_id: int | None = None


def encode_cursor(booking: Booking) -> str:
    raw = json.dumps([booking.start.isoformat(), booking.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """A cursor of encode_cursor (or of pending_approvals) back as (time, id); BadRequest for
    anything else, including well-formed JSON with times or ids no database could hold."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        start_text, booking_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        start = datetime.fromisoformat(start_text)
        if start.tzinfo is None or type(booking_id) is not int:
            raise ValueError
        start = start.astimezone(UTC)
        if not 1900 <= start.year <= 9000 or not 0 <= booking_id <= MAX_ID:
            raise ValueError
        return start, booking_id
    except (
        ValueError,
        TypeError,
        OverflowError,
        binascii.Error,
        json.JSONDecodeError,
        UnicodeDecodeError,
    ):
        raise BadRequest(
            "This cursor was not given by the API.", details={"fields": {"cursor": "invalid"}}
        ) from None


def list_bookings(
    session: Session, user: User, flt: BookingFilter, *, limit: int, cursor: str | None
) -> tuple[list[Booking], str | None]:
    """Bookings the user may see in full, in time order, one page at a time."""
    query = select(Booking)
    if user.role == "manager":
        pass
    elif user.role == "tenant_admin" and user.tenant_id is not None:
        query = query.where(Booking.tenant_id == user.tenant_id)
    else:
        query = query.where(Booking.user_id == user.id)
    if flt.start is not None:
        query = query.where(Booking.end > flt.start)
    if flt.end is not None:
        query = query.where(Booking.start < flt.end)
    if flt.space_id is not None:
        query = query.where(Booking.space_id == flt.space_id)
    if flt.status is not None:
        query = query.where(Booking.status == flt.status)
    if flt.user_id is not None:
        query = query.where(Booking.user_id == flt.user_id)
    if cursor:
        after_start, after_id = decode_cursor(cursor)
        query = query.where(
            or_(
                Booking.start > after_start,
                and_(Booking.start == after_start, Booking.id > after_id),
            )
        )
    rows = list(session.scalars(query.order_by(Booking.start, Booking.id).limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


# ---------------------------------------------------------------------------------------------
# Checking one occurrence


def lock_space(session: Session, space_id: int) -> int:
    """Serialize writers of one space (SQLite's IMMEDIATE transaction already does) and
    return the space's longest busy time in minutes, read under the lock.

    The range queries of the checks take that as their lower bound. It must be read after
    the lock: a writer that waited may find that the one before it made a longer booking,
    which a bound read earlier (say, from the catalog) would not reach.
    """
    suffix = " FOR UPDATE" if session.get_bind().dialect.name == "postgresql" else ""
    longest = session.execute(
        text(f"SELECT longest_busy_min FROM spaces WHERE id = :id{suffix}"), {"id": space_id}
    ).scalar()
    return int(longest or 0)


def _violation_error(violations: Sequence[Violation]) -> RuleViolation:
    first = violations[0]
    return RuleViolation(
        first.message,
        code=first.code,
        details={
            **first.details,
            "violations": [
                {"code": v.code, "message": v.message, "details": v.details} for v in violations
            ],
        },
    )


def _conflict_entries(
    start: datetime, end: datetime, view: SpaceView, in_way: Sequence[BookedSlot], tz: ZoneInfo
) -> list[dict[str, str]]:
    busy = Interval(
        start - timedelta(minutes=view.rules.buffer_before_min),
        end + timedelta(minutes=view.rules.buffer_after_min),
    )
    entries = []
    for slot in in_way:
        if slot.booked.overlaps(busy) or slot.booked.overlaps(Interval(start, end)):
            entries.append({**interval_json(slot.start, slot.end, tz), "reason": "booking"})
        elif slot.busy.start < slot.start and Interval(slot.busy.start, slot.start).overlaps(busy):
            entries.append({**interval_json(slot.busy.start, slot.start, tz), "reason": "buffer"})
        else:
            entries.append({**interval_json(slot.end, slot.busy.end, tz), "reason": "buffer"})
    return entries


_LONGEST_BOOKING = timedelta(days=MAX_BOOKING_DAYS)


def _span(windows: Sequence[Interval]) -> Interval | None:
    if not windows:
        return None
    return Interval(min(w.start for w in windows), max(w.end for w in windows))


class _Checker:
    """Everything needed to judge occurrences of one request in one space, read once."""

    def __init__(
        self,
        session: Session,
        actor: User,
        view: SpaceView,
        occurrences: Sequence[tuple[datetime, datetime]],
        clock: Clock,
        exclude_ids: Sequence[int] = (),
        longest_busy_min: int | None = None,
    ) -> None:
        """longest_busy_min: the space's, as lock_space() read it; without it (checks that
        decide nothing, such as explaining an unusable rule) the catalog's is used."""
        self.session = session
        self.actor = actor
        self.view = view
        self.clock = clock
        self.exclude_ids = list(exclude_ids)
        self.privileged = actor.role == "manager"
        rules = view.rules
        before = timedelta(minutes=rules.buffer_before_min)
        after = timedelta(minutes=rules.buffer_after_min)
        windows = [Interval(s - before, e + after) for s, e in occurrences if e > s]
        # Only a booking that may exist at all can conflict or count against a quota: one
        # longer than MAX_BOOKING_DAYS is too_long whatever else, and reading the bookings
        # of its span (the years 1900 to 9000, say) would read the space's whole history.
        bounded = [
            Interval(s - before, e + after)
            for s, e in occurrences
            if timedelta(0) < e - s <= _LONGEST_BOOKING
        ]
        self.longest = (
            longest_busy_min
            if longest_busy_min is not None
            else catalog_service.load(session).longest_busy_min
        )
        self.booked: list[BookedSlot] = (
            scheduling.booked_slots(
                session,
                [view.id],
                bounded,
                longest_busy_min=self.longest,
                exclude_ids=self.exclude_ids,
            ).get(view.id, [])
            if bounded
            else []
        )
        span = _span(windows)
        bounded_span = _span(bounded)
        self.closures = (
            scheduling.closures_for(view, scheduling.closures_near(session, span)) if span else []
        )
        self.leases = (
            scheduling.leased_intervals(session, [view.id], span, clock.tz).get(view.id, [])
            if span
            else []
        )
        self.week_minutes: dict[Any, int] = {}
        if (
            rules.max_hours_per_week_per_tenant is not None
            and not self.privileged
            and actor.tenant_id is not None
            and bounded_span is not None
        ):
            self.week_minutes = scheduling.tenant_minutes_per_week(
                session, actor.tenant_id, view.id, bounded_span, clock.tz, exclude_ids
            )

    def verdict(self, start: datetime, end: datetime, *, alternatives: bool) -> DomainError | None:
        """The first error this occurrence gets, in the API's order, or None when it is fine."""
        missing = self.qualification_error(start)
        if missing is not None:
            return missing
        violations = self.violations(start, end)
        if violations:
            return _violation_error(violations)
        ctx = self._rule_context(start, end)
        rules = self.view.rules
        in_way = conflicts(
            start,
            end,
            self.actor.id,
            buffer_before_min=rules.buffer_before_min,
            buffer_after_min=rules.buffer_after_min,
            booked=self.booked,
        )
        if in_way:
            return self._conflict(start, end, in_way, ctx, alternatives)
        return None

    def qualification_error(self, start: datetime) -> QualificationRequired | None:
        """403 qualification_required when the booker lacks the space's qualification that day."""
        rules = self.view.rules
        if qualified(self.actor, rules, start.astimezone(self.clock.tz).date()):
            return None
        code = rules.required_qualification
        return QualificationRequired(
            f"Booking this space needs the qualification {code}.",
            details={"qualification": code},
        )

    def violations(self, start: datetime, end: datetime) -> list[Violation]:
        """Every rule [start, end) breaks, in the API's order (conflicts aside).

        core's check() walks a request day by day (opening hours) and week by week (quota),
        so a request for the years 1900 to 9000 would keep the space locked (on SQLite: every
        write) for many seconds. A request longer than MAX_BOOKING_DAYS is too_long whatever
        else it breaks, and too_long comes before those two; so it is judged without them, and
        its violations do not list outside_opening_hours or quota_exceeded.
        """
        rules = self.view.rules
        if end - start > _LONGEST_BOOKING:
            rules = replace(rules, opening_hours=None, max_hours_per_week_per_tenant=None)
        return check(rules, start, end, self._rule_context(start, end))

    def _rule_context(self, start: datetime, end: datetime) -> RuleContext:
        request = Interval(start, end) if end > start else None
        return RuleContext(
            now=self.clock.now,
            tz=self.clock.tz,
            privileged=self.privileged,
            closures=self.closures,
            leased=request is not None and any(i.overlaps(request) for i in self.leases),
            tenant_week_minutes=self.week_minutes,
        )

    def accept(self, start: datetime, end: datetime) -> None:
        """Count an accepted occurrence against the later ones of the same request."""
        rules = self.view.rules
        self.booked.append(
            BookedSlot(
                start=start,
                end=end,
                user_id=self.actor.id,
                buffer_before_min=rules.buffer_before_min,
                buffer_after_min=rules.buffer_after_min,
            )
        )
        if rules.max_hours_per_week_per_tenant is not None:
            from booking.core.rules import week_minutes

            for week, minutes in week_minutes(start, end, self.clock.tz).items():
                self.week_minutes[week] = self.week_minutes.get(week, 0) + minutes

    def _conflict(
        self,
        start: datetime,
        end: datetime,
        in_way: Sequence[BookedSlot],
        ctx: RuleContext,
        alternatives: bool,
    ) -> Conflict:
        tz = self.clock.tz
        details: dict[str, Any] = {
            "conflicts": _conflict_entries(start, end, self.view, in_way, tz),
            "alternatives": {"slots": [], "spaces": []},
        }
        if alternatives:
            details["alternatives"] = self._alternatives(start, end, ctx)
        return Conflict("The space is not free at that time.", details=details)

    def _alternatives(self, start: datetime, end: datetime, ctx: RuleContext) -> dict[str, Any]:
        tz = self.clock.tz
        day = scheduling.local_day_bounds(start.astimezone(tz).date(), tz)
        rules = self.view.rules
        reach = Interval(
            day.start - timedelta(minutes=rules.buffer_before_min + rules.buffer_after_min),
            day.end + timedelta(minutes=rules.buffer_before_min + rules.buffer_after_min),
        )
        day_booked = scheduling.booked_slots(
            self.session,
            [self.view.id],
            [reach],
            longest_busy_min=self.longest,
            exclude_ids=self.exclude_ids,
        ).get(self.view.id, [])
        day_ctx = RuleContext(
            now=ctx.now,
            tz=tz,
            privileged=ctx.privileged,
            closures=self.closures
            + scheduling.closures_for(self.view, scheduling.closures_near(self.session, day)),
            leased=ctx.leased,
            tenant_week_minutes=ctx.tenant_week_minutes,
        )
        slots = alternative_slots(
            start, end, self.actor.id, rules=rules, ctx=day_ctx, booked=day_booked, limit=3
        )
        similar = search(
            self.session,
            self.actor,
            SpaceFilter(kind=self.view.kind, min_capacity=self.view.capacity),
            now=self.clock.now,
            tz=tz,
            free_from=start,
            free_to=end,
            exclude=[self.view.id],
        )
        similar.sort(key=lambda v: (v.building_id != self.view.building_id, v.capacity, v.code))
        return {
            "slots": [interval_json(s.start, s.end, tz) for s in slots],
            "spaces": [{"id": v.id, "code": v.code, "name": v.name} for v in similar[:5]],
        }


# ---------------------------------------------------------------------------------------------
# Writing


def _require_bookable_by(actor: User, view: SpaceView) -> None:
    if not view.active:
        raise NotFound(f"There is no space {view.id}.")
    if not may_book(actor, view.rules):
        raise Forbidden("This space is reserved for other tenants.")


def _raise_lost_race(err: Exception) -> None:
    message = str(getattr(err, "orig", err))
    if isinstance(err, IntegrityError) or "booking_overlap" in message:
        raise Conflict(
            "Someone else booked this time a moment ago.",
            details={"conflicts": [], "alternatives": {"slots": [], "spaces": []}},
        ) from err
    raise err


def _grow_longest_busy(session: Session, space_id: int, minutes: int, known: int) -> None:
    """Raise the space's longest busy time to ``minutes``; ``known`` is the value lock_space()
    read under the lock, so nothing needs writing when the new bookings are not longer."""
    if minutes <= known:
        return
    session.execute(
        update(Space)
        .where(Space.id == space_id, Space.longest_busy_min < minutes)
        .values(longest_busy_min=minutes)
    )


def _booking_row(
    actor: User,
    view: SpaceView,
    request: BookingRequest,
    start: datetime,
    end: datetime,
    stamp: datetime,
) -> dict[str, Any]:
    rules = view.rules
    status = "pending" if rules.requires_approval and actor.role != "manager" else "confirmed"
    return {
        "space_id": view.id,
        "user_id": actor.id,
        "tenant_id": actor.tenant_id,
        "series_id": None,
        "occurrence_start": None,
        "title": request.title,
        "notes": request.notes,
        "attendees": request.attendees,
        "start": start,
        "end": end,
        "busy_start": start - timedelta(minutes=rules.buffer_before_min),
        "busy_end": end + timedelta(minutes=rules.buffer_after_min),
        "status": status,
        "sequence": 0,
        "created_at": stamp,
        "updated_at": stamp,
    }


def _new_booking(
    actor: User,
    view: SpaceView,
    request: BookingRequest,
    start: datetime,
    end: datetime,
) -> Booking:
    return Booking(**_booking_row(actor, view, request, start, end, datetime.now(UTC)))


def _longest_minutes(bookings: Sequence[Booking]) -> int:
    return max(
        (int((b.busy_end - b.busy_start).total_seconds() // 60) for b in bookings), default=0
    )


def _flush(session: Session, view: SpaceView, bookings: Sequence[Booking], longest: int) -> None:
    if bookings:
        _grow_longest_busy(session, view.id, _longest_minutes(bookings), longest)
    try:
        session.flush()
    except (IntegrityError, OperationalError) as err:
        _raise_lost_race(err)


def book(session: Session, actor: User, request: BookingRequest, clock: Clock) -> Booking:
    """One booking: confirmed, or pending where the space needs approval."""
    view = get_space(session, actor, request.space_id)
    _require_bookable_by(actor, view)
    longest = lock_space(session, view.id)
    checker = _Checker(
        session, actor, view, [(request.start, request.end)], clock, longest_busy_min=longest
    )
    error = checker.verdict(request.start, request.end, alternatives=True)
    if error is not None:
        raise error
    booking = _new_booking(actor, view, request, request.start, request.end)
    session.add(booking)
    _flush(session, view, [booking], longest)
    audit.record(session, actor, "booking.create", "booking", booking.id, status=booking.status)
    notifications.booked(session, [booking])
    return booking


def _invalid_recurrence(
    session: Session,
    actor: User,
    view: SpaceView,
    request: BookingRequest,
    clock: Clock,
    err: RecurrenceError,
) -> DomainError:
    """The answer to an unusable rule. invalid_recurrence is the last of the 422 codes, so a
    missing qualification, or a rule that the first [start, end) breaks, comes before it; the
    violations then list it last."""
    checker = _Checker(session, actor, view, [(request.start, request.end)], clock)
    missing = checker.qualification_error(request.start)
    if missing is not None:
        return missing
    recurrence = Violation("invalid_recurrence", str(err))
    return _violation_error([*checker.violations(request.start, request.end), recurrence])


def book_series(
    session: Session, actor: User, request: BookingRequest, clock: Clock
) -> SeriesResult:
    """A recurring booking: all or nothing, or with skip_conflicts what is free."""
    assert request.rrule is not None
    view = get_space(session, actor, request.space_id)
    _require_bookable_by(actor, view)
    try:
        rule = parse_rule(request.rrule, clock.tz)
        occurrences = expand(rule, request.start, request.end, clock.tz)
    except RecurrenceError as err:
        raise _invalid_recurrence(session, actor, view, request, clock, err) from None
    longest = lock_space(session, view.id)
    times = [(o.start, o.end) for o in occurrences]
    checker = _Checker(session, actor, view, times, clock, longest_busy_min=longest)
    accepted: list[tuple[datetime, datetime]] = []
    skipped: list[Skipped] = []
    for start, end in times:
        error = checker.verdict(start, end, alternatives=False)
        if error is None:
            checker.accept(start, end)
            accepted.append((start, end))
        elif request.skip_conflicts:
            skipped.append(Skipped(start, end, error.code))
        else:
            if isinstance(error, Conflict):
                error = checker.verdict(start, end, alternatives=True) or error
            error.details.setdefault("occurrence", interval_json(start, end, clock.tz))
            raise error
    if not accepted:
        first = checker.verdict(times[0][0], times[0][1], alternatives=True)
        if first is not None:
            raise first
    series = Series(
        space_id=view.id,
        user_id=actor.id,
        tenant_id=actor.tenant_id,
        title=request.title,
        rrule=rule,
        first_start=request.start,
        first_end=request.end,
        sequence=0,
    )
    session.add(series)
    try:
        session.flush()
        # One multi-row INSERT ... RETURNING for all occurrences: a flush of ORM objects
        # would send one INSERT per occurrence.
        stamp = datetime.now(UTC)
        rows = []
        for start, end in accepted:
            row = _booking_row(actor, view, request, start, end, stamp)
            row["series_id"] = series.id
            row["occurrence_start"] = start
            rows.append(row)
        # RETURNING order is not guaranteed (asking for it makes SQLite insert row by row);
        # the occurrences' starts are distinct, so order by them.
        bookings = sorted(
            session.scalars(insert(Booking).returning(Booking), rows), key=lambda b: b.start
        )
    except (IntegrityError, OperationalError) as err:
        _raise_lost_race(err)
    _grow_longest_busy(session, view.id, _longest_minutes(bookings), longest)
    audit.record(
        session,
        actor,
        "series.create",
        "series",
        series.id,
        occurrences=len(bookings),
        skipped=len(skipped),
    )
    notifications.booked(session, bookings)
    return SeriesResult(series=series, bookings=bookings, skipped=skipped)


@dataclass(frozen=True)
class BookingChange:
    start: datetime | None = None
    end: datetime | None = None
    space_id: int | None = None
    title: str | None = None
    notes: str | None = None
    attendees: int | None = None
    fields: frozenset[str] = frozenset()


def change(
    session: Session, actor: User, booking_id: int, changes: BookingChange, clock: Clock
) -> Booking:
    """Change time, space, title, notes or attendees; a new time or space is checked again."""
    booking = get_booking(session, actor, booking_id, for_update=True)
    if booking.user_id != actor.id and actor.role != "manager":
        raise Forbidden("Only the person who booked, or the campus manager, can change it.")
    if booking.status not in ACTIVE:
        raise Conflict(f"A {booking.status} booking cannot be changed.")
    previous_status = booking.status
    start = changes.start or booking.start
    end = changes.end or booking.end
    space_id = changes.space_id or booking.space_id
    moved = start != booking.start or end != booking.end or space_id != booking.space_id
    if moved:
        view = get_space(session, actor, space_id)
        _require_bookable_by(actor, view)
        longest = lock_space(session, view.id)
        owner = booking.user if booking.user_id != actor.id else actor
        checker = _Checker(
            session,
            owner,
            view,
            [(start, end)],
            clock,
            exclude_ids=[booking.id],
            longest_busy_min=longest,
        )
        checker.privileged = actor.role == "manager"
        error = checker.verdict(start, end, alternatives=True)
        if error is not None:
            raise error
        rules = view.rules
        booking.space_id = view.id
        booking.start, booking.end = start, end
        booking.busy_start = start - timedelta(minutes=rules.buffer_before_min)
        booking.busy_end = end + timedelta(minutes=rules.buffer_after_min)
        if actor.role != "manager":
            # A move into a space that needs approval asks for it again.
            booking.status = "pending" if rules.requires_approval else "confirmed"
    if changes.title is not None:
        booking.title = changes.title
    if changes.notes is not None:
        booking.notes = changes.notes
    if "attendees" in changes.fields:
        booking.attendees = changes.attendees
    booking.sequence += 1
    if moved:
        view = catalog_service.load(session).by_id[booking.space_id]
        _flush(session, view, [booking], longest)
    else:
        session.flush()
    audit.record(session, actor, "booking.change", "booking", booking.id, moved=moved)
    notifications.booking_changed(session, booking, previous_status=previous_status)
    return booking


def _scope_targets(session: Session, booking: Booking, scope: str) -> list[Booking]:
    if scope not in SCOPES:
        raise BadRequest(
            f"scope must be one of {', '.join(SCOPES)}.", details={"fields": {"scope": "choice"}}
        )
    if scope == "occurrence" or booking.series_id is None:
        return [booking]
    # Read afresh: the series row locked by get_booking(for_update=True) keeps them steady.
    query = (
        select(Booking)
        .where(Booking.series_id == booking.series_id)
        .execution_options(populate_existing=True)
    )
    if scope == "following":
        query = query.where(Booking.occurrence_start >= booking.occurrence_start)
    return list(session.scalars(query.order_by(Booking.occurrence_start)))


def cancel(
    session: Session, actor: User, booking_id: int, scope: str, clock: Clock
) -> list[Booking]:
    """Cancel one occurrence, it and the following ones, or the whole series' future."""
    booking = get_booking(session, actor, booking_id, for_update=True)
    if booking.status not in ACTIVE:
        raise Conflict(f"This booking is already {booking.status}.")
    if actor.role != "manager" and booking.end <= clock.now:
        raise RuleViolation("A booking that has ended cannot be cancelled.", code="in_past")
    targets = [
        b
        for b in _scope_targets(session, booking, scope)
        if b.status in ACTIVE and (b.id == booking.id or b.end > clock.now)
    ]
    for target in targets:
        target.status = "cancelled"
        target.cancelled_at = clock.now
        target.sequence += 1
    session.flush()
    audit.record(
        session, actor, "booking.cancel", "booking", booking.id, scope=scope, count=len(targets)
    )
    notifications.bookings_cancelled(session, targets)
    return targets


def decide(
    session: Session,
    actor: User,
    booking_id: int,
    *,
    approve: bool,
    scope: str,
    reason: str | None,
    clock: Clock,
) -> list[Booking]:
    """The manager approves or rejects a pending booking (or the pending part of its series)."""
    if actor.role != "manager":
        booking = get_booking(session, actor, booking_id)
        raise Forbidden("Only the campus manager approves or rejects bookings.")
    booking = get_booking(session, actor, booking_id, for_update=True)
    if booking.status != "pending":
        raise Conflict(f"Only a pending booking can be decided; this one is {booking.status}.")
    targets = [b for b in _scope_targets(session, booking, scope) if b.status == "pending"]
    for target in targets:
        target.status = "confirmed" if approve else "rejected"
        target.decided_by_id = actor.id
        target.decided_at = clock.now
        target.reason = reason
        target.sequence += 1
    session.flush()
    audit.record(
        session,
        actor,
        "booking.approve" if approve else "booking.reject",
        "booking",
        booking.id,
        scope=scope,
        count=len(targets),
        reason=reason,
    )
    notifications.bookings_decided(session, targets, approved=approve, reason=reason)
    return targets


def pending_approvals(
    session: Session, actor: User, *, limit: int, cursor: str | None
) -> tuple[list[Booking], str | None]:
    """Pending bookings, the oldest request first."""
    if actor.role != "manager":
        raise Forbidden("Only the campus manager sees the approval queue.")
    query = select(Booking).where(Booking.status == "pending")
    if cursor:
        after, after_id = decode_cursor(cursor)
        query = query.where(
            or_(
                Booking.created_at > after, and_(Booking.created_at == after, Booking.id > after_id)
            )
        )
    rows = list(session.scalars(query.order_by(Booking.created_at, Booking.id).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        raw = json.dumps([last.created_at.isoformat(), last.id]).encode()
        next_cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return rows[:limit], next_cursor


def expire_pending(session: Session, now: datetime) -> int:
    """Reject the pending bookings whose start has passed undecided; how many."""
    expired = list(
        session.scalars(select(Booking).where(Booking.status == "pending", Booking.start <= now))
    )
    for booking in expired:
        booking.status = "rejected"
        booking.reason = "Not decided before the booking started."
        booking.decided_at = now
        booking.sequence += 1
    session.flush()
    if expired:
        audit.record(session, None, "booking.expire", "booking", None, count=len(expired))
        notifications.bookings_expired(session, expired)
    return len(expired)


__all__ = [
    "BookingChange",
    "BookingFilter",
    "BookingRequest",
    "Clock",
    "SeriesResult",
    "Skipped",
    "book",
    "book_series",
    "cancel",
    "change",
    "decide",
    "expire_pending",
    "get_booking",
    "iso_local",
    "list_bookings",
    "pending_approvals",
]
