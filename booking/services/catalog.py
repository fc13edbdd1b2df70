"""The space catalog: immutable snapshots of every space and its rules, cached per database.

Spaces change a few times a day and are read on every search; rebuilding them per request
(500 ORM objects with their rules) would cost more than the search itself. The cache is keyed
by the spaces' last change (max updated_at and count), read with one cheap query.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnClause, Integer, String, column, event, select, text
from sqlalchemy.orm import Session, scoped_session

from booking.core.rules import WEEKDAYS, OpeningHours, SpaceRules
from booking.models import Building, Space, space_allowed_tenants
from booking.models.types import UTCDateTime


@dataclass(frozen=True)
class SpaceView:
    """What search, availability and booking need to know about a space."""

    id: int
    code: str
    name: str
    building_id: int
    building_code: str
    building_name: str
    kind: str
    floor: int | None
    capacity: int
    area_m2: Decimal
    features: frozenset[str]
    feature_list: tuple[str, ...]
    active: bool
    hourly_rate_eur: Decimal
    rules: SpaceRules
    opening_hours_json: dict[str, Any] | None
    updated_at: datetime

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}, {self.building_name}"


@dataclass(frozen=True)
class Catalog:
    spaces: tuple[SpaceView, ...]
    by_id: dict[int, SpaceView]
    longest_busy_min: int


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def parse_opening_hours(value: dict[str, Any] | None) -> OpeningHours | None:
    """{"mon": [["08:00", "18:00"]]} as minutes since local midnight (24:00 = 1440)."""
    if value is None:
        return None
    return {
        day: tuple((_minutes(a), _minutes(b)) for a, b in value.get(day, []))
        for day in WEEKDAYS
        if value.get(day)
    }


def rules_of(space: Space, allowed: frozenset[int] | None) -> SpaceRules:
    return SpaceRules(
        bookable=space.bookable,
        requires_approval=space.requires_approval,
        opening_hours=parse_opening_hours(space.opening_hours),
        min_duration_min=space.min_duration_min,
        max_duration_min=space.max_duration_min,
        granularity_min=space.granularity_min or 15,
        min_notice_min=space.min_notice_min,
        max_advance_days=space.max_advance_days,
        buffer_before_min=space.buffer_before_min or 0,
        buffer_after_min=space.buffer_after_min or 0,
        required_qualification=space.required_qualification,
        allowed_tenants=allowed,
        max_hours_per_week_per_tenant=space.max_hours_per_week_per_tenant,
    )


_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], Catalog]] = {}


# The catalog's version as one SELECT, built once as plain SQL: constructing it through the ORM
# on every request cost more than running it. max(updated_at) and max(longest_busy_min) are
# index lookups. allowed_tenants live in their own table, whose changes leave
# spaces.updated_at as it was: a fingerprint of that (small) table's rows sees them in the
# same query. Its row layout (kind 'v', six integers n1..n6, two times t1 and t2) lets the hot
# reads fold it into their own statement as one more UNION ALL branch (see `peek`): on
# PostgreSQL every statement is a round trip, and reads run in autocommit, where only one
# statement sees one snapshot.
VERSION_SELECT = (
    "SELECT 'v' AS kind, (SELECT count(*) FROM spaces) AS n1,"
    " (SELECT max(longest_busy_min) FROM spaces) AS n2,"
    " (SELECT count(*) FROM space_allowed_tenants) AS n3,"
    " (SELECT coalesce(sum(space_id), 0) FROM space_allowed_tenants) AS n4,"
    " (SELECT coalesce(sum(tenant_id), 0) FROM space_allowed_tenants) AS n5,"
    " (SELECT coalesce(sum(space_id * tenant_id), 0) FROM space_allowed_tenants) AS n6,"
    " (SELECT max(updated_at) FROM spaces) AS t1,"
    " (SELECT max(updated_at) FROM buildings) AS t2"
)
VERSION_COLUMNS: tuple[ColumnClause[Any], ...] = (
    column("kind", String()),
    *(column(f"n{n}", Integer()) for n in range(1, 7)),
    column("t1", UTCDateTime()),
    column("t2", UTCDateTime()),
)
_VERSION = text(VERSION_SELECT).columns(*VERSION_COLUMNS)

Version = tuple[Any, ...]


def version_of(row: Any) -> Version:
    """A version row (VERSION_SELECT's columns, typed as VERSION_COLUMNS) as a comparable key:
    (spaces' last change, space count, buildings' last change, longest busy, allowed...)."""
    return (
        str(row.t1),
        row.n1,
        str(row.t2),
        row.n2 or 0,
        *(int(value) for value in (row.n3, row.n4, row.n5, row.n6)),
    )


def _version(session: Session) -> Version:
    return version_of(session.execute(_VERSION).one())


_MEMO = "booking.catalog"


def _plain(session: Session) -> Session:
    if isinstance(session, scoped_session):
        return session()
    return session


def load(session: Session) -> Catalog:
    """The current catalog (cached until any space changes; checked once per transaction)."""
    session = _plain(session)
    memo = session.info.get(_MEMO)
    transaction = session.get_transaction()
    if memo is not None and transaction is not None and memo[0] is transaction:
        return memo[1]  # type: ignore[no-any-return]
    bind = session.get_bind()
    key = str(bind.engine.url)
    version = _version(session)
    cached = _cache.get(key)
    if cached is not None and cached[0] == version:
        catalog = cached[1]
    else:
        catalog = _build(session, int(version[3]))
        with _lock:
            _cache[key] = (version, catalog)
    session.info[_MEMO] = (session.get_transaction(), catalog)
    return catalog


def peek(session: Session) -> tuple[Catalog | None, bool]:
    """The catalog without a query: (catalog, True) when this transaction has checked it
    already; (the one this process last built for the database, False) when it has not, to
    be confirmed with `confirm` by a version row read in the same statement as the data that
    relied on it; (None, False) when there is none yet: call `load`."""
    session = _plain(session)
    memo = session.info.get(_MEMO)
    transaction = session.get_transaction()
    if memo is not None and transaction is not None and memo[0] is transaction:
        return memo[1], True
    cached = _cache.get(str(session.get_bind().engine.url))
    return (cached[1], False) if cached is not None else (None, False)


def confirm(session: Session, catalog: Catalog, row: Any) -> bool:
    """Whether `catalog` is current by the version row read (then this transaction keeps it,
    as after `load`). False: spaces changed since; `load` the new catalog and read again."""
    session = _plain(session)
    key = str(session.get_bind().engine.url)
    cached = _cache.get(key)
    if cached is None or cached[1] is not catalog or cached[0] != version_of(row):
        return False
    session.info[_MEMO] = (session.get_transaction(), catalog)
    return True


@event.listens_for(Session, "after_flush")
def _forget_on_change(session: Session, _context: Any) -> None:
    """A flush that touches spaces or buildings makes this transaction's catalog stale."""
    if _MEMO in session.info and any(
        isinstance(obj, (Space, Building))
        for obj in (*session.new, *session.dirty, *session.deleted)
    ):
        del session.info[_MEMO]


def _build(session: Session, longest: int) -> Catalog:
    allowed: dict[int, set[int]] = {}
    for space_id, tenant_id in session.execute(select(space_allowed_tenants)):
        allowed.setdefault(space_id, set()).add(tenant_id)
    buildings = {b.id: b for b in session.scalars(select(Building))}
    views = []
    # Interning equal rules lets a search check each distinct policy once, not once per space.
    interned: dict[str, SpaceRules] = {}
    for space in session.scalars(select(Space).order_by(Space.code)).unique():
        tenants = allowed.get(space.id)
        rules = rules_of(space, frozenset(tenants) if tenants else None)
        rules = interned.setdefault(repr(rules), rules)
        building = buildings[space.building_id]
        views.append(
            SpaceView(
                id=space.id,
                code=space.code,
                name=space.name,
                building_id=space.building_id,
                building_code=building.code,
                building_name=building.name,
                kind=space.kind,
                floor=space.floor,
                capacity=space.capacity,
                area_m2=Decimal(space.area_m2 or 0),
                features=frozenset(space.features or ()),
                feature_list=tuple(space.features or ()),
                active=space.active,
                hourly_rate_eur=Decimal(space.hourly_rate_eur or 0),
                rules=rules,
                opening_hours_json=space.opening_hours,
                updated_at=space.updated_at,
            )
        )
    return Catalog(spaces=tuple(views), by_id={v.id: v for v in views}, longest_busy_min=longest)
