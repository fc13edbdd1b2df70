"""E-mails people get: rows in the outbox, written in the same transaction as the change they
tell about (so that a change and its e-mail commit together or not at all); `booking send-mail`
sends them (services/mail.py).

Booking e-mails (API.md section 5) carry the booking, or its whole series, as an .ics
attachment made by services/feeds.py: METHOD:REQUEST for pending, confirmed, approved and
changed bookings, METHOD:CANCEL for cancelled and rejected ones, with the feeds' own UID and
SEQUENCE, so that the attachment and a subscribed feed update one calendar event. An action on
several occurrences of one series (a series booked, cancelled or approved at once) is one
e-mail, not one per occurrence. Texts are in the recipient's language (nl or en); dates are
dd/mm/yyyy with 24-hour times in campus time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from booking.errors import Forbidden
from booking.models import Booking, OutboxMessage, User
from booking.services import catalog as catalog_service
from booking.services import paging
from booking.services.feeds import FeedSettings, booking_calendar

__all__ = [
    "MailSettings",
    "booked",
    "booking_changed",
    "bookings_cancelled",
    "bookings_decided",
    "bookings_expired",
    "invitation",
    "outbox",
    "password_reset",
]

MailSettings = FeedSettings

SUBJECT_MAX = 300

# Per kind: (subject, first line of the body), with {title} and {when} filled in.
_BOOKING_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "pending": {
        "nl": (
            "Aangevraagd: {title}, {when}",
            "Je aanvraag is ontvangen. De campusbeheerder keurt ze goed of wijst ze af; "
            "tot dan houden we het tijdslot voor je vrij.",
        ),
        "en": (
            "Requested: {title}, {when}",
            "Your request has been received. The campus manager will approve or reject it; "
            "until then the time is held for you.",
        ),
    },
    "confirmed": {
        "nl": ("Bevestigd: {title}, {when}", "Je boeking is bevestigd."),
        "en": ("Confirmed: {title}, {when}", "Your booking is confirmed."),
    },
    "approved": {
        "nl": ("Goedgekeurd: {title}, {when}", "De campusbeheerder heeft je boeking goedgekeurd."),
        "en": ("Approved: {title}, {when}", "The campus manager approved your booking."),
    },
    "rejected": {
        "nl": ("Afgewezen: {title}, {when}", "Je aanvraag is afgewezen."),
        "en": ("Rejected: {title}, {when}", "Your request was rejected."),
    },
    "expired": {
        "nl": (
            "Afgewezen: {title}, {when}",
            "Je aanvraag is afgewezen: ze werd niet beoordeeld voor het begin.",
        ),
        "en": (
            "Rejected: {title}, {when}",
            "Your request was rejected: it was not decided before it would have started.",
        ),
    },
    "changed": {
        "nl": ("Gewijzigd: {title}, {when}", "Je boeking is gewijzigd."),
        "en": ("Changed: {title}, {when}", "Your booking has been changed."),
    },
    "cancelled": {
        "nl": ("Geannuleerd: {title}, {when}", "Je boeking is geannuleerd."),
        "en": ("Cancelled: {title}, {when}", "Your booking has been cancelled."),
    },
    "to_approve": {
        "nl": (
            "Goed te keuren: {title}, {when}",
            "{booker} vraagt een boeking aan die je goedkeuring nodig heeft.",
        ),
        "en": (
            "To approve: {title}, {when}",
            "{booker} asks for a booking that needs your approval.",
        ),
    },
}

_CANCEL_KINDS = {"rejected", "expired", "cancelled"}

_LABELS = {
    "nl": {
        "space": "Ruimte",
        "when": "Wanneer",
        "status": "Status",
        "reason": "Reden",
        "booker": "Aangevraagd door",
        "open": "Bekijk de boeking",
        "approvals": "Openstaande aanvragen",
        "series": "reeks van {count}, eerste op {when}",
        "several": "{count} keer, eerste op {when}",
        "footer": "Dit bericht is automatisch verzonden door Campus Booking.",
    },
    "en": {
        "space": "Space",
        "when": "When",
        "status": "Status",
        "reason": "Reason",
        "booker": "Requested by",
        "open": "See the booking",
        "approvals": "Pending requests",
        "series": "series of {count}, first on {when}",
        "several": "{count} occurrences, first on {when}",
        "footer": "This message was sent automatically by Campus Booking.",
    },
}

_STATUS = {
    "nl": {
        "pending": "in afwachting van goedkeuring",
        "confirmed": "bevestigd",
        "rejected": "afgewezen",
        "cancelled": "geannuleerd",
    },
    "en": {
        "pending": "waiting for approval",
        "confirmed": "confirmed",
        "rejected": "rejected",
        "cancelled": "cancelled",
    },
}


def _settings(settings: MailSettings | None) -> MailSettings:
    if settings is not None:
        return settings
    # Inside the Flask app (requests, CLI): the campus zone and public URL from its settings.
    from flask import current_app

    return FeedSettings(
        tz=ZoneInfo(str(current_app.config["BOOKING_TIMEZONE"])),
        base_url=str(current_app.config["BOOKING_BASE_URL"]),
        organizer=str(current_app.config["MAIL_FROM"]),
    )


def _language(user: User) -> str:
    return user.language if user.language in _LABELS else "nl"


def reachable(user: User) -> bool:
    """Whether e-mail to this person can go anywhere (an anonymised person has no address)."""
    return user.anonymised_at is None and not user.email.endswith("@invalid")


def format_time(moment: datetime, tz: ZoneInfo) -> str:
    """dd/mm/yyyy HH:MM in campus time."""
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def format_span(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """`02/12/2026 14:00–15:00`, or both dates when it crosses midnight."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    if local_start.date() == local_end.date():
        return f"{format_time(start, tz)}–{local_end.strftime('%H:%M')}"
    return f"{format_time(start, tz)} – {format_time(end, tz)}"


@dataclass(frozen=True)
class _Group:
    """What one e-mail is about: one booking, or occurrences of one series."""

    first: Booking
    bookings: tuple[Booking, ...]
    whole_series: bool


def _groups(bookings: Iterable[Booking], *, whole_series: bool) -> list[_Group]:
    by_key: dict[tuple[str, int], list[Booking]] = {}
    for booking in bookings:
        key = ("s", booking.series_id) if booking.series_id is not None else ("b", booking.id)
        by_key.setdefault(key, []).append(booking)
    groups = []
    for members in by_key.values():
        members.sort(key=lambda b: (b.start, b.id))
        series = whole_series and members[0].series_id is not None
        groups.append(_Group(first=members[0], bookings=tuple(members), whole_series=series))
    groups.sort(key=lambda g: (g.first.start, g.first.id))
    return groups


def _when(group: _Group, language: str, tz: ZoneInfo) -> str:
    span = format_span(group.first.start, group.first.end, tz)
    count = len(group.bookings)
    if count == 1:
        return span
    label = "series" if group.whole_series else "several"
    return _LABELS[language][label].format(count=count, when=span)


def _compose(
    session: Session,
    kind: str,
    recipient: User,
    group: _Group,
    settings: MailSettings,
    reason: str | None,
) -> tuple[str, str]:
    language = _language(recipient)
    booking = group.first
    labels = _LABELS[language]
    when = _when(group, language, settings.tz)
    subject_text, lead = _BOOKING_TEXTS[kind][language]
    title = booking.title
    subject = subject_text.format(title=title, when=when)
    # The catalog is already read in this transaction (for the .ics): no space row to load.
    # (The catalog holds every space, retired ones included.)
    view = catalog_service.load(session).by_id[booking.space_id]
    place = f"{view.name} ({view.code}), {view.building_name}"
    lines = [
        f"{recipient.name},",
        "",
        lead.format(booker=booking.user.name),
        "",
        title,
        f"{labels['space']}: {place}",
        f"{labels['when']}: {when}",
        f"{labels['status']}: {_STATUS[language].get(booking.status, booking.status)}",
    ]
    if kind == "to_approve":
        tenant = f" ({booking.tenant.name})" if booking.tenant is not None else ""
        lines.append(f"{labels['booker']}: {booking.user.name}{tenant}")
    if reason:
        lines.append(f"{labels['reason']}: {reason}")
    lines.append("")
    if kind == "to_approve":
        lines.append(f"{labels['approvals']}: {settings.base_url}/approvals")
    lines.append(f"{labels['open']}: {settings.base_url}/bookings/{booking.id}")
    lines += ["", "-- ", labels["footer"], ""]
    return subject[:SUBJECT_MAX], "\n".join(lines)


def _queue(
    session: Session,
    recipient: User,
    subject: str,
    body: str,
    *,
    ics: str | None = None,
    booking_id: int | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        to=recipient.email,
        subject=subject,
        body=body,
        language=_language(recipient),
        ics=ics,
        booking_id=booking_id,
    )
    session.add(message)
    return message


def _send_about(
    session: Session,
    kind: str,
    groups: Sequence[_Group],
    settings: MailSettings,
    *,
    reason: str | None = None,
    managers: bool = False,
    new: Sequence[Booking] | None = None,
) -> None:
    """Queue the booker's e-mail of `kind` for each group (and the managers' `to_approve`).
    ``new``: bookings just created, every one of their series: the calendars are built from
    them instead of being read back."""
    staff = _managers(session) if managers else []
    for group in groups:
        method = "CANCEL" if kind in _CANCEL_KINDS else "REQUEST"
        booking = group.first
        every = None
        if new is not None:
            every = [b for b in new if b.series_id == booking.series_id and b.series_id is not None]
            every = every or [booking]
        ics = booking_calendar(
            session, booking, method=method, settings=settings, every=every
        ).decode()
        booker = booking.user
        if reachable(booker):
            subject, body = _compose(session, kind, booker, group, settings, reason)
            _queue(session, booker, subject, body, ics=ics, booking_id=booking.id)
        for manager in staff:
            if manager.id == booker.id:
                continue
            subject, body = _compose(session, "to_approve", manager, group, settings, None)
            _queue(session, manager, subject, body, ics=ics, booking_id=booking.id)
    session.flush()


def _managers(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.role == "manager", User.active.is_(True), User.anonymised_at.is_(None))
            .order_by(User.id)
        )
    )


def booked(
    session: Session, bookings: Sequence[Booking], *, settings: MailSettings | None = None
) -> None:
    """New bookings (one, or a series' occurrences): "confirmed" or "pending" to the booker;
    a pending one also to every manager, who must decide."""
    if not bookings:
        return
    pending = [b for b in bookings if b.status == "pending"]
    confirmed = [b for b in bookings if b.status == "confirmed"]
    ready = _settings(settings)
    if confirmed:
        _send_about(
            session, "confirmed", _groups(confirmed, whole_series=True), ready, new=bookings
        )
    if pending:
        _send_about(
            session,
            "pending",
            _groups(pending, whole_series=True),
            ready,
            managers=True,
            new=bookings,
        )


def booking_changed(
    session: Session,
    booking: Booking,
    *,
    previous_status: str,
    settings: MailSettings | None = None,
) -> None:
    """A booking's time, space or text changed: "changed" to the booker with the new REQUEST
    (higher SEQUENCE); a booking moved into a space that needs approval is pending again, and
    the managers hear of it."""
    newly_pending = booking.status == "pending" and previous_status != "pending"
    _send_about(
        session,
        "changed",
        _groups([booking], whole_series=False),
        _settings(settings),
        managers=newly_pending,
    )


def bookings_cancelled(
    session: Session,
    bookings: Sequence[Booking],
    *,
    reason: str | None = None,
    settings: MailSettings | None = None,
) -> None:
    """Cancelled bookings: "cancelled" to each booker with METHOD:CANCEL."""
    if bookings:
        _send_about(
            session,
            "cancelled",
            _groups(bookings, whole_series=False),
            _settings(settings),
            reason=reason,
        )


def bookings_decided(
    session: Session,
    bookings: Sequence[Booking],
    *,
    approved: bool,
    reason: str | None,
    settings: MailSettings | None = None,
) -> None:
    """The manager's decision: "approved" (REQUEST, now confirmed) or "rejected" with the
    reason (CANCEL)."""
    if bookings:
        _send_about(
            session,
            "approved" if approved else "rejected",
            _groups(bookings, whole_series=False),
            _settings(settings),
            reason=reason,
        )


def bookings_expired(
    session: Session, bookings: Sequence[Booking], *, settings: MailSettings | None = None
) -> None:
    """Pending bookings nobody decided before their start: rejected, with METHOD:CANCEL."""
    if bookings:
        _send_about(session, "expired", _groups(bookings, whole_series=False), _settings(settings))


_ACCOUNT_TEXTS = {
    "invitation": {
        "nl": (
            "Je account voor Campus Booking",
            "{inviter} heeft een account voor je gemaakt in Campus Booking, waarmee je "
            "vergaderzalen, labs en andere ruimtes van de campus boekt.\n\n"
            "Kies je wachtwoord via deze link (geldig tot {until}):\n{link}",
        ),
        "en": (
            "Your Campus Booking account",
            "{inviter} has made you an account in Campus Booking, where you book meeting "
            "rooms, labs and other spaces of the campus.\n\n"
            "Choose your password through this link (valid until {until}):\n{link}",
        ),
    },
    "reset": {
        "nl": (
            "Nieuw wachtwoord voor Campus Booking",
            "Iemand (hopelijk jij) vroeg een nieuw wachtwoord aan voor dit account.\n\n"
            "Kies een nieuw wachtwoord via deze link (geldig tot {until}, één keer):\n{link}\n\n"
            "Heb je dit niet gevraagd? Dan hoef je niets te doen.",
        ),
        "en": (
            "New password for Campus Booking",
            "Someone (hopefully you) asked for a new password for this account.\n\n"
            "Choose a new password through this link (valid until {until}, once):\n{link}\n\n"
            "Did you not ask for this? Then there is nothing to do.",
        ),
    },
}


def _account_mail(
    session: Session,
    kind: str,
    user: User,
    link: str,
    until: datetime,
    tz: ZoneInfo,
    inviter: str,
) -> OutboxMessage:
    language = _language(user)
    subject, text = _ACCOUNT_TEXTS[kind][language]
    body = "\n".join(
        [
            f"{user.name},",
            "",
            text.format(link=link, until=format_time(until, tz), inviter=inviter),
            "",
            "-- ",
            _LABELS[language]["footer"],
            "",
        ]
    )
    message = _queue(session, user, subject, body)
    session.flush()
    return message


def invitation(
    session: Session,
    user: User,
    *,
    link: str,
    until: datetime,
    inviter: User | None,
    settings: MailSettings | None = None,
) -> OutboxMessage:
    """A new account without a password: the link where the person chooses one."""
    name = inviter.name if inviter is not None else "Campus Booking"
    return _account_mail(session, "invitation", user, link, until, _settings(settings).tz, name)


def password_reset(
    session: Session,
    user: User,
    *,
    link: str,
    until: datetime,
    settings: MailSettings | None = None,
) -> OutboxMessage:
    """The link where the person chooses a new password."""
    return _account_mail(session, "reset", user, link, until, _settings(settings).tz, "")


def outbox(
    session: Session, actor: User, *, to: str | None, limit: int, cursor: str | None
) -> tuple[list[OutboxMessage], str | None]:
    """Recent e-mails for the manager, newest first, one page at a time."""
    if actor.role != "manager":
        raise Forbidden("Only the campus manager reads the outbox.")
    query = select(OutboxMessage)
    if to:
        query = query.where(OutboxMessage.to == to.strip().lower())
    if cursor:
        before, before_id = paging.decode_time_id(cursor)
        query = query.where(
            or_(
                OutboxMessage.created_at < before,
                and_(OutboxMessage.created_at == before, OutboxMessage.id < before_id),
            )
        )
    order = (OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    rows = list(session.scalars(query.order_by(*order).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = paging.encode_time_id(last.created_at, last.id)
    return rows[:limit], next_cursor
