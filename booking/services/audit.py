"""The audit log: who did what, when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from booking.errors import Forbidden
from booking.models import AuditEntry, User
from booking.services import paging


def record(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None,
    **details: Any,
) -> None:
    """Append one entry; it commits with the request's transaction or not at all."""
    session.add(
        AuditEntry(
            actor_id=actor.id if actor is not None else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            details=details,
        )
    )


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    actor_id: int | None = None


def entries(
    session: Session, actor: User, flt: AuditFilter, *, limit: int, cursor: str | None
) -> tuple[list[AuditEntry], str | None]:
    """The audit log for the manager, newest first, one page at a time. `action` matches a
    whole action ("booking.approve") or, ending in ".", a family ("booking.")."""
    if actor.role != "manager":
        raise Forbidden("Only the campus manager reads the audit log.")
    query = select(AuditEntry)
    if flt.action:
        if flt.action.endswith("."):
            query = query.where(AuditEntry.action.startswith(flt.action, autoescape=True))
        else:
            query = query.where(AuditEntry.action == flt.action)
    if flt.object_type:
        query = query.where(AuditEntry.object_type == flt.object_type)
    if flt.object_id is not None:
        query = query.where(AuditEntry.object_id == flt.object_id)
    if flt.actor_id is not None:
        query = query.where(AuditEntry.actor_id == flt.actor_id)
    if cursor:
        before, before_id = paging.decode_time_id(cursor)
        query = query.where(
            or_(
                AuditEntry.at < before,
                and_(AuditEntry.at == before, AuditEntry.id < before_id),
            )
        )
    rows = list(
        session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit + 1))
    )
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = paging.encode_time_id(last.at, last.id)
    return rows[:limit], next_cursor
