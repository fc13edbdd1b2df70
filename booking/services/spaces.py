"""Spaces: search (free between two times), details, availability, and the manager's edits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from booking.core.availability import Availability, availability
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
    manager = user.role == "manager"
    if free_from is None or free_to is None:
        cat = catalog_service.load(session)
        candidates = _candidates(cat, user, flt, exclude, free=False)
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
    # The catalog this process knows, checked by the same statement that reads the bookings
    # (one round trip, one snapshot); read again only when spaces changed since.
    known, confirmed = catalog_service.peek(session)
    cat = known if known is not None else catalog_service.load(session)
    confirmed = confirmed or known is None
    found = _free(session, user, cat, flt, exclude, now, tz, free_from, free_to, confirmed)
    if found is None:
        cat = catalog_service.load(session)
        found = _free(session, user, cat, flt, exclude, now, tz, free_from, free_to, True)
    assert found is not None
    return found


def _candidates(
    cat: catalog_service.Catalog,
    user: User,
    flt: SpaceFilter,
    exclude: Sequence[int],
    *,
    free: bool,
) -> list[SpaceView]:
    manager = user.role == "manager"
    anything = flt == SpaceFilter()
    excluded = set(exclude)
    return [
        v
        for v in cat.spaces
        if (anything or _matches(v, flt))
        and v.id not in excluded
        and (v.active or (manager and not free))
        and (manager or free or (v.rules.bookable and may_book(user, v.rules)))
    ]


def _free(
    session: Session,
    user: User,
    cat: catalog_service.Catalog,
    flt: SpaceFilter,
    exclude: Sequence[int],
    now: datetime,
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
    confirmed: bool,
) -> list[SpaceView] | None:
    """The free spaces; None when `cat` was not `confirmed` and turned out stale."""
    manager = user.role == "manager"
    day = start.astimezone(tz).date()
    # Whether this user may book under a policy, once per distinct (interned) rules.
    allowed: dict[int, bool] = {}

    def may(rules: SpaceRules) -> bool:
        verdict = allowed.get(id(rules))
        if verdict is None:
            verdict = allowed[id(rules)] = may_book(user, rules) and qualified(user, rules, day)
        return verdict

    candidates = [v for v in _candidates(cat, user, flt, exclude, free=True) if may(v.rules)]
    request = Interval(start, end)
    # Spaces with the same buffers are blocked by the same bookings: one test per buffer pair
    # (most campuses have one or two), exact for every space.
    pairs = sorted({(v.rules.buffer_before_min, v.rules.buffer_after_min) for v in candidates})
    found = scheduling.obstacles(
        session,
        user.id,
        request,
        tz,
        buffers=pairs or [(0, 0)],
        longest_busy_min=cat.longest_busy_min,
        with_version=not confirmed,
    )
    if found.version is not None and not catalog_service.confirm(session, cat, found.version):
        return None
    blocked_by_pair = dict(zip(pairs, found.blocked, strict=False))
    closures, leased = found.closures, found.leased

    # Spaces sharing rules, closures and lease state get the same verdict: check each once.
    verdicts: dict[tuple[int, tuple[int, ...], bool], bool] = {}
    free = []
    for view in candidates:
        rules = view.rules
        if view.id in blocked_by_pair[(rules.buffer_before_min, rules.buffer_after_min)]:
            continue
        # (Most searches meet no closure and few leases: skip the per-space work then.)
        applying = scheduling.closures_applying(view, closures) if closures else []
        is_leased = view.id in leased and any(i.overlaps(request) for i in leased[view.id])
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
        if ok:
            free.append(view)
    return free


def space_availability(
    session: Session, user: User, space_id: int, start: datetime, end: datetime, tz: ZoneInfo
) -> Availability:
    """Free and busy time of a space in a window of at most 31 days."""
    # As in search: the catalog this process knows, checked in the same statement as the
    # bookings; a space it does not show (new, or retired) is looked up in a fresh one.
    known, confirmed = catalog_service.peek(session)
    if known is None or (not confirmed and _hidden(known, user, space_id)):
        known, confirmed = catalog_service.load(session), True
    cat = known
    view = get_space(session, user, space_id, cat)
    if end <= start:
        raise BadRequest("`to` must be after `from`.", details={"fields": {"to": "order"}})
    if end - start > timedelta(days=MAX_AVAILABILITY_DAYS):
        raise BadRequest(
            f"Ask for at most {MAX_AVAILABILITY_DAYS} days at a time.",
            details={"fields": {"to": "range"}},
        )
    window = Interval(start, end)
    found = scheduling.space_window(
        session, view, window, longest_busy_min=cat.longest_busy_min, with_version=not confirmed
    )
    if found.version is not None and not catalog_service.confirm(session, cat, found.version):
        cat = catalog_service.load(session)
        view = get_space(session, user, space_id, cat)
        found = scheduling.space_window(
            session, view, window, longest_busy_min=cat.longest_busy_min
        )
    return availability(
        window,
        tz=tz,
        opening_hours=view.rules.opening_hours,
        closures=found.closed,
        booked=found.booked,
    )


def _hidden(cat: catalog_service.Catalog, user: User, space_id: int) -> bool:
    view = cat.by_id.get(space_id)
    return view is None or (not view.active and user.role != "manager")
