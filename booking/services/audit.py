"""The audit log: who did what, when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from booking.models import AuditEntry, User


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
