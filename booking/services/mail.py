"""Sending the outbox over SMTP (`booking send-mail`, run from cron).

Each message is sent in a transaction of its own: its row is locked (PostgreSQL: FOR UPDATE
SKIP LOCKED, so that two runs at once never send one message twice; SQLite's writers are
serialized anyway), sent, marked with sent_at and committed (by the caller's `commit`) before
the next, so that a run that stops half-way sends nothing twice when it runs again.
"""

from __future__ import annotations

import email.utils
import logging
import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.models import OutboxMessage

log = logging.getLogger(__name__)

_METHOD = re.compile(r"^METHOD:(\w+)\r?$", re.MULTILINE)


@dataclass(frozen=True)
class SmtpSettings:
    server: str
    port: int
    sender: str
    timeout: float = 30.0


@dataclass
class SendReport:
    sent: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)


def calendar_method(ics: str) -> str:
    """The METHOD of an iCalendar text (REQUEST, CANCEL), or PUBLISH when it has none."""
    found = _METHOD.search(ics)
    return found.group(1).upper() if found else "PUBLISH"


def compose(message: OutboxMessage, sender: str) -> EmailMessage:
    """The outbox row as an e-mail: a plain-text body, and the booking as an .ics attachment
    (text/calendar with its METHOD, as calendar clients expect of an invitation)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = email.utils.format_datetime(datetime.now(UTC))
    domain = sender.rpartition("@")[2] or "campus-booking"
    mail["Message-ID"] = email.utils.make_msgid(idstring=f"outbox-{message.id}", domain=domain)
    mail.set_content(message.body)
    if message.ics:
        method = calendar_method(message.ics)
        mail.add_attachment(
            message.ics.encode(),
            maintype="text",
            subtype="calendar",
            filename="cancel.ics" if method == "CANCEL" else "invite.ics",
            params={"method": method, "charset": "utf-8"},
        )
    # Last: setting the content (and adding a part) moves Content-* headers into the parts.
    mail["Content-Language"] = message.language
    return mail


def _next_unsent(session: Session, after_id: int) -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.id > after_id)
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalar(query)


def send_outbox(
    session: Session,
    settings: SmtpSettings,
    *,
    commit: Callable[[], None],
    limit: int | None = None,
) -> SendReport:
    """Send unsent outbox rows, oldest first, marking each sent_at and calling `commit` after
    each (the caller's transaction control: services do not commit on their own).

    A message the server refuses stays unsent (it is tried again on the next run) and is
    listed in the report; a connection that fails raises OSError or smtplib.SMTPException.
    """
    report = SendReport()
    last_id = 0
    with smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout) as smtp:
        while limit is None or report.sent + len(report.failed) < limit:
            message = _next_unsent(session, last_id)
            if message is None:
                break
            last_id = message.id
            try:
                smtp.send_message(compose(message, settings.sender))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as err:
                log.warning("outbox %s to %s refused: %s", message.id, message.to, err)
                report.failed.append((message.id, str(err)))
            else:
                message.sent_at = datetime.now(UTC)
                report.sent += 1
            commit()
    commit()
    return report
