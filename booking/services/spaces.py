"""Spaces: search (free between two times), details, availability, and the manager's edits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from booking.core.availability import Availability, availability, conflicts
from booking.core.intervals import Interval
from booking.core.rules import MAX_BOOKING_DAYS, RuleContext, SpaceRules, check
from booking.errors import BadRequest, NotFound
from booking.models import User
from booking.services import catalog as catalog_service
from booking.services import scheduling
from booking.services.catalog import SpaceView
from booking.services.people import holds_qualification

MAX_AVAILABILITY_DAYS = 31


@dataclass(frozen=True)
class SpaceFilter:
    kind: str | None = None
    building: str | None = None
    min_capacity: int | None = None
    features: tuple[str, ...] = ()


def may_book(user: User, rules: SpaceRules) -> bool:
    """Whether allowed_tenants lets this user book (the manager always may)."""
    if user.role == "manager" or rules.allowed_tenants is None:
        return True
    return user.tenant_id is not None and user.tenant_id in rules.allowed_tenants


def qualified(user: User, rules: SpaceRules, on: date) -> bool:
    code = rules.required_qualification
    return code is None or holds_qualification(user, code, on)


def get_space(
    session: Session, user: User, space_id: int, cat: catalog_service.Catalog | None = None
) -> SpaceView:
    """A space as the user may see it: every active space; retired ones for the manager only."""
    view = (cat or catalog_service.load(session)).by_id.get(space_id)
    if view is None or (not view.active and user.role != "manager"):
        raise NotFound(f"There is no space {space_id}.")
    return view


def _matches(view: SpaceView, flt: SpaceFilter) -> bool:
    if flt.kind is not None and view.kind != flt.kind:
        return False
    if flt.building is not None and view.building_code != flt.building:
        return False
    if flt.min_capacity is not None and view.capacity < flt.min_capacity:
        return False
    return all(feature in view.features for feature in flt.features)


def search(
    session: Session,
    user: User,
    flt: SpaceFilter,
    *,
    now: datetime,
    tz: ZoneInfo,
    free_from: datetime | None = None,
    free_to: datetime | None = None,
    exclude: Sequence[int] = (),
) -> list[SpaceView]:
    """Spaces matching the filter, in code order.

    Without a time, the manager sees every space and others the active spaces they may book
    that are not under a running lease today. With free_from/free_to, only the spaces this user
    could book for that whole interval: every rule, qualification, lease, closure and booking
    taken into account, as a booking request would be.
    """
    cat = catalog_service.load(session)
    manager = user.role == "manager"
    candidates = [
        v
        for v in cat.spaces
        if _matches(v, flt)
        and v.id not in exclude
        and (v.active or (manager and free_from is None))
        and (manager or free_from is not None or (v.rules.bookable and may_book(user, v.rules)))
    ]
    if free_from is None or free_to is None:
        if manager:
            return candidates
        today = scheduling.local_day_bounds(now.astimezone(tz).date(), tz)
        leased = scheduling.leased_intervals(session, None, today, tz)
        return [v for v in candidates if v.id not in leased]
    if free_to <= free_from:
        raise BadRequest(
            "free_to must be after free_from.", details={"fields": {"free_to": "order"}}
        )
    if free_to - free_from > timedelta(days=MAX_BOOKING_DAYS):
        # No booking may be that long, so no space is free to book for it; checking each
        # space's rules day by day over (say) centuries would take many seconds.
        return []
    return _free(session, user, candidates, cat.longest_busy_min, now, tz, free_from, free_to)


def _free(
    session: Session,
    user: User,
    candidates: list[SpaceView],
    longest_busy_min: int,
    now: datetime,
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
) -> list[SpaceView]:
    manager = user.role == "manager"
    day = start.astimezone(tz).date()
    candidates = [
        v
        for v in candidates
        if v.active and may_book(user, v.rules) and qualified(user, v.rules, day)
    ]
    if not candidates:
        return []
    request = Interval(start, end)
    max_before = max(v.rules.buffer_before_min for v in candidates)
    max_after = max(v.rules.buffer_after_min for v in candidates)
    reach = Interval(start - timedelta(minutes=max_before), end + timedelta(minutes=max_after))
    blocked = scheduling.blocked_spaces(
        session,
        user.id,
        start,
        end,
        buffer_before_min=max_before,
        buffer_after_min=max_after,
        longest_busy_min=longest_busy_min,
    )
    # Spaces with smaller buffers than the largest may be blocked only by the wider margin:
    # those few are re-checked exactly against their own bookings.
    unsure = [
        v.id
        for v in candidates
        if v.id in blocked
        and (v.rules.buffer_before_min, v.rules.buffer_after_min) != (max_before, max_after)
    ]
    booked = (
        scheduling.booked_slots(session, unsure, [reach], longest_busy_min=longest_busy_min)
        if unsure
        else {}
    )
    closures, leased = scheduling.closures_and_leases(session, request, tz)

    # Spaces sharing rules, closures and lease state get the same verdict: check each once.
    verdicts: dict[tuple[int, tuple[int, ...], bool], bool] = {}
    free = []
    for view in candidates:
        # (Most searches meet no closure and few leases: skip the per-space work then.)
        applying = scheduling.closures_applying(view, closures) if closures else []
        is_leased = view.id in leased and any(i.overlaps(request) for i in leased[view.id])
        rules = view.rules
        if rules.max_hours_per_week_per_tenant is not None and not manager and user.tenant_id:
            week_minutes = scheduling.tenant_minutes_per_week(
                session, user.tenant_id, view.id, request, tz
            )
            own_closures = [Interval(c.start, c.end) for c in applying]
            ctx = RuleContext(now, tz, manager, own_closures, is_leased, week_minutes)
            ok = not check(rules, start, end, ctx)
        else:
            key = (id(rules), tuple(c.id for c in applying), is_leased)
            verdict = verdicts.get(key)
            if verdict is None:
                own_closures = [Interval(c.start, c.end) for c in applying]
                ctx = RuleContext(now, tz, manager, own_closures, is_leased)
                verdict = verdicts[key] = not check(rules, start, end, ctx)
            ok = verdict
        if not ok:
            continue
        if view.id in blocked:
            if view.id not in booked:
                continue
            if conflicts(
                start,
                end,
                user.id,
                buffer_before_min=rules.buffer_before_min,
                buffer_after_min=rules.buffer_after_min,
                booked=booked[view.id],
            ):
                continue
        free.append(view)
    return free


def space_availability(
    session: Session, user: User, space_id: int, start: datetime, end: datetime, tz: ZoneInfo
) -> Availability:
    """Free and busy time of a space in a window of at most 31 days."""
    cat = catalog_service.load(session)
    view = get_space(session, user, space_id, cat)
    if end <= start:
        raise BadRequest("`to` must be after `from`.", details={"fields": {"to": "order"}})
    if end - start > timedelta(days=MAX_AVAILABILITY_DAYS):
        raise BadRequest(
            f"Ask for at most {MAX_AVAILABILITY_DAYS} days at a time.",
            details={"fields": {"to": "range"}},
        )
    window = Interval(start, end)
    slots, closures = scheduling.space_window(
        session, view, window, longest_busy_min=cat.longest_busy_min
    )
    return availability(
        window,
        tz=tz,
        opening_hours=view.rules.opening_hours,
        closures=closures,
        booked=slots,
    )
