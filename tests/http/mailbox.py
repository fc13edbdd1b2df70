"""Reading the outbox in tests: the e-mails as rows, their .ics parsed with icalendar."""

from __future__ import annotations

from typing import Any

import icalendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.models import OutboxMessage


def mails(session: Session, to: str | None = None) -> list[OutboxMessage]:
    """The outbox as the database holds it now, oldest first (ends the test's transaction)."""
    session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.to == to)
    rows = list(session.scalars(query))
    session.commit()
    return rows


def calendar(ics: str | bytes | None) -> Any:
    """The attachment parsed by icalendar (the library calendar clients' code resembles)."""
    assert ics, "the e-mail has no .ics attachment"
    return icalendar.Calendar.from_ical(ics)


def events(ics: str | bytes | None) -> list[Any]:
    return list(calendar(ics).walk("VEVENT"))


def method(ics: str | bytes | None) -> str:
    return str(calendar(ics)["METHOD"])
