"""python -m bench.served --json FILE [--database URL] [--rounds N]

API.md section 8, as it is written: the demo campus at `seed-demo --scale 20` (528 spaces,
about 130,000 bookings), served by gunicorn as in production, timed over HTTP.

 1. A scratch database (SQLite file, or a fresh database on the PostgreSQL server of
    --database) gets the demo at scale 20 through booking.services.demo.seed_demo, with "now"
    fixed (BOOKING_NOW 2026-12-01T09:00:00+01:00) so that the dates never drift. PostgreSQL
    then gets VACUUM ANALYZE, as autovacuum would give it after a bulk load (autovacuum is
    off on the bench machine's server); SQLite gets nothing: a production SQLite file has no
    planner statistics unless someone runs ANALYZE, so the app must do without them.
 2. gunicorn serves `booking:create_app()` from a subprocess with DATABASE_URL, SECRET_KEY,
    BOOKING_ENV=production, BOOKING_NOW and RATELIMIT_ENABLED=false (SERVER below says which
    workers and why); the bench waits for /healthz.
 3. member@demo.example signs in (POST /api/v1/auth/tokens). After WARMUP untimed rounds,
    ROUNDS timed rounds, each one request of each, one after the other on one keep-alive
    connection (interleaved, so that the machine's other load falls on all three alike):
      healthz  GET /healthz;
      search   GET /api/v1/spaces?free_from&free_to&limit=500 on Wednesday 16/12/2026, two
               weeks after "now", a full weekday: the one-hour windows starting 14:00, 14:15,
               14:30 and 14:45 in turn. Nothing caches a search's answer (only the space
               catalog is kept, checked in the same statement), but the turn makes sure
               that no cache could answer;
      week     GET /api/v1/spaces/{id}/availability?from=2026-12-14&to=2026-12-20, Monday to
               Sunday, of the four meeting rooms with the most bookings that week, in turn.
 4. The member's calendar feed (GET /ical/{token}/me.ics, every booking of the demo's
    busiest booker: about 1,800 events) FEED_SAMPLES times: the title of one of their
    bookings is changed (PATCH), so that the next GET builds the feed ("build"); then the
    same with If-None-Match (304, "not_modified") and without (200 from the body cache,
    "cached"). bench/feeds.py times exactly 2,000 events in-process.
 5. Medians, p90 and p95, each median's ratio to /healthz's median, pass or fail against the
    section 8 targets; gunicorn is stopped (SIGTERM: a graceful shutdown) and the scratch
    database dropped.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy import bindparam, text

from bench.common import scratch_database
from bench.workload import TZ
from booking.models.types import UTCDateTime

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
SCALE = 20
ROUNDS = 200
WARMUP = 20
FEED_SAMPLES = 15
SEARCH_DAY = date(2026, 12, 16)  # a Wednesday, two weeks after NOW
SEARCH_STARTS = ("14:00", "14:15", "14:30", "14:45")
WEEK = (date(2026, 12, 14), date(2026, 12, 20))  # Monday to Sunday
MEMBER = "member@demo.example"
PASSWORD = "campus-demo"
TARGETS = {
    "search_ms": 150,
    "search_healthz_ratio": 30,
    "week_ms": 60,
    "week_healthz_ratio": 10,
    "feed_build_ms": 1000,
    "feed_unchanged_ms": 50,
}
PEER = {"name": "Indico 3.2.9", "search_ping_ratio": 124, "week_ping_ratio": 15}
# Two workers for two cores: the app's work is Python, which runs one thread at a time per
# process, so one process per core uses the machine and more would only take turns. Four
# threads each (gthread) overlap the waits on the database and on slow clients, and keep
# connections alive (sync workers close each one); 30 s of keep-alive as behind a proxy.
SERVER = ["--workers", "2", "--threads", "4", "--worker-class", "gthread", "--keep-alive", "30"]


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000, 3)

    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return {
        "median_ms": round(median * 1000, 3),
        "p90_ms": at(0.90),
        "p95_ms": at(0.95),
        "calls": len(ordered),
    }


class Client:
    """Sequential requests on one keep-alive connection (reopened if the server closes it)."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers: dict[str, str] = {}

    def send(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        sent = {**self.headers, **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        try:
            self.connection.request(method, path, body=payload, headers=sent)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.connection.close()
            self.connection.request(method, path, body=payload, headers=sent)
            response = self.connection.getresponse()
        return response.status, response.read(), response

    def timed(
        self, path: str, headers: dict[str, str] | None = None, expect: int = 200
    ) -> tuple[float, bytes, http.client.HTTPResponse]:
        started = time.perf_counter()
        status, data, response = self.send("GET", path, headers=headers)
        elapsed = time.perf_counter() - started
        if status != expect:
            raise RuntimeError(f"GET {path}: {status}, not {expect}: {data[:300]!r}")
        return elapsed, data, response

    def close(self) -> None:
        self.connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def seed(url: str) -> dict[str, Any]:
    """The demo at scale 20, as `booking seed-demo --scale 20` builds it."""
    from flask_migrate import upgrade

    from booking import create_app
    from booking.extensions import db
    from booking.services.demo import seed_demo

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "BOOKING_NOW": NOW.isoformat()})
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        summary = seed_demo(db.session(), now=NOW, tz=TZ, scale=SCALE)
        db.session.commit()
        seconds = time.perf_counter() - started
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            statistics = "VACUUM ANALYZE after seeding, as autovacuum would do"
        else:
            statistics = "none: never analysed, as a production SQLite file"
        # The four meeting rooms with the most active bookings in the timed week.
        rooms = [
            row[0]
            for row in db.session.execute(
                text(
                    "SELECT s.id FROM spaces s JOIN bookings b ON b.space_id = s.id"
                    " WHERE s.kind = 'meeting_room' AND b.status IN ('pending', 'confirmed')"
                    " AND b.start >= :first AND b.start < :last"
                    " GROUP BY s.id ORDER BY count(*) DESC, s.id LIMIT 4"
                ).bindparams(
                    bindparam("first", type_=UTCDateTime()), bindparam("last", type_=UTCDateTime())
                ),
                {
                    "first": datetime.combine(WEEK[0], datetime.min.time(), TZ),
                    "last": datetime.combine(WEEK[1] + timedelta(days=1), datetime.min.time(), TZ),
                },
            )
        ]
        # A booking of the member's to change between feed builds: confirmed, single, in a
        # meeting room (no approval), some days ahead.
        change = db.session.execute(
            text(
                "SELECT b.id FROM bookings b JOIN spaces s ON s.id = b.space_id"
                " JOIN users u ON u.id = b.user_id WHERE u.email = :email"
                " AND s.kind = 'meeting_room' AND b.status = 'confirmed'"
                " AND b.series_id IS NULL AND b.start > :after ORDER BY b.start LIMIT 1"
            ).bindparams(bindparam("after", type_=UTCDateTime())),
            {"email": MEMBER, "after": NOW + timedelta(days=7)},
        ).scalar_one()
        db.session.remove()
        engine.dispose()
    return {
        "summary": summary,
        "seconds": seconds,
        "statistics": statistics,
        "rooms": rooms,
        "change": change,
    }


class Server:
    """gunicorn in a subprocess, as in production."""

    def __init__(self, url: str) -> None:
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115  (kept open while it runs)
            prefix="bench_gunicorn_", suffix=".log", delete=False
        )
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-served-secret",
            "BOOKING_ENV": "production",
            "BOOKING_NOW": NOW.isoformat(),
            "RATELIMIT_ENABLED": "false",
        }
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            *SERVER,
            "--bind",
            f"127.0.0.1:{self.port}",
            "booking:create_app()",
        ]
        self.process = subprocess.Popen(
            self.command, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz in {seconds} s:\n{self.tail()}")

    def tail(self) -> str:
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-30:])

    def stop(self) -> int | None:
        """SIGTERM (gunicorn's graceful shutdown); SIGKILL if it has not ended in 30 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
        return self.process.returncode


def measure(port: int, rooms: list[int], change: int, rounds: int) -> dict[str, Any]:
    client = Client(port)
    try:
        status, data, _ = client.send(
            "POST", "/api/v1/auth/tokens", {"email": MEMBER, "password": PASSWORD}
        )
        if status != 201:
            raise RuntimeError(f"sign-in: {status} {data[:300]!r}")
        client.headers["Authorization"] = f"Bearer {json.loads(data)['token']}"

        searches = []
        for start in SEARCH_STARTS:
            begin = datetime.combine(SEARCH_DAY, datetime.strptime(start, "%H:%M").time())
            query = {
                "free_from": begin.isoformat(timespec="minutes"),
                "free_to": (begin + timedelta(hours=1)).isoformat(timespec="minutes"),
                "limit": 500,
            }
            searches.append(f"/api/v1/spaces?{urlencode(query)}")
        weeks = [
            f"/api/v1/spaces/{room}/availability?from={WEEK[0]}&to={WEEK[1]}" for room in rooms
        ]

        samples: dict[str, list[float]] = {"healthz": [], "search": [], "week": []}
        found: list[int] = []
        busy: list[int] = []
        search_bytes: list[int] = []
        for n in range(WARMUP + rounds):
            healthz, _, _ = client.timed("/healthz")
            search, body, _ = client.timed(searches[n % len(searches)])
            week, week_body, _ = client.timed(weeks[n % len(weeks)])
            if n < WARMUP:
                continue
            samples["healthz"].append(healthz)
            samples["search"].append(search)
            samples["week"].append(week)
            if n < WARMUP + len(searches):
                found.append(len(json.loads(body)["items"]))
                search_bytes.append(len(body))
            if n < WARMUP + len(weeks):
                entries = json.loads(week_body)["busy"]
                busy.append(sum(1 for entry in entries if entry["reason"] == "booking"))

        result: dict[str, Any] = {name: percentiles(s) for name, s in samples.items()}
        base = result["healthz"]["median_ms"]
        for name in ("search", "week"):
            result[name]["ratio_to_healthz"] = round(result[name]["median_ms"] / base, 1)
        result["search"]["paths"] = searches
        result["search"]["spaces_found"] = found
        result["search"]["body_bytes"] = search_bytes
        result["week"]["paths"] = weeks
        result["week"]["bookings_shown"] = busy
        result["feed"] = measure_feed(client, change)
        return result
    finally:
        client.close()


def measure_feed(client: Client, change: int) -> dict[str, Any]:
    status, data, _ = client.send("GET", "/api/v1/me")
    if status != 200:
        raise RuntimeError(f"GET /api/v1/me: {status} {data[:300]!r}")
    path = urlsplit(json.loads(data)["ical_url"]).path
    build: list[float] = []
    not_modified: list[float] = []
    cached: list[float] = []
    body = b""
    for n in range(FEED_SAMPLES + 1):
        status, data, _ = client.send(
            "PATCH", f"/api/v1/bookings/{change}", {"title": f"Feed bench {n}"}
        )
        if status != 200:
            raise RuntimeError(f"PATCH /api/v1/bookings/{change}: {status} {data[:300]!r}")
        built, body, response = client.timed(path)
        etag = response.headers["ETag"]
        unchanged, _, _ = client.timed(path, {"If-None-Match": etag}, expect=304)
        again, again_body, _ = client.timed(path)
        if again_body != body:
            raise RuntimeError("the cached feed differs from the one built")
        if n == 0:
            continue  # the first build also warms what a build reads
        build.append(built)
        not_modified.append(unchanged)
        cached.append(again)
    return {
        "path": "/ical/{token}/me.ics (member@demo.example)",
        "vevents": body.count(b"BEGIN:VEVENT"),
        "body_bytes": len(body),
        "build": percentiles(build),
        "not_modified": percentiles(not_modified),
        "cached": percentiles(cached),
    }


def verdicts(result: dict[str, Any]) -> dict[str, bool]:
    feed = result["feed"]
    return {
        "search_ms": result["search"]["median_ms"] <= TARGETS["search_ms"],
        "search_healthz_ratio": result["search"]["ratio_to_healthz"]
        <= TARGETS["search_healthz_ratio"],
        "week_ms": result["week"]["median_ms"] <= TARGETS["week_ms"],
        "week_healthz_ratio": result["week"]["ratio_to_healthz"] <= TARGETS["week_healthz_ratio"],
        "feed_build_ms": feed["build"]["median_ms"] <= TARGETS["feed_build_ms"],
        "feed_unchanged_ms": max(feed["not_modified"]["median_ms"], feed["cached"]["median_ms"])
        <= TARGETS["feed_unchanged_ms"],
    }


def run(database: str | None, rounds: int = ROUNDS) -> dict[str, Any]:
    started = time.perf_counter()
    with scratch_database(database) as url:
        seeded = seed(url)
        summary = seeded["summary"]
        server = Server(url)
        try:
            server.wait_ready()
            result = measure(server.port, seeded["rooms"], seeded["change"], rounds)
        finally:
            exit_status = server.stop()
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    return {
        "database": dialect,
        "demo": {
            "scale": SCALE,
            "now": NOW.isoformat(),
            "spaces": summary.spaces,
            "bookings": summary.bookings,
            "users": summary.users,
            "seed_seconds": round(seeded["seconds"], 1),
            "planner_statistics": seeded["statistics"],
        },
        "server": {
            "command": "gunicorn " + " ".join(SERVER) + " 'booking:create_app()'",
            "why": "2 workers for 2 cores (Python runs one thread at a time per process);"
            " 4 threads each overlap database and client waits and keep connections alive",
            "exit_status": exit_status,
        },
        "client": f"one keep-alive connection, sequential; {WARMUP} untimed rounds, then"
        f" {rounds} rounds of healthz, search, week in turn",
        "results": result,
        "targets": TARGETS,
        "pass": verdicts(result),
        "peer": PEER,
        "seconds": round(time.perf_counter() - started, 1),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }


def describe(served: dict[str, Any]) -> str:
    r = served["results"]
    feed = r["feed"]
    verdict = (
        "all pass"
        if all(served["pass"].values())
        else "MISSED: " + ", ".join(name for name, ok in served["pass"].items() if not ok)
    )
    return (
        f"{served['database']} over HTTP (demo x{served['demo']['scale']},"
        f" {served['demo']['bookings']:,} bookings): healthz {r['healthz']['median_ms']} ms;"
        f" search {r['search']['median_ms']} ms ({r['search']['ratio_to_healthz']}x);"
        f" week {r['week']['median_ms']} ms ({r['week']['ratio_to_healthz']}x);"
        f" feed of {feed['vevents']} events built {feed['build']['median_ms']} ms,"
        f" 304 {feed['not_modified']['median_ms']} ms, cached {feed['cached']['median_ms']} ms"
        f" ({verdict})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.served", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--json", dest="json_path", required=True, help="where to write results")
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="timed rounds (>= 50)")
    args = parser.parse_args(argv)
    served = run(args.database, max(50, args.rounds))
    Path(args.json_path).write_text(json.dumps(served, indent=2) + "\n")
    print(describe(served))
    return 0


if __name__ == "__main__":
    sys.exit(main())
