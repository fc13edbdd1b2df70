"""python -m bench.feeds --json results.json [--database URL] [--calls N]

Times a busy person's calendar feed (API.md section 8: a feed of 2,000 events, <= 1 s when
built, <= 50 ms when unchanged) through the whole HTTP stack (Flask's test client: token
lookup, validators, building, response), in a scratch database (SQLite file, or a fresh
database on the PostgreSQL server of --database):

  singles  a member with 2,000 single bookings over 490 days (90 back, 400 ahead of "now",
           some pending, some cancelled lately): 2,000 VEVENTs;
  mixed    a member with 1,500 single bookings and 20 weekly series of 25 occurrences, each
           with two occurrences cancelled and one moved: 1,520 VEVENTs + 20 overrides;
  plus 20,000 bookings of other people, so that the feed's query must be selective.

For each: "build" (the body not cached: every call builds it), "not_modified" (304 to
If-None-Match) and "cached" (200 with the body kept by its ETag).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from bench.common import scratch_database, timed
from bench.workload import TZ

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
TARGETS = {"build_ms": 1000, "unchanged_ms": 50}
WINDOW_START = NOW.replace(hour=0) - timedelta(days=90)
WINDOW_DAYS = 490


def _row(
    space_id: int, user: Any, start: datetime, end: datetime, title: str, **extra: Any
) -> dict[str, Any]:
    stamp = datetime.now(UTC)
    row = {
        "space_id": space_id,
        "user_id": user.id,
        "tenant_id": user.tenant_id,
        "series_id": None,
        "occurrence_start": None,
        "title": title,
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
    row.update(extra)
    return row


def _singles(user: Any, space_ids: list[int], count: int, hour: int) -> list[dict[str, Any]]:
    """count bookings spread evenly over the 490-day window, never two at once in a space."""
    rows = []
    for index in range(count):
        day = WINDOW_START + timedelta(days=index * WINDOW_DAYS / count)
        start = day.replace(hour=hour + index % 4, minute=0, second=0, microsecond=0)
        status = "confirmed"
        extra: dict[str, Any] = {}
        if index % 50 == 7:
            status = "pending"
        elif index % 50 == 13:
            status, extra["cancelled_at"] = "cancelled", NOW - timedelta(days=index % 30)
        rows.append(
            _row(
                space_ids[index % len(space_ids)],
                user,
                start,
                start + timedelta(minutes=45),
                f"Booking {index}: review, planning; café ☕",
                status=status,
                **extra,
            )
        )
    return rows


def load(session: Session) -> dict[str, Any]:
    from booking.models import Booking, Building, Series, Space, Tenant, User

    building = Building(code="F", name="Feeds, bench building")
    tenant = Tenant(name="Feeds bench tenant")
    session.add_all([building, tenant])
    session.flush()
    spaces = [
        Space(
            code=f"F.{n:03d}",
            name=f"Room {n}",
            building_id=building.id,
            kind="meeting_room",
            capacity=8,
            area_m2=20,
            features=[],
        )
        for n in range(60)
    ]
    session.add_all(spaces)
    session.flush()
    ids = [s.id for s in spaces]

    def person(name: str) -> Any:
        user = User(
            email=f"{name}@feeds.example",
            name=name.title(),
            role="member",
            tenant_id=tenant.id,
            feed_token=secrets.token_urlsafe(24),
            language="en",
        )
        session.add(user)
        session.flush()
        return user

    singles, mixed, others = person("singles"), person("mixed"), person("others")
    # Each person books at their own hours, so that nobody's bookings overlap in a space.
    rows = _singles(singles, ids[:10], 2000, 8)
    rows += _singles(mixed, ids[:10], 1500, 12)
    rows += _singles(others, ids[:10], 5000, 16)
    rows += _singles(others, ids[20:30], 5000, 8)
    rows += _singles(others, ids[20:30], 5000, 12)
    rows += _singles(others, ids[20:30], 5000, 16)
    session.execute(insert(Booking), rows)

    # The mixed person's 20 weekly series, each in a room of its own.
    first = datetime(2026, 12, 7, 7, 0, tzinfo=TZ)  # a Monday
    series_rows = []
    for n in range(20):
        start = first + timedelta(days=n % 5, weeks=n // 5)
        series = Series(
            space_id=ids[40 + n],
            user_id=mixed.id,
            tenant_id=tenant.id,
            title=f"Weekly series {n}",
            rrule="FREQ=WEEKLY;COUNT=25",
            first_start=start.astimezone(UTC),
            first_end=(start + timedelta(hours=1)).astimezone(UTC),
            sequence=0,
        )
        session.add(series)
        session.flush()
        for k in range(25):
            wall = (start.replace(tzinfo=None) + timedelta(weeks=k)).replace(tzinfo=TZ)
            occurrence = wall.astimezone(UTC)
            begin, end = occurrence, occurrence + timedelta(hours=1)
            extra: dict[str, Any] = {"series_id": series.id, "occurrence_start": occurrence}
            if k in (3, 11):
                extra.update(status="cancelled", cancelled_at=NOW, sequence=1)
            if k == 7:
                begin, end = begin + timedelta(hours=2), end + timedelta(hours=2)
                extra["sequence"] = 1
            series_rows.append(_row(ids[40 + n], mixed, begin, end, f"Weekly series {n}", **extra))
    session.execute(insert(Booking), series_rows)
    return {
        "singles": singles.feed_token,
        "mixed": mixed.feed_token,
        "bookings": len(rows) + len(series_rows),
    }


def run(database: str | None, calls: int) -> dict[str, Any]:
    from flask_migrate import upgrade

    from booking import create_app
    from booking.extensions import db
    from booking.ical.feeds import bodies

    with scratch_database(database) as url:
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "BOOKING_NOW": NOW.isoformat(),
                "BOOKING_BASE_URL": "https://booking.campus.example",
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
            session: Session = db.session()
            loaded = load(session)
            session.commit()
            with db.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
            dialect = db.engine.dialect.name
            db.session.remove()

        client = app.test_client()
        results: dict[str, Any] = {}
        for name in ("singles", "mixed"):
            path = f"/ical/{loaded[name]}/me.ics"
            first = client.get(path)
            assert first.status_code == 200, first.status_code
            body = first.data
            etag = first.headers["ETag"]

            def build(path: str = path) -> None:
                bodies.clear()
                answer = client.get(path)
                assert answer.status_code == 200

            def not_modified(path: str = path, etag: str = etag) -> None:
                answer = client.get(path, headers={"If-None-Match": etag})
                assert answer.status_code == 304

            def cached(path: str = path) -> None:
                answer = client.get(path)
                assert answer.status_code == 200

            results[name] = {
                "vevents": body.count(b"BEGIN:VEVENT"),
                "body_bytes": len(body),
                "build": timed(build, max(10, calls // 3)),
                "not_modified": timed(not_modified, calls),
                "cached": timed(cached, calls),
            }
        with app.app_context():
            db.engine.dispose()
    return {
        "database": dialect,
        "bookings_loaded": loaded["bookings"],
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "results": results,
        "targets": TARGETS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.feeds", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--json", dest="json_path", required=True, help="where to write results")
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--calls", type=int, default=60, help="timed calls (unchanged feeds)")
    args = parser.parse_args(argv)
    result = run(args.database, max(10, args.calls))
    Path(args.json_path).write_text(json.dumps(result, indent=2) + "\n")
    parts = []
    for name, r in result["results"].items():
        parts.append(
            f"{name} {r['vevents']} VEVENTs ({r['body_bytes'] // 1024} KiB): build"
            f" {r['build']['median_ms']} ms, 304 {r['not_modified']['median_ms']} ms,"
            f" cached 200 {r['cached']['median_ms']} ms"
        )
    print(
        f"{result['database']} feeds: "
        + "; ".join(parts)
        + f" (targets: build <= {TARGETS['build_ms']} ms,"
        f" unchanged <= {TARGETS['unchanged_ms']} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
