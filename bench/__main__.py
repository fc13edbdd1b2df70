"""python -m bench --json results.json [--database URL] [--calls N]

Builds workload W in a scratch database (SQLite file, or a fresh database on the PostgreSQL
server of --database), then times through the services, with a plain member, warm:
  Q1 free spaces for 2027-03-17 14:00-15:00 with capacity >= 6 (172 spaces),
  Q2 space 1's availability Mon 2027-03-15 - Fri 2027-03-19 (25 busy bookings),
  Q3 a weekly series in space 1, Wednesdays 07:00-08:00, 2027-01-06..2027-06-30 (26), rolled back,
  Q4 8 concurrent writers x 20 rounds booking one slot: double bookings counted,
and next to Q1 and Q2 the fastest raw SQL for the same answer (the floor), in the same run
(each query and its floor in turn, call by call).

Then API.md section 8 as written (bench/served.py): the demo at `seed-demo --scale 20` in a
second scratch database, served by gunicorn as in production, timed over HTTP against the
same server's /healthz: free-space search, a space's week, a calendar feed built and
unchanged. The JSON holds both, section 8's under "served", with pass or fail per target.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from bench.common import scratch_database, timed, timed_together
from bench.workload import TZ, load

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
Q1_FROM = datetime(2027, 3, 17, 14, 0, tzinfo=TZ)
Q1_TO = datetime(2027, 3, 17, 15, 0, tzinfo=TZ)
Q2_FROM = datetime(2027, 3, 15, 0, 0, tzinfo=TZ)
Q2_TO = datetime(2027, 3, 20, 0, 0, tzinfo=TZ)
Q3_START = datetime(2027, 1, 6, 7, 0, tzinfo=TZ)
Q4_START = datetime(2027, 3, 17, 7, 0, tzinfo=TZ)
PEER = {"Q1_ms": 157, "Q1_floor_ratio": 151, "Q2_ms": 12, "Q3_ms": 41, "Q4_double_bookings": 134}
TARGETS = {"Q1_ms": 10, "Q1_floor_ratio": 3, "Q2_ms": 2, "Q3_ms": 10, "Q4_double_bookings": 0}


def floor_queries(dialect: str) -> tuple[str, str]:
    """The fastest plain SQL we know for Q1 and Q2's answers, using the same indexes."""
    mark = "?" if dialect == "sqlite" else "%s"
    q1 = (
        f"SELECT s.id FROM spaces s WHERE s.capacity >= {mark} AND NOT EXISTS ("
        " SELECT 1 FROM bookings b WHERE b.space_id = s.id"
        " AND b.status IN ('pending', 'confirmed')"
        f" AND b.busy_start > {mark} AND b.busy_start < {mark} AND b.busy_end > {mark})"
    )
    q2 = (
        f'SELECT b.start, b."end" FROM bookings b WHERE b.space_id = {mark}'
        " AND b.status IN ('pending', 'confirmed')"
        f" AND b.busy_start > {mark} AND b.busy_start < {mark} AND b.busy_end > {mark}"
        " ORDER BY b.start"
    )
    return q1, q2


def db_time(moment: datetime, dialect: str) -> Any:
    utc = moment.astimezone(UTC)
    if dialect == "sqlite":
        return utc.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return utc


def run(database: str | None, calls: int) -> dict[str, Any]:
    from flask_migrate import upgrade

    from booking import create_app
    from booking.database import read_only_transactions
    from booking.extensions import db
    from booking.models import User
    from booking.services import bookings as booking_service
    from booking.services import spaces as space_service

    with scratch_database(database) as url:
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": "bench", "BOOKING_NOW": NOW.isoformat()}
        )
        with app.app_context():
            upgrade()
            engine = db.engine
            dialect = engine.dialect.name
            session: Session = db.session()
            started = time.perf_counter()
            loaded = load(session)
            session.commit()
            # After a bulk load, as autovacuum would do in production: statistics for the
            # planner, and on PostgreSQL the visibility map that index-only scans need.
            if dialect == "postgresql":
                # VACUUM cannot run inside a transaction.
                autocommit = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                with autocommit as conn:
                    conn.execute(text("VACUUM ANALYZE"))
            else:
                with engine.connect() as conn:
                    conn.execute(text("ANALYZE"))
                    conn.commit()
            load_seconds = time.perf_counter() - started
            # The services get the member loaded, as a request's sign-in hands it over; kept
            # detached so that the rollbacks between calls do not expire and re-read it.
            member = session.get(User, loaded.member.id)
            assert member is not None
            _ = (member.tenant, member.qualifications)
            session.expunge(member)
            member_id = member.id
            space_one = loaded.space_ids[0]
            results: dict[str, Any] = {}

            # Q1: free spaces with capacity >= 6.
            def q1() -> None:
                with read_only_transactions():
                    found = space_service.search(
                        session,
                        member,
                        space_service.SpaceFilter(min_capacity=6),
                        now=NOW,
                        tz=TZ,
                        free_from=Q1_FROM,
                        free_to=Q1_TO,
                    )
                    session.rollback()
                assert len(found) == 172, f"Q1 found {len(found)} spaces, not 172"

            # Q2: one space's week.
            def q2() -> None:
                with read_only_transactions():
                    week = space_service.space_availability(
                        session, member, space_one, Q2_FROM, Q2_TO, TZ
                    )
                    session.rollback()
                busy = [b for b in week.busy if b.reason == "booking"]
                assert len(busy) == 25, f"Q2 found {len(busy)} busy bookings, not 25"

            # The floors, on a raw DBAPI connection of the same engine.
            q1_sql, q2_sql = floor_queries(dialect)
            raw = engine.raw_connection()
            cursor = raw.cursor()
            longest = timedelta(minutes=61)
            q1_params = (
                6,
                db_time(Q1_FROM - longest, dialect),
                db_time(Q1_TO, dialect),
                db_time(Q1_FROM, dialect),
            )
            q2_params = (
                space_one,
                db_time(Q2_FROM - longest, dialect),
                db_time(Q2_TO, dialect),
                db_time(Q2_FROM, dialect),
            )

            def floor(sql: str, params: tuple[Any, ...], expected: int) -> Callable[[], None]:
                def call() -> None:
                    cursor.execute(sql, params)
                    rows = cursor.fetchall()
                    raw.rollback()
                    assert len(rows) == expected, f"floor found {len(rows)}, not {expected}"

                return call

            # Each query in turn with its floor, so that the machine's load falls on both.
            for name, query, floor_call in (
                ("Q1", q1, floor(q1_sql, q1_params, 172)),
                ("Q2", q2, floor(q2_sql, q2_params, 25)),
            ):
                measured, floor_measured = timed_together([query, floor_call], calls)
                results[name] = {**measured, "floor": floor_measured}
            raw.close()
            for name in ("Q1", "Q2"):
                floor_median = results[name]["floor"]["median_ms"]
                results[name]["ratio_to_floor"] = round(
                    results[name]["median_ms"] / floor_median, 2
                )

            # Q3: a 26-week series with all its checks, rolled back.
            clock = booking_service.Clock(now=NOW, tz=TZ)
            series_request = booking_service.BookingRequest(
                space_id=space_one,
                start=Q3_START,
                end=Q3_START + timedelta(hours=1),
                title="Q3 weekly",
                rrule="FREQ=WEEKLY;BYDAY=WE;UNTIL=20270630",
            )

            def q3() -> None:
                result = booking_service.book_series(session, member, series_request, clock)
                assert len(result.bookings) == 26, f"Q3 booked {len(result.bookings)}, not 26"
                session.rollback()

            results["Q3"] = timed(q3, calls)
            # Hold no transaction (on SQLite: no write lock) while the writers race.
            session.rollback()
            results["Q4"] = race(app, space_one, member_id, rounds=20, writers=8)

        with app.app_context():
            db.engine.dispose()
    return {
        "database": dialect,
        "workload": "W",
        "bookings_loaded": loaded.bookings,
        "load_seconds": round(load_seconds, 1),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "results": results,
        "peer": PEER,
        "targets": TARGETS,
    }


def race(app: Any, space_id: int, member_id: int, *, rounds: int, writers: int) -> dict[str, Any]:
    """Q4: writers on their own connections, released together, book one slot; per round."""
    from booking.errors import Conflict
    from booking.extensions import db
    from booking.models import Booking, User
    from booking.services import bookings as booking_service

    clock = booking_service.Clock(now=NOW, tz=TZ)
    request = booking_service.BookingRequest(
        space_id=space_id, start=Q4_START, end=Q4_START + timedelta(hours=1), title="Q4 race"
    )
    doubles = 0
    winners_per_round = []
    errors: list[str] = []
    for _ in range(rounds):
        barrier = threading.Barrier(writers)
        wins: list[int] = []

        def writer(barrier: threading.Barrier = barrier, wins: list[int] = wins) -> None:
            with app.app_context():
                session = db.session()
                barrier.wait()
                try:
                    # As a request would: the transaction (and its lock) begins after release.
                    user = session.get(User, member_id)
                    assert user is not None
                    booking_service.book(session, user, request, clock)
                    session.commit()
                    wins.append(1)
                except Conflict:
                    session.rollback()
                except Exception as err:
                    session.rollback()
                    errors.append(f"{type(err).__name__}: {err}")
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=writer) for _ in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with app.app_context():
            session = db.session()
            active = session.scalar(
                select(func.count(Booking.id)).where(
                    Booking.space_id == space_id,
                    Booking.status.in_(("pending", "confirmed")),
                    Booking.start < request.end,
                    Booking.end > request.start,
                )
            )
            doubles += max(0, (active or 0) - 1)
            winners_per_round.append(len(wins))
            session.execute(delete(Booking).where(Booking.title == "Q4 race"))
            session.commit()
            db.session.remove()
    return {
        "rounds": rounds,
        "writers": writers,
        "double_bookings": doubles,
        "winners_per_round": winners_per_round,
        "errors": errors[:5],
        "error_count": len(errors),
    }


def main(argv: list[str] | None = None) -> int:
    from bench import served

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--json", dest="json_path", required=True, help="where to write results")
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--calls", type=int, default=60, help="timed calls per query (>= 50)")
    parser.add_argument(
        "--rounds", type=int, default=served.ROUNDS, help="timed HTTP rounds, section 8 (>= 50)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = run(args.database, max(50, args.calls))
    result["served"] = served.run(args.database, max(50, args.rounds))
    result["bench_seconds"] = round(time.perf_counter() - started, 1)
    Path(args.json_path).write_text(json.dumps(result, indent=2) + "\n")
    r = result["results"]
    print(
        f"{result['database']}: Q1 {r['Q1']['median_ms']} ms ({r['Q1']['ratio_to_floor']}x floor"
        f" {r['Q1']['floor']['median_ms']} ms), Q2 {r['Q2']['median_ms']} ms"
        f" ({r['Q2']['ratio_to_floor']}x floor), Q3 {r['Q3']['median_ms']} ms,"
        f" Q4 {r['Q4']['double_bookings']} double bookings"
        f" ({r['Q4']['error_count']} errors); load {result['load_seconds']} s"
    )
    print(served.describe(result["served"]))
    print(f"whole bench: {result['bench_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
