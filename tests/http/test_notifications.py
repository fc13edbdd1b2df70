"""E-mails about bookings: who gets which, in which language, with which .ics (parsed with
icalendar), the approval flow end to end, and `booking send-mail` against a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from booking.models import OutboxMessage
from booking.services import bookings as booking_service
from tests.conftest import NOW
from tests.http.mailbox import calendar, events, mails, method
from tests.http.scene import (
    DAY_AFTER,
    TOMORROW,
    at,
    body,
    count,
    fast_api_as,  # noqa: F401  (the api_as fixture, faster)
    local,
)

HOST = "booking.campus.example"


@pytest.fixture
def campus(make_space, make_user, make_tenant):
    """A meeting room, a room that needs approval, a member (English) and a manager (Dutch)."""
    tenant = make_tenant(name="Qualiva")
    return {
        "room": make_space(code="H.2.14", name="Demer"),
        "hall": make_space(code="H.0.01", name="Event hall", requires_approval=True),
        "member": make_user(name="An Peeters", email="an@qualiva.example", tenant=tenant),
        "manager": make_user(
            name="Campus Manager", email="manager@campus.example", role="manager", language="nl"
        ),
    }


def _only(rows: list[OutboxMessage]) -> OutboxMessage:
    assert len(rows) == 1, [(m.to, m.subject) for m in rows]
    return rows[0]


# ---------------------------------------------------------------------------------------------
# One e-mail per event, to the right people


def test_a_confirmed_booking_mails_the_booker_an_invitation(api_as, session, campus):
    api = api_as(campus["member"])

    booking = api.post(
        "/bookings", json=body(campus["room"], TOMORROW, "14:00", "15:00", title="Sprint review")
    ).get_json()

    mail = _only(mails(session))
    assert mail.to == "an@qualiva.example"
    assert mail.language == "en"
    assert mail.subject == "Confirmed: Sprint review, 02/12/2026 14:00–15:00"
    assert "Demer (H.2.14)" in mail.body
    assert f"https://{HOST}/bookings/{booking['id']}" in mail.body
    assert mail.booking_id == booking["id"]
    assert method(mail.ics) == "REQUEST"
    (event,) = events(mail.ics)
    assert str(event["UID"]) == f"booking-{booking['id']}@{HOST}"
    assert event.decoded("DTSTART") == local(TOMORROW, "14:00")
    assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert event.decoded("DTEND") == local(TOMORROW, "15:00")
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Sprint review"
    # RFC 5546: an invitation names its organizer (the campus) and attendee (the booker).
    assert str(event["ORGANIZER"]) == "mailto:booking@campus.example"
    assert event["ORGANIZER"].params["CN"] == "Campus Booking"
    assert str(event["ATTENDEE"]) == "mailto:an@qualiva.example"
    assert event["ATTENDEE"].params["CN"] == "An Peeters"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


def test_mail_is_in_the_recipients_language_with_dates_as_dd_mm_yyyy(
    api_as, session, campus, make_user
):
    dutch = make_user(language="nl", tenant=campus["member"].tenant)

    api_as(dutch).post("/bookings", json=body(campus["room"], DAY_AFTER, "09:30", "17:45"))

    mail = _only(mails(session))
    assert mail.language == "nl"
    assert mail.subject == "Bevestigd: Meeting, 03/12/2026 09:30–17:45"
    assert "Je boeking is bevestigd." in mail.body
    assert "Ruimte: Demer (H.2.14)" in mail.body


def test_a_booking_across_midnight_gives_both_dates(api_as, session, campus):
    api_as(campus["member"]).post(
        "/bookings",
        json={
            "space_id": campus["room"].id,
            "title": "Night run",
            "start": at(TOMORROW, "22:00"),
            "end": at(DAY_AFTER, "02:00"),
        },
    )

    assert _only(mails(session)).subject == (
        "Confirmed: Night run, 02/12/2026 22:00 – 03/12/2026 02:00"
    )


def test_summer_dates_are_written_in_summer_time(api_as, session, campus):
    api_as(campus["member"]).post(
        "/bookings",
        json={
            "space_id": campus["room"].id,
            "title": "Summer",
            "start": "2027-07-01T08:00:00Z",
            "end": "2027-07-01T09:00:00Z",
        },
    )

    assert _only(mails(session)).subject == "Confirmed: Summer, 01/07/2027 10:00–11:00"


def test_a_pending_booking_tells_the_booker_and_every_active_manager(
    api_as, session, campus, make_user
):
    second = make_user(role="manager", email="second@campus.example", language="en")
    make_user(role="manager", email="gone@campus.example", active=False)

    booking = (
        api_as(campus["member"])
        .post("/bookings", json=body(campus["hall"], TOMORROW, "10:00", "12:00", title="Launch"))
        .get_json()
    )

    assert booking["status"] == "pending"
    by_address = {m.to: m for m in mails(session)}
    assert set(by_address) == {"an@qualiva.example", "manager@campus.example", second.email}
    assert by_address["an@qualiva.example"].subject.startswith("Requested: Launch, 02/12/2026")
    dutch = by_address["manager@campus.example"]
    assert dutch.subject == "Goed te keuren: Launch, 02/12/2026 10:00–12:00"
    assert "An Peeters (Qualiva)" in dutch.body
    assert f"https://{HOST}/approvals" in dutch.body
    assert by_address[second.email].subject.startswith("To approve: Launch")
    for mail in by_address.values():
        assert method(mail.ics) == "REQUEST"
        (event,) = events(mail.ics)
        assert str(event["STATUS"]) == "TENTATIVE"


def test_the_approval_flow_end_to_end(api_as, session, campus):
    member, manager = api_as(campus["member"]), api_as(campus["manager"])
    booking = member.post(
        "/bookings", json=body(campus["hall"], TOMORROW, "10:00", "12:00", title="Launch")
    ).get_json()
    queue = manager.get("/approvals").get_json()["items"]
    assert [b["id"] for b in queue] == [booking["id"]]

    approved = manager.post(f"/bookings/{booking['id']}/approve", json={})

    assert approved.status_code == 200
    assert approved.get_json()["status"] == "confirmed"
    assert manager.get("/approvals").get_json()["items"] == []
    to_member = mails(session, "an@qualiva.example")
    assert [m.subject.split(":")[0] for m in to_member] == ["Requested", "Approved"]
    requested, approval = (events(m.ics)[0] for m in to_member)
    assert method(to_member[1].ics) == "REQUEST"
    assert str(approval["UID"]) == str(requested["UID"]) == f"booking-{booking['id']}@{HOST}"
    assert approval["SEQUENCE"] > requested["SEQUENCE"]
    assert str(approval["STATUS"]) == "CONFIRMED"
    # The manager's own decision is not mailed back to the manager.
    assert len(mails(session, "manager@campus.example")) == 1


def test_a_rejection_gives_the_reason_and_cancels_the_event(api_as, session, campus):
    member, manager = api_as(campus["member"]), api_as(campus["manager"])
    booking = member.post("/bookings", json=body(campus["hall"], TOMORROW, "10:00", "12:00"))
    booking_id = booking.get_json()["id"]

    manager.post(f"/bookings/{booking_id}/reject", json={"reason": "The hall is being painted."})

    first, rejection = mails(session, "an@qualiva.example")
    assert rejection.subject == "Rejected: Meeting, 02/12/2026 10:00–12:00"
    assert "Reason: The hall is being painted." in rejection.body
    assert method(rejection.ics) == "CANCEL"
    (event,) = events(rejection.ics)
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(events(first.ics)[0]["UID"])
    assert event["SEQUENCE"] > events(first.ics)[0]["SEQUENCE"]


def test_a_change_sends_the_new_time_under_the_same_uid_with_a_higher_sequence(
    api_as, session, campus
):
    api = api_as(campus["member"])
    booking = api.post("/bookings", json=body(campus["room"], TOMORROW, "14:00", "15:00"))
    booking_id = booking.get_json()["id"]

    api.patch(
        f"/bookings/{booking_id}",
        json={"start": at(TOMORROW, "16:00"), "end": at(TOMORROW, "17:30")},
    )

    created, changed = mails(session)
    assert changed.subject == "Changed: Meeting, 02/12/2026 16:00–17:30"
    assert method(changed.ics) == "REQUEST"
    before, after = events(created.ics)[0], events(changed.ics)[0]
    assert str(after["UID"]) == str(before["UID"])
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.decoded("DTSTART") == local(TOMORROW, "16:00")


def test_a_move_into_a_space_that_needs_approval_asks_the_managers(api_as, session, campus):
    api = api_as(campus["member"])
    booking_id = api.post(
        "/bookings", json=body(campus["room"], TOMORROW, "14:00", "15:00")
    ).get_json()["id"]

    moved = api.patch(f"/bookings/{booking_id}", json={"space_id": campus["hall"].id})

    assert moved.get_json()["status"] == "pending"
    (notice,) = mails(session, "manager@campus.example")
    assert notice.subject.startswith("Goed te keuren: Meeting")


def test_cancelling_sends_a_cancel_for_the_same_event(api_as, session, campus):
    api = api_as(campus["member"])
    booking_id = api.post(
        "/bookings", json=body(campus["room"], TOMORROW, "14:00", "15:00")
    ).get_json()["id"]

    api.post(f"/bookings/{booking_id}/cancel")

    created, cancelled = mails(session)
    assert cancelled.subject == "Cancelled: Meeting, 02/12/2026 14:00–15:00"
    assert method(cancelled.ics) == "CANCEL"
    event = events(cancelled.ics)[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(events(created.ics)[0]["UID"])
    assert event["SEQUENCE"] > events(created.ics)[0]["SEQUENCE"]


def test_the_booker_hears_when_the_manager_cancels_for_them(api_as, session, campus):
    booking_id = (
        api_as(campus["member"])
        .post("/bookings", json=body(campus["room"], TOMORROW, "14:00", "15:00"))
        .get_json()["id"]
    )

    api_as(campus["manager"]).post(f"/bookings/{booking_id}/cancel")

    assert [m.subject.split(":")[0] for m in mails(session)] == ["Confirmed", "Cancelled"]
    assert {m.to for m in mails(session)} == {"an@qualiva.example"}


# ---------------------------------------------------------------------------------------------
# Series: one e-mail for the whole


def test_a_series_is_one_mail_carrying_its_rule(api_as, session, campus):
    answer = api_as(campus["member"]).post(
        "/bookings",
        json=body(
            campus["room"],
            TOMORROW,
            "10:00",
            "11:00",
            title="Weekly",
            recurrence={"rrule": "FREQ=WEEKLY;COUNT=4"},
        ),
    )

    series_id = answer.get_json()["series_id"]
    mail = _only(mails(session))
    assert mail.subject == "Confirmed: Weekly, series of 4, first on 02/12/2026 10:00–11:00"
    (event,) = events(mail.ics)
    assert str(event["UID"]) == f"series-{series_id}@{HOST}"
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]


def test_cancelling_one_occurrence_cancels_that_date_only(api_as, session, campus):
    api = api_as(campus["member"])
    answer = api.post(
        "/bookings",
        json=body(
            campus["room"], TOMORROW, "10:00", "11:00", recurrence={"rrule": "FREQ=WEEKLY;COUNT=4"}
        ),
    ).get_json()
    second = answer["bookings"][1]

    api.post(f"/bookings/{second['id']}/cancel", json={"scope": "occurrence"})

    cancelled = mails(session)[-1]
    assert cancelled.subject == "Cancelled: Meeting, 09/12/2026 10:00–11:00"
    assert method(cancelled.ics) == "CANCEL"
    (event,) = events(cancelled.ics)
    assert str(event["UID"]) == f"series-{answer['series_id']}@{HOST}"
    assert event.decoded("RECURRENCE-ID") == local("2026-12-09", "10:00")


def test_approving_a_whole_series_is_one_mail(api_as, session, campus):
    answer = (
        api_as(campus["member"])
        .post(
            "/bookings",
            json=body(
                campus["hall"],
                TOMORROW,
                "10:00",
                "11:00",
                recurrence={"rrule": "FREQ=DAILY;COUNT=3"},
            ),
        )
        .get_json()
    )

    api_as(campus["manager"]).post(
        f"/bookings/{answer['bookings'][0]['id']}/approve", json={"scope": "series"}
    )

    to_member = mails(session, "an@qualiva.example")
    assert [m.subject for m in to_member] == [
        "Requested: Meeting, series of 3, first on 02/12/2026 10:00–11:00",
        "Approved: Meeting, 3 occurrences, first on 02/12/2026 10:00–11:00",
    ]


# ---------------------------------------------------------------------------------------------
# Pending bookings nobody decided


def test_expire_pending_rejects_undecided_bookings_and_tells_the_booker(
    app, session, campus, make_booking
):
    start = NOW - timedelta(hours=1)
    make_booking(
        campus["hall"], campus["member"], start, start + timedelta(hours=2), status="pending"
    )
    session.commit()

    result = app.test_cli_runner().invoke(args=["expire-pending"])

    assert result.exit_code == 0, result.output
    assert "1 pending booking(s) expired" in result.output
    mail = _only(mails(session))
    assert mail.subject == "Rejected: Meeting, 01/12/2026 08:00–10:00"
    assert "not decided before it would have started" in mail.body
    assert method(mail.ics) == "CANCEL"


# ---------------------------------------------------------------------------------------------
# The manager's view of the outbox


def test_the_manager_reads_the_outbox_newest_first(api_as, session, campus):
    member, manager = api_as(campus["member"]), api_as(campus["manager"])
    member.post("/bookings", json=body(campus["room"], TOMORROW, "09:00", "10:00", title="One"))
    member.post("/bookings", json=body(campus["room"], TOMORROW, "10:00", "11:00", title="Two"))

    first = manager.get("/outbox?limit=1")
    page = first.get_json()
    rest = manager.get(f"/outbox?limit=1&cursor={page['next_cursor']}").get_json()

    assert first.status_code == 200
    (item,) = page["items"]
    assert {"to", "subject", "language", "created_at", "sent_at", "ics"} <= set(item)
    assert "body" not in item
    assert item["subject"].startswith("Confirmed: Two")
    assert item["to"] == "an@qualiva.example"
    assert item["language"] == "en"
    assert item["sent_at"] is None
    assert item["created_at"].endswith("+01:00")
    assert item["ics"].startswith("BEGIN:VCALENDAR")
    assert [m["subject"][:14] for m in rest["items"]] == ["Confirmed: One"]
    assert rest["next_cursor"] is None
    only_an = manager.get("/outbox?to=AN@qualiva.example").get_json()["items"]
    assert len(only_an) == 2


@pytest.mark.parametrize("role", ["member", "tenant_admin"])
def test_only_the_manager_reads_the_outbox(api_as, make_user, role):
    answer = api_as(make_user(role=role)).get("/outbox")
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "forbidden"


def test_a_bad_outbox_cursor_is_a_bad_request(api_as, campus):
    answer = api_as(campus["manager"]).get("/outbox?cursor=not-ours")
    assert answer.status_code == 400
    assert set(answer.get_json()["error"]["details"]["fields"]) == {"cursor"}


# ---------------------------------------------------------------------------------------------
# booking send-mail, against a real SMTP server


class Inbox:
    """An aiosmtpd handler that keeps what arrives, and refuses one address."""

    def __init__(self, refuse: str | None = None) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refuse:
            return "550 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server on 127.0.0.1 and the app configured to send through it."""

    def start(refuse: str | None = None) -> Inbox:
        inbox = Inbox(refuse)
        port = _free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "MAIL_FROM", "booking@campus.example")
        return inbox

    started: list[Controller] = []
    yield start
    for controller in started:
        controller.stop()


def test_send_mail_delivers_the_outbox_with_the_calendar_attached(
    app, api_as, session, campus, smtp_server
):
    inbox = smtp_server()
    member, manager = api_as(campus["member"]), api_as(campus["manager"])
    booking_id = member.post(
        "/bookings", json=body(campus["hall"], TOMORROW, "10:00", "12:00", title="Launch")
    ).get_json()["id"]
    manager.post(f"/bookings/{booking_id}/reject", json={"reason": "Painting"})

    result = app.test_cli_runner().invoke(args=["send-mail"])

    assert result.exit_code == 0, result.output
    assert "3 e-mail(s) sent" in result.output
    assert sorted(to for _, (to,) in inbox.envelopes) == [
        "an@qualiva.example",
        "an@qualiva.example",
        "manager@campus.example",
    ]
    assert {sender for sender, _ in inbox.envelopes} == {"booking@campus.example"}
    rejection = next(m for m in inbox.messages if m["Subject"].startswith("Rejected"))
    assert rejection["From"] == "booking@campus.example"
    assert rejection["To"] == "an@qualiva.example"
    assert rejection["Content-Language"] == "en"
    assert "Reason: Painting" in rejection.get_body(("plain",)).get_content()
    (attachment,) = list(rejection.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "CANCEL"
    cal = calendar(attachment.get_content())
    assert str(cal["METHOD"]) == "CANCEL"
    (event,) = list(cal.walk("VEVENT"))
    assert str(event["UID"]) == f"booking-{booking_id}@{HOST}"
    assert str(event["STATUS"]) == "CANCELLED"
    dutch = next(m for m in inbox.messages if m["To"] == "manager@campus.example")
    assert dutch["Subject"] == "Goed te keuren: Launch, 02/12/2026 10:00–12:00"
    assert all(m.sent_at is not None for m in mails(session))

    again = app.test_cli_runner().invoke(args=["send-mail"])

    assert "0 e-mail(s) sent" in again.output
    assert len(inbox.messages) == 3


def test_a_refused_address_stays_in_the_outbox_and_the_rest_goes(
    app, api_as, session, campus, smtp_server, make_user
):
    inbox = smtp_server(refuse="an@qualiva.example")
    other = make_user(email="bo@qualiva.example", tenant=campus["member"].tenant)
    api_as(campus["member"]).post(
        "/bookings", json=body(campus["room"], TOMORROW, "09:00", "10:00")
    )
    api_as(other).post("/bookings", json=body(campus["room"], TOMORROW, "10:00", "11:00"))

    result = app.test_cli_runner().invoke(args=["send-mail"])

    assert result.exit_code != 0
    assert "1 e-mail(s) sent" in result.output
    assert "refused" in result.output
    assert [m["To"] for m in inbox.messages] == ["bo@qualiva.example"]
    unsent = [m.to for m in mails(session) if m.sent_at is None]
    assert unsent == ["an@qualiva.example"]


def test_send_mail_without_a_server_leaves_the_outbox_alone(app, api_as, session, campus):
    api_as(campus["member"]).post(
        "/bookings", json=body(campus["room"], TOMORROW, "09:00", "10:00")
    )

    result = app.test_cli_runner().invoke(args=["send-mail"])

    assert result.exit_code == 0
    assert "MAIL_SERVER is not set: 1 e-mail(s) stay in the outbox." in result.output
    assert count(session, OutboxMessage) == 1
    assert mails(session)[0].sent_at is None


def test_send_mail_reports_an_unreachable_server_without_a_traceback(
    app, api_as, session, campus, monkeypatch
):
    api_as(campus["member"]).post(
        "/bookings", json=body(campus["room"], TOMORROW, "09:00", "10:00")
    )
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())

    result = app.test_cli_runner().invoke(args=["send-mail"])

    assert result.exit_code == 1
    assert "Cannot send through 127.0.0.1" in result.output
    assert "Traceback" not in result.output
    assert mails(session)[0].sent_at is None


def test_expire_pending_service_returns_how_many(app, session, campus, make_booking):
    start = NOW - timedelta(minutes=30)
    make_booking(
        campus["hall"], campus["member"], start, start + timedelta(hours=1), status="pending"
    )
    later = NOW + timedelta(days=1)
    make_booking(
        campus["hall"], campus["member"], later, later + timedelta(hours=1), status="pending"
    )

    assert booking_service.expire_pending(session, NOW) == 1
    assert booking_service.expire_pending(session, NOW) == 0
    session.commit()
    assert len(mails(session)) == 1
