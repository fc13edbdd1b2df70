"""Signing in: passwords and API tokens (stored as SHA-256, expiring, revocable)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.errors import Unauthenticated
from booking.models import ApiToken, User
from booking.services.people import check_password, find_user

TOKEN_LIFETIME = timedelta(days=30)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(session: Session, email: str, password: str) -> User:
    """The active user with this e-mail and password, or Unauthenticated."""
    user = find_user(session, email)
    if user is None or not user.active or not check_password(user, password):
        raise Unauthenticated("Wrong e-mail address or password.")
    return user


def issue_token(session: Session, user: User) -> tuple[str, ApiToken]:
    """A new bearer token for the user; only its digest is kept."""
    token = secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user.id,
        token_hash=_digest(token),
        expires_at=datetime.now(UTC) + TOKEN_LIFETIME,
    )
    session.add(record)
    session.flush()
    return token, record


def resolve_token(session: Session, token: str) -> tuple[User, ApiToken] | None:
    """The user of a live token, or None (unknown, expired, revoked, user deactivated)."""
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if record is None or record.revoked_at is not None:
        return None
    if record.expires_at <= datetime.now(UTC) or not record.user.active:
        return None
    return record.user, record


def revoke(session: Session, record: ApiToken) -> None:
    record.revoked_at = datetime.now(UTC)
    session.flush()
