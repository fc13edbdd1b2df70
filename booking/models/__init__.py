"""SQLAlchemy 2 typed models, one module per aggregate."""

from booking.models.audit import AuditEntry, OutboxMessage
from booking.models.bookings import ACTIVE_STATUSES, STATUSES, Booking, Series
from booking.models.campus import (
    LEASABLE_KINDS,
    SPACE_KINDS,
    Building,
    Closure,
    Space,
    space_allowed_tenants,
)
from booking.models.leases import Lease, lease_spaces
from booking.models.people import LANGUAGES, ROLES, ApiToken, QualificationGrant, Tenant, User

__all__ = [
    "ACTIVE_STATUSES",
    "LANGUAGES",
    "LEASABLE_KINDS",
    "ROLES",
    "SPACE_KINDS",
    "STATUSES",
    "ApiToken",
    "AuditEntry",
    "Booking",
    "Building",
    "Closure",
    "Lease",
    "OutboxMessage",
    "QualificationGrant",
    "Series",
    "Space",
    "Tenant",
    "User",
    "lease_spaces",
    "space_allowed_tenants",
]
