"""Tenants, users and qualifications: who may do what (API.md section 2).

- A manager sees and changes every tenant and user, and alone grants qualifications.
- A tenant admin reads its own tenant and manages its members: invites them (an e-mailed link
  to choose a password), changes them, removes them (deactivation); it never makes a manager
  and does not see other tenants' people (404, as for anything one may not see).
- A member reads itself and changes its own name and language.

Deactivation ends sign-in, browser sessions and API tokens at once and cancels the person's
future bookings, with the usual e-mails. The GDPR pair: export_user (everything about a person)
and anonymise_user (remove the person, keep the bookings' numbers).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session, contains_eager
from werkzeug.security import generate_password_hash

from booking.errors import BadRequest, Conflict, Forbidden, NotFound
from booking.models import (
    LANGUAGES,
    ROLES,
    ApiToken,
    AuditEntry,
    Booking,
    OutboxMessage,
    QualificationGrant,
    Series,
    Space,
    Tenant,
    User,
)
from booking.services import audit, paging
from booking.services.auth import (
    MIN_PASSWORD,
    LinkSettings,
    check_new_password,
    end_sessions,
    find_user,
    password_link,
)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
QUALIFICATION_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VAT_RE = re.compile(r"^BE0?\d{9}$")
MAX_FREE_HOURS = Decimal("999999.99")
ACTIVE = ("pending", "confirmed")

__all__ = [
    "MIN_PASSWORD",
    "TenantChange",
    "UserChange",
    "anonymise_user",
    "create_tenant",
    "create_user",
    "export_user",
    "get_tenant",
    "get_user",
    "grant_qualification",
    "holds_qualification",
    "invite",
    "list_grants",
    "list_tenants",
    "list_users",
    "qualification_codes",
    "revoke_qualification",
    "update_tenant",
    "update_user",
]


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 for c in text)


def new_feed_token() -> str:
    """A fresh secret for a person's calendar feed URLs."""
    return secrets.token_urlsafe(24)


# ---------------------------------------------------------------------------------------------
# Who sees and manages whom


def is_manager(actor: User | None) -> bool:
    """The campus manager, or the command line (actor None), which may do everything."""
    return actor is None or actor.role == "manager"


def sees_user(actor: User | None, user: User) -> bool:
    """Manager: everyone; tenant admin: its tenant's people; everyone: themselves."""
    if is_manager(actor) or actor is None or actor.id == user.id:
        return True
    return (
        actor.role == "tenant_admin"
        and actor.tenant_id is not None
        and user.tenant_id == actor.tenant_id
    )


def manages_user(actor: User | None, user: User) -> bool:
    """Whether the actor may change the user's role, e-mail, activity (not only its own
    name and language): the manager, or the tenant admin of the user's tenant for anyone
    but a manager."""
    if is_manager(actor) or actor is None:
        return True
    return (
        actor.role == "tenant_admin"
        and actor.tenant_id is not None
        and user.tenant_id == actor.tenant_id
        and user.role != "manager"
    )


def sees_tenant(actor: User | None, tenant: Tenant) -> bool:
    if is_manager(actor) or actor is None:
        return True
    return actor.tenant_id == tenant.id


def _require_manager(actor: User | None, message: str) -> None:
    if not is_manager(actor):
        raise Forbidden(message)


# ---------------------------------------------------------------------------------------------
# Tenants


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


def parse_hours(value: Decimal | int | str | None, name: str = "free_hours_month") -> Decimal:
    """Hours as a decimal with at most two decimals, 0 to 999999.99; BadRequest otherwise."""
    if value is None:
        return Decimal("0")
    try:
        hours = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        hours = Decimal("NaN")
    if (
        not hours.is_finite()
        or hours < 0
        or hours > MAX_FREE_HOURS
        or hours != hours.quantize(Decimal("0.01"))
    ):
        raise BadRequest(
            f"{name} must be a number of hours from 0 to {MAX_FREE_HOURS}, "
            "with at most two decimals.",
            details={"fields": {name: "invalid"}},
        )
    return hours.quantize(Decimal("0.01"))


def _tenant_name(session: Session, name: str, *, other_than: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise BadRequest("A tenant needs a name.", details={"fields": {"name": "required"}})
    if len(name) > 200 or _has_control(name):
        raise BadRequest(
            "A tenant's name has at most 200 characters and no control characters.",
            details={"fields": {"name": "invalid"}},
        )
    query = select(Tenant.id).where(func.lower(Tenant.name) == name.lower())
    if other_than is not None:
        query = query.where(Tenant.id != other_than)
    if session.scalar(query):
        raise Conflict(f"There is already a tenant called {name!r}.")
    return name


def create_tenant(
    session: Session,
    actor: User | None,
    *,
    name: str,
    vat_number: str | None = None,
    free_hours_month: Decimal | int | str | None = None,
    address: str | None = None,
) -> Tenant:
    """A new tenant company (the manager); names are unique."""
    _require_manager(actor, "Only the campus manager creates tenants.")
    tenant = Tenant(
        name=_tenant_name(session, name),
        vat_number=normalise_vat(vat_number),
        free_hours_month=parse_hours(free_hours_month),
        address=address,
    )
    session.add(tenant)
    session.flush()
    audit.record(session, actor, "tenant.create", "tenant", tenant.id, name=tenant.name)
    return tenant


def get_tenant(session: Session, actor: User | None, tenant_id: int) -> Tenant:
    """The tenant as the actor may see it (manager: any; others: their own); else NotFound."""
    tenant = session.get(Tenant, tenant_id) if 0 < tenant_id <= paging.MAX_ID else None
    if tenant is None or not sees_tenant(actor, tenant):
        raise NotFound(f"There is no tenant {tenant_id}.")
    if actor is not None and actor.role == "member":
        raise Forbidden("Only the tenant's admin and the campus manager read a tenant.")
    return tenant


def list_tenants(
    session: Session, actor: User, *, limit: int, cursor: str | None
) -> tuple[list[Tenant], str | None]:
    """Every tenant (manager) or one's own (tenant admin), in id order."""
    if actor.role == "member":
        raise Forbidden("Only tenant admins and the campus manager read tenants.")
    query = select(Tenant)
    if actor.role != "manager":
        query = query.where(Tenant.id == actor.tenant_id)
    if cursor:
        query = query.where(Tenant.id > paging.decode_id(cursor))
    rows = list(session.scalars(query.order_by(Tenant.id).limit(limit + 1)))
    next_cursor = paging.encode_id(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


@dataclass(frozen=True)
class TenantChange:
    name: str | None = None
    vat_number: str | None = None
    free_hours_month: Decimal | int | str | None = None
    address: str | None = None
    # The fields the request named (a None there clears vat_number or address).
    fields: frozenset[str] = frozenset()


def update_tenant(
    session: Session, actor: User | None, tenant_id: int, change: TenantChange
) -> Tenant:
    """Change a tenant's name, VAT number, free hours or address (the manager)."""
    tenant = get_tenant(session, actor, tenant_id)
    _require_manager(actor, "Only the campus manager changes tenants.")
    if change.name is not None:
        tenant.name = _tenant_name(session, change.name, other_than=tenant.id)
    if "vat_number" in change.fields:
        tenant.vat_number = normalise_vat(change.vat_number)
    if "free_hours_month" in change.fields:
        tenant.free_hours_month = parse_hours(change.free_hours_month)
    if "address" in change.fields:
        tenant.address = change.address or None
    session.flush()
    audit.record(session, actor, "tenant.change", "tenant", tenant.id, fields=sorted(change.fields))
    return tenant


# ---------------------------------------------------------------------------------------------
# Users


def user_by_email(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise NotFound(f"There is no user with e-mail {email}.")
    return user


def get_user(session: Session, actor: User | None, user_id: int) -> User:
    """The user as the actor may see them; NotFound for one they may not see."""
    user = session.get(User, user_id) if 0 < user_id <= paging.MAX_ID else None
    if user is None or not sees_user(actor, user):
        raise NotFound(f"There is no user {user_id}.")
    return user


def list_users(
    session: Session,
    actor: User,
    *,
    tenant_id: int | None = None,
    role: str | None = None,
    active: bool | None = None,
    search: str | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[list[User], str | None]:
    """Everyone (manager) or the tenant's people (tenant admin), in id order; `search` keeps
    those whose name or e-mail contains it (any case)."""
    if actor.role == "member":
        raise Forbidden("Only tenant admins and the campus manager list people.")
    query = select(User)
    if actor.role != "manager":
        if actor.tenant_id is None:
            return [], None
        query = query.where(User.tenant_id == actor.tenant_id)
    if tenant_id is not None:
        query = query.where(User.tenant_id == tenant_id)
    if role is not None:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.active.is_(active))
    if search and search.strip():
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", search.strip().lower()) + "%"
        query = query.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    if cursor:
        query = query.where(User.id > paging.decode_id(cursor))
    rows = list(session.scalars(query.order_by(User.id).limit(limit + 1)))
    next_cursor = paging.encode_id(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def _email(value: str) -> str:
    email = value.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254 or _has_control(email):
        raise BadRequest(
            f"{value!r} is not an e-mail address.", details={"fields": {"email": "format"}}
        )
    return email


def _check_role(actor: User | None, role: str) -> None:
    if role not in ROLES:
        raise BadRequest(f"Unknown role {role!r}.", details={"fields": {"role": "choice"}})
    if role == "manager" and not is_manager(actor):
        raise Forbidden("Only the campus manager makes a manager.")


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise BadRequest(
            f"Unknown language {language!r} (nl or en).",
            details={"fields": {"language": "choice"}},
        )


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
    invite_with: LinkSettings | None = None,
) -> User:
    """A new user. Members and tenant admins belong to a tenant; a manager may have none.

    A tenant admin creates people of its own tenant only, never a manager. Without a
    password the person has none until they choose one through the link that `invite_with`
    e-mails them.
    """
    email = _email(email)
    if role not in ROLES:
        raise BadRequest(f"Unknown role {role!r}.", details={"fields": {"role": "choice"}})
    _check_language(language)
    if not name.strip():
        raise BadRequest("A user needs a name.", details={"fields": {"name": "required"}})
    if password is not None:
        check_new_password(password)
    if actor is not None and actor.role == "member":
        raise Forbidden("Only tenant admins and the campus manager add people.")
    _check_role(actor, role)
    if actor is not None and actor.role == "tenant_admin":
        if tenant_id is not None and tenant_id != actor.tenant_id:
            raise NotFound(f"There is no tenant {tenant_id}.")
        tenant_id = actor.tenant_id
    if tenant_id is not None:
        get_tenant(session, None, tenant_id)
    elif role != "manager":
        raise BadRequest(
            "Members and tenant admins belong to a tenant: give its id (tenant_id, --tenant).",
            details={"fields": {"tenant_id": "required"}},
        )
    if find_user(session, email) is not None:
        raise Conflict(f"There is already a user with e-mail {email}.")
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
    audit.record(session, actor, "user.create", "user", user.id, role=role, tenant_id=tenant_id)
    if password is None and invite_with is not None:
        invite(session, actor, user, invite_with)
    return user


def invite(session: Session, actor: User | None, user: User, links: LinkSettings) -> None:
    """E-mail the person a link (/reset/{token}, valid 7 days) to choose their password."""
    from booking.services import notifications  # notifications -> feeds -> people

    link = password_link(user, links.secret, purpose="invitation", now=links.now)
    notifications.invitation(
        session,
        user,
        link=f"{links.base_url}/reset/{link.token}",
        until=link.expires_at,
        inviter=actor,
    )
    audit.record(session, actor, "user.invite", "user", user.id)


def invite_again(session: Session, actor: User, user_id: int, links: LinkSettings) -> User:
    """A new invitation for someone who has not chosen a password yet (the first link lasts 7
    days): the manager, or the tenant admin of the person's tenant."""
    user = get_user(session, actor, user_id)
    if not manages_user(actor, user):
        raise Forbidden("Only the campus manager or the tenant's admin can invite this person.")
    if not user.active or user.anonymised_at is not None:
        raise Conflict("This person is deactivated: reactivate them first.")
    if user.password_hash:
        raise Conflict("This person has a password already; they can ask for a new one.")
    invite(session, actor, user, links)
    return user


@dataclass(frozen=True)
class UserChange:
    name: str | None = None
    email: str | None = None
    role: str | None = None
    language: str | None = None
    active: bool | None = None
    tenant_id: int | None = None
    # The fields the request named.
    fields: frozenset[str] = frozenset()


_SELF_SERVICE = frozenset({"name", "language"})


def update_user(
    session: Session, actor: User | None, user_id: int, change: UserChange, *, now: datetime
) -> User:
    """Change a person. Everyone may change their own name and language; the rest (e-mail,
    role, tenant, active) is for the manager, or the tenant admin of the person's tenant
    (never making or changing a manager, never moving someone to another tenant). Nobody
    deactivates or demotes themselves. `now` is booking time: deactivation cancels the
    bookings that start from then on."""
    for name in ("name", "email", "role", "language", "active"):
        if name in change.fields and getattr(change, name) is None:
            raise BadRequest(f"{name} cannot be null.", details={"fields": {name: "null"}})
    user = get_user(session, actor, user_id)
    managed = change.fields - _SELF_SERVICE
    if managed and not manages_user(actor, user):
        raise Forbidden("You may change only your own name and language.")
    demotes_self = change.active is False or (change.role is not None and change.role != user.role)
    if actor is not None and actor.id == user.id and demotes_self:
        raise Forbidden("You cannot deactivate yourself or change your own role.")
    if "tenant_id" in change.fields and not is_manager(actor):
        raise Forbidden("Only the campus manager moves a person to another tenant.")

    if change.name is not None:
        if not change.name.strip():
            raise BadRequest("A user needs a name.", details={"fields": {"name": "required"}})
        user.name = change.name.strip()
    if change.language is not None:
        _check_language(change.language)
        user.language = change.language
    if change.email is not None:
        email = _email(change.email)
        other = find_user(session, email)
        if other is not None and other.id != user.id:
            raise Conflict(f"There is already a user with e-mail {email}.")
        user.email = email
    if "tenant_id" in change.fields:
        if change.tenant_id is not None:
            get_tenant(session, None, change.tenant_id)
        user.tenant_id = change.tenant_id
    if change.role is not None and change.role != user.role:
        _check_role(actor, change.role)
        audit.record(
            session, actor, "user.role", "user", user.id, before=user.role, after=change.role
        )
        user.role = change.role
    if user.role != "manager" and user.tenant_id is None:
        raise BadRequest(
            "Members and tenant admins belong to a tenant: give tenant_id.",
            details={"fields": {"tenant_id": "required"}},
        )
    plain = sorted(change.fields - {"role", "active"})
    if plain:
        audit.record(session, actor, "user.change", "user", user.id, fields=plain)
    if change.active is False and user.active:
        deactivate(session, actor, user, now=now)
    elif change.active is True and not user.active:
        if user.anonymised_at is not None:
            raise Conflict("An anonymised person cannot come back.")
        user.active = True
        audit.record(session, actor, "user.reactivate", "user", user.id)
    session.flush()
    return user


def deactivate(
    session: Session, actor: User | None, user: User, *, now: datetime, notify: bool = True
) -> list[Booking]:
    """End the person's access at once (sign-in, sessions, tokens) and cancel their bookings
    that start at `now` or later; with `notify`, the bookers get the cancellation e-mails."""
    user.active = False
    end_sessions(session, user)
    query = (
        select(Booking)
        .where(Booking.user_id == user.id, Booking.status.in_(ACTIVE), Booking.start >= now)
        .order_by(Booking.id)
        .with_for_update(of=Booking)
        .execution_options(populate_existing=True)
    )
    cancelled = list(session.scalars(query))
    for booking in cancelled:
        booking.status = "cancelled"
        booking.cancelled_at = now
        booking.sequence += 1
    session.flush()
    audit.record(session, actor, "user.deactivate", "user", user.id, cancelled=len(cancelled))
    if cancelled and notify:
        from booking.services import notifications  # notifications -> feeds -> people

        notifications.bookings_cancelled(session, cancelled)
    return cancelled


# ---------------------------------------------------------------------------------------------
# Qualifications


def _holder(session: Session, actor: User | None, email: str | None, user: User | None) -> User:
    holder = user or user_by_email(session, email or "")
    if actor is not None and not sees_user(actor, holder):
        raise NotFound(f"There is no user {holder.id}.")
    _require_manager(actor, "Only the campus manager grants and revokes qualifications.")
    return holder


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
    holder = _holder(session, actor, email, user)
    code = code.strip()
    if not QUALIFICATION_RE.match(code) or len(code) > 100:
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
    holder = _holder(session, actor, email, user)
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


def list_grants(
    session: Session, actor: User, *, code: str | None = None, limit: int, offset: int = 0
) -> tuple[list[QualificationGrant], bool]:
    """Who holds which qualification (the manager): by code, then the holder's name; with
    whether more follow. Expired grants are listed too (their `expires` says so)."""
    _require_manager(actor, "Only the campus manager sees everyone's qualifications.")
    query = (
        select(QualificationGrant)
        .join(User, User.id == QualificationGrant.user_id)
        .options(contains_eager(QualificationGrant.user))
    )
    if code:
        query = query.where(QualificationGrant.code == code)
    query = query.order_by(QualificationGrant.code, func.lower(User.name), User.id)
    rows = list(session.scalars(query.offset(offset).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def qualification_codes(session: Session) -> list[str]:
    """The codes anyone holds or any space asks for, in order."""
    held = session.scalars(select(QualificationGrant.code).distinct())
    asked = session.scalars(
        select(Space.required_qualification)
        .where(Space.required_qualification.is_not(None))
        .distinct()
    )
    return sorted({*held, *(c for c in asked if c)})


# ---------------------------------------------------------------------------------------------
# GDPR


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def export_user(session: Session, *, email: str) -> dict[str, Any]:
    """Everything the campus holds about a person (GDPR access request): the profile, the
    tenant, qualifications, bookings and series, API tokens (never their secret), the audit
    entries the person made or that are about them, and the e-mails sent to them."""
    user = user_by_email(session, email)
    bookings = session.scalars(
        select(Booking).where(Booking.user_id == user.id).order_by(Booking.start, Booking.id)
    ).all()
    series = session.scalars(
        select(Series).where(Series.user_id == user.id).order_by(Series.id)
    ).all()
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    ).all()
    entries = session.scalars(
        select(AuditEntry)
        .where(
            or_(
                AuditEntry.actor_id == user.id,
                and_(AuditEntry.object_type == "user", AuditEntry.object_id == user.id),
            )
        )
        .order_by(AuditEntry.id)
    ).all()
    mails = session.scalars(
        select(OutboxMessage).where(OutboxMessage.to == user.email).order_by(OutboxMessage.id)
    ).all()
    return {
        "user": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "tenant": ({"id": user.tenant.id, "name": user.tenant.name} if user.tenant else None),
            "language": user.language,
            "active": user.active,
            "has_password": bool(user.password_hash),
            "created_at": _iso(user.created_at),
            "updated_at": _iso(user.updated_at),
        },
        "qualifications": [
            {
                "code": g.code,
                "expires": g.expires.isoformat() if g.expires else None,
                "granted_at": _iso(g.created_at),
            }
            for g in sorted(user.qualifications, key=lambda g: g.code)
        ],
        "bookings": [
            {
                "id": b.id,
                "space": b.space.code,
                "title": b.title,
                "notes": b.notes,
                "attendees": b.attendees,
                "start": _iso(b.start),
                "end": _iso(b.end),
                "status": b.status,
                "reason": b.reason,
                "series_id": b.series_id,
                "created_at": _iso(b.created_at),
                "updated_at": _iso(b.updated_at),
            }
            for b in bookings
        ],
        "series": [
            {"id": s.id, "title": s.title, "rrule": s.rrule, "created_at": _iso(s.created_at)}
            for s in series
        ],
        "api_tokens": [
            {
                "created_at": _iso(t.created_at),
                "expires_at": _iso(t.expires_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in tokens
        ],
        "audit": [
            {
                "at": _iso(e.at),
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "by_this_person": e.actor_id == user.id,
                "details": e.details,
            }
            for e in entries
        ],
        "emails": [
            {
                "subject": m.subject,
                "language": m.language,
                "created_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
            }
            for m in mails
        ],
    }


_PERSONAL_DETAILS = ("email", "name")


def anonymise_user(
    session: Session, actor: User | None, *, email: str, now: datetime | None = None
) -> User:
    """Remove the person; their bookings stay (for the numbers) without name, title or notes.

    The person can no longer sign in (sessions, tokens and feed URLs end), their future
    bookings are cancelled (no e-mail: there is no one to send it to), their qualifications,
    tokens and e-mails are deleted. Audit entries keep the person's id as actor, not who
    they were.
    """
    user = user_by_email(session, email)
    moment = now or datetime.now(UTC)
    if user.active:
        deactivate(session, actor, user, now=moment, notify=False)
    # E-mails to the person, and about their bookings to others (which name them).
    own_bookings = select(Booking.id).where(Booking.user_id == user.id).scalar_subquery()
    session.execute(
        delete(OutboxMessage)
        .where(or_(OutboxMessage.to == user.email, OutboxMessage.booking_id.in_(own_bookings)))
        .execution_options(synchronize_session=False)
    )
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
    about = session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "user", AuditEntry.object_id == user.id)
    )
    for entry in about:
        if any(key in (entry.details or {}) for key in _PERSONAL_DETAILS):
            entry.details = {k: v for k, v in entry.details.items() if k not in _PERSONAL_DETAILS}
    session.flush()
    audit.record(session, actor, "user.anonymise", "user", user.id)
    return user
