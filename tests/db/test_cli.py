"""The `booking` command as people use it: real processes, real exit codes and messages."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def run(tmp_path, database_url, clean_db):
    """Run the installed `booking` console script against the test database."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "cli-test",
        "BOOKING_NOW": "2026-12-01T09:00:00+01:00",
    }
    script = Path(sys.executable).with_name("booking")

    def call(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )

    return call


def test_tenants_and_users_are_created_and_print_their_id(run):
    tenant = run("tenants", "create", "Qualiva", "--vat", "BE0403.170.701")
    assert tenant.returncode == 0, tenant.stderr
    tenant_id = tenant.stdout.strip().splitlines()[-1]
    assert tenant_id.isdigit()
    user = run(
        "users",
        "create",
        "--email",
        "An.Peeters@Qualiva.example",
        "--name",
        "An Peeters",
        "--role",
        "tenant_admin",
        "--tenant",
        tenant_id,
        "--password",
        "a-long-password",
    )
    assert user.returncode == 0, user.stderr
    assert user.stdout.strip().splitlines()[-1].isdigit()
    grant = run(
        "qualifications",
        "grant",
        "--email",
        "an.peeters@qualiva.example",
        "--code",
        "cleanroom-gowning",
        "--expires",
        "2027-06-30",
    )
    assert grant.returncode == 0, grant.stderr
    assert "30/06/2027" in grant.stdout
    exported = run("users", "export", "--email", "an.peeters@qualiva.example")
    assert exported.returncode == 0
    assert '"cleanroom-gowning"' in exported.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("tenants", "create", "X", "--vat", "BE123"), "VAT"),
        (("users", "create", "--email", "a@b.example", "--name", "A", "--role", "boss"), "role"),
        (
            (
                "users",
                "create",
                "--email",
                "nope",
                "--name",
                "A",
                "--role",
                "manager",
                "--password",
                "long-enough-1",
            ),
            "e-mail",
        ),
        (
            (
                "users",
                "create",
                "--email",
                "a@b.example",
                "--name",
                "A",
                "--role",
                "member",
                "--tenant",
                "999",
                "--password",
                "long-enough-1",
            ),
            "no tenant 999",
        ),
        (
            (
                "users",
                "create",
                "--email",
                "a@b.example",
                "--name",
                "A",
                "--role",
                "member",
                "--password",
                "long-enough-1",
            ),
            "tenant",
        ),
        (("qualifications", "grant", "--email", "ghost@x.example", "--code", "x"), "no user"),
        (
            (
                "qualifications",
                "grant",
                "--email",
                "ghost@x.example",
                "--code",
                "x",
                "--expires",
                "31/12/2027",
            ),
            "YYYY-MM-DD",
        ),
        (("seed-demo", "--scale", "0"), "scale"),
        (("serve", "--port", "99999"), "port"),
    ],
)
def test_bad_arguments_get_a_short_message_and_no_traceback(run, args, expected):
    result = run(*args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert expected.lower() in result.stderr.lower()
    assert len(result.stderr.strip().splitlines()) <= 4


def test_creating_a_user_twice_is_refused(run):
    first = run(
        "users",
        "create",
        "--email",
        "m@x.example",
        "--name",
        "M",
        "--role",
        "manager",
        "--password",
        "long-enough-1",
    )
    assert first.returncode == 0
    second = run(
        "users",
        "create",
        "--email",
        "M@x.example",
        "--name",
        "M",
        "--role",
        "manager",
        "--password",
        "long-enough-1",
    )
    assert second.returncode == 1
    assert "already" in second.stderr


def test_seed_demo_is_idempotent(run):
    first = run("seed-demo")
    assert first.returncode == 0, first.stderr
    second = run("seed-demo")
    assert second.returncode == 0
    assert "nothing was changed" in second.stdout


def test_serve_demo_seeds_and_answers(tmp_path, database_url, clean_db):
    """The README's first line: `booking serve --demo` migrates, seeds and serves."""
    import time
    import urllib.request

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env["DATABASE_URL"] = database_url
    script = Path(sys.executable).with_name("booking")
    port = "5731"
    server = subprocess.Popen(
        [str(script), "serve", "--demo", "--port", port],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                body = json.dumps({"email": "member@demo.example", "password": "campus-demo"})
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/v1/auth/tokens",
                    data=body.encode(),
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(request, timeout=10) as r:
                    assert r.status == 201
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(server.stdout.read() if server.stdout else "") from None
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=10)
