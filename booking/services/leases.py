"""Leases: a tenant rents offices, labs or cleanrooms from a day to a day (or open-ended).

A lease is never deleted: ending one sets its last day, so the history stays for occupancy
reports and invoices. Two leases of one space never overlap; writers of a space are
serialized (PostgreSQL: the spaces' rows are locked; SQLite: writes are serialized already)
and the check runs inside that transaction. A lease cancels no booking: creating one lists
the active bookings it covers as `affected`, for the manager to sort out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, text
from sqlalchemy.orm import Session

from booking.errors import BadRequest, Conflict, Forbidden, NotFound
from booking.models import LEASABLE_KINDS, Booking, Lease, Space, Tenant, User, lease_spaces
from booking.models.bookings import ACTIVE_SQL
from booking.services import audit

MAX_ID = 2**31 - 1
MAX_SPACES = 200
_CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2})_(\d{1,10})$")


@dataclass(frozen=True)
class LeaseRequest:
    tenant_id: int
    space_ids: tuple[int, ...]
    start: date
    end: date | None = None
    rent_eur_per_m2_month: Decimal | None = None
    rent_eur_month: Decimal | None = None


@dataclass(frozen=True)
class LeaseFilter:
    tenant_id: int | None = None
    space_id: int | None = None
    # Only leases running on this day.
    on: date | None = None
    # Only leases starting after this day (upcoming) / whose last day is before it (ended).
    starts_after: date | None = None
    ended_before: date | None = None


@dataclass
class LeaseResult:
    lease: Lease
    # Active bookings, not yet ended, in the leased spaces during the lease.
    affected: list[Booking] = field(default_factory=list)


def status_of(lease: Lease, today: date) -> str:
    """`upcoming`, `running` or `ended`, seen from today (campus date)."""
    if lease.start > today:
        return "upcoming"
    if lease.end is not None and lease.end < today:
        return "ended"
    return "running"


def _may_read(user: User, lease: Lease) -> bool:
    if user.role == "manager":
        return True
    return (
        user.role == "tenant_admin"
        and user.tenant_id is not None
        and lease.tenant_id == user.tenant_id
    )


def _require_manager(user: User, message: str) -> None:
    if user.role != "manager":
        raise Forbidden(message)


def get_lease(session: Session, user: User, lease_id: int, *, for_update: bool = False) -> Lease:
    """The lease as the user may see it (manager: all; tenant_admin: its tenant's)."""
    lease = session.get(Lease, lease_id) if 0 < lease_id <= MAX_ID else None
    if lease is None or not _may_read(user, lease):
        raise NotFound(f"There is no lease {lease_id}.")
    if for_update and session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(Lease.id).where(Lease.id == lease_id).with_for_update(),
        )
        session.refresh(lease)
    return lease


def list_leases(
    session: Session, user: User, flt: LeaseFilter, *, limit: int, cursor: str | None
) -> tuple[list[Lease], str | None]:
    """Leases the user may see, by start day (then id), one page at a time."""
    if user.role == "manager":
        query = select(Lease)
    elif user.role == "tenant_admin" and user.tenant_id is not None:
        query = select(Lease).where(Lease.tenant_id == user.tenant_id)
    else:
        raise Forbidden("Only the campus manager and tenant admins see leases.")
    if flt.tenant_id is not None:
        query = query.where(Lease.tenant_id == flt.tenant_id)
    if flt.space_id is not None:
        query = query.where(
            Lease.id.in_(
                select(lease_spaces.c.lease_id).where(lease_spaces.c.space_id == flt.space_id)
            )
        )
    if flt.on is not None:
        query = query.where(Lease.start <= flt.on, or_(Lease.end.is_(None), Lease.end >= flt.on))
    if flt.starts_after is not None:
        query = query.where(Lease.start > flt.starts_after)
    if flt.ended_before is not None:
        query = query.where(Lease.end < flt.ended_before)
    if cursor:
        after_start, after_id = _decode_cursor(cursor)
        query = query.where(
            or_(Lease.start > after_start, and_(Lease.start == after_start, Lease.id > after_id))
        )
    rows = list(session.scalars(query.order_by(Lease.start, Lease.id).limit(limit + 1)).unique())
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = f"{last.start.isoformat()}_{last.id}"
    return rows[:limit], next_cursor


def _decode_cursor(cursor: str) -> tuple[date, int]:
    found = _CURSOR.match(cursor)
    if found is not None:
        try:
            return date.fromisoformat(found.group(1)), int(found.group(2))
        except ValueError:
            pass
    raise BadRequest(
        "This cursor was not given by the API.", details={"fields": {"cursor": "invalid"}}
    )


def _lock_spaces(session: Session, space_ids: Sequence[int]) -> None:
    """Serialize lease and booking writers of these spaces (in id order: no deadlock)."""
    if session.get_bind().dialect.name == "postgresql":
        for space_id in sorted(space_ids):
            session.execute(
                text("SELECT id FROM spaces WHERE id = :id FOR UPDATE"), {"id": space_id}
            )


def overlapping_leases(
    session: Session,
    space_ids: Sequence[int],
    start: date,
    end: date | None,
    *,
    exclude_lease: int | None = None,
) -> list[Any]:
    """(lease_id, space_id, start, end) of leases of these spaces sharing a day with
    [start, end] (end None: open-ended)."""
    query = (
        select(Lease.id, lease_spaces.c.space_id, Lease.start, Lease.end)
        .join(lease_spaces, lease_spaces.c.lease_id == Lease.id)
        .where(
            lease_spaces.c.space_id.in_(list(space_ids)),
            or_(Lease.end.is_(None), Lease.end >= start),
        )
        .order_by(Lease.start, Lease.id)
    )
    if end is not None:
        query = query.where(Lease.start <= end)
    if exclude_lease is not None:
        query = query.where(Lease.id != exclude_lease)
    return list(session.execute(query))


def _check_shape(request: LeaseRequest) -> None:
    """400 for a request that is wrong on its face (before who may, and what exists)."""
    fields: dict[str, str] = {}
    if request.end is not None and request.end < request.start:
        fields["end"] = "The last leased day cannot be before the first."
    if request.rent_eur_per_m2_month is not None and request.rent_eur_month is not None:
        fields["rent_eur_month"] = "Give a rent per m² or a fixed monthly rent, not both."
    if not request.space_ids:
        fields["space_ids"] = "A lease needs at least one space."
    elif len(set(request.space_ids)) != len(request.space_ids):
        fields["space_ids"] = "A space is listed twice."
    elif len(request.space_ids) > MAX_SPACES:
        fields["space_ids"] = f"At most {MAX_SPACES} spaces in one lease."
    if fields:
        raise BadRequest("The lease is not valid.", details={"fields": fields})


def _load(session: Session, request: LeaseRequest) -> tuple[Tenant, list[Space]]:
    tenant = session.get(Tenant, request.tenant_id) if 0 < request.tenant_id <= MAX_ID else None
    if tenant is None:
        raise NotFound(f"There is no tenant {request.tenant_id}.")
    wanted = [i for i in request.space_ids if 0 < i <= MAX_ID]
    found = {s.id: s for s in session.scalars(select(Space).where(Space.id.in_(wanted))).unique()}
    missing = [i for i in request.space_ids if i not in found]
    if missing:
        raise NotFound(f"There is no space {missing[0]}.", details={"space_ids": missing})
    spaces = [found[i] for i in request.space_ids]
    wrong = [s for s in spaces if s.kind not in LEASABLE_KINDS or not s.active]
    if wrong:
        space = wrong[0]
        reason = (
            f"{space.code} is retired."
            if not space.active
            else f"{space.code} is a {space.kind}: only offices, labs and cleanrooms are leased."
        )
        raise BadRequest(
            reason,
            details={
                "fields": {"space_ids": reason},
                "spaces": [{"id": s.id, "code": s.code, "kind": s.kind} for s in wrong],
            },
        )
    if not tenant.active:
        raise BadRequest(
            f"Tenant {tenant.name} is not active.",
            details={"fields": {"tenant_id": "The tenant is not active."}},
        )
    return tenant, spaces


def lease_window(start: date, end: date | None, tz: ZoneInfo) -> tuple[datetime, datetime | None]:
    """A lease's days as aware times: its first local midnight to the one after its last day."""
    low = datetime.combine(start, time(0), tzinfo=tz)
    high = None if end is None else datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz)
    return low, high


def _affected(
    session: Session,
    space_ids: Sequence[int],
    start: date,
    end: date | None,
    now: datetime,
    tz: ZoneInfo,
) -> list[Booking]:
    low, high = lease_window(start, end, tz)
    query = select(Booking).where(
        Booking.space_id.in_(list(space_ids)),
        ACTIVE_SQL,
        Booking.end > max(low, now),
    )
    if high is not None:
        query = query.where(Booking.start < high)
    return list(session.scalars(query.order_by(Booking.start, Booking.id)).unique())


def create_lease(
    session: Session, actor: User, request: LeaseRequest, *, now: datetime, tz: ZoneInfo
) -> LeaseResult:
    """A new lease (manager only). 409 when a space is already leased on one of its days."""
    _check_shape(request)
    _require_manager(actor, "Only the campus manager creates leases.")
    tenant, spaces = _load(session, request)
    _lock_spaces(session, [s.id for s in spaces])
    clashes = overlapping_leases(session, request.space_ids, request.start, request.end)
    if clashes:
        codes = {s.id: s.code for s in spaces}
        first = clashes[0]
        raise Conflict(
            f"{codes[first.space_id]} is already leased from {first.start.isoformat()}"
            + (f" to {first.end.isoformat()}." if first.end else " (open-ended)."),
            details={
                "conflicts": [
                    {
                        "start": row.start.isoformat(),
                        "end": row.end.isoformat() if row.end else None,
                        "reason": "leased",
                        "lease_id": row.id,
                        "space_id": row.space_id,
                    }
                    for row in clashes
                ]
            },
        )
    lease = Lease(
        tenant_id=tenant.id,
        start=request.start,
        end=request.end,
        rent_eur_per_m2_month=request.rent_eur_per_m2_month,
        rent_eur_month=request.rent_eur_month,
        spaces=spaces,
    )
    session.add(lease)
    session.flush()
    # Spaces' updated_at is the catalog's cache key; a lease changes no space fact, so the
    # catalog stays as it is (the engine reads leases per request).
    audit.record(
        session,
        actor,
        "lease.create",
        "lease",
        lease.id,
        tenant_id=tenant.id,
        space_ids=list(request.space_ids),
        start=request.start.isoformat(),
        end=request.end.isoformat() if request.end else None,
    )
    affected = _affected(session, request.space_ids, request.start, request.end, now, tz)
    return LeaseResult(lease=lease, affected=affected)


def end_lease(
    session: Session, actor: User, lease_id: int, end: date | None, *, today: date
) -> Lease:
    """Set the lease's last day (default: today). Only earlier than the current end."""
    lease = get_lease(session, actor, lease_id, for_update=True)
    _require_manager(actor, "Only the campus manager ends leases.")
    last = end if end is not None else today
    if last < lease.start:
        raise BadRequest(
            f"The lease starts on {lease.start.isoformat()}; it cannot end before that.",
            details={"fields": {"end": "before the lease's start"}},
        )
    if lease.end is not None and lease.end <= last:
        raise Conflict(
            f"The lease already ends on {lease.end.isoformat()}.",
            details={"conflicts": [], "end": lease.end.isoformat()},
        )
    previous = lease.end
    lease.end = last
    session.flush()
    audit.record(
        session,
        actor,
        "lease.end",
        "lease",
        lease.id,
        end=last.isoformat(),
        previous_end=previous.isoformat() if previous else None,
    )
    return lease
