"""Buildings, spaces and closures: the campus as it can be booked."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import db
from booking.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from booking.models.people import Tenant

SPACE_KINDS = (
    "office",
    "meeting_room",
    "training_room",
    "event_space",
    "collaboration",
    "lab",
    "cleanroom",
)
LEASABLE_KINDS = ("office", "lab", "cleanroom")


class Building(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "buildings"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    spaces: Mapped[list[Space]] = relationship(back_populates="building")


space_allowed_tenants = Table(
    "space_allowed_tenants",
    db.metadata,
    Column("space_id", ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True),
    Column("tenant_id", ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
)


class Space(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "spaces"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("granularity_min > 0", name="granularity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    kind: Mapped[str] = mapped_column(
        Enum(*SPACE_KINDS, name="space_kind", native_enum=False, create_constraint=True)
    )
    floor: Mapped[int | None] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    area_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    features: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    # A retired space keeps its history but can no longer be booked or leased.
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    # Booking rules (API.md section 4); None means "no limit".
    bookable: Mapped[bool] = mapped_column(Boolean, default=True)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # {"mon": [["08:00", "18:00"]], ...}; None = always open, a day left out = closed.
    opening_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    min_duration_min: Mapped[int | None] = mapped_column(Integer)
    max_duration_min: Mapped[int | None] = mapped_column(Integer)
    granularity_min: Mapped[int] = mapped_column(Integer, default=15)
    min_notice_min: Mapped[int | None] = mapped_column(Integer)
    max_advance_days: Mapped[int | None] = mapped_column(Integer)
    buffer_before_min: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_min: Mapped[int] = mapped_column(Integer, default=0)
    required_qualification: Mapped[str | None] = mapped_column(String(100))
    max_hours_per_week_per_tenant: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    hourly_rate_eur: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    # The longest busy time (minutes, buffers included) any booking of this space ever had.
    # Range queries use it as a lower bound on start, so that they read only nearby bookings.
    longest_busy_min: Mapped[int] = mapped_column(Integer, default=0, index=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Indexed: the catalog cache reads max(updated_at) on every request.
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    building: Mapped[Building] = relationship(back_populates="spaces", lazy="joined")
    allowed_tenants: Mapped[list[Tenant]] = relationship(
        secondary=space_allowed_tenants, lazy="selectin"
    )


class Closure(db.Model):  # type: ignore[name-defined,misc]
    """A time a space, a building or the whole campus (neither set) cannot be booked."""

    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint('"end" > start', name="end_after_start"),
        Index("ix_closures_start_end", "start", "end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    holiday: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    space: Mapped[Space | None] = relationship()
    building: Mapped[Building | None] = relationship()
