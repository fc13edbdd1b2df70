"""The campus manager's reports: occupancy of the leasable area, utilisation of the
bookable spaces, peak hours and what became of the bookings (cancelled, rejected).

Occupancy: leased m² over leasable m² (offices, labs and cleanrooms) on a day, or month by
month, each month weighted by day (a space leased 15 days of a 30-day month counts half its
area). Utilisation: confirmed booked hours over open hours (opening hours, DST-correct,
minus closures and leased time) in a period, per space, kind or building.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    extract,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from booking.core.intervals import Interval, subtract
from booking.core.money import last_day, month_days, overlap_days, ratio, round_cent
from booking.core.rules import opening_intervals
from booking.errors import Forbidden
from booking.models import LEASABLE_KINDS, SPACE_KINDS, Booking, Lease, User, lease_spaces
from booking.models.bookings import ACTIVE_SQL
from booking.models.types import UTCDateTime
from booking.services import catalog as catalog_service
from booking.services import scheduling
from booking.services.catalog import SpaceView

GROUPS = ("space", "kind", "building")


def require_manager(user: User) -> None:
    """Reports are the campus manager's."""
    if user.role != "manager":
        raise Forbidden("Only the campus manager sees the reports.")


# ---------------------------------------------------------------------------------------------
# Occupancy


@dataclass(frozen=True)
class Share:
    """Leased over leasable area of one scope (the campus, a building, a kind)."""

    name: str
    leasable_m2: Decimal
    leased_m2: Decimal
    occupancy: float


@dataclass(frozen=True)
class Vacancy:
    space: SpaceView
    # The day after the last lease of the space ended; None: never leased.
    free_since: date | None


@dataclass(frozen=True)
class Occupancy:
    label: str  # the day (YYYY-MM-DD) or the month (YYYY-MM)
    campus: Share
    buildings: list[Share]
    kinds: list[Share]
    vacant: list[Vacancy]


def _lease_rows(session: Session, first: date, last: date) -> list[tuple[int, date, date | None]]:
    """(space_id, start, end) of every lease sharing a day with [first, last]."""
    rows = session.execute(
        select(lease_spaces.c.space_id, Lease.start, Lease.end)
        .join(Lease, Lease.id == lease_spaces.c.lease_id)
        .where(Lease.start <= last, or_(Lease.end.is_(None), Lease.end >= first))
    )
    return [(space_id, start, end) for space_id, start, end in rows]


def _shares(
    spaces: Sequence[SpaceView], leased_m2: dict[int, Decimal], label: str, vacant: list[Vacancy]
) -> Occupancy:
    """Sum leasable and leased area per scope; occupancy from the unrounded sums."""

    def share(name: str, members: Iterable[SpaceView]) -> Share:
        chosen = list(members)
        leasable = sum((v.area_m2 for v in chosen), Decimal(0))
        leased = sum((leased_m2.get(v.id, Decimal(0)) for v in chosen), Decimal(0))
        return Share(name, round_cent(leasable), round_cent(leased), ratio(leased, leasable))

    by_building: dict[str, list[SpaceView]] = defaultdict(list)
    by_kind: dict[str, list[SpaceView]] = defaultdict(list)
    for view in spaces:
        by_building[view.building_code].append(view)
        by_kind[view.kind].append(view)
    return Occupancy(
        label=label,
        campus=share("campus", spaces),
        buildings=[share(code, by_building[code]) for code in sorted(by_building)],
        kinds=[share(kind, by_kind[kind]) for kind in LEASABLE_KINDS if kind in by_kind],
        vacant=vacant,
    )


def _leasable(catalog: catalog_service.Catalog, leased_ids: set[int]) -> list[SpaceView]:
    """Offices, labs and cleanrooms in use (a retired one counts while it is leased)."""
    return [
        v for v in catalog.spaces if v.kind in LEASABLE_KINDS and (v.active or v.id in leased_ids)
    ]


def occupancy_on(session: Session, user: User, day: date) -> Occupancy:
    """Leased over leasable m² on one day, and the vacant leasable spaces."""
    require_manager(user)
    catalog = catalog_service.load(session)
    leased_ids = {space_id for space_id, _, _ in _lease_rows(session, day, day)}
    spaces = _leasable(catalog, leased_ids)
    ended: dict[int, date] = {
        space_id: last
        for space_id, last in session.execute(
            select(lease_spaces.c.space_id, func.max(Lease.end))
            .join(Lease, Lease.id == lease_spaces.c.lease_id)
            .where(Lease.end < day)
            .group_by(lease_spaces.c.space_id)
        )
    }
    vacant = [
        Vacancy(v, ended[v.id] + timedelta(days=1) if v.id in ended else None)
        for v in spaces
        if v.id not in leased_ids
    ]
    leased_m2 = {v.id: v.area_m2 for v in spaces if v.id in leased_ids}
    return _shares(spaces, leased_m2, day.isoformat(), vacant)


def occupancy_by_month(session: Session, user: User, months: Sequence[date]) -> list[Occupancy]:
    """Month by month (each given as its first day): a space's area counts for the share of
    the month's days it was leased."""
    require_manager(user)
    if not months:
        return []
    catalog = catalog_service.load(session)
    rows = _lease_rows(session, months[0], last_day(months[-1]))
    result = []
    for first in months:
        last = last_day(first)
        days_in_month = month_days(first)
        days: dict[int, int] = defaultdict(int)
        for space_id, start, end in rows:
            days[space_id] += overlap_days(start, end, first, last)
        leased_ids = {space_id for space_id, count in days.items() if count > 0}
        spaces = _leasable(catalog, leased_ids)
        leased_m2 = {
            v.id: v.area_m2 * min(days[v.id], days_in_month) / days_in_month
            for v in spaces
            if v.id in leased_ids
        }
        result.append(_shares(spaces, leased_m2, f"{first:%Y-%m}", []))
    return result


# ---------------------------------------------------------------------------------------------
# Utilisation


@dataclass(frozen=True)
class UtilisationItem:
    key: str | int  # a space id, a kind or a building code
    booked_seconds: int
    open_seconds: int
    space: SpaceView | None = None

    @property
    def booked_hours(self) -> float:
        return round(self.booked_seconds / 3600, 2)

    @property
    def open_hours(self) -> float:
        return round(self.open_seconds / 3600, 2)

    @property
    def utilisation(self) -> float:
        return ratio(Decimal(self.booked_seconds), Decimal(self.open_seconds))


def _epoch(session: Session, column: Any) -> Any:
    """column as whole seconds since 1970 (UTC), computed by the database: reading 50,000
    bookings' times as numbers instead of datetimes makes a month's report several times
    faster."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(extract("epoch", column), BigInteger)


def _confirmed_near(
    session: Session, window: Interval, longest_busy_min: int
) -> list[tuple[int, int, int]]:
    """(space_id, start, end) in epoch seconds of the confirmed bookings overlapping the
    window, found through the partial index of active bookings by busy start (a booking's
    busy time begins at most `longest_busy_min` before its start)."""
    connection = session.connection()
    near = (
        ACTIVE_SQL,
        Booking.busy_start > window.start - timedelta(minutes=longest_busy_min + 1),
        Booking.busy_start < window.end,
        Booking.end > window.start,
        Booking.start < window.end,
    )
    start, end = _epoch(session, Booking.start), _epoch(session, Booking.end)
    # Core, not the ORM: plain rows of numbers, without the ORM's per-row bookkeeping.
    if session.get_bind().dialect.name != "sqlite":
        query = select(Booking.space_id, start, end).where(*near, Booking.status == "confirmed")
        return [(row[0], row[1], row[2]) for row in connection.execute(query).all()]
    # On SQLite the index holds every column read here but the status: asking for
    # `status = 'confirmed'` would read the table for each booking, twice the time. The few
    # pending bookings are read apart, through the index by status (named: seeing few
    # distinct statuses, the planner would rather scan the table), and left out.
    pending = text(
        "SELECT id FROM bookings INDEXED BY ix_bookings_status_created WHERE"
        " status = 'pending' AND start < :end AND \"end\" > :start"
    ).bindparams(
        bindparam("end", window.end, type_=UTCDateTime()),
        bindparam("start", window.start, type_=UTCDateTime()),
    )
    waiting = set(connection.execute(pending).scalars())
    active = select(Booking.id, Booking.space_id, start, end).where(*near)
    return [
        (space_id, low, high)
        for booking_id, space_id, low, high in connection.execute(active).all()
        if booking_id not in waiting
    ]


def _seconds(intervals: Iterable[Interval]) -> int:
    return int(sum((i.duration for i in intervals), timedelta()).total_seconds())


def _as_epochs(intervals: Iterable[Interval]) -> list[tuple[int, int]]:
    return [(int(i.start.timestamp()), int(i.end.timestamp())) for i in intervals]


def _overlap(booked: list[tuple[int, int]], open_time: Sequence[tuple[int, int]]) -> int:
    """Seconds of the booked spans inside the open spans (sorted, disjoint); booked spans may
    come in any order and overlap each other."""
    booked.sort()
    if len(open_time) == 1:
        # Always open (a whole period without closures): clip and merge in one pass.
        low, high = open_time[0]
        total = 0
        cursor = low
        for start, end in booked:
            start = max(start, cursor)
            end = min(end, high)
            if end > start:
                total += end - start
                cursor = end
        return total
    total = 0
    j = 0
    cursor = 0  # booked time before this is counted already
    count = len(open_time)
    for start, end in booked:
        start = max(start, cursor)
        if end <= start:
            continue
        cursor = end
        while j < count and open_time[j][1] <= start:
            j += 1
        k = j
        while k < count and open_time[k][0] < end:
            low = max(start, open_time[k][0])
            high = min(end, open_time[k][1])
            if high > low:
                total += high - low
            k += 1
    return total


def utilisation(
    session: Session,
    user: User,
    start: datetime,
    end: datetime,
    group_by: str,
    tz: ZoneInfo,
) -> list[UtilisationItem]:
    """Booked over open hours of the bookable spaces in [start, end).

    Open time is the opening hours (always open: every hour) minus closures and the time the
    space is leased; booked time is confirmed bookings inside that open time. Spaces with no
    open time in the period are left out (nobody could book them).
    """
    require_manager(user)
    window = Interval(start.astimezone(UTC), end.astimezone(UTC))
    catalog = catalog_service.load(session)
    spaces = [v for v in catalog.spaces if v.active and v.rules.bookable]
    closures = scheduling.closures_near(session, window)
    leased = scheduling.leased_intervals(session, None, window, tz)
    booked: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for space_id, b_start, b_end in _confirmed_near(session, window, catalog.longest_busy_min):
        booked[space_id].append((b_start, b_end))

    # Spaces sharing opening hours, closures and leases share their open time: compute once.
    open_cache: dict[tuple[object, ...], tuple[int, list[tuple[int, int]]]] = {}
    per_space: list[UtilisationItem] = []
    for view in spaces:
        applying = scheduling.closures_applying(view, closures)
        space_leases = tuple(leased.get(view.id, ()))
        key = (id(view.rules.opening_hours), tuple(c.id for c in applying), space_leases)
        cached = open_cache.get(key)
        if cached is None:
            hours = opening_intervals(view.rules.opening_hours, window, tz)
            cuts = [Interval(c.start, c.end) for c in applying] + list(space_leases)
            open_time = subtract(hours, cuts) if cuts else hours
            cached = open_cache[key] = (_seconds(open_time), _as_epochs(open_time))
        open_seconds, open_epochs = cached
        if open_seconds <= 0:
            continue
        mine = booked.get(view.id)
        booked_seconds = _overlap(mine, open_epochs) if mine else 0
        per_space.append(UtilisationItem(view.id, booked_seconds, open_seconds, view))

    if group_by == "space":
        return per_space
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in per_space:
        assert item.space is not None
        name = item.space.kind if group_by == "kind" else item.space.building_code
        totals[name][0] += item.booked_seconds
        totals[name][1] += item.open_seconds
    order = [k for k in SPACE_KINDS if k in totals] if group_by == "kind" else sorted(totals)
    return [UtilisationItem(name, totals[name][0], totals[name][1]) for name in order]


# ---------------------------------------------------------------------------------------------
# Peak hours

WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_QUARTER = 900  # every zone's offset is a multiple of 15 minutes


@dataclass(frozen=True)
class HeatCell:
    """Booked time in one hour of the week: weekday 0 is Monday, hour 0-23 on the wall clock."""

    weekday: int
    hour: int
    booked_seconds: int

    @property
    def weekday_code(self) -> str:
        return WEEKDAY_CODES[self.weekday]

    @property
    def booked_hours(self) -> float:
        return round(self.booked_seconds / 3600, 2)


def _local_hours(low: int, high: int, tz: ZoneInfo) -> tuple[list[int], list[int]]:
    """The window [low, high) (epoch seconds) cut where campus-local hours begin: the cut
    points (low first, high last) and each piece's cell, weekday × 24 + hour of its local
    start. A 25-hour day has hour 2 twice, a 23-hour day none."""
    cuts = [low]
    cells: list[int] = []
    moment = datetime.fromtimestamp(low, tz)
    cells.append(moment.weekday() * 24 + moment.hour)
    step = low - low % _QUARTER + _QUARTER
    while step < high:
        moment = datetime.fromtimestamp(step, tz)
        if moment.minute == 0:
            cuts.append(step)
            cells.append(moment.weekday() * 24 + moment.hour)
        step += _QUARTER
    cuts.append(high)
    return cuts, cells


def _confirmed_spans(
    session: Session, window: Interval, longest_busy_min: int, space_ids: Collection[int] | None
) -> list[tuple[int, int, int]]:
    """(start, end, how many) in epoch seconds of the confirmed bookings overlapping the
    window (in the given spaces; None: all), counted by the database: bookings share their
    times (the 15-minute grid, the same slot in many rooms), so a month of 57,000 bookings
    comes back as a few hundred rows."""
    near: list[Any] = [
        ACTIVE_SQL,
        Booking.busy_start > window.start - timedelta(minutes=longest_busy_min + 1),
        Booking.busy_start < window.end,
        Booking.end > window.start,
        Booking.start < window.end,
    ]
    if space_ids is not None:
        near.append(Booking.space_id.in_(sorted(space_ids)))
    start, end = _epoch(session, Booking.start), _epoch(session, Booking.end)
    connection = session.connection()

    def counted(*where: Any) -> Any:
        query = select(start, end, func.count()).where(*near, *where)
        return connection.execute(query.group_by(Booking.start, Booking.end)).all()

    if session.get_bind().dialect.name != "sqlite":
        return [(row[0], row[1], row[2]) for row in counted(Booking.status == "confirmed")]
    # As in _confirmed_near: on SQLite the covering index has every column but the status;
    # count the active bookings through it, then take off the few pending ones (read
    # through the index by status).
    pending: dict[tuple[int, int], int] = defaultdict(int)
    waiting = text(
        "SELECT space_id, CAST(strftime('%s', start) AS INTEGER),"
        " CAST(strftime('%s', \"end\") AS INTEGER) FROM bookings"
        " INDEXED BY ix_bookings_status_created"
        " WHERE status = 'pending' AND start < :end AND \"end\" > :start"
    ).bindparams(
        bindparam("end", window.end, type_=UTCDateTime()),
        bindparam("start", window.start, type_=UTCDateTime()),
    )
    for space_id, low, high in connection.execute(waiting):
        if space_ids is None or space_id in space_ids:
            pending[(low, high)] += 1
    spans = []
    for low, high, count in counted():
        count -= pending.get((low, high), 0)
        if count > 0:
            spans.append((low, high, count))
    return spans


def peak_hours(
    session: Session,
    user: User,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    *,
    kind: str | None = None,
    building: str | None = None,
) -> list[HeatCell]:
    """Confirmed booked hours in [start, end) per weekday and hour of the campus wall clock,
    summed over the spaces (of a kind, in a building, when given): 168 cells, Monday 0:00
    first, every cell present.

    A booking is split at the hour boundaries (08:30-10:15 gives 0.5 h at 8, 1 h at 9 and
    0.25 h at 10) and counted whole, whether or not it lies in the space's opening hours, a
    closure or a lease: the map shows when people use the campus. The database counts the
    bookings by their times in one range query; the cutting is done here, as the hours of
    the week depend on the zone's rules (daylight saving), which SQLite does not know.
    """
    require_manager(user)
    window = Interval(start.astimezone(UTC), end.astimezone(UTC))
    catalog = catalog_service.load(session)
    wanted = None
    if kind is not None or building is not None:
        wanted = {
            v.id
            for v in catalog.spaces
            if (kind is None or v.kind == kind)
            and (building is None or v.building_code == building)
        }
    low, high = int(window.start.timestamp()), int(window.end.timestamp())
    cuts, cells = _local_hours(low, high, tz)
    pieces = [0] * len(cells)
    last = len(cells) - 1
    spans = (
        _confirmed_spans(session, window, catalog.longest_busy_min, wanted)
        if wanted != set()
        else []
    )
    for b_start, b_end, count in spans:
        b_start, b_end = max(b_start, low), min(b_end, high)
        if b_end <= b_start:
            continue
        i = min(bisect_right(cuts, b_start) - 1, last)
        while b_start < b_end:
            upto = min(b_end, cuts[i + 1])
            pieces[i] += (upto - b_start) * count
            b_start = upto
            i += 1
    seconds = [0] * (7 * 24)
    for cell, amount in zip(cells, pieces, strict=True):
        seconds[cell] += amount
    return [HeatCell(n // 24, n % 24, seconds[n]) for n in range(7 * 24)]


# ---------------------------------------------------------------------------------------------
# Cancellations and rejections

LATE_CANCELLATION = timedelta(hours=24)


@dataclass(frozen=True)
class CancellationItem:
    """What became of the bookings that start in a period, for one space, kind or building.

    `cancelled` counts every cancelled booking, `late_cancelled` those of them cancelled less
    than 24 hours before their start (or after it); `rejected` the manager's rejections,
    `expired` the requests nobody decided before their start (rejected automatically).
    """

    key: str | int
    bookings: int
    cancelled: int
    late_cancelled: int
    rejected: int
    expired: int
    space: SpaceView | None = None

    def _rate(self, count: int) -> float:
        return ratio(Decimal(count), Decimal(self.bookings))

    @property
    def cancellation_rate(self) -> float:
        return self._rate(self.cancelled)

    @property
    def late_cancellation_rate(self) -> float:
        return self._rate(self.late_cancelled)

    @property
    def rejection_rate(self) -> float:
        return self._rate(self.rejected)

    @property
    def expiry_rate(self) -> float:
        return self._rate(self.expired)


def _count_where(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def cancellations(
    session: Session, user: User, start: datetime, end: datetime, group_by: str
) -> list[CancellationItem]:
    """Of the bookings (any state) starting in [start, end), how many were cancelled,
    cancelled late, rejected or expired; per space, kind or building, in one grouped query.
    Spaces without bookings in the period are left out. Rates are shares of `bookings`.
    """
    require_manager(user)
    late = _epoch(session, Booking.cancelled_at) > _epoch(session, Booking.start) - int(
        LATE_CANCELLATION.total_seconds()
    )
    rejected = Booking.status == "rejected"
    query = (
        select(
            Booking.space_id,
            func.count(),
            _count_where(Booking.status == "cancelled"),
            _count_where(and_(Booking.status == "cancelled", late)),
            _count_where(and_(rejected, Booking.decided_by_id.is_not(None))),
            _count_where(and_(rejected, Booking.decided_by_id.is_(None))),
        )
        .where(Booking.start >= start.astimezone(UTC), Booking.start < end.astimezone(UTC))
        .group_by(Booking.space_id)
    )
    catalog = catalog_service.load(session)
    per_space: list[CancellationItem] = []
    for space_id, *counts in session.execute(query):
        view = catalog.by_id.get(space_id)
        if view is None:
            continue
        total, cancelled, late_count, rejected_count, expired = (int(c) for c in counts)
        per_space.append(
            CancellationItem(space_id, total, cancelled, late_count, rejected_count, expired, view)
        )
    per_space.sort(key=lambda item: (item.space.code if item.space else "", item.key))
    if group_by == "space":
        return per_space
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for item in per_space:
        assert item.space is not None
        name = item.space.kind if group_by == "kind" else item.space.building_code
        for n, value in enumerate(
            (item.bookings, item.cancelled, item.late_cancelled, item.rejected, item.expired)
        ):
            totals[name][n] += value
    order = [k for k in SPACE_KINDS if k in totals] if group_by == "kind" else sorted(totals)
    return [
        CancellationItem(name, bookings, cancelled, late_count, rejected_count, expired)
        for name in order
        for bookings, cancelled, late_count, rejected_count, expired in [totals[name]]
    ]
