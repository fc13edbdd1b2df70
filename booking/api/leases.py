"""Leases: list, read, create, end (the manager; a tenant admin reads its own)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from flask import jsonify, request
from pydantic import AfterValidator, Field, StrictInt, StrictStr

from booking.api import api, current_user
from booking.api.parsing import MAX_ID, body, page, page_args, query_int, reject_unknown_args
from booking.api.schemas import Body, Money
from booking.api.serialize import booking_json, money
from booking.clock import booking_now, campus_zone
from booking.errors import BadRequest
from booking.extensions import current_session, db
from booking.models import Lease
from booking.services import leases as lease_service
from booking.timefmt import iso_local

MAX_RENT = Decimal("100000000")


def _date_text(value: str) -> str:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date YYYY-MM-DD") from None
    if len(value) != 10 or not 1900 <= day.year <= 9000:
        raise ValueError("must be a date YYYY-MM-DD between 1900 and 9000")
    return value


DateText = Annotated[StrictStr, Field(max_length=10), AfterValidator(_date_text)]


class LeaseCreate(Body):
    tenant_id: StrictInt
    space_ids: Annotated[list[StrictInt], Field(min_length=1, max_length=200)]
    start: DateText
    end: DateText | None = None
    rent_eur_per_m2_month: Money | None = None
    rent_eur_month: Money | None = None


class LeaseEnd(Body):
    end: DateText | None = None


def parse_money(value: Decimal | int | str | None, name: str) -> Decimal | None:
    """A number or decimal string, at least 0, at most two decimals; else 400 naming it."""
    if value is None:
        return None
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        amount = Decimal("NaN")
    if (
        not amount.is_finite()
        or amount < 0
        or amount >= MAX_RENT
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise BadRequest(
            f"{name} must be an amount of at least 0 with at most two decimals.",
            details={"fields": {name: "amount"}},
        )
    return amount.quantize(Decimal("0.01"))


def lease_json(lease: Lease, today: date) -> dict[str, Any]:
    tz = campus_zone()
    spaces = sorted(lease.spaces, key=lambda s: s.code)
    return {
        "id": lease.id,
        "tenant_id": lease.tenant_id,
        "tenant": {"id": lease.tenant.id, "name": lease.tenant.name},
        "space_ids": [s.id for s in spaces],
        "spaces": [{"id": s.id, "code": s.code, "name": s.name} for s in spaces],
        "start": lease.start.isoformat(),
        "end": lease.end.isoformat() if lease.end else None,
        "rent_eur_per_m2_month": (
            money(lease.rent_eur_per_m2_month) if lease.rent_eur_per_m2_month is not None else None
        ),
        "rent_eur_month": money(lease.rent_eur_month) if lease.rent_eur_month is not None else None,
        "status": lease_service.status_of(lease, today),
        "created_at": iso_local(lease.created_at, tz),
        "updated_at": iso_local(lease.updated_at, tz),
    }


def _today() -> date:
    return booking_now().astimezone(campus_zone()).date()


def _query_date(name: str) -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(_date_text(value))
    except ValueError:
        raise BadRequest(
            f"{name} must be a date YYYY-MM-DD.", details={"fields": {name: "date"}}
        ) from None


@api.get("/leases")
def list_leases() -> Any:
    reject_unknown_args("tenant_id", "space_id", "on", "limit", "cursor")
    limit, cursor = page_args()
    items, next_cursor = lease_service.list_leases(
        current_session(),
        current_user(),
        lease_service.LeaseFilter(
            tenant_id=query_int("tenant_id", minimum=1, maximum=MAX_ID),
            space_id=query_int("space_id", minimum=1, maximum=MAX_ID),
            on=_query_date("on"),
        ),
        limit=limit,
        cursor=cursor,
    )
    today = _today()
    return jsonify(page([lease_json(lease, today) for lease in items], next_cursor))


@api.get("/leases/<int:lease_id>")
def get_lease(lease_id: int) -> Any:
    lease = lease_service.get_lease(current_session(), current_user(), lease_id)
    return jsonify(lease_json(lease, _today()))


@api.post("/leases")
def create_lease() -> Any:
    data = body(LeaseCreate)
    lease_request = lease_service.LeaseRequest(
        tenant_id=data.tenant_id,
        space_ids=tuple(data.space_ids),
        start=date.fromisoformat(data.start),
        end=date.fromisoformat(data.end) if data.end else None,
        rent_eur_per_m2_month=parse_money(data.rent_eur_per_m2_month, "rent_eur_per_m2_month"),
        rent_eur_month=parse_money(data.rent_eur_month, "rent_eur_month"),
    )
    tz = campus_zone()
    result = lease_service.create_lease(
        current_session(), current_user(), lease_request, now=booking_now(), tz=tz
    )
    answer = lease_json(result.lease, _today())
    answer["affected"] = [booking_json(b, tz) for b in result.affected]
    db.session.commit()
    return jsonify(answer), 201


@api.post("/leases/<int:lease_id>/end")
def end_lease(lease_id: int) -> Any:
    data = body(LeaseEnd, optional=True)
    today = _today()
    lease = lease_service.end_lease(
        current_session(),
        current_user(),
        lease_id,
        date.fromisoformat(data.end) if data.end else None,
        today=today,
    )
    answer = lease_json(lease, today)
    db.session.commit()
    return jsonify(answer), 200
