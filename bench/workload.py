"""Workload W, generated exactly as the booking-engine issue defines it, so that any system can
build identical data: rng = random.Random(42); 500 spaces (300 meeting rooms, 150 labs,
50 cleanrooms); capacities first, in space order; then per space, per weekday of
2027-01-04..2027-07-02, five one-hour bookings at sorted(rng.sample(range(8, 18), 5))."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from booking.models import Booking, Building, Space, Tenant, User

TZ = ZoneInfo("Europe/Brussels")
FIRST_DAY = date(2027, 1, 4)
LAST_DAY = date(2027, 7, 2)
KINDS = [("meeting_room", 300, (4, 20)), ("lab", 150, (2, 12)), ("cleanroom", 50, (2, 6))]


@dataclass(frozen=True)
class Loaded:
    member: User
    booker: User
    space_ids: list[int]
    bookings: int


def weekdays() -> Iterator[date]:
    day = FIRST_DAY
    while day <= LAST_DAY:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def load(session: Session, batch: int = 20_000) -> Loaded:
    """Write workload W (not timed). Returns the plain member who runs the queries."""
    rng = random.Random(42)
    kinds = [kind for kind, count, _ in KINDS for _ in range(count)]
    ranges = [bounds for _, count, bounds in KINDS for _ in range(count)]
    capacities = [rng.randint(*bounds) for bounds in ranges]

    building = Building(code="W", name="Workload W")
    tenant_a, tenant_b = Tenant(name="Bench member's tenant"), Tenant(name="Bench booker's tenant")
    session.add_all([building, tenant_a, tenant_b])
    session.flush()
    member = User(
        email="member@bench.example",
        name="Bench Member",
        role="member",
        tenant_id=tenant_a.id,
        feed_token=secrets.token_urlsafe(24),
    )
    booker = User(
        email="booker@bench.example",
        name="Bench Booker",
        role="member",
        tenant_id=tenant_b.id,
        feed_token=secrets.token_urlsafe(24),
    )
    session.add_all([member, booker])
    session.flush()
    spaces = [
        Space(
            code=f"W.{n:03d}",
            name=f"Space {n}",
            building_id=building.id,
            kind=kinds[n - 1],
            capacity=capacities[n - 1],
            area_m2=Decimal("20"),
            features=[],
            longest_busy_min=60,
        )
        for n in range(1, 501)
    ]
    session.add_all(spaces)
    session.flush()
    space_ids = [s.id for s in spaces]

    stamp = datetime.now(UTC)
    rows: list[dict[str, object]] = []
    total = 0
    days = list(weekdays())
    for space_id in space_ids:
        for day in days:
            for hour in sorted(rng.sample(range(8, 18), 5)):
                start = datetime.combine(day, time(hour), tzinfo=TZ).astimezone(UTC)
                end = start + timedelta(hours=1)
                rows.append(
                    {
                        "space_id": space_id,
                        "user_id": booker.id,
                        "tenant_id": tenant_b.id,
                        "title": "Workload",
                        "notes": "",
                        "start": start,
                        "end": end,
                        "busy_start": start,
                        "busy_end": end,
                        "status": "confirmed",
                        "sequence": 0,
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                )
                if len(rows) >= batch:
                    session.execute(insert(Booking), rows)
                    total += len(rows)
                    rows = []
    if rows:
        session.execute(insert(Booking), rows)
        total += len(rows)
    return Loaded(member=member, booker=booker, space_ids=space_ids, bookings=total)
