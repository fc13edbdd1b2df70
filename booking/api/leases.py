"""Leases: list, read, create, end (the manager; a tenant admin reads its own)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify

from booking.api import api, current_user
from booking.api.openapi import operation
from booking.api.parsing import page
from booking.api.responses import LeaseCreated, LeaseOut, LeasePage
from booking.api.schemas import LeaseCreate, LeaseEnd, LeaseQuery
from booking.api.serialize import booking_json, lease_json
from booking.clock import booking_now, campus_zone
from booking.extensions import current_session, db
from booking.services import leases as lease_service


def _today() -> date:
    return booking_now().astimezone(campus_zone()).date()


@api.get("/leases")
@operation(
    "Leases (manager); a tenant admin sees its own",
    query=LeaseQuery,
    answers={200: LeasePage},
    errors=(403,),
)
def list_leases(args: LeaseQuery) -> Any:
    items, next_cursor = lease_service.list_leases(
        current_session(),
        current_user(),
        lease_service.LeaseFilter(
            tenant_id=args.tenant_id,
            space_id=args.space_id,
            on=date.fromisoformat(args.on) if args.on else None,
        ),
        limit=args.limit,
        cursor=args.cursor,
    )
    today, tz = _today(), campus_zone()
    return jsonify(page([lease_json(lease, today, tz) for lease in items], next_cursor))


@api.get("/leases/<int:lease_id>")
@operation("A lease (manager; a tenant admin its own)", answers={200: LeaseOut})
def get_lease(lease_id: int) -> Any:
    lease = lease_service.get_lease(current_session(), current_user(), lease_id)
    return jsonify(lease_json(lease, _today(), campus_zone()))


@api.post("/leases")
@operation(
    "Lease offices, labs or cleanrooms to a tenant (manager)",
    body=LeaseCreate,
    answers={201: LeaseCreated},
    errors=(403, 404, 409),
    description="Dates; `end` is the last leased day (absent: open-ended); no rent: "
    "rent-free. A space leased twice at once is 409. Leased spaces stop being bookable: "
    "`affected` lists the bookings inside the lease.",
    links={
        201: {
            "get": {"operationId": "get_lease", "parameters": {"lease_id": "$response.body#/id"}},
            "end": {"operationId": "end_lease", "parameters": {"lease_id": "$response.body#/id"}},
        }
    },
)
def create_lease(data: LeaseCreate) -> Any:
    lease_request = lease_service.LeaseRequest(
        tenant_id=data.tenant_id,
        space_ids=tuple(data.space_ids),
        start=date.fromisoformat(data.start),
        end=date.fromisoformat(data.end) if data.end else None,
        rent_eur_per_m2_month=data.rent_eur_per_m2_month,  # type: ignore[arg-type]
        rent_eur_month=data.rent_eur_month,  # type: ignore[arg-type]
    )
    tz = campus_zone()
    result = lease_service.create_lease(
        current_session(), current_user(), lease_request, now=booking_now(), tz=tz
    )
    answer = lease_json(result.lease, _today(), tz)
    answer["affected"] = [booking_json(b, tz) for b in result.affected]
    db.session.commit()
    return jsonify(answer), 201


@api.post("/leases/<int:lease_id>/end")
@operation(
    "End a lease on a day (default today)",
    body=LeaseEnd,
    body_optional=True,
    answers={200: LeaseOut},
    errors=(403, 409),
)
def end_lease(lease_id: int, data: LeaseEnd) -> Any:
    today = _today()
    lease = lease_service.end_lease(
        current_session(),
        current_user(),
        lease_id,
        date.fromisoformat(data.end) if data.end else None,
        today=today,
    )
    answer = lease_json(lease, today, campus_zone())
    db.session.commit()
    return jsonify(answer), 200
