"""The manager's campus: buildings, spaces and their rules, closures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from booking.errors import BadRequest, Conflict, Forbidden, NotFound
from booking.models import SPACE_KINDS, Booking, Building, Closure, Space, Tenant, User
from booking.models.bookings import ACTIVE_SQL
from booking.services import audit

RULE_FIELDS = (
    "bookable",
    "requires_approval",
    "opening_hours",
    "min_duration_min",
    "max_duration_min",
    "granularity_min",
    "min_notice_min",
    "max_advance_days",
    "buffer_before_min",
    "buffer_after_min",
    "required_qualification",
    "max_hours_per_week_per_tenant",
    "hourly_rate_eur",
)
SPACE_FIELDS = ("code", "name", "kind", "capacity", "area_m2", "floor", "features", "description")
MONEY_FIELDS = {"hourly_rate_eur", "max_hours_per_week_per_tenant", "area_m2"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def require_manager(actor: User) -> None:
    if actor.role != "manager":
        raise Forbidden("Only the campus manager changes the campus.")


def _bad(field: str, message: str, problem: str = "invalid") -> BadRequest:
    return BadRequest(message, details={"fields": {field: problem}})


# The columns' capacity: NUMERIC(10, 2), and NUMERIC(8, 2) for the weekly hours.
_BELOW = {"max_hours_per_week_per_tenant": Decimal("1000000")}
_DEFAULT_BELOW = Decimal("100000000")


def _decimal(field: str, value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _bad(field, f"{field} must be a number.") from None
    below = _BELOW.get(field, _DEFAULT_BELOW)
    if not number.is_finite() or number < 0 or number >= below:
        raise _bad(field, f"{field} must be a number from 0 to below {below:,}.", "range")
    if number != number.quantize(Decimal("0.01")):
        raise _bad(field, f"{field} has at most two decimals.", "precision")
    return number


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _opening_hours(value: Mapping[str, Sequence[Sequence[str]]]) -> dict[str, list[list[str]]]:
    """Validated opening hours: per day, ordered, non-overlapping [from, to) local times."""
    result: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        ranges = value.get(day)
        if not ranges:
            continue
        spans = sorted((_minutes(a), _minutes(b), a, b) for a, b in ranges)
        previous_end = -1
        for start, end, a, b in spans:
            if a == "24:00" or end <= start:
                raise _bad(
                    f"opening_hours.{day}", f"{day}: {a}–{b} must end after it starts.", "order"
                )
            if start < previous_end:
                raise _bad(f"opening_hours.{day}", f"{day}: opening hours overlap.", "overlap")
            previous_end = end
        result[day] = [[a, b] for _, _, a, b in spans]
    return result


def _building(session: Session, code: str) -> Building:
    building: Building | None = session.scalar(select(Building).where(Building.code == code))
    if building is None:
        raise _bad("building", f"There is no building {code}.", "unknown")
    return building


def _tenants(session: Session, ids: Sequence[int]) -> list[Tenant]:
    wanted = sorted(set(ids))
    found = list(session.scalars(select(Tenant).where(Tenant.id.in_(wanted))))
    if len(found) != len(wanted):
        missing = sorted(set(wanted) - {t.id for t in found})
        raise _bad("allowed_tenants", f"Unknown tenants: {missing}.", "unknown")
    return found


def _check_code_free(session: Session, model: Any, code: str, own_id: int | None) -> None:
    other = session.scalar(select(model.id).where(func.lower(model.code) == code.lower()))
    if other is not None and other != own_id:
        raise Conflict(f"The code {code} is already taken.", details={"code": code})


def _apply(session: Session, space: Space, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        if name == "building":
            space.building = _building(session, value)
        elif name == "allowed_tenants":
            space.allowed_tenants = _tenants(session, value) if value else []
        elif name == "opening_hours":
            space.opening_hours = None if value is None else _opening_hours(value)
        elif name == "kind":
            if value not in SPACE_KINDS:
                raise _bad("kind", f"Unknown kind {value!r}.", "choice")
            space.kind = value
        elif name in MONEY_FIELDS:
            if value is None:
                if name != "max_hours_per_week_per_tenant":
                    raise _bad(name, f"{name} cannot be null.", "null")
                space.max_hours_per_week_per_tenant = None
            else:
                setattr(space, name, _decimal(name, value))
        elif name in ("granularity_min", "buffer_before_min", "buffer_after_min"):
            defaults = {"granularity_min": 15, "buffer_before_min": 0, "buffer_after_min": 0}
            setattr(space, name, defaults[name] if value is None else value)
        elif name in ("bookable", "requires_approval", "active"):
            if value is None:
                raise _bad(name, f"{name} cannot be null.", "null")
            setattr(space, name, value)
        elif name in ("code", "name", "capacity") and value is None:
            raise _bad(name, f"{name} cannot be null.", "null")
        else:
            setattr(space, name, value)
    if (
        space.min_duration_min is not None
        and space.max_duration_min is not None
        and space.min_duration_min > space.max_duration_min
    ):
        raise _bad("max_duration_min", "max_duration_min must not be below min_duration_min.")


def create_space(session: Session, actor: User, fields: Mapping[str, Any]) -> Space:
    """A new space with its rules (manager)."""
    require_manager(actor)
    _check_code_free(session, Space, fields["code"], None)
    space = Space(features=[], capacity=0)
    _apply(
        session,
        space,
        {
            "granularity_min": None,
            "buffer_before_min": None,
            "buffer_after_min": None,
            "bookable": True,
            "requires_approval": False,
            "hourly_rate_eur": 0,
            **fields,
        },
    )
    session.add(space)
    session.flush()
    audit.record(session, actor, "space.create", "space", space.id, code=space.code)
    return space


def change_space(session: Session, actor: User, space_id: int, fields: Mapping[str, Any]) -> Space:
    """Change a space's facts or rules, or retire it (`active: false`)."""
    require_manager(actor)
    space = session.get(Space, space_id)
    if space is None:
        raise NotFound(f"There is no space {space_id}.")
    if "code" in fields and fields["code"] is not None:
        _check_code_free(session, Space, fields["code"], space.id)
    _apply(session, space, fields)
    # The catalog cache notices changes by updated_at; a change only to allowed_tenants
    # (another table) would leave it as it was.
    space.updated_at = datetime.now(space.updated_at.tzinfo)
    session.flush()
    audit.record(session, actor, "space.change", "space", space.id, fields=sorted(fields))
    return space


def list_buildings(session: Session) -> list[Building]:
    return list(session.scalars(select(Building).order_by(Building.code)))


def create_building(
    session: Session, actor: User, *, code: str, name: str, address: str | None
) -> Building:
    require_manager(actor)
    _check_code_free(session, Building, code, None)
    building = Building(code=code, name=name, address=address)
    session.add(building)
    session.flush()
    audit.record(session, actor, "building.create", "building", building.id, code=code)
    return building


def change_building(
    session: Session, actor: User, code: str, fields: Mapping[str, Any]
) -> Building:
    require_manager(actor)
    building: Building | None = session.scalar(select(Building).where(Building.code == code))
    if building is None:
        raise NotFound(f"There is no building {code}.")
    for name, value in fields.items():
        if name == "name" and value is None:
            raise _bad("name", "name cannot be null.", "null")
        setattr(building, name, value)
    session.flush()
    # Spaces show their building's name: refresh the catalog.
    for space in building.spaces:
        space.updated_at = datetime.now(space.updated_at.tzinfo)
    session.flush()
    audit.record(session, actor, "building.change", "building", building.id)
    return building


@dataclass(frozen=True)
class ClosureResult:
    closure: Closure
    affected: list[Booking]


def create_closure(
    session: Session,
    actor: User,
    *,
    start: datetime,
    end: datetime,
    reason: str,
    space_id: int | None = None,
    building_code: str | None = None,
) -> ClosureResult:
    """Close a space, a building or (neither given) the whole campus. Cancels nothing: the
    active bookings inside are returned as affected, for the manager to deal with."""
    require_manager(actor)
    if space_id is not None and building_code is not None:
        raise _bad("building", "Give a space or a building, not both.", "exclusive")
    if end <= start:
        raise _bad("end", "A closure must end after it starts.", "order")
    closure = Closure(start=start, end=end, reason=reason, created_by_id=actor.id)
    affected_query = select(Booking).where(ACTIVE_SQL, Booking.start < end, Booking.end > start)
    if space_id is not None:
        if session.get(Space, space_id) is None:
            raise _bad("space_id", f"There is no space {space_id}.", "unknown")
        closure.space_id = space_id
        affected_query = affected_query.where(Booking.space_id == space_id)
    elif building_code is not None:
        building = _building(session, building_code)
        closure.building_id = building.id
        affected_query = affected_query.join(Space, Space.id == Booking.space_id).where(
            Space.building_id == building.id
        )
    session.add(closure)
    session.flush()
    audit.record(session, actor, "closure.create", "closure", closure.id, reason=reason)
    affected = list(session.scalars(affected_query.order_by(Booking.start, Booking.id)))
    return ClosureResult(closure=closure, affected=affected)


def list_closures(
    session: Session,
    *,
    start: datetime | None,
    end: datetime | None,
    space_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[Closure], bool]:
    query = select(Closure)
    if start is not None:
        query = query.where(Closure.end > start)
    if end is not None:
        query = query.where(Closure.start < end)
    if space_id is not None:
        space = session.get(Space, space_id)
        if space is None:
            raise NotFound(f"There is no space {space_id}.")
        query = query.where(
            (Closure.space_id == space_id)
            | ((Closure.space_id.is_(None)) & (Closure.building_id == space.building_id))
            | ((Closure.space_id.is_(None)) & (Closure.building_id.is_(None)))
        )
    rows = list(
        session.scalars(query.order_by(Closure.start, Closure.id).offset(offset).limit(limit + 1))
    )
    return rows[:limit], len(rows) > limit


def delete_closure(session: Session, actor: User, closure_id: int) -> None:
    require_manager(actor)
    closure = session.get(Closure, closure_id)
    if closure is None:
        raise NotFound(f"There is no closure {closure_id}.")
    session.delete(closure)
    session.flush()
    audit.record(session, actor, "closure.delete", "closure", closure_id)
