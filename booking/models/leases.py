"""Leases: a tenant rents offices or labs for months or years."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Date, ForeignKey, Numeric, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import db
from booking.models.campus import Space
from booking.models.people import Tenant
from booking.models.types import UTCDateTime, utcnow

lease_spaces = Table(
    "lease_spaces",
    db.metadata,
    Column("lease_id", ForeignKey("leases.id", ondelete="CASCADE"), primary_key=True),
    Column("space_id", ForeignKey("spaces.id"), primary_key=True, index=True),
)


class Lease(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "leases"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    start: Mapped[date] = mapped_column(Date)
    # The last leased day; None: open-ended.
    end: Mapped[date | None] = mapped_column(Date)
    rent_eur_per_m2_month: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    rent_eur_month: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined")
    spaces: Mapped[list[Space]] = relationship(secondary=lease_spaces, lazy="selectin")
