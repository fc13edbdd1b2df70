"""python -m bench.reports --json results.json [--database URL] [--calls N]

Builds workload W (bench/workload.py: 500 spaces, five one-hour bookings per space per
weekday of 2027-01-04..2027-07-02) in a scratch database, then times, warm, as the campus
manager:
  R1 the utilisation report of March 2027 per space (500 spaces, about 57,500 bookings),
     through the service and as a whole HTTP request (JSON), the target being <= 500 ms;
  R2 the same grouped by kind;
  R3 occupancy month by month over 2027 (with a lease on every tenth space);
  R4 the peak-hours heat map of March 2027 (all spaces; 168 cells), the target being the
     utilisation report's, <= 500 ms;
  R5 cancellation and rejection rates of March 2027 per kind.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.__main__ import NOW
from bench.common import scratch_database, timed
from bench.workload import TZ, load

MARCH = datetime(2027, 3, 1, tzinfo=TZ)
APRIL = datetime(2027, 4, 1, tzinfo=TZ)
TARGET_MS = 500


def run(database: str | None, calls: int) -> dict[str, Any]:
    from flask_migrate import upgrade

    from booking import create_app
    from booking.core.money import months_between
    from booking.database import read_only_transactions
    from booking.extensions import db
    from booking.models import Lease, Space, User
    from booking.services import reports as report_service
    from booking.services.auth import issue_token

    with scratch_database(database) as url:
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "BOOKING_NOW": NOW.isoformat(),
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
            session = db.session()
            started = time.perf_counter()
            loaded = load(session)
            manager = User(
                email="manager@bench.example",
                name="Bench Manager",
                role="manager",
                feed_token=secrets.token_urlsafe(24),
            )
            session.add(manager)
            for n, space_id in enumerate(loaded.space_ids[::10]):
                space = session.get_one(Space, space_id)
                session.add(
                    Lease(
                        tenant_id=loaded.member.tenant_id,
                        start=date(2027, 1 + n % 12, 1 + n % 28),
                        end=None,
                        rent_eur_per_m2_month=Decimal("15.00"),
                        spaces=[space],
                    )
                )
            session.flush()
            token, _ = issue_token(session, manager)
            session.commit()
            with db.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
            load_seconds = time.perf_counter() - started
            dialect = db.engine.dialect.name
            manager = session.get_one(User, manager.id)
            session.expunge(manager)
            results: dict[str, Any] = {}
            checked: dict[str, Any] = {}

            def report(group_by: str) -> Any:
                def call() -> None:
                    with read_only_transactions():
                        items = report_service.utilisation(
                            session, manager, MARCH, APRIL, group_by, TZ
                        )
                        session.rollback()
                    checked[group_by] = items

                return call

            results["R1_service"] = timed(report("space"), calls)
            per_space = checked["space"]
            booked = sum(item.booked_seconds for item in per_space) / 3600
            results["R1_service"]["spaces"] = len(per_space)
            results["R1_service"]["booked_hours"] = booked
            results["R2_service"] = timed(report("kind"), calls)
            months = months_between(date(2027, 1, 1), date(2027, 12, 1))

            def occupancy() -> None:
                with read_only_transactions():
                    report_service.occupancy_by_month(session, manager, months)
                    session.rollback()

            results["R3_service"] = timed(occupancy, calls)

            def peak_hours() -> None:
                with read_only_transactions():
                    checked["peak"] = report_service.peak_hours(session, manager, MARCH, APRIL, TZ)
                    session.rollback()

            results["R4_service"] = timed(peak_hours, calls)
            results["R4_service"]["booked_hours"] = round(
                sum(cell.booked_seconds for cell in checked["peak"]) / 3600, 2
            )

            def cancellations() -> None:
                with read_only_transactions():
                    report_service.cancellations(session, manager, MARCH, APRIL, "kind")
                    session.rollback()

            results["R5_service"] = timed(cancellations, calls)

        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}

        def http(path: str, expect_items: int | None = None) -> Any:
            def call() -> None:
                answer = client.get(path, headers=headers)
                assert answer.status_code == 200, answer.data[:300]
                if expect_items is not None:
                    assert len(answer.get_json()["items"]) == expect_items

            return call

        path = "/api/v1/reports/utilisation?from=2027-03-01&to=2027-03-31"
        results["R1_http"] = timed(http(path + "&group_by=space", len(per_space)), calls)
        results["R2_http"] = timed(http(path + "&group_by=kind", 3), calls)
        results["R3_http"] = timed(http("/api/v1/reports/occupancy?from=2027-01&to=2027-12"), calls)
        march = "from=2027-03-01&to=2027-03-31"
        results["R4_http"] = timed(http(f"/api/v1/reports/peak-hours?{march}", 168), calls)
        results["R5_http"] = timed(
            http(f"/api/v1/reports/cancellations?{march}&group_by=kind"), calls
        )
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
        "targets": {"R1_http_median_ms": TARGET_MS, "R4_http_median_ms": TARGET_MS},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__)
    parser.add_argument("--json", dest="json_path", required=True, help="where to write results")
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--calls", type=int, default=20, help="timed calls per report")
    args = parser.parse_args(argv)
    result = run(args.database, max(5, args.calls))
    Path(args.json_path).write_text(json.dumps(result, indent=2) + "\n")
    r = result["results"]
    print(
        f"{result['database']}: utilisation of a month, {r['R1_service']['spaces']} spaces:"
        f" {r['R1_service']['median_ms']} ms (service), {r['R1_http']['median_ms']} ms (HTTP),"
        f" by kind {r['R2_http']['median_ms']} ms; occupancy by month over a year"
        f" {r['R3_http']['median_ms']} ms; peak hours of a month {r['R4_service']['median_ms']} ms"
        f" (service), {r['R4_http']['median_ms']} ms (HTTP); cancellation rates"
        f" {r['R5_http']['median_ms']} ms; target {TARGET_MS} ms; load {result['load_seconds']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
