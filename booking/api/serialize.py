"""One representation per resource (booking.api.responses describes each in the document)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from booking.models import (
    AuditEntry,
    Booking,
    Building,
    Closure,
    Lease,
    OutboxMessage,
    QualificationGrant,
    Tenant,
    User,
)
from booking.services import leases as lease_service
from booking.services.catalog import SpaceView
from booking.timefmt import iso_local


def money(value: Decimal | int | None) -> str:
    return f"{Decimal(value or 0):.2f}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def space_json(view: SpaceView) -> dict[str, Any]:
    rules = view.rules
    return {
        "id": view.id,
        "code": view.code,
        "name": view.name,
        "building": view.building_code,
        "kind": view.kind,
        "floor": view.floor,
        "capacity": view.capacity,
        "area_m2": money(view.area_m2),
        "features": list(view.feature_list),
        "active": view.active,
        "bookable": rules.bookable,
        "requires_approval": rules.requires_approval,
        "opening_hours": view.opening_hours_json,
        "min_duration_min": rules.min_duration_min,
        "max_duration_min": rules.max_duration_min,
        "granularity_min": rules.granularity_min,
        "min_notice_min": rules.min_notice_min,
        "max_advance_days": rules.max_advance_days,
        "buffer_before_min": rules.buffer_before_min,
        "buffer_after_min": rules.buffer_after_min,
        "required_qualification": rules.required_qualification,
        "allowed_tenants": sorted(rules.allowed_tenants) if rules.allowed_tenants else None,
        "max_hours_per_week_per_tenant": (
            money(rules.max_hours_per_week_per_tenant)
            if rules.max_hours_per_week_per_tenant is not None
            else None
        ),
        "hourly_rate_eur": money(view.hourly_rate_eur),
    }


def building_json(building: Building) -> dict[str, Any]:
    return {"code": building.code, "name": building.name, "address": building.address}


def booking_json(booking: Booking, tz: ZoneInfo) -> dict[str, Any]:
    base = current_app.config["BOOKING_BASE_URL"]
    return {
        "id": booking.id,
        "space_id": booking.space_id,
        "space": {"id": booking.space.id, "code": booking.space.code, "name": booking.space.name},
        "user": {"id": booking.user.id, "name": booking.user.name},
        "tenant": (
            {"id": booking.tenant.id, "name": booking.tenant.name} if booking.tenant else None
        ),
        "title": booking.title,
        "start": iso_local(booking.start, tz),
        "end": iso_local(booking.end, tz),
        "status": booking.status,
        "series_id": booking.series_id,
        "attendees": booking.attendees,
        "notes": booking.notes,
        "reason": booking.reason,
        "created_at": iso_local(booking.created_at, tz),
        "updated_at": iso_local(booking.updated_at, tz),
        "links": {
            "self": f"{base}/api/v1/bookings/{booking.id}",
            "ical": f"{base}/api/v1/bookings/{booking.id}.ics",
            "web": f"{base}/bookings/{booking.id}",
        },
    }


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "tenant_id": user.tenant_id,
        "language": user.language,
        "active": user.active,
        "qualifications": [
            {"code": g.code, "expires": g.expires.isoformat() if g.expires else None}
            for g in sorted(user.qualifications, key=lambda g: g.code)
        ],
    }


def feed_urls(user: User) -> dict[str, str]:
    base = current_app.config["BOOKING_BASE_URL"]
    ical = f"{base}/ical/{user.feed_token}/me.ics"
    webcal = "webcal://" + ical.split("://", 1)[1]
    return {"ical_url": ical, "webcal_url": webcal}


def me_json(user: User) -> dict[str, Any]:
    data = user_json(user)
    data["tenant"] = {"id": user.tenant.id, "name": user.tenant.name} if user.tenant else None
    data.update(feed_urls(user))
    return data


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


def outbox_json(message: OutboxMessage, tz: ZoneInfo) -> dict[str, Any]:
    # The body is left out on purpose: invitations and resets carry a link that sets a
    # password, and nobody but the addressee may have it.
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


def audit_json(entry: AuditEntry, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": iso_local(entry.at, tz),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "details": entry.details or {},
    }


def closure_json(closure: Closure, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": closure.id,
        "space_id": closure.space_id,
        "building": closure.building.code if closure.building else None,
        "start": iso_local(closure.start, tz),
        "end": iso_local(closure.end, tz),
        "reason": closure.reason,
        "holiday": closure.holiday,
    }


def lease_json(lease: Lease, today: date, tz: ZoneInfo) -> dict[str, Any]:
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
