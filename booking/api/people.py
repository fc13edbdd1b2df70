"""Tenants, users, qualifications, and the manager's outbox and audit log (API.md sections 2
and 4). Who may do what is decided in services/people.py; here: parse, call, serialize."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify

from booking.api import api, current_user
from booking.api.openapi import operation
from booking.api.parsing import page
from booking.api.responses import (
    AuditPage,
    OutboxPage,
    QualificationOut,
    TenantOut,
    TenantPage,
    UserOut,
    UserPage,
)
from booking.api.schemas import (
    AuditQuery,
    OutboxQuery,
    Page,
    QualificationBody,
    TenantCreate,
    TenantPatch,
    UserCreate,
    UserPatch,
    UserQuery,
)
from booking.api.serialize import (
    audit_json,
    outbox_json,
    qualification_json,
    tenant_json,
    user_json,
)
from booking.clock import booking_now, campus_zone
from booking.errors import BadRequest
from booking.extensions import current_session, db
from booking.services import audit as audit_service
from booking.services import notifications
from booking.services import people as people_service
from booking.services.auth import LinkSettings

# ---------------------------------------------------------------------------------------------
# Tenants


@api.get("/tenants")
@operation(
    "Tenants (manager); a tenant admin sees its own",
    query=Page,
    answers={200: TenantPage},
    errors=(403,),
)
def list_tenants(args: Page) -> Any:
    rows, next_cursor = people_service.list_tenants(
        current_session(), current_user(), limit=args.limit, cursor=args.cursor
    )
    return jsonify(page([tenant_json(t) for t in rows], next_cursor))


@api.post("/tenants")
@operation(
    "Create a tenant company (manager)",
    body=TenantCreate,
    answers={201: TenantOut},
    errors=(403, 409),
    links={
        201: {
            "get": {"operationId": "get_tenant", "parameters": {"tenant_id": "$response.body#/id"}},
            "usage": {
                "operationId": "tenant_usage",
                "parameters": {"tenant_id": "$response.body#/id"},
            },
        }
    },
)
def create_tenant(data: TenantCreate) -> Any:
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
@operation("A tenant (manager; a tenant admin its own)", answers={200: TenantOut}, errors=(403,))
def get_tenant(tenant_id: int) -> Any:
    tenant = people_service.get_tenant(current_session(), current_user(), tenant_id)
    return jsonify(tenant_json(tenant))


@api.patch("/tenants/<int:tenant_id>")
@operation(
    "Change a tenant (manager)",
    body=TenantPatch,
    answers={200: TenantOut},
    errors=(403, 409),
)
def change_tenant(tenant_id: int, data: TenantPatch) -> Any:
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
@operation(
    "Users (manager); a tenant admin sees its own members",
    query=UserQuery,
    answers={200: UserPage},
    errors=(403,),
)
def list_users(args: UserQuery) -> Any:
    rows, next_cursor = people_service.list_users(
        current_session(),
        current_user(),
        tenant_id=args.tenant_id,
        role=args.role,
        active=args.active,
        limit=args.limit,
        cursor=args.cursor,
    )
    return jsonify(page([user_json(u) for u in rows], next_cursor))


@api.post("/users")
@operation(
    "Create a user (manager; a tenant admin its own members, never a manager)",
    body=UserCreate,
    answers={201: UserOut},
    errors=(403, 404, 409),
    description="Without a password the person gets an e-mail with a link to set one.",
    links={
        201: {
            "get": {"operationId": "get_user", "parameters": {"user_id": "$response.body#/id"}},
            "change": {
                "operationId": "change_user",
                "parameters": {"user_id": "$response.body#/id"},
            },
            "grant": {
                "operationId": "grant_qualification",
                "parameters": {"user_id": "$response.body#/id"},
            },
        }
    },
)
def create_user(data: UserCreate) -> Any:
    user = people_service.create_user(
        current_session(),
        current_user(),
        email=data.email,
        name=data.name,
        role=data.role,
        tenant_id=data.tenant_id,
        password=data.password,
        language=data.language,
        invite_with=LinkSettings.of_app(),
    )
    answer = user_json(user)
    db.session.commit()
    return jsonify(answer), 201


@api.get("/users/<int:user_id>")
@operation("A user (manager; a tenant admin its own members)", answers={200: UserOut})
def get_user(user_id: int) -> Any:
    return jsonify(user_json(people_service.get_user(current_session(), current_user(), user_id)))


@api.patch("/users/<int:user_id>")
@operation(
    "Change a user; active: false ends sign-in and tokens at once",
    body=UserPatch,
    answers={200: UserOut},
    errors=(403, 409),
)
def change_user(user_id: int, data: UserPatch) -> Any:
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
@operation(
    "Grant (201) or renew (200) a qualification (manager only)",
    body=QualificationBody,
    answers={200: QualificationOut, 201: QualificationOut},
    errors=(403,),
)
def grant_qualification(user_id: int, data: QualificationBody) -> Any:
    expires = date.fromisoformat(data.expires) if data.expires else None
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
@operation("Revoke a qualification (manager only)", answers={204: None}, errors=(403,))
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
@operation(
    "Recent e-mails, newest first, without their bodies (manager)",
    query=OutboxQuery,
    answers={200: OutboxPage},
    errors=(403,),
)
def outbox(args: OutboxQuery) -> Any:
    rows, next_cursor = notifications.outbox(
        current_session(),
        current_user(),
        to=args.to,
        limit=args.limit,
        cursor=args.cursor,
    )
    tz = campus_zone()
    return jsonify(page([outbox_json(m, tz) for m in rows], next_cursor))


@api.get("/audit")
@operation(
    "The audit log: who changed what, newest first (manager)",
    query=AuditQuery,
    answers={200: AuditPage},
    errors=(403,),
)
def audit_log(args: AuditQuery) -> Any:
    rows, next_cursor = audit_service.entries(
        current_session(),
        current_user(),
        audit_service.AuditFilter(
            action=args.action,
            object_type=args.object_type,
            object_id=args.object_id,
            actor_id=args.actor_id,
        ),
        limit=args.limit,
        cursor=args.cursor,
    )
    tz = campus_zone()
    return jsonify(page([audit_json(e, tz) for e in rows], next_cursor))
