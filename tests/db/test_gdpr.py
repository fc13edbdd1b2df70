"""GDPR: `users export` gives everything the campus holds about a person; `users anonymise`
removes the person everywhere and keeps the bookings' numbers."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from booking.errors import Unauthenticated
from booking.extensions import db
from booking.models import ApiToken, AuditEntry, Booking, OutboxMessage, QualificationGrant, User
from booking.services import auth as auth_service
from booking.services import bookings as booking_service
from booking.services import people
from tests.conftest import NOW, TZ
from tests.factories import PASSWORD

EMAIL = "an.peeters@qualiva.example"
NAME = "An Peeters"
SECRET_TITLE = "Confidential merger talks"


@pytest.fixture
def person(session, make_user, make_space, make_booking, make_tenant):
    """An Peeters with a tenant, a qualification, bookings (past, future, pending, a series),
    a token, e-mails and audit entries, and a manager who dealt with her."""
    tenant = make_tenant(name="Qualiva")
    manager = make_user(role="manager", email="manager@campus.example")
    user = make_user(email=EMAIL, name=NAME, tenant=tenant, language="nl")
    people.grant_qualification(
        session, manager, user=user, code="cleanroom-gowning", expires=date(2027, 6, 30)
    )
    room = make_space(code="H.2.14")
    hall = make_space(code="H.0.01", requires_approval=True)
    past = make_booking(room, user, NOW - timedelta(days=2), NOW - timedelta(days=2, hours=-1))
    clock = booking_service.Clock(now=NOW, tz=TZ)
    start = NOW + timedelta(days=1, hours=1)
    future = booking_service.book(
        session,
        user,
        booking_service.BookingRequest(
            space_id=room.id,
            start=start,
            end=start + timedelta(hours=1),
            title=SECRET_TITLE,
            notes=f"Call {NAME} on +32 470 00 00 00",
        ),
        clock,
    )
    pending = booking_service.book(
        session,
        user,
        booking_service.BookingRequest(
            space_id=hall.id, start=start, end=start + timedelta(hours=2), title=SECRET_TITLE
        ),
        clock,
    )
    series = booking_service.book_series(
        session,
        user,
        booking_service.BookingRequest(
            space_id=room.id,
            start=start + timedelta(days=1),
            end=start + timedelta(days=1, hours=1),
            title=SECRET_TITLE,
            rrule="FREQ=WEEKLY;COUNT=3",
        ),
        clock,
    )
    auth_service.issue_token(session, user)
    session.commit()
    return {
        "user": user,
        "manager": manager,
        "past": past,
        "future": future,
        "pending": pending,
        "series": series.series,
    }


def _everything_as_text(session) -> str:
    """Every value of every table, as one text to search in."""
    parts: list[str] = []
    for table in db.metadata.sorted_tables:
        for row in session.execute(select(table)):
            parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_export_holds_everything_about_the_person(session, person):
    data = people.export_user(session, email=EMAIL.upper())

    json.dumps(data)  # plain JSON, nothing else
    assert data["user"]["email"] == EMAIL
    assert data["user"]["name"] == NAME
    assert data["user"]["tenant"]["name"] == "Qualiva"
    assert data["user"]["language"] == "nl"
    assert data["qualifications"] == [
        {
            "code": "cleanroom-gowning",
            "expires": "2027-06-30",
            "granted_at": data["qualifications"][0]["granted_at"],
        }
    ]
    assert len(data["bookings"]) == 1 + 1 + 1 + 3
    assert {b["title"] for b in data["bookings"][1:]} == {SECRET_TITLE}
    assert any(NAME in b["notes"] for b in data["bookings"])
    assert [s["title"] for s in data["series"]] == [SECRET_TITLE]
    (token,) = data["api_tokens"]
    assert set(token) == {"created_at", "expires_at", "revoked_at"}
    actions = {e["action"] for e in data["audit"]}
    assert {"qualification.grant", "booking.create", "series.create"} <= actions
    assert any(e["by_this_person"] for e in data["audit"])
    assert not all(e["by_this_person"] for e in data["audit"])
    subjects = [m["subject"] for m in data["emails"]]
    assert len(subjects) == 3
    assert all(s.startswith(("Bevestigd", "Aangevraagd")) for s in subjects)


def test_anonymise_removes_the_person_and_keeps_the_numbers(session, person, app):
    user = person["user"]
    user_id, old_feed = user.id, user.feed_token
    bookings_before = session.scalar(select(func.count()).select_from(Booking))
    assert EMAIL in _everything_as_text(session)
    session.commit()

    people.anonymise_user(session, None, email=EMAIL, now=NOW)
    session.commit()

    text = _everything_as_text(session)
    assert EMAIL not in text
    assert NAME not in text
    assert SECRET_TITLE not in text
    assert session.scalar(select(func.count()).select_from(Booking)) == bookings_before
    gone = session.get(User, user_id)
    assert gone.active is False
    assert gone.anonymised_at is not None
    assert gone.password_hash is None
    assert gone.feed_token != old_feed
    # Bookings stay for the statistics: where, when, which tenant.
    past = session.get(Booking, person["past"].id)
    assert past.status == "confirmed"
    assert past.user_id == user_id
    assert past.tenant_id == gone.tenant_id
    # Future bookings are cancelled: the person is gone.
    assert session.get(Booking, person["future"].id).status == "cancelled"
    assert session.get(Booking, person["pending"].id).status == "cancelled"
    left = session.scalars(select(Booking).where(Booking.series_id == person["series"].id))
    assert {b.status for b in left} == {"cancelled"}
    assert session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)).all() == []
    grants = select(QualificationGrant).where(QualificationGrant.user_id == user_id)
    assert session.scalars(grants).all() == []
    # No e-mails to the person, and none about her bookings (they name her).
    assert session.scalars(select(OutboxMessage)).all() == []
    # The audit log keeps what was done, by whom as an id only.
    by_her = session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user_id)).all()
    assert {e.action for e in by_her} >= {"booking.create", "series.create"}
    with pytest.raises(Unauthenticated):
        auth_service.authenticate(session, EMAIL, PASSWORD)
    assert app.test_client().get(f"/ical/{old_feed}/me.ics").status_code == 404


def test_anonymise_and_export_from_the_command_line(app, session, person):
    runner = app.test_cli_runner()

    exported = runner.invoke(args=["users", "export", "--email", EMAIL])
    anonymised = runner.invoke(args=["users", "anonymise", "--email", EMAIL])
    again = runner.invoke(args=["users", "export", "--email", EMAIL])

    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["user"]["name"] == NAME
    assert anonymised.exit_code == 0, anonymised.output
    assert again.exit_code != 0
    assert "Traceback" not in again.output
    assert f"There is no user with e-mail {EMAIL}" in again.output


def test_the_person_can_be_exported_after_anonymising_only_as_nobody(session, person):
    user_id = person["user"].id
    people.anonymise_user(session, None, email=EMAIL, now=NOW)

    data = people.export_user(session, email=f"anonymised-{user_id}@invalid")

    assert data["user"]["name"] == "—"
    assert data["qualifications"] == []
    assert data["api_tokens"] == []
    assert data["emails"] == []
    assert {b["title"] for b in data["bookings"]} == {"—"}
