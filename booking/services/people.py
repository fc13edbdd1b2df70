"""Tenants, users and qualifications."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from booking.errors import BadRequest, Conflict, Forbidden, NotFound
from booking.models import (
    ROLES,
    ApiToken,
    Booking,
    QualificationGrant,
    Series,
    Tenant,
    User,
)
from booking.services import audit

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
QUALIFICATION_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VAT_RE = re.compile(r"^BE0?\d{9}$")
MIN_PASSWORD = 8


def new_feed_token() -> str:
    """A fresh secret for a person's calendar feed URLs."""
    return secrets.token_urlsafe(24)


def normalise_vat(vat: str | None) -> str | None:
    """A Belgian VAT number as BE + 10 digits; BadRequest when it is not one."""
    if vat is None or not vat.strip():
        return None
    compact = re.sub(r"[\s.]", "", vat).upper()
    if not VAT_RE.match(compact):
        raise BadRequest(
            f"{vat!r} is not a Belgian VAT number (BE0123456789).",
            details={"fields": {"vat_number": "format"}},
        )
    digits = compact[2:].rjust(10, "0")
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        raise BadRequest(
            f"{vat!r} is not a valid Belgian VAT number (its check digits do not match).",
            details={"fields": {"vat_number": "checksum"}},
        )
    return "BE" + digits


def create_tenant(
    session: Session,
    actor: User | None,
    *,
    name: str,
    vat_number: str | None = None,
    free_hours_month: Any = None,
) -> Tenant:
    """A new tenant company; names are unique."""
    name = name.strip()
    if not name:
        raise BadRequest("A tenant needs a name.", details={"fields": {"name": "required"}})
    if session.scalar(select(Tenant.id).where(func.lower(Tenant.name) == name.lower())):
        raise Conflict(f"There is already a tenant called {name!r}.")
    tenant = Tenant(name=name, vat_number=normalise_vat(vat_number))
    if free_hours_month is not None:
        tenant.free_hours_month = free_hours_month
    session.add(tenant)
    session.flush()
    audit.record(session, actor, "tenant.create", "tenant", tenant.id, name=name)
    return tenant


def get_tenant(session: Session, tenant_id: int) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"There is no tenant {tenant_id}.")
    return tenant


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def user_by_email(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise NotFound(f"There is no user with e-mail {email}.")
    return user


def create_user(
    session: Session,
    actor: User | None,
    *,
    email: str,
    name: str,
    role: str,
    tenant_id: int | None = None,
    password: str | None = None,
    language: str = "nl",
) -> User:
    """A new user. Members and tenant admins belong to a tenant; a manager may have none."""
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise BadRequest(
            f"{email!r} is not an e-mail address.", details={"fields": {"email": "format"}}
        )
    if role not in ROLES:
        raise BadRequest(f"Unknown role {role!r}.", details={"fields": {"role": "choice"}})
    if not name.strip():
        raise BadRequest("A user needs a name.", details={"fields": {"name": "required"}})
    if actor is not None and actor.role == "tenant_admin":
        if role == "manager":
            raise Forbidden("A tenant admin cannot make a manager.")
        tenant_id = actor.tenant_id
    if tenant_id is not None:
        get_tenant(session, tenant_id)
    elif role != "manager":
        raise BadRequest(
            "Members and tenant admins belong to a tenant: give --tenant.",
            details={"fields": {"tenant_id": "required"}},
        )
    if find_user(session, email) is not None:
        raise Conflict(f"There is already a user with e-mail {email}.")
    if password is not None and len(password) < MIN_PASSWORD:
        raise BadRequest(
            f"A password needs at least {MIN_PASSWORD} characters.",
            details={"fields": {"password": "too_short"}},
        )
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        tenant_id=tenant_id,
        password_hash=generate_password_hash(password) if password else None,
        language=language,
        feed_token=new_feed_token(),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", user.id, email=email, role=role)
    return user


def check_password(user: User, password: str) -> bool:
    return bool(user.password_hash) and check_password_hash(user.password_hash or "", password)


def grant_qualification(
    session: Session,
    actor: User | None,
    *,
    email: str | None = None,
    user: User | None = None,
    code: str,
    expires: date | None = None,
) -> QualificationGrant:
    """Grant (or renew) a qualification; codes are lowercase slugs like cleanroom-gowning."""
    holder = user or user_by_email(session, email or "")
    code = code.strip()
    if not QUALIFICATION_RE.match(code):
        raise BadRequest(
            f"{code!r} is not a qualification code (a lowercase slug like cleanroom-gowning).",
            details={"fields": {"code": "format"}},
        )
    grant = next((g for g in holder.qualifications if g.code == code), None)
    if grant is None:
        grant = QualificationGrant(user=holder, code=code)
        holder.qualifications.append(grant)
    grant.expires = expires
    grant.granted_by_id = actor.id if actor else None
    session.flush()
    audit.record(
        session,
        actor,
        "qualification.grant",
        "user",
        holder.id,
        code=code,
        expires=expires.isoformat() if expires else None,
    )
    return grant


def revoke_qualification(
    session: Session,
    actor: User | None,
    *,
    email: str | None = None,
    user: User | None = None,
    code: str,
) -> None:
    holder = user or user_by_email(session, email or "")
    grant = next((g for g in holder.qualifications if g.code == code), None)
    if grant is None:
        raise NotFound(f"{holder.email} does not hold {code}.")
    holder.qualifications.remove(grant)
    session.flush()
    audit.record(session, actor, "qualification.revoke", "user", holder.id, code=code)


def holds_qualification(user: User, code: str, on: date) -> bool:
    """Whether the user holds `code` on the day `on` (the expiry day itself still counts)."""
    return any(
        g.code == code and (g.expires is None or g.expires >= on) for g in user.qualifications
    )


def export_user(session: Session, *, email: str) -> dict[str, Any]:
    """Everything the campus holds about a person (GDPR access request)."""
    user = user_by_email(session, email)
    bookings = session.scalars(
        select(Booking).where(Booking.user_id == user.id).order_by(Booking.start)
    ).all()
    return {
        "user": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "tenant": user.tenant.name if user.tenant else None,
            "language": user.language,
            "active": user.active,
            "created_at": user.created_at.isoformat(),
        },
        "qualifications": [
            {"code": g.code, "expires": g.expires.isoformat() if g.expires else None}
            for g in user.qualifications
        ],
        "bookings": [
            {
                "id": b.id,
                "space": b.space.code,
                "title": b.title,
                "notes": b.notes,
                "start": b.start.isoformat(),
                "end": b.end.isoformat(),
                "status": b.status,
                "created_at": b.created_at.isoformat(),
            }
            for b in bookings
        ],
    }


def anonymise_user(session: Session, actor: User | None, *, email: str) -> User:
    """Remove the person; their bookings stay (for the numbers) without name, title or notes."""
    user = user_by_email(session, email)
    user.email = f"anonymised-{user.id}@invalid"
    user.name = "—"
    user.password_hash = None
    user.active = False
    user.feed_token = new_feed_token()
    user.session_version += 1
    user.anonymised_at = datetime.now(UTC)
    user.qualifications.clear()
    for booking in session.scalars(select(Booking).where(Booking.user_id == user.id)):
        booking.title = "—"
        booking.notes = ""
    for series in session.scalars(select(Series).where(Series.user_id == user.id)):
        series.title = "—"
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        session.delete(token)
    session.flush()
    audit.record(session, actor, "user.anonymise", "user", user.id)
    return user
