"""A person's own settings: the language of pages and e-mails, the calendar feeds' secret."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from booking.errors import BadRequest
from booking.models import User
from booking.models.people import LANGUAGES
from booking.services import audit
from booking.services.people import new_feed_token


@dataclass(frozen=True)
class FeedLinks:
    """The personal calendar feed: an https (or http) URL and the same as webcal://."""

    ical_url: str
    webcal_url: str


def feed_links(user: User, base_url: str) -> FeedLinks:
    """The user's secret feed URLs on the campus's base URL."""
    ical = f"{base_url.rstrip('/')}/ical/{user.feed_token}/me.ics"
    return FeedLinks(ical_url=ical, webcal_url="webcal://" + ical.split("://", 1)[1])


def set_language(session: Session, user: User, language: str) -> User:
    """The language of the person's pages and e-mails (nl or en)."""
    if language not in LANGUAGES:
        raise BadRequest(
            f"language must be one of {', '.join(LANGUAGES)}.",
            details={"fields": {"language": "choice"}},
        )
    user.language = language
    session.flush()
    audit.record(session, user, "user.language", "user", user.id, language=language)
    return user


def rotate_feed_token(session: Session, user: User) -> User:
    """A new feed secret: the old feed URLs stop working at once."""
    user.feed_token = new_feed_token()
    session.flush()
    audit.record(session, user, "user.feed_token", "user", user.id)
    return user
