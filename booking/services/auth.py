"""Signing in: passwords, browser sessions, API tokens (stored as SHA-256, expiring, revocable)
and the e-mailed links that set a password (invitations and resets).

Sign-in, tokens and links keep the real clock (API.md section 1: BOOKING_NOW fixes only the
booking rules' "now").
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from booking.errors import BadRequest, Unauthenticated
from booking.models import ApiToken, User
from booking.services import audit

TOKEN_LIFETIME = timedelta(days=30)
MIN_PASSWORD = 8
MAX_PASSWORD = 1000
# How long an e-mailed link to set a password works.
RESET_LIFETIME = timedelta(hours=2)
INVITATION_LIFETIME = timedelta(days=7)
_LINK_SALT = "booking.password-link"
_LINK_PURPOSES = {"reset": RESET_LIFETIME, "invitation": INVITATION_LIFETIME}
# Ids are 32-bit integer columns.
_MAX_ID = 2**31 - 1


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user(session: Session, email: str) -> User | None:
    """The user with this e-mail address (addresses are kept in lower case). Text that
    cannot be an address (control characters, which PostgreSQL refuses in a query, or too
    long) finds nobody."""
    email = email.strip().lower()
    if len(email) > 254 or any(ord(c) < 32 for c in email):
        return None
    return session.scalar(select(User).where(User.email == email))


def check_password(user: User, password: str) -> bool:
    return bool(user.password_hash) and check_password_hash(user.password_hash or "", password)


def check_new_password(password: str) -> None:
    """BadRequest naming `password` when it is too short or too long."""
    if len(password) < MIN_PASSWORD:
        raise BadRequest(
            f"A password needs at least {MIN_PASSWORD} characters.",
            details={"fields": {"password": "too_short"}},
        )
    if len(password) > MAX_PASSWORD:
        raise BadRequest(
            f"A password has at most {MAX_PASSWORD} characters.",
            details={"fields": {"password": "too_long"}},
        )


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
    if len(token) > 200:
        return None
    # One statement for the token, its user, tenant and qualifications (every API request
    # pays it; the relationships' own loading would add a second round trip).
    record = (
        session.scalars(
            select(ApiToken)
            .options(joinedload(ApiToken.user).joinedload(User.qualifications))
            .where(ApiToken.token_hash == _digest(token))
        )
        .unique()
        .one_or_none()
    )
    if record is None or record.revoked_at is not None:
        return None
    if record.expires_at <= datetime.now(UTC) or not record.user.active:
        return None
    return record.user, record


def revoke(session: Session, record: ApiToken) -> None:
    record.revoked_at = datetime.now(UTC)
    session.flush()


def revoke_all(session: Session, user: User) -> int:
    """Revoke every live token of the user at once; how many."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def end_sessions(session: Session, user: User) -> None:
    """End every browser session and API token of the user at once: sessions carry the
    user's session_version (User.get_id), which no longer matches."""
    user.session_version += 1
    revoke_all(session, user)


def user_for_session(session: Session, session_id: str) -> User | None:
    """The user of a browser session ("id:session_version"), or None when that session has
    ended (deactivated, password changed, anonymised) or the value is not one of ours."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 10 or len(version) > 10:
        return None
    number = int(user_id)
    if not 0 < number <= _MAX_ID:
        return None
    user = session.get(User, number, options=[joinedload(User.qualifications)])
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """A new password: hashed (scrypt), and every other session and token of the user ends."""
    check_new_password(password)
    user.password_hash = generate_password_hash(password)
    end_sessions(session, user)
    session.flush()
    audit.record(session, user, "user.password", "user", user.id)


# ---------------------------------------------------------------------------------------------
# E-mailed links that set a password


@dataclass(frozen=True)
class LinkSettings:
    """What making an e-mailed link needs from the outer layer: the app's secret key, the
    public base URL and the real clock's now."""

    secret: str
    base_url: str
    now: datetime

    @classmethod
    def of_app(cls) -> LinkSettings:
        """From the running Flask app's settings (requests, CLI), with the real clock."""
        from flask import current_app

        return cls(
            secret=str(current_app.config["SECRET_KEY"]),
            base_url=str(current_app.config["BOOKING_BASE_URL"]),
            now=datetime.now(UTC),
        )


@dataclass(frozen=True)
class PasswordLink:
    token: str
    expires_at: datetime


def _fingerprint(user: User) -> str:
    # The link works only while the password (hash) and session version are what they were
    # when it was made: setting a password uses it up, deactivation ends it. Only a digest
    # goes into the (signed, not encrypted) token, never the hash itself.
    material = f"{user.password_hash or ''}:{user.session_version}:{user.email}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_LINK_SALT)


def password_link(user: User, secret: str, *, purpose: str, now: datetime) -> PasswordLink:
    """A signed token for /reset/{token}: "invitation" (7 days) or "reset" (2 hours)."""
    lifetime = _LINK_PURPOSES[purpose]
    token = _serializer(secret).dumps({"u": user.id, "f": _fingerprint(user), "p": purpose})
    return PasswordLink(token=str(token), expires_at=now + lifetime)


def user_for_password_link(
    session: Session, token: str, secret: str, *, now: datetime
) -> User | None:
    """The person a /reset link is for, or None when it is forged, expired or used up."""
    if len(token) > 500:
        return None
    try:
        payload, signed_at = _serializer(secret).loads(token, return_timestamp=True)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    data: dict[str, Any] = payload
    lifetime = _LINK_PURPOSES.get(str(data.get("p")))
    user_id = data.get("u")
    if lifetime is None or type(user_id) is not int or not 0 < user_id <= _MAX_ID:
        return None
    if now - signed_at.astimezone(UTC) > lifetime:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user


def request_password_reset(session: Session, email: str, links: LinkSettings) -> bool:
    """E-mail a reset link (2 hours, once) to the active person with this address; whether
    one was sent. The caller answers the same either way, so that the form does not tell
    who has an account."""
    from booking.services import notifications  # notifications -> feeds -> people -> auth

    user = find_user(session, email)
    if user is None or not user.active or not notifications.reachable(user):
        return False
    link = password_link(user, links.secret, purpose="reset", now=links.now)
    notifications.password_reset(
        session, user, link=f"{links.base_url}/reset/{link.token}", until=link.expires_at
    )
    audit.record(session, None, "user.reset_requested", "user", user.id)
    return True
