"""Schemathesis against the live API, described by its own OpenAPI document.

    python -m tests.contract.fuzz                                  # SQLite
    python -m tests.contract.fuzz --database postgresql://postgres@127.0.0.1:5432/test

A scratch database (a temporary SQLite file, or a new database on the PostgreSQL server
named, dropped afterwards) gets the demo campus with "now" fixed at 2026-12-01 09:00; the app
is served on a free local port with rate limits off; a manager's token comes from POST
/auth/tokens. Then `st run` generates requests from /api/v1/openapi.json (examples, coverage,
fuzzing, and stateful sequences along the document's links: create a booking, then read,
change, cancel it) and checks every answer: no 5xx, a documented status, media type and
schema. DELETE /auth/tokens/current is left out: it would revoke the token the run uses.
Other arguments go to `st run` as they are (`--max-examples 50`, `--phases fuzzing`). The exit
status is schemathesis's.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from bench.common import scratch_database

NOW = "2026-12-01T09:00:00+01:00"
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


def _post_json(url: str, data: dict[str, str]) -> dict[str, str]:
    request = urllib.request.Request(
        url,
        data=json.dumps(data).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        result: dict[str, str] = json.loads(answer.read())
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL server URL; default: SQLite")
    parser.add_argument("--seed", type=int, default=20261201)
    options, extra = parser.parse_known_args(argv)

    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from booking import create_app
    from booking.clock import booking_now, campus_zone
    from booking.extensions import db
    from booking.services import demo

    started = time.monotonic()
    with scratch_database(options.database, prefix="booking_fuzz") as url:
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": secrets.token_hex(16),
                "RATELIMIT_ENABLED": False,
                "BOOKING_NOW": NOW,
            }
        )
        with app.app_context():
            upgrade()
            demo.seed_demo(db.session, now=booking_now(), tz=campus_zone(), scale=1)
            db.session.commit()
        # One line per request would drown schemathesis's report.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        base = f"http://127.0.0.1:{server.server_port}"
        app.config["BOOKING_BASE_URL"] = base
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            token = _post_json(
                f"{base}/api/v1/auth/tokens",
                {"email": "manager@demo.example", "password": "campus-demo"},
            )["token"]
            command = [
                os.path.join(os.path.dirname(sys.executable), "st"),
                "run",
                f"{base}/api/v1/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                ",".join(CHECKS),
                "--seed",
                str(options.seed),
                "--workers",
                "1",
                "--exclude-operation-id",
                "revoke_token",
                "--max-examples",
                "25",
                "--request-timeout",
                "30",
                *extra,
            ]
            database = "PostgreSQL" if options.database else "SQLite"
            print(f"schemathesis on {database}: {' '.join(command[1:3])} …", flush=True)
            # st keeps a cache of its own in the working directory: not in the checkout.
            with tempfile.TemporaryDirectory(prefix="booking-st-") as workdir:
                status = subprocess.call(command, cwd=workdir)
        finally:
            server.shutdown()
            with app.app_context():
                db.engine.dispose()
    print(f"schemathesis on {database}: {time.monotonic() - started:.0f} s", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
