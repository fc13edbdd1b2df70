"""The `booking` command (a Flask CLI group; `flask --app booking` works too)."""

from __future__ import annotations

import json
import smtplib
import sys
from datetime import date
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from booking.extensions import current_session, db


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _commit() -> None:
    db.session.commit()


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} must be a date as YYYY-MM-DD, not {value!r}.")
    return None


def _upgrade_database() -> None:
    from flask_migrate import upgrade

    upgrade()


@click.command("serve")
@click.option("--demo", is_flag=True, help="Seed the demo campus when the database is empty.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def serve_command(demo: bool, host: str, port: int) -> None:
    """Migrate the database, optionally seed the demo campus, and serve."""
    _upgrade_database()
    if demo:
        from booking.clock import booking_now, campus_zone
        from booking.services import demo as demo_service

        summary = demo_service.seed_demo(
            current_session(), now=booking_now(), tz=campus_zone(), scale=1
        )
        _commit()
        click.echo(summary.describe())
    from werkzeug.serving import run_simple

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"Campus Booking on http://{host}:{port}")
    # Flask refuses app.run() inside its own CLI; the demo server is Werkzeug's, threaded.
    # Production runs gunicorn instead (README).
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@click.command("seed-demo")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 200))
@with_appcontext
def seed_demo_command(scale: int) -> None:
    """Seed the demo innovation hub (API.md section 7); --scale multiplies it for load tests."""
    from booking.clock import booking_now, campus_zone
    from booking.services import demo as demo_service

    _upgrade_database()
    summary = demo_service.seed_demo(
        current_session(), now=booking_now(), tz=campus_zone(), scale=scale
    )
    _commit()
    click.echo(summary.describe())


@click.group("tenants")
def tenants_group() -> None:
    """Tenant companies."""


@tenants_group.command("create")
@click.argument("name")
@click.option("--vat", default=None, help="Belgian VAT number, e.g. BE0123456789.")
@with_appcontext
def tenants_create(name: str, vat: str | None) -> None:
    """Create a tenant; prints its id on the last line."""
    from booking.services import people

    tenant = _run(lambda: people.create_tenant(current_session(), None, name=name, vat_number=vat))
    _commit()
    click.echo(f"Tenant {tenant.name!r} created.")
    click.echo(str(tenant.id))


@click.group("users")
def users_group() -> None:
    """People who sign in."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["member", "tenant_admin", "manager"]))
@click.option("--tenant", "tenant_id", type=int, default=None, help="The tenant's id.")
@click.option("--password", default=None, help="Prompted for when omitted.")
@with_appcontext
def users_create(
    email: str, name: str, role: str, tenant_id: int | None, password: str | None
) -> None:
    """Create a user; prints the new id on the last line."""
    from booking.services import people

    if password is None:
        if not sys.stdin.isatty():
            _fail("--password is required when there is no terminal to ask on.")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _run(
        lambda: people.create_user(
            current_session(),
            None,
            email=email,
            name=name,
            role=role,
            tenant_id=tenant_id,
            password=password,
        )
    )
    _commit()
    click.echo(f"User {user.email} ({user.role}) created.")
    click.echo(str(user.id))


@users_group.command("export")
@click.option("--email", required=True)
@with_appcontext
def users_export(email: str) -> None:
    """Print everything the campus holds about a person, as JSON (GDPR)."""
    from booking.services import people

    data = _run(lambda: people.export_user(current_session(), email=email))
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@users_group.command("anonymise")
@click.option("--email", required=True)
@with_appcontext
def users_anonymise(email: str) -> None:
    """Remove a person; their bookings stay, without them, for the statistics (GDPR)."""
    from booking.clock import booking_now
    from booking.services import people

    user = _run(
        lambda: people.anonymise_user(current_session(), None, email=email, now=booking_now())
    )
    _commit()
    click.echo(f"User {user.id} anonymised.")


@click.group("qualifications")
def qualifications_group() -> None:
    """Safety qualifications (e.g. cleanroom-gowning)."""


@qualifications_group.command("grant")
@click.option("--email", required=True)
@click.option("--code", required=True)
@click.option("--expires", default=None, help="Last valid day, YYYY-MM-DD.")
@with_appcontext
def qualifications_grant(email: str, code: str, expires: str | None) -> None:
    """Grant a qualification to a person."""
    from booking.services import people

    until = _parse_date(expires, "--expires")
    grant = _run(
        lambda: people.grant_qualification(
            current_session(), None, email=email, code=code, expires=until
        )
    )
    _commit()
    suffix = f" until {grant.expires.strftime('%d/%m/%Y')}" if grant.expires else ""
    click.echo(f"{email} holds {grant.code}{suffix}.")


@qualifications_group.command("revoke")
@click.option("--email", required=True)
@click.option("--code", required=True)
@with_appcontext
def qualifications_revoke(email: str, code: str) -> None:
    """Take a qualification away."""
    from booking.services import people

    _run(lambda: people.revoke_qualification(current_session(), None, email=email, code=code))
    _commit()
    click.echo(f"{email} no longer holds {code}.")


@click.command("expire-pending")
@with_appcontext
def expire_pending_command() -> None:
    """Reject pending bookings whose start has passed undecided (run from cron)."""
    from booking.clock import booking_now
    from booking.services import bookings as booking_service

    count = booking_service.expire_pending(current_session(), booking_now())
    _commit()
    click.echo(f"{count} pending booking(s) expired.")


@click.command("send-mail")
@click.option("--limit", type=click.IntRange(1, 100000), default=None, help="At most this many.")
@with_appcontext
def send_mail_command(limit: int | None) -> None:
    """Send the outbox's unsent e-mails over SMTP (MAIL_SERVER, MAIL_PORT, MAIL_FROM; for cron)."""
    from sqlalchemy import func, select

    from booking.models import OutboxMessage
    from booking.services import mail

    config = current_app.config
    if not config.get("MAIL_SERVER"):
        waiting = current_session().scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
        click.echo(f"MAIL_SERVER is not set: {waiting} e-mail(s) stay in the outbox.")
        return
    settings = mail.SmtpSettings(
        server=str(config["MAIL_SERVER"]),
        port=int(config["MAIL_PORT"]),
        sender=str(config["MAIL_FROM"]),
    )
    try:
        report = mail.send_outbox(current_session(), settings, commit=_commit, limit=limit)
    except (OSError, smtplib.SMTPException) as err:
        db.session.rollback()
        _fail(f"Cannot send through {settings.server}:{settings.port}: {err}")
        return
    click.echo(f"{report.sent} e-mail(s) sent.")
    if report.failed:
        for message_id, reason in report.failed:
            click.echo(f"outbox {message_id} refused: {reason}", err=True)
        _fail(f"{len(report.failed)} e-mail(s) refused by the server; they stay in the outbox.")


def _run(action: Any) -> Any:
    """Run a service call; a domain error becomes a one-line message and exit status 1."""
    from booking.errors import DomainError

    try:
        return action()
    except DomainError as err:
        db.session.rollback()
        _fail(err.message)


def register_commands(app: Flask) -> None:
    for command in (
        serve_command,
        seed_demo_command,
        tenants_group,
        users_group,
        qualifications_group,
        expire_pending_command,
        send_mail_command,
    ):
        app.cli.add_command(command)


def main() -> None:
    """Entry point of the `booking` console script."""
    from booking import create_app

    cli = FlaskGroup(create_app=lambda: create_app(), help="Campus Booking.")
    cli.main(prog_name="booking")
