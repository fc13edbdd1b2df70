"""Bookings and series: who has which space when, in which state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import db
from booking.models.campus import Space
from booking.models.people import Tenant, User
from booking.models.types import UTCDateTime, utcnow

STATUSES = ("pending", "confirmed", "rejected", "cancelled")
ACTIVE_STATUSES = ("pending", "confirmed")
_ACTIVE_SQL = text("status IN ('pending', 'confirmed')")
# The same condition for queries, as literal SQL: SQLite uses a partial index only when the
# query's WHERE visibly implies the index's, which `status IN (?, ?)` with parameters does not.
ACTIVE_SQL = text("bookings.status IN ('pending', 'confirmed')")


class Series(db.Model):  # type: ignore[name-defined,misc]
    """A recurring booking: the rule as asked; each occurrence is a Booking row."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Canonical RRULE value (no prefix, UNTIL in UTC) and the first occurrence it was built from.
    rrule: Mapped[str] = mapped_column(String(500))
    first_start: Mapped[datetime] = mapped_column(UTCDateTime)
    first_end: Mapped[datetime] = mapped_column(UTCDateTime)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    bookings: Mapped[list[Booking]] = relationship(
        back_populates="series", order_by="Booking.occurrence_start"
    )


class Booking(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint('"end" > start', name="end_after_start"),
        CheckConstraint('busy_start <= start AND busy_end >= "end"', name="busy_covers_booking"),
        # The hot path: active bookings of a space near a time.
        Index(
            "ix_bookings_active_space_busy",
            "space_id",
            "busy_start",
            "busy_end",
            sqlite_where=_ACTIVE_SQL,
            postgresql_where=_ACTIVE_SQL,
        ),
        # Free-space search: active bookings near a time in every space at once. It carries
        # every column the search reads, so that it answers without touching the table.
        Index(
            "ix_bookings_active_busy_start",
            "busy_start",
            "busy_end",
            "space_id",
            "user_id",
            "start",
            "end",
            sqlite_where=_ACTIVE_SQL,
            postgresql_where=_ACTIVE_SQL,
        ),
        Index("ix_bookings_user_start", "user_id", "start"),
        # Most bookings are single: a plain index on series_id would hold mostly NULLs, and
        # after ANALYZE SQLite would rather scan the table than use it.
        Index(
            "ix_bookings_series_id",
            "series_id",
            sqlite_where=text("series_id IS NOT NULL"),
            postgresql_where=text("series_id IS NOT NULL"),
        ),
        Index("ix_bookings_tenant_start", "tenant_id", "start"),
        Index("ix_bookings_space_start", "space_id", "start"),
        # The database's overlap guard on SQLite looks up the neighbour through this one.
        Index(
            "ix_bookings_active_space_start",
            "space_id",
            "start",
            "end",
            sqlite_where=_ACTIVE_SQL,
            postgresql_where=_ACTIVE_SQL,
        ),
        Index("ix_bookings_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The booker's tenant when booking (None: campus staff); invoices follow it.
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"))
    # For an occurrence: its start as the rule made it (RECURRENCE-ID), even after a move.
    occurrence_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    attendees: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    # [start - buffer_before, end + buffer_after) with the space's buffers when booked.
    busy_start: Mapped[datetime] = mapped_column(UTCDateTime)
    busy_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(
        Enum(*STATUSES, name="booking_status", native_enum=False, create_constraint=True)
    )
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(2000))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    space: Mapped[Space] = relationship(lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    tenant: Mapped[Tenant | None] = relationship(lazy="joined")
    series: Mapped[Series | None] = relationship(back_populates="bookings")

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES
