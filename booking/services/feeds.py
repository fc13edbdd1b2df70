"""Calendar feeds: a person's, a tenant's and a space's bookings as iCalendar (API.md section 5),
and one booking or series for download and for e-mail attachments.

A feed reads its bookings in ONE query (bookings joined to their bookers and series; spaces
and buildings come from the cached catalog) and hands CalendarEvents to core/ical.py. Before
building, ``feed_version`` reads a cheap aggregate of the very same rows for the ETag and
Last-Modified, so that an unchanged feed costs two small queries and no building at all.

How bookings become events:

- A single booking is its own VEVENT, UID ``booking-{id}@{host}``.
- A series is ONE VEVENT, UID ``series-{id}@{host}``: the series' rule (RRULE) from its first
  start, an EXDATE for every occurrence of the rule without an active booking (skipped when
  booked, cancelled, rejected, or in a space feed: moved to another space), and a
  RECURRENCE-ID override for every occurrence that differs from the master in time, space,
  title or status. The master is CONFIRMED when any occurrence is, else TENTATIVE; a series
  with no active occurrence left is shown CANCELLED as a whole.
- SEQUENCE: the booking's; for a series the highest of the series and all its bookings, on the
  master and its overrides alike, so that any change to any occurrence raises it.
- Cancelled and rejected bookings stay in feeds as CANCELLED for 30 days after the decision.
- Window: bookings that touch [today - 90 days, today + 400 days] (campus-local days of
  booking "now"); a series is sent whole when any of its occurrences is in the window.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, select, true, union
from sqlalchemy.orm import Session, aliased, lazyload
from sqlalchemy.sql.expression import Executable

from booking.core.ical import STATUS_BY_BOOKING_STATE, Attendee, CalendarEvent, build_calendar
from booking.core.intervals import localize
from booking.core.recurrence import RecurrenceError, expand
from booking.errors import NotFound
from booking.models import ACTIVE_STATUSES, Booking, Building, Series, Space, User
from booking.services import catalog as catalog_service
from booking.services.catalog import Catalog, SpaceView
from booking.services.spaces import get_space

__all__ = [
    "CANCELLED_KEPT",
    "FEED_KINDS",
    "Feed",
    "FeedSettings",
    "Version",
    "Window",
    "booking_calendar",
    "booking_download",
    "booking_version",
    "build_feed",
    "feed_owner",
    "feed_version",
    "feed_window",
    "open_feed",
]

FEED_KINDS = ("me", "tenant", "space")
DAYS_BACK = 90
DAYS_AHEAD = 400
CANCELLED_KEPT = timedelta(days=30)
# Part of every ETag: raise it when the output for the same data changes.
FORMAT_VERSION = "feeds-1"

_CALENDAR_NAMES = {
    "me": {"nl": "Mijn boekingen", "en": "My bookings"},
    "tenant": {"nl": "Boekingen van {tenant}", "en": "Bookings of {tenant}"},
    "space": {"nl": "Bezetting van {space}", "en": "Bookings of {space}"},
}
_BUSY = {"nl": "Bezet", "en": "Busy"}
_BOOKED_BY = {"nl": "Geboekt door {name}", "en": "Booked by {name}"}
_FALLBACK_LANGUAGE = "en"

# Feed tokens are secrets.token_urlsafe(24) (32 characters); anything far from that shape is
# refused before it reaches the database.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}")


@dataclass(frozen=True)
class FeedSettings:
    """What the outer layer knows about the campus: its zone and the public base URL."""

    tz: ZoneInfo
    base_url: str
    # The campus's sending address: the ORGANIZER of e-mailed invitations (feeds have none).
    organizer: str | None = None

    @property
    def uid_host(self) -> str:
        return urlsplit(self.base_url).hostname or "campus-booking"


@dataclass(frozen=True)
class Feed:
    """One subscribable calendar: ``kind`` is "me", "tenant" or "space" (with its ``space``)."""

    kind: str
    owner: User
    space: SpaceView | None = None


@dataclass(frozen=True)
class Window:
    """The bookings a feed holds: those touching [start, end); cancelled ones decided since
    ``cancelled_since``. Everything follows from ``day`` (today, campus-local)."""

    day: date
    day_start: datetime
    start: datetime
    end: datetime
    cancelled_since: datetime


@dataclass(frozen=True)
class Version:
    """A calendar's validators: a strong ETag (quoted) and Last-Modified (UTC, whole seconds)."""

    etag: str
    last_modified: datetime


def feed_window(now: datetime, tz: ZoneInfo) -> Window:
    """The window around booking ``now``: 90 whole days back, 400 whole days ahead.

    Whole campus-local days, so that a feed's content (and ETag) changes at most once a day
    by the passing of time.
    """
    today = now.astimezone(tz).date()

    def midnight(day: date) -> datetime:
        return localize(datetime.combine(day, time()), tz).astimezone(UTC)

    return Window(
        day=today,
        day_start=midnight(today),
        start=midnight(today - timedelta(days=DAYS_BACK)),
        end=midnight(today + timedelta(days=DAYS_AHEAD + 1)),
        cancelled_since=midnight(today) - CANCELLED_KEPT,
    )


# ---------------------------------------------------------------------------------------------
# Who asks


def feed_owner(session: Session, token: str) -> User | None:
    """The active person whose feed token this is, or None (unknown, rotated, deactivated).

    The token is looked up through its unique index and then compared in constant time, so
    that a database collation that folds case or pads cannot let a near miss through.
    """
    if not _TOKEN_SHAPE.fullmatch(token):
        return None
    user: User | None = session.scalar(
        select(User).where(User.feed_token == token).options(lazyload(User.qualifications))
    )
    if user is None or not hmac.compare_digest(user.feed_token.encode(), token.encode()):
        return None
    if not user.active or user.anonymised_at is not None:
        return None
    return user


def open_feed(session: Session, owner: User, kind: str, space_id: int | None = None) -> Feed:
    """The feed ``kind`` of ``owner``; NotFound where this person has no such feed.

    tenant.ics is for a tenant admin only; a space feed for any space the person may see
    (every active space; retired ones for the manager).
    """
    if kind == "me":
        return Feed("me", owner)
    if kind == "tenant":
        if owner.role != "tenant_admin" or owner.tenant_id is None:
            raise NotFound("There is no tenant calendar for this person.")
        return Feed("tenant", owner)
    if kind == "space" and space_id is not None:
        return Feed("space", owner, get_space(session, owner, space_id))
    raise NotFound("There is no such calendar.")


# ---------------------------------------------------------------------------------------------
# The one query


_BookingEntity = Any  # Booking, or an alias of it


def _scope(feed: Feed, entity: _BookingEntity) -> ColumnElement[bool]:
    if feed.kind == "me":
        return entity.user_id == feed.owner.id  # type: ignore[no-any-return]
    if feed.kind == "tenant":
        return entity.tenant_id == feed.owner.tenant_id  # type: ignore[no-any-return]
    assert feed.space is not None
    return entity.space_id == feed.space.id  # type: ignore[no-any-return]


_INNER = aliased(Booking)
_SERIES_ROW = aliased(Booking)


def _own(feed: Feed, window: Window, entity: _BookingEntity = Booking) -> ColumnElement[bool]:
    """The feed's own bookings in the window (series aside)."""
    return and_(_scope(feed, entity), entity.start < window.end, entity.end > window.start)


def _selection(feed: Feed, window: Window) -> ColumnElement[bool]:
    """The feed's rows: its bookings in the window, and every booking of a series that has
    one there (overrides, EXDATEs and SEQUENCE need the whole series; a series has at most
    500 occurrences).

    Written as ``id IN (... UNION ...)`` so that each part runs on its own index (the feed's
    scope with start; series_id); as a plain OR, SQLite reads every booking.
    """
    in_window = _own(feed, window, _INNER)
    own = select(_INNER.id).where(in_window)
    series_ids = select(_INNER.series_id).where(in_window, _INNER.series_id.is_not(None))
    whole_series = select(Booking.id).where(Booking.series_id.in_(series_ids))
    return Booking.id.in_(union(own, whole_series))


_COLUMNS = (
    Booking.id,
    Booking.series_id,
    Booking.occurrence_start,
    Booking.space_id,
    Booking.user_id,
    Booking.tenant_id,
    Booking.title,
    Booking.notes,
    Booking.start,
    Booking.end,
    Booking.status,
    Booking.sequence,
    Booking.cancelled_at,
    Booking.decided_at,
    Booking.created_at,
    Booking.updated_at,
    User.name,
    Series.space_id,
    Series.title,
    Series.rrule,
    Series.first_start,
    Series.first_end,
    Series.sequence,
    Series.created_at,
    Series.updated_at,
)


@dataclass(frozen=True)
class _Row:
    id: int
    series_id: int | None
    occurrence_start: datetime | None
    space_id: int
    user_id: int
    tenant_id: int | None
    title: str
    notes: str | None
    start: datetime
    end: datetime
    status: str
    sequence: int
    cancelled_at: datetime | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime
    booker: str
    series_space_id: int | None
    series_title: str | None
    series_rrule: str | None
    series_first_start: datetime | None
    series_first_end: datetime | None
    series_sequence: int | None
    series_created_at: datetime | None
    series_updated_at: datetime | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def decided(self) -> datetime:
        """When it was cancelled or rejected (for the 30 days it stays in feeds)."""
        return self.cancelled_at or self.decided_at or self.updated_at

    @property
    def occurrence(self) -> datetime:
        return self.occurrence_start or self.start


def _rows_query(where: ColumnElement[bool]) -> Executable:
    return (
        select(*_COLUMNS)
        .join(User, User.id == Booking.user_id)
        .outerjoin(Series, Series.id == Booking.series_id)
        .where(where)
    )


def _read_rows(session: Session, where: ColumnElement[bool]) -> list[_Row]:
    return [_Row(*row) for row in session.execute(_rows_query(where))]


def _row_of(booking: Booking, booker: str, series: Series | None) -> _Row:
    """The row _rows_query would read, from a booking (its booker's name, its series) in
    memory. The caller passes the booker and series it holds: reaching them through each
    booking's relationships costs an identity-map lookup per booking."""
    return _Row(
        booking.id,
        booking.series_id,
        booking.occurrence_start,
        booking.space_id,
        booking.user_id,
        booking.tenant_id,
        booking.title,
        booking.notes,
        booking.start,
        booking.end,
        booking.status,
        booking.sequence,
        booking.cancelled_at,
        booking.decided_at,
        booking.created_at,
        booking.updated_at,
        booker,
        series.space_id if series is not None else None,
        series.title if series is not None else None,
        series.rrule if series is not None else None,
        series.first_start if series is not None else None,
        series.first_end if series is not None else None,
        series.sequence if series is not None else None,
        series.created_at if series is not None else None,
        series.updated_at if series is not None else None,
    )


_Condition = Callable[[_BookingEntity], ColumnElement[bool]]


def _version_query(own: _Condition) -> Executable:
    """The aggregate behind a calendar's validators, for the rows ``own(entity)`` selects and
    every booking of their series (the rows of ``_selection``).

    Every column a calendar shows changes its row's updated_at or sequence, and a booking
    coming or going changes a count; spaces and buildings (LOCATION) and the bookers (names)
    are read in the same statement. A fingerprint, not a sum: the series' rows may count
    twice. Each part is its own small aggregate driven by an index (the feed's scope with
    start; series_id), where one aggregate over ``_selection`` made PostgreSQL hash-join the
    whole bookings table.
    """
    series_ids = select(_INNER.series_id).where(own(_INNER), _INNER.series_id.is_not(None))
    mine = select(
        func.count(Booking.id).label("count"),
        func.max(Booking.updated_at).label("changed"),
        func.coalesce(func.sum(Booking.sequence), 0).label("sequences"),
    ).where(own(Booking))
    of_series = select(
        func.count(Booking.id).label("count"),
        func.max(Booking.updated_at).label("changed"),
        func.coalesce(func.sum(Booking.sequence), 0).label("sequences"),
    ).where(Booking.id.in_(select(_SERIES_ROW.id).where(_SERIES_ROW.series_id.in_(series_ids))))
    series_changes = select(
        func.max(Series.updated_at).label("changed"),
        func.coalesce(func.max(Series.sequence), 0).label("sequence"),
    ).where(Series.id.in_(series_ids))
    own_rows = mine.subquery()
    series_rows = of_series.subquery()
    series_row = series_changes.subquery()
    bookers = select(func.max(User.updated_at)).where(
        User.id.in_(select(Booking.user_id).where(own(Booking)))
    )
    return select(
        own_rows.c.count,
        own_rows.c.changed,
        own_rows.c.sequences,
        series_rows.c.count,
        series_rows.c.changed,
        series_rows.c.sequences,
        series_row.c.changed,
        series_row.c.sequence,
        bookers.scalar_subquery().label("bookers_changed"),
        select(func.max(Space.updated_at)).scalar_subquery().label("spaces_changed"),
        select(func.count(Space.id)).scalar_subquery().label("spaces"),
        select(func.max(Building.updated_at)).scalar_subquery().label("buildings_changed"),
    ).select_from(own_rows.join(series_rows, true()).join(series_row, true()))


_CHANGED = (1, 4, 6, 8, 9, 11)  # the columns above that are times of change


def _version(
    session: Session,
    own: _Condition,
    parts: Sequence[object],
    times: Iterable[datetime | None],
    stamp: datetime,
) -> Version:
    row = session.execute(_version_query(own)).one()
    key = "\x1f".join(str(part) for part in (FORMAT_VERSION, *parts, *row))
    etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:40] + '"'
    candidates = [t for t in (*(row[i] for i in _CHANGED), *times) if t is not None]
    # HTTP dates have whole seconds; never in the future (a clock skew between app servers).
    latest = min(max(candidates, default=stamp), stamp)
    return Version(etag=etag, last_modified=latest.astimezone(UTC).replace(microsecond=0))


def _owner_parts(owner: User) -> list[object]:
    tenant = owner.tenant
    return [
        owner.id,
        # A rotated token must never meet an old cached body, even for identical data.
        hashlib.sha256(owner.feed_token.encode()).hexdigest(),
        owner.role,
        owner.tenant_id,
        owner.language,
        owner.updated_at.isoformat(),
        tenant.name if tenant is not None else "",
        tenant.updated_at.isoformat() if tenant is not None else "",
    ]


def feed_version(
    session: Session, feed: Feed, *, now: datetime, stamp: datetime, settings: FeedSettings
) -> Version:
    """The feed's ETag and Last-Modified from one aggregate query, without building it.

    The ETag covers the rows' count, latest changes and sequences, the spaces and buildings,
    the owner (token, role, tenant, language), the window's day and the settings. Last-Modified
    is the latest change among them, and at least the start of today (campus-local) once that
    has come on the real clock (``stamp``): the window moves daily, so that a client that sends
    only If-Modified-Since still gets the day's calendar once.
    """
    window = feed_window(now, settings.tz)
    parts = [
        feed.kind,
        feed.space.id if feed.space is not None else "",
        *_owner_parts(feed.owner),
        window.day.isoformat(),
        settings.tz.key,
        settings.base_url,
    ]
    times = [feed.owner.updated_at, feed.owner.tenant.updated_at if feed.owner.tenant else None]
    if window.day_start <= stamp:
        times.append(window.day_start)
    return _version(session, lambda entity: _own(feed, window, entity), parts, times, stamp)


# ---------------------------------------------------------------------------------------------
# Rows -> events


@lru_cache(maxsize=2048)
def _rule_starts(
    rrule: str, first_start: datetime, first_end: datetime, tzkey: str
) -> frozenset[datetime] | None:
    """The starts the series' rule makes (as calendar clients expand it), or None when the
    stored rule cannot be expanded (its bookings are then shown one by one)."""
    try:
        occurrences = expand(rrule, first_start, first_end, ZoneInfo(tzkey))
    except RecurrenceError:
        return None
    return frozenset(o.start.astimezone(UTC) for o in occurrences)


class _Events:
    """Turns a calendar's rows into CalendarEvents for one viewer."""

    def __init__(
        self,
        *,
        settings: FeedSettings,
        catalog: Catalog,
        language: str,
        sees_in_full: Callable[[int, int | None], bool],
        booked_by: bool,
        in_scope: Callable[[_Row], bool],
        series_here: Callable[[_Row], bool],
        window: Window | None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.language = language if language in _BUSY else _FALLBACK_LANGUAGE
        self.sees_in_full = sees_in_full
        self.booked_by = booked_by
        self.in_scope = in_scope
        self.series_here = series_here
        self.window = window
        self.host = settings.uid_host
        self.base = settings.base_url.rstrip("/")

    def build(self, rows: Sequence[_Row]) -> list[CalendarEvent]:
        singles: list[_Row] = []
        series: dict[int, list[_Row]] = {}
        for row in rows:
            if row.series_id is not None and row.series_rrule is not None:
                series.setdefault(row.series_id, []).append(row)
            else:
                singles.append(row)
        events = [self._single(row) for row in singles if self._shown_alone(row)]
        for group in series.values():
            events.extend(self._series(group))
        events.sort(key=lambda e: (e.start, e.uid))
        return events

    # --- one booking

    def _shown_alone(self, row: _Row) -> bool:
        if not self.in_scope(row):
            return False
        if self.window is None:
            return True
        if row.start >= self.window.end or row.end <= self.window.start:
            return False
        return row.active or row.decided >= self.window.cancelled_since

    def _single(self, row: _Row) -> CalendarEvent:
        full = self.sees_in_full(row.user_id, row.tenant_id)
        return CalendarEvent(
            uid=f"booking-{row.id}@{self.host}",
            start=row.start,
            end=row.end,
            summary=self._summary(row.title, full),
            status=row.status,
            sequence=row.sequence,
            created=row.created_at,
            last_modified=row.updated_at,
            location=self.location(row.space_id),
            url=self.url(row.id, row.space_id, full),
            description=self._description(row, full),
        )

    # --- a series

    def _series(self, group: list[_Row]) -> list[CalendarEvent]:
        first = group[0]
        assert first.series_id is not None and first.series_rrule is not None
        assert first.series_first_start is not None and first.series_first_end is not None
        scoped = [row for row in group if self.in_scope(row)]
        starts = _rule_starts(
            first.series_rrule,
            first.series_first_start,
            first.series_first_end,
            self.settings.tz.key,
        )
        if not scoped:
            return []
        if starts is None or not self.series_here(first):
            # A rule that cannot be expanded, or occurrences moved into this space from a series
            # of another space: each booking on its own.
            return [self._single(row) for row in scoped if self._shown_alone(row)]

        active = [row for row in scoped if row.active]
        if active:
            status = "confirmed" if any(r.status == "confirmed" for r in active) else "pending"
            shown = active
        else:
            if (
                self.window is not None
                and max(r.decided for r in scoped) < self.window.cancelled_since
            ):
                return []
            status, shown = "cancelled", scoped

        series_id = first.series_id
        uid = f"series-{series_id}@{self.host}"
        sequence = max(first.series_sequence or 0, *(row.sequence for row in group))
        full = self.sees_in_full(first.user_id, first.tenant_id)
        assert first.series_title is not None and first.series_space_id is not None
        summary = self._summary(first.series_title, full)
        length = first.series_first_end - first.series_first_start
        master_status = STATUS_BY_BOOKING_STATE[status]

        loose: list[CalendarEvent] = []
        overrides: list[CalendarEvent] = []
        by_occurrence: dict[datetime, _Row] = {}
        for row in sorted(shown, key=lambda r: r.occurrence):
            occurrence = row.occurrence
            if occurrence not in starts or occurrence in by_occurrence:
                # Not an occurrence of the rule (or twice the same): a RECURRENCE-ID would
                # match nothing, so it is shown as a booking of its own.
                if self._shown_alone(row):
                    loose.append(self._single(row))
                continue
            by_occurrence[occurrence] = row
            own_summary = self._summary(row.title, full)
            if (
                row.start != occurrence
                or row.end != occurrence + length
                or row.space_id != first.series_space_id
                or own_summary != summary
                or STATUS_BY_BOOKING_STATE[row.status] != master_status
            ):
                overrides.append(
                    CalendarEvent(
                        uid=uid,
                        start=row.start,
                        end=row.end,
                        summary=own_summary,
                        status=row.status,
                        sequence=sequence,
                        created=first.series_created_at or row.created_at,
                        last_modified=row.updated_at,
                        location=self.location(row.space_id),
                        url=self.url(row.id, row.space_id, full),
                        description=self._description(row, full),
                        recurrence_id=occurrence,
                    )
                )
        if not by_occurrence:
            return loose
        lead = by_occurrence[min(by_occurrence)]
        master = CalendarEvent(
            uid=uid,
            start=first.series_first_start,
            end=first.series_first_end,
            summary=summary,
            status=status,
            sequence=sequence,
            created=first.series_created_at or lead.created_at,
            last_modified=max(
                [row.updated_at for row in group]
                + ([first.series_updated_at] if first.series_updated_at else [])
            ),
            location=self.location(first.series_space_id),
            url=self.url(lead.id, first.series_space_id, full),
            description=self._description(lead, full),
            rrule=first.series_rrule,
            exdates=sorted(start for start in starts if start not in by_occurrence),
            overrides=overrides,
        )
        return [master, *loose]

    # --- properties

    def _summary(self, title: str, full: bool) -> str:
        return title if full else _BUSY[self.language]

    def location(self, space_id: int) -> str:
        view = self.catalog.by_id.get(space_id)
        return view.label if view is not None else ""

    def url(self, booking_id: int, space_id: int, full: bool) -> str:
        # Someone who may not see the booking gets the space's page instead of a dead link.
        return f"{self.base}/bookings/{booking_id}" if full else f"{self.base}/spaces/{space_id}"

    def _description(self, row: _Row, full: bool) -> str | None:
        if not full:
            return None
        lines = []
        if self.booked_by:
            lines.append(_BOOKED_BY[self.language].format(name=row.booker))
        if row.notes:
            lines.append(row.notes)
        return "\n".join(lines) or None


def _sees_in_full(viewer: User) -> Callable[[int, int | None], bool]:
    """bookings.visible_to's rule, on a row's booker and tenant instead of a loaded Booking:
    the owner, the owner's tenant admin and the manager see a booking in full."""
    if viewer.role == "manager":
        return lambda user_id, tenant_id: True
    if viewer.role == "tenant_admin" and viewer.tenant_id is not None:
        own_tenant = viewer.tenant_id
        return lambda user_id, tenant_id: user_id == viewer.id or tenant_id == own_tenant
    return lambda user_id, tenant_id: user_id == viewer.id


def _language(user: User) -> str:
    return user.language if user.language in _BUSY else _FALLBACK_LANGUAGE


def _calendar_name(feed: Feed) -> str:
    names = _CALENDAR_NAMES[feed.kind]
    template = names.get(_language(feed.owner), names[_FALLBACK_LANGUAGE])
    tenant = feed.owner.tenant.name if feed.owner.tenant is not None else ""
    space = f"{feed.space.code} {feed.space.name}" if feed.space is not None else ""
    return template.format(tenant=tenant, space=space)


def build_feed(
    session: Session, feed: Feed, *, now: datetime, stamp: datetime, settings: FeedSettings
) -> bytes:
    """The whole feed as iCalendar bytes: one query for the bookings, the catalog for places.

    ``now`` is booking "now" (the window); ``stamp`` the real clock (DTSTAMP).
    """
    window = feed_window(now, settings.tz)
    rows = _read_rows(session, _selection(feed, window))
    space_id = feed.space.id if feed.space is not None else None
    events = _Events(
        settings=settings,
        catalog=catalog_service.load(session),
        language=_language(feed.owner),
        sees_in_full=_sees_in_full(feed.owner),
        booked_by=feed.kind != "me",
        in_scope=(lambda row: row.space_id == space_id) if space_id else (lambda row: True),
        series_here=(
            (lambda row: row.series_space_id == space_id) if space_id else (lambda row: True)
        ),
        window=window,
    ).build(rows)
    return build_calendar(events, tz=settings.tz, name=_calendar_name(feed), now=stamp)


# ---------------------------------------------------------------------------------------------
# One booking or series: downloads and e-mail attachments


def _booking_where(booking: Booking, entity: _BookingEntity = Booking) -> ColumnElement[bool]:
    if booking.series_id is not None:
        return entity.series_id == booking.series_id  # type: ignore[no-any-return]
    return entity.id == booking.id  # type: ignore[no-any-return]


def booking_version(
    session: Session, booking: Booking, *, stamp: datetime, settings: FeedSettings
) -> Version:
    """ETag and Last-Modified of ``booking_download`` for this booking (its whole series)."""
    parts = ["booking", booking.series_id or "", booking.id, settings.tz.key, settings.base_url]
    return _version(session, lambda entity: _booking_where(booking, entity), parts, [], stamp)


def _one_booking_events(
    session: Session,
    booking: Booking,
    settings: FeedSettings,
    language: str,
    every: Sequence[Booking] | None = None,
) -> tuple[list[CalendarEvent], list[_Row], _Events]:
    if every is not None:
        booker, series = booking.user.name, booking.series
        rows = [_row_of(b, booker, series) for b in every]
    else:
        rows = _read_rows(session, _booking_where(booking))
    builder = _Events(
        settings=settings,
        catalog=catalog_service.load(session),
        language=language,
        sees_in_full=lambda user_id, tenant_id: True,
        booked_by=False,
        in_scope=lambda row: True,
        series_here=lambda row: True,
        window=None,
    )
    return builder.build(rows), rows, builder


def booking_download(
    session: Session,
    booking: Booking,
    *,
    stamp: datetime,
    settings: FeedSettings,
) -> bytes:
    """One booking, or the whole series it belongs to, as a calendar file (no METHOD).

    The caller has checked that the person may see the booking in full.
    """
    events, _, _ = _one_booking_events(session, booking, settings, _FALLBACK_LANGUAGE)
    title = booking.series.title if booking.series is not None else booking.title
    return build_calendar(events, tz=settings.tz, name=title, now=stamp)


def _app_settings() -> FeedSettings:
    # Only for callers inside a Flask app context that pass no settings (e-mail sending).
    from flask import current_app

    return FeedSettings(
        tz=ZoneInfo(str(current_app.config["BOOKING_TIMEZONE"])),
        base_url=str(current_app.config["BOOKING_BASE_URL"]),
        organizer=str(current_app.config["MAIL_FROM"]),
    )


def _invitation(event: CalendarEvent, organizer: Attendee, attendee: Attendee) -> CalendarEvent:
    return replace(
        event,
        organizer=organizer,
        attendees=(attendee,),
        overrides=[replace(o, organizer=organizer, attendees=(attendee,)) for o in event.overrides],
    )


def booking_calendar(
    session: Session,
    booking: Booking,
    *,
    method: str,
    settings: FeedSettings | None = None,
    stamp: datetime | None = None,
    every: Sequence[Booking] | None = None,
) -> bytes:
    """The booking as an e-mail attachment: ``method`` "REQUEST" or "CANCEL" (RFC 5546).

    REQUEST: the booking, or its whole series as one VEVENT (RRULE, EXDATE, overrides), as it
    now is; send it on every change. CANCEL: a single booking, or a series with no active
    occurrence left, as CANCELLED; one occurrence of a running series as a CANCELLED
    instance (its UID and RECURRENCE-ID, with the other occurrences cancelled at the same
    moment), so that clients drop that date and keep the rest. UIDs and SEQUENCE are the
    feeds' own, so that the attachment and a subscribed feed update one event.
    ``settings`` defaults to the Flask app's BOOKING_TIMEZONE and BOOKING_BASE_URL; ``stamp``
    (DTSTAMP) to the real clock. ``every``: the caller holds every booking of the booking's
    series (or the booking alone) in memory, as just created: they are not read back.
    """
    method = method.upper()
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"method must be REQUEST or CANCEL, not {method!r}")
    settings = settings or _app_settings()
    stamp = stamp or datetime.now(UTC)
    events, rows, builder = _one_booking_events(
        session, booking, settings, booking.user.language, every
    )
    title = booking.series.title if booking.series is not None else booking.title
    people = _people(booking, settings)
    if people is not None:
        events = [_invitation(event, *people) for event in events]
    if method == "REQUEST":
        return build_calendar(events, tz=settings.tz, name=title, now=stamp, method=method)

    running_series = booking.series_id is not None and any(row.active for row in rows)
    if not running_series:
        cancelled = [_as_cancelled(event) for event in events]
        return build_calendar(cancelled, tz=settings.tz, name=title, now=stamp, method=method)
    return _cancel_occurrences(booking, events, rows, builder, title, stamp, people)


def _people(booking: Booking, settings: FeedSettings) -> tuple[Attendee, Attendee] | None:
    """The campus as ORGANIZER and the booker as the one ATTENDEE (RFC 5546 wants both on a
    REQUEST and a CANCEL); None when the settings name no sending address."""
    if not settings.organizer:
        return None
    booker = booking.user
    return (
        Attendee(email=settings.organizer, name="Campus Booking"),
        Attendee(email=booker.email, name=booker.name),
    )


def _as_cancelled(event: CalendarEvent) -> CalendarEvent:
    return replace(
        event,
        status="cancelled",
        overrides=[replace(o, status="cancelled") for o in event.overrides],
    )


def _cancel_occurrences(
    booking: Booking,
    events: Sequence[CalendarEvent],
    rows: Sequence[_Row],
    builder: _Events,
    title: str,
    stamp: datetime,
    people: tuple[Attendee, Attendee] | None,
) -> bytes:
    """METHOD:CANCEL for some occurrences of a series whose other occurrences go on.

    core/ical.py writes an override only together with its master, and a CANCEL carrying the
    master would cancel the whole series; so these few VEVENTs are written with the icalendar
    library and put into the calendar (head and VTIMEZONE) that core/ical.py writes.
    """
    import icalendar

    settings = builder.settings
    uid = f"series-{booking.series_id}@{settings.uid_host}"
    master = next((event for event in events if event.uid == uid), None)
    moment = booking.cancelled_at or booking.decided_at or booking.updated_at
    chosen = [
        row
        for row in rows
        if row.id == booking.id
        or (not row.active and (row.cancelled_at or row.decided_at) == moment)
    ]
    sequence = master.sequence if master is not None else max(row.sequence for row in rows)
    head = build_calendar([], tz=settings.tz, name=title, now=stamp, method="CANCEL")
    closing = b"END:VCALENDAR\r\n"
    parts = [head[: -len(closing)]]
    for row in sorted(chosen, key=lambda r: r.occurrence):
        event = icalendar.Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", row.start.astimezone(settings.tz))
        event.add("dtend", row.end.astimezone(settings.tz))
        event.add("recurrence-id", row.occurrence.astimezone(settings.tz))
        event.add("sequence", sequence)
        event.add("status", "CANCELLED")
        event.add("summary", row.title)
        location = builder.location(row.space_id)
        if location:
            event.add("location", location)
        event.add("url", builder.url(row.id, row.space_id, True))
        if people is not None:
            organizer, attendee = people
            event.add("organizer", f"mailto:{organizer.email}", parameters={"CN": organizer.name})
            event.add(
                "attendee",
                f"mailto:{attendee.email}",
                parameters={
                    "CN": attendee.name,
                    "ROLE": "REQ-PARTICIPANT",
                    "PARTSTAT": attendee.partstat,
                    "RSVP": "FALSE",
                },
            )
        ical: bytes = event.to_ical()
        parts.append(ical)
    parts.append(closing)
    return b"".join(parts)
