"""What stands in a space's way at a time: bookings, closures and leases, read in range queries.

Every query here is bounded on both sides by time, so that it reads only the bookings near the
asked window, never a space's whole history.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    DateTime,
    String,
    TextualSelect,
    and_,
    bindparam,
    column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from booking.core.availability import BookedSlot
from booking.core.intervals import Interval, merge
from booking.models import Booking, Closure, Lease, lease_spaces
from booking.models.bookings import ACTIVE_SQL
from booking.models.types import UTCDateTime
from booking.services.catalog import VERSION_COLUMNS, VERSION_SELECT, SpaceView

ACTIVE = ("pending", "confirmed")


def _minutes_between(a: datetime, b: datetime) -> int:
    return int((b - a).total_seconds() // 60)


_SLOT_COLUMNS = (
    Booking.id,
    Booking.space_id,
    Booking.user_id,
    Booking.start,
    Booking.end,
    Booking.busy_start,
    Booking.busy_end,
)
# The most frequent read (one space, one window: availability, a single booking) prebuilt
# with typed parameters, so that a request does not pay for building the statement.
_ONE_SPACE_SLOTS = select(*_SLOT_COLUMNS).where(
    ACTIVE_SQL,
    Booking.space_id == bindparam("space_id"),
    Booking.busy_start > bindparam("low", type_=UTCDateTime()),
    Booking.busy_start < bindparam("high", type_=UTCDateTime()),
    Booking.busy_end > bindparam("start", type_=UTCDateTime()),
)


def _slot(row: Any) -> BookedSlot:
    return BookedSlot(
        start=row.start,
        end=row.end,
        user_id=row.user_id,
        buffer_before_min=_minutes_between(row.busy_start, row.start),
        buffer_after_min=_minutes_between(row.end, row.busy_end),
        booking_id=row.id,
    )


# The same on PostgreSQL as one short statement over arrays of windows: a text of hundreds
# of OR terms would be parsed again by the driver on every call.
_PG_WINDOWS = (
    text(
        "SELECT DISTINCT bookings.id, bookings.space_id, bookings.user_id, bookings.start,"
        ' bookings."end", bookings.busy_start, bookings.busy_end'
        " FROM unnest(:lows, :highs, :starts) AS w(low, high, start)"
        " JOIN bookings ON bookings.space_id = :space_id"
        " AND bookings.status IN ('pending', 'confirmed')"
        " AND bookings.busy_start > w.low AND bookings.busy_start < w.high"
        " AND bookings.busy_end > w.start"
    )
    .bindparams(
        bindparam("space_id"),
        bindparam("lows", type_=ARRAY(DateTime(timezone=True))),
        bindparam("highs", type_=ARRAY(DateTime(timezone=True))),
        bindparam("starts", type_=ARRAY(DateTime(timezone=True))),
    )
    .columns(*_SLOT_COLUMNS)
)


@functools.lru_cache(maxsize=64)
def _windows_statement(count: int) -> TextualSelect:
    """One space's active bookings near any of `count` windows (a series' occurrences).

    Each OR term repeats the space and the active condition, so that SQLite answers with one
    index range per window (MULTI-INDEX OR) instead of reading all the space's bookings;
    built once per count, as text, since building 26 terms per request costs milliseconds.
    """
    term = (
        "(bookings.space_id = :space_id AND bookings.status IN ('pending', 'confirmed')"
        " AND bookings.busy_start > :low{n} AND bookings.busy_start < :high{n}"
        " AND bookings.busy_end > :start{n})"
    )
    sql = (
        "SELECT bookings.id, bookings.space_id, bookings.user_id, bookings.start,"
        ' bookings."end", bookings.busy_start, bookings.busy_end FROM bookings WHERE '
        + " OR ".join(term.format(n=n) for n in range(count))
    )
    typed = [
        bindparam(f"{name}{n}", type_=UTCDateTime())
        for n in range(count)
        for name in ("low", "high", "start")
    ]
    return text(sql).bindparams(bindparam("space_id"), *typed).columns(*_SLOT_COLUMNS)


def booked_slots(
    session: Session,
    space_ids: Sequence[int] | None,
    windows: Iterable[Interval],
    *,
    longest_busy_min: int,
    exclude_ids: Iterable[int] = (),
) -> dict[int, list[BookedSlot]]:
    """Active bookings whose busy time overlaps one of the windows, per space.

    A booking's busy time is at most `longest_busy_min` long, so its start lies within that
    much before the window: the index on busy_start is read only around the windows.
    """
    ranges = merge(windows)
    if not ranges:
        return {}
    reach = timedelta(minutes=longest_busy_min + 1)
    if space_ids is not None and len(space_ids) == 1 and len(ranges) == 1:
        rows = session.execute(
            _ONE_SPACE_SLOTS,
            {
                "space_id": space_ids[0],
                "low": ranges[0].start - reach,
                "high": ranges[0].end,
                "start": ranges[0].start,
            },
        )
    elif space_ids is not None and len(space_ids) == 1:
        if session.get_bind().dialect.name == "postgresql":
            rows = session.execute(
                _PG_WINDOWS,
                {
                    "space_id": space_ids[0],
                    "lows": [w.start - reach for w in ranges],
                    "highs": [w.end for w in ranges],
                    "starts": [w.start for w in ranges],
                },
            )
        else:
            params: dict[str, Any] = {"space_id": space_ids[0]}
            for n, window in enumerate(ranges):
                params[f"low{n}"] = window.start - reach
                params[f"high{n}"] = window.end
                params[f"start{n}"] = window.start
            rows = session.execute(_windows_statement(len(ranges)), params)
    else:
        terms = [
            and_(
                Booking.busy_start > window.start - reach,
                Booking.busy_start < window.end,
                Booking.busy_end > window.start,
            )
            for window in ranges
        ]
        query = select(*_SLOT_COLUMNS).where(ACTIVE_SQL, or_(*terms))
        # (Named indexes: see _OBSTACLE_BLOCKED on SQLite's choice without statistics.)
        if space_ids is not None:
            query = query.where(Booking.space_id.in_(space_ids)).with_hint(
                Booking, "INDEXED BY ix_bookings_active_space_busy", "sqlite"
            )
        else:
            query = query.with_hint(Booking, "INDEXED BY ix_bookings_active_busy_start", "sqlite")
        rows = session.execute(query)
    excluded = set(exclude_ids)
    found: dict[int, list[BookedSlot]] = {}
    for row in rows:
        if row.id not in excluded:
            found.setdefault(row.space_id, []).append(_slot(row))
    for slots in found.values():
        slots.sort(key=lambda slot: slot.start)
    return found


_CLOSURES_NEAR = select(
    Closure.id, Closure.space_id, Closure.building_id, Closure.start, Closure.end
).where(
    Closure.start < bindparam("end", type_=UTCDateTime()),
    Closure.end > bindparam("start", type_=UTCDateTime()),
)


def closures_near(session: Session, window: Interval) -> list[Any]:
    """Every closure (space, building or campus-wide) overlapping the window, as rows with
    id, space_id, building_id, start and end."""
    return list(session.execute(_CLOSURES_NEAR, {"start": window.start, "end": window.end}))


# A space's week in one statement: its active bookings near the window and the closures
# (its own, its building's, the campus's) overlapping it, and, when asked, the catalog's
# version (catalog.VERSION_SELECT, whose layout the first columns follow). `kind` tells the
# rows apart: 'v' version, 'b' booking, 'c' closure.
_SPACE_WINDOW_PARTS = (
    "SELECT 'b' AS kind, bookings.id AS n1, bookings.user_id AS n2, CAST(NULL AS bigint) AS n3,"
    " CAST(NULL AS bigint) AS n4, CAST(NULL AS bigint) AS n5, CAST(NULL AS bigint) AS n6,"
    ' bookings.start AS t1, bookings."end" AS t2,'
    " bookings.busy_start AS t3, bookings.busy_end AS t4 FROM bookings"
    " WHERE bookings.space_id = :space_id AND bookings.status IN ('pending', 'confirmed')"
    " AND bookings.busy_start > :low AND bookings.busy_start < :high"
    " AND bookings.busy_end > :start",
    "SELECT 'c', closures.id, NULL, NULL, NULL, NULL, NULL, closures.start, closures.\"end\","
    " NULL, NULL FROM closures"
    ' WHERE closures.start < :high AND closures."end" > :start'
    " AND (closures.space_id = :space_id OR (closures.space_id IS NULL"
    " AND (closures.building_id IS NULL OR closures.building_id = :building_id)))",
)


@functools.lru_cache(maxsize=2)
def _space_window_statement(with_version: bool) -> TextualSelect:
    parts = list(_SPACE_WINDOW_PARTS)
    if with_version:
        parts.append(VERSION_SELECT + ", NULL, NULL")
    return (
        text(" UNION ALL ".join(parts))
        .bindparams(
            bindparam("space_id"),
            bindparam("building_id"),
            bindparam("low", type_=UTCDateTime()),
            bindparam("high", type_=UTCDateTime()),
            bindparam("start", type_=UTCDateTime()),
        )
        .columns(*VERSION_COLUMNS, column("t3", UTCDateTime()), column("t4", UTCDateTime()))
    )


@dataclass(frozen=True)
class SpaceWindow:
    """What space_window read: bookings (by start), closed times, and the catalog's version
    row when it was asked for (else None)."""

    booked: list[BookedSlot]
    closed: list[Interval]
    version: Any | None


def space_window(
    session: Session,
    space: SpaceView,
    window: Interval,
    *,
    longest_busy_min: int,
    with_version: bool = False,
) -> SpaceWindow:
    """A space's active bookings whose busy time overlaps the window, and its closures there,
    read in one statement (with the catalog's version when `with_version`)."""
    rows = session.execute(
        _space_window_statement(with_version),
        {
            "space_id": space.id,
            "building_id": space.building_id,
            "low": window.start - timedelta(minutes=longest_busy_min + 1),
            "high": window.end,
            "start": window.start,
        },
    )
    slots: list[BookedSlot] = []
    closed: list[Interval] = []
    version = None
    for row in rows:
        if row.kind == "b":
            slots.append(
                BookedSlot(
                    start=row.t1,
                    end=row.t2,
                    user_id=row.n2,
                    buffer_before_min=_minutes_between(row.t3, row.t1),
                    buffer_after_min=_minutes_between(row.t2, row.t4),
                    booking_id=row.n1,
                )
            )
        elif row.kind == "c":
            closed.append(Interval(row.t1, row.t2))
        else:
            version = row
    slots.sort(key=lambda slot: slot.start)
    return SpaceWindow(slots, closed, version)


# Everything a free-space search must know, in one statement (every statement is a round trip
# on PostgreSQL): per buffer pair of the candidate spaces, which spaces a booking of the
# searcher's with those buffers would conflict with (core.availability.conflicts in SQL:
# others' busy times overlap ours, the searcher's own booked times overlap ours); closures
# and running leases near the window; and, when asked, the catalog's version. Bare ids keep
# a search on a busy campus cheap. On SQLite the booking branches name their index: without
# ANALYZE statistics (a database that was never analysed, as most SQLite files are) the
# planner prefers ix_bookings_status_created for `status IN (...)`, and reads every active
# booking: hundreds of milliseconds on the demo at scale 20 instead of one.
# (No DISTINCT: with it SQLite's planner prefers a skip-scan over every space, ten times
# slower than this range; the few duplicates vanish in the set they are read into.)
_OBSTACLE_BLOCKED = (
    "SELECT 'b' AS kind, {group} AS n1, CAST(NULL AS bigint) AS n2, CAST(NULL AS bigint) AS n3,"
    " CAST(NULL AS bigint) AS n4, CAST(NULL AS bigint) AS n5, CAST(NULL AS bigint) AS n6,"
    " CAST(NULL AS timestamptz) AS t1, CAST(NULL AS timestamptz) AS t2,"
    " CAST(NULL AS date) AS d1, CAST(NULL AS date) AS d2, {ids} AS ids"
    " FROM bookings{hint} WHERE bookings.status IN ('pending', 'confirmed')"
    " AND bookings.busy_start > :low{group} AND bookings.busy_start < :busy_end{group}"
    " AND bookings.busy_end > :busy_start{group}"
    ' AND (bookings.user_id != :user_id OR (bookings.start < :end AND bookings."end" > :start))'
)
_OBSTACLE_REST = (
    "SELECT 'c', closures.id, closures.space_id, closures.building_id, NULL, NULL, NULL,"
    ' closures.start, closures."end", NULL, NULL, NULL FROM closures'
    ' WHERE closures.start < :end AND closures."end" > :start',
    "SELECT 'l', leases.id, lease_spaces.space_id, NULL, NULL, NULL, NULL, NULL, NULL,"
    ' leases.start, leases."end", NULL FROM lease_spaces'
    " JOIN leases ON leases.id = lease_spaces.lease_id"
    ' WHERE leases.start <= :last AND (leases."end" IS NULL OR leases."end" >= :first)',
)


# PostgreSQL resolves a UNION's column types pair by pair from the left, and a column that is
# NULL in both of the first two branches would become text: the first branch of each
# statement here casts its NULLs.
@functools.lru_cache(maxsize=32)
def _obstacles_statement(groups: int, with_version: bool, sqlite: bool) -> TextualSelect:
    hint = " INDEXED BY ix_bookings_active_busy_start" if sqlite else ""
    # The blocked spaces of a buffer pair as one text of ids ("4,17,17,230"): one row to
    # read instead of hundreds, each of which costs more in Python than in the database.
    ids = (
        "group_concat(bookings.space_id)"
        if sqlite
        else "string_agg(CAST(bookings.space_id AS text), ',')"
    )
    parts = [_OBSTACLE_BLOCKED.format(group=g, hint=hint, ids=ids) for g in range(groups)]
    parts += _OBSTACLE_REST
    if with_version:
        parts.append(VERSION_SELECT + ", NULL, NULL, NULL")
    typed = [
        bindparam(f"{name}{g}", type_=UTCDateTime())
        for g in range(groups)
        for name in ("low", "busy_start", "busy_end")
    ]
    return (
        text(" UNION ALL ".join(parts))
        .bindparams(
            bindparam("user_id"),
            bindparam("start", type_=UTCDateTime()),
            bindparam("end", type_=UTCDateTime()),
            bindparam("first", type_=Date()),
            bindparam("last", type_=Date()),
            *typed,
        )
        .columns(
            *VERSION_COLUMNS, column("d1", Date()), column("d2", Date()), column("ids", String())
        )
    )


@dataclass(frozen=True)
class ClosureRow:
    id: int
    space_id: int | None
    building_id: int | None
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Obstacles:
    """What stands in a search's way: per buffer pair asked (in that order), the spaces
    blocked; the closures near the window; per space, its leased times; and the catalog's
    version row when it was asked for (else None)."""

    blocked: list[set[int]]
    closures: list[ClosureRow]
    leased: dict[int, list[Interval]]
    version: Any | None


def obstacles(
    session: Session,
    user_id: int,
    window: Interval,
    tz: ZoneInfo,
    *,
    buffers: Sequence[tuple[int, int]],
    longest_busy_min: int,
    with_version: bool = False,
) -> Obstacles:
    """Which spaces a booking of `window` by user_id would conflict with, for each pair of
    (before, after) buffers in `buffers`; closures and leases near the window; in one
    statement (with the catalog's version when `with_version`)."""
    start, end = window.start, window.end
    params: dict[str, Any] = {
        "user_id": user_id,
        "start": start,
        "end": end,
        "first": start.astimezone(tz).date(),
        "last": end.astimezone(tz).date(),
    }
    for g, (before, after) in enumerate(buffers):
        busy_start = start - timedelta(minutes=before)
        params[f"low{g}"] = busy_start - timedelta(minutes=longest_busy_min + 1)
        params[f"busy_start{g}"] = busy_start
        params[f"busy_end{g}"] = end + timedelta(minutes=after)
    sqlite = session.get_bind().dialect.name == "sqlite"
    rows = session.execute(_obstacles_statement(len(buffers), with_version, sqlite), params)
    blocked: list[set[int]] = [set() for _ in buffers]
    closures: list[ClosureRow] = []
    leased: dict[int, list[Interval]] = {}
    version = None
    for row in rows:
        kind = row.kind
        if kind == "b":
            if row.ids:
                blocked[row.n1].update(map(int, row.ids.split(",")))
        elif kind == "c":
            closures.append(ClosureRow(row.n1, row.n2, row.n3, row.t1, row.t2))
        elif kind == "l":
            leased.setdefault(row.n2, []).append(_lease_interval(row.d1, row.d2, window, tz))
        else:
            version = row
    return Obstacles(blocked, closures, leased, version)


def _lease_interval(start: date, end: date | None, window: Interval, tz: ZoneInfo) -> Interval:
    """A lease's days as local times; an open-ended lease runs past the window."""
    lease_start = local_day_bounds(start, tz).start
    lease_end = local_day_bounds(end, tz).end if end else window.end + timedelta(days=1)
    return Interval(lease_start, lease_end)


def closures_applying(space: SpaceView, closures: Iterable[Any]) -> list[Any]:
    """The closures (space, its building, or campus-wide) that apply to one space."""
    return [
        c
        for c in closures
        if (c.space_id is None and c.building_id is None)
        or c.space_id == space.id
        or (c.space_id is None and c.building_id == space.building_id)
    ]


def closures_for(space: SpaceView, closures: Iterable[Any]) -> list[Interval]:
    """The closed times of one space."""
    return [Interval(c.start, c.end) for c in closures_applying(space, closures)]


def local_day_bounds(day: date, tz: ZoneInfo) -> Interval:
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return Interval(start, end)


_LEASES_NEAR = (
    select(lease_spaces.c.space_id, Lease.start, Lease.end)
    .join(Lease, Lease.id == lease_spaces.c.lease_id)
    .where(
        Lease.start <= bindparam("last", type_=Date()),
        or_(Lease.end.is_(None), Lease.end >= bindparam("first", type_=Date())),
    )
)


def leased_intervals(
    session: Session, space_ids: Sequence[int] | None, window: Interval, tz: ZoneInfo
) -> dict[int, list[Interval]]:
    """Per space, the times a running lease covers inside the window (lease days are local)."""
    params = {
        "first": window.start.astimezone(tz).date(),
        "last": window.end.astimezone(tz).date(),
    }
    wanted = set(space_ids) if space_ids is not None else None
    found: dict[int, list[Interval]] = {}
    for space_id, start, end in session.execute(_LEASES_NEAR, params):
        if wanted is not None and space_id not in wanted:
            continue
        found.setdefault(space_id, []).append(_lease_interval(start, end, window, tz))
    return found


def tenant_minutes_per_week(
    session: Session,
    tenant_id: int,
    space_id: int,
    window: Interval,
    tz: ZoneInfo,
    exclude_ids: Iterable[int] = (),
) -> dict[date, int]:
    """Minutes the tenant has actively booked in the space per local week around the window."""
    from booking.core.rules import week_minutes

    first_monday = window.start.astimezone(tz).date()
    first_monday -= timedelta(days=first_monday.weekday())
    last_day = window.end.astimezone(tz).date() + timedelta(days=7)
    bounds = Interval(local_day_bounds(first_monday, tz).start, local_day_bounds(last_day, tz).end)
    excluded = set(exclude_ids)
    totals: dict[date, int] = {}
    rows = session.execute(
        select(Booking.id, Booking.start, Booking.end).where(
            Booking.tenant_id == tenant_id,
            Booking.space_id == space_id,
            ACTIVE_SQL,
            Booking.start < bounds.end,
            Booking.end > bounds.start - timedelta(days=32),
        )
    )
    for booking_id, start, end in rows:
        if booking_id in excluded:
            continue
        for week, minutes in week_minutes(start, end, tz).items():
            totals[week] = totals.get(week, 0) + minutes
    return totals
