"""Tenants, users, qualifications, and the manager's outbox and audit log (API.md sections 2
and 4). Who may do what is decided in services/people.py; here: parse, call, serialize."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from flask import current_app, jsonify, request
from pydantic import AfterValidator, Field, StrictBool, StrictInt, StrictStr

from booking.api import api, current_user
from booking.api.parsing import MAX_ID, body, page, page_args, query_int, reject_unknown_args
from booking.api.schemas import Address, Body, Money, Name
from booking.api.serialize import money, user_json
from booking.clock import booking_now, campus_zone
from booking.errors import BadRequest
from booking.extensions import current_session, db
from booking.models import ROLES, AuditEntry, OutboxMessage, QualificationGrant, Tenant
from booking.services import audit as audit_service
from booking.services import notifications
from booking.services import people as people_service
from booking.services.auth import LinkSettings
from booking.timefmt import iso_local

# ---------------------------------------------------------------------------------------------
# Bodies


def _no_control(value: str) -> str:
    if any(ord(c) < 32 for c in value):
        raise ValueError("control characters are not allowed")
    return value


Email = Annotated[StrictStr, Field(max_length=254), AfterValidator(_no_control)]
Password = Annotated[StrictStr, Field(max_length=1000)]
Role = Literal["member", "tenant_admin", "manager"]
Language = Literal["nl", "en"]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Vat = Annotated[StrictStr, Field(max_length=40), AfterValidator(_no_control)]
QualificationCode = Annotated[
    StrictStr, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
]
Day = Annotated[StrictStr, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")]


class TenantCreate(Body):
    name: Name
    vat_number: Vat | None = None
    free_hours_month: Money | None = None
    address: Address | None = None


class TenantPatch(Body):
    name: Name | None = None
    vat_number: Vat | None = None
    free_hours_month: Money | None = None
    address: Address | None = None


class UserCreate(Body):
    email: Email
    name: Name
    role: Role = "member"
    tenant_id: Id | None = None
    language: Language = "nl"
    password: Password | None = None


class UserPatch(Body):
    email: Email | None = None
    name: Name | None = None
    role: Role | None = None
    tenant_id: Id | None = None
    language: Language | None = None
    active: StrictBool | None = None


class QualificationBody(Body):
    code: QualificationCode
    expires: Day | None = None


# ---------------------------------------------------------------------------------------------
# Representations


def tenant_json(tenant: Tenant) -> dict[str, Any]:
    return {
        "id": tenant.id,
        "name": tenant.name,
        "vat_number": tenant.vat_number,
        "address": tenant.address,
        "free_hours_month": money(tenant.free_hours_month),
    }


def qualification_json(grant: QualificationGrant) -> dict[str, Any]:
    return {"code": grant.code, "expires": grant.expires.isoformat() if grant.expires else None}


def outbox_json(message: OutboxMessage) -> dict[str, Any]:
    # The body is left out on purpose: invitations and resets carry a link that sets a
    # password, and nobody but the addressee may have it.
    tz = campus_zone()
    return {
        "id": message.id,
        "to": message.to,
        "subject": message.subject,
        "language": message.language,
        "booking_id": message.booking_id,
        "created_at": iso_local(message.created_at, tz),
        "sent_at": iso_local(message.sent_at, tz) if message.sent_at else None,
        "ics": message.ics,
    }


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": iso_local(entry.at, campus_zone()),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "details": entry.details or {},
    }


def _query_bool(name: str) -> bool | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if value in ("true", "false"):
        return value == "true"
    raise BadRequest(f"{name} must be true or false.", details={"fields": {name: "boolean"}})


def _text_arg(name: str) -> str | None:
    """A text query parameter: at most 254 characters, no control characters."""
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if len(value) > 254 or any(ord(c) < 32 for c in value):
        raise BadRequest(f"{name} is not a valid value.", details={"fields": {name: "invalid"}})
    return value


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(
            f"{name} is not a date (YYYY-MM-DD): {value!r}.", details={"fields": {name: "format"}}
        ) from None


# ---------------------------------------------------------------------------------------------
# Tenants


@api.get("/tenants")
def list_tenants() -> Any:
    reject_unknown_args("limit", "cursor")
    limit, cursor = page_args()
    rows, next_cursor = people_service.list_tenants(
        current_session(), current_user(), limit=limit, cursor=cursor
    )
    return jsonify(page([tenant_json(t) for t in rows], next_cursor))


@api.post("/tenants")
def create_tenant() -> Any:
    data = body(TenantCreate)
    tenant = people_service.create_tenant(
        current_session(),
        current_user(),
        name=data.name,
        vat_number=data.vat_number,
        free_hours_month=data.free_hours_month,
        address=data.address,
    )
    answer = tenant_json(tenant)
    db.session.commit()
    return jsonify(answer), 201


@api.get("/tenants/<int:tenant_id>")
def get_tenant(tenant_id: int) -> Any:
    tenant = people_service.get_tenant(current_session(), current_user(), tenant_id)
    return jsonify(tenant_json(tenant))


@api.patch("/tenants/<int:tenant_id>")
def change_tenant(tenant_id: int) -> Any:
    data = body(TenantPatch)
    sent = frozenset(data.model_fields_set)
    if "name" in sent and data.name is None:
        raise BadRequest("name cannot be null.", details={"fields": {"name": "null"}})
    tenant = people_service.update_tenant(
        current_session(),
        current_user(),
        tenant_id,
        people_service.TenantChange(
            name=data.name,
            vat_number=data.vat_number,
            free_hours_month=data.free_hours_month,
            address=data.address,
            fields=sent,
        ),
    )
    answer = tenant_json(tenant)
    db.session.commit()
    return jsonify(answer)


# ---------------------------------------------------------------------------------------------
# Users


@api.get("/users")
def list_users() -> Any:
    reject_unknown_args("tenant_id", "role", "active", "limit", "cursor")
    role = request.args.get("role") or None
    if role is not None and role not in ROLES:
        raise BadRequest(f"Unknown role {role!r}.", details={"fields": {"role": "choice"}})
    limit, cursor = page_args()
    rows, next_cursor = people_service.list_users(
        current_session(),
        current_user(),
        tenant_id=query_int("tenant_id", minimum=1, maximum=MAX_ID),
        role=role,
        active=_query_bool("active"),
        limit=limit,
        cursor=cursor,
    )
    return jsonify(page([user_json(u) for u in rows], next_cursor))


@api.post("/users")
def create_user() -> Any:
    data = body(UserCreate)
    user = people_service.create_user(
        current_session(),
        current_user(),
        email=data.email,
        name=data.name,
        role=data.role,
        tenant_id=data.tenant_id,
        password=data.password,
        language=data.language,
        invite_with=LinkSettings(
            secret=str(current_app.config["SECRET_KEY"]),
            base_url=str(current_app.config["BOOKING_BASE_URL"]),
            now=datetime.now(UTC),
        ),
    )
    answer = user_json(user)
    db.session.commit()
    return jsonify(answer), 201


@api.get("/users/<int:user_id>")
def get_user(user_id: int) -> Any:
    return jsonify(user_json(people_service.get_user(current_session(), current_user(), user_id)))


@api.patch("/users/<int:user_id>")
def change_user(user_id: int) -> Any:
    data = body(UserPatch)
    user = people_service.update_user(
        current_session(),
        current_user(),
        user_id,
        people_service.UserChange(
            name=data.name,
            email=data.email,
            role=data.role,
            language=data.language,
            active=data.active,
            tenant_id=data.tenant_id,
            fields=frozenset(data.model_fields_set),
        ),
        now=booking_now(),
    )
    answer = user_json(user)
    db.session.commit()
    return jsonify(answer)


@api.post("/users/<int:user_id>/qualifications")
def grant_qualification(user_id: int) -> Any:
    data = body(QualificationBody)
    expires = _day(data.expires, "expires")
    session = current_session()
    actor = current_user()
    holder = people_service.get_user(session, actor, user_id)
    renewed = any(g.code == data.code for g in holder.qualifications)
    grant = people_service.grant_qualification(
        session, actor, user=holder, code=data.code, expires=expires
    )
    answer = qualification_json(grant)
    db.session.commit()
    return jsonify(answer), 200 if renewed else 201


@api.delete("/users/<int:user_id>/qualifications/<string:code>")
def revoke_qualification(user_id: int, code: str) -> Any:
    session = current_session()
    actor = current_user()
    holder = people_service.get_user(session, actor, user_id)
    people_service.revoke_qualification(session, actor, user=holder, code=code)
    db.session.commit()
    return "", 204


# ---------------------------------------------------------------------------------------------
# The manager's views: outbox and audit log


@api.get("/outbox")
def outbox() -> Any:
    reject_unknown_args("to", "limit", "cursor")
    limit, cursor = page_args()
    rows, next_cursor = notifications.outbox(
        current_session(),
        current_user(),
        to=_text_arg("to"),
        limit=limit,
        cursor=cursor,
    )
    return jsonify(page([outbox_json(m) for m in rows], next_cursor))


@api.get("/audit")
def audit_log() -> Any:
    reject_unknown_args("action", "object_type", "object_id", "actor_id", "limit", "cursor")
    limit, cursor = page_args()
    rows, next_cursor = audit_service.entries(
        current_session(),
        current_user(),
        audit_service.AuditFilter(
            action=_text_arg("action"),
            object_type=_text_arg("object_type"),
            object_id=query_int("object_id", minimum=0, maximum=MAX_ID),
            actor_id=query_int("actor_id", minimum=0, maximum=MAX_ID),
        ),
        limit=limit,
        cursor=cursor,
    )
    return jsonify(page([audit_json(e) for e in rows], next_cursor))
