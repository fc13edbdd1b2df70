"""Factory fixtures: make_building, make_space, make_tenant, make_user, make_booking."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from booking.models import Booking, Building, Space, Tenant, User

PASSWORD = "correct horse battery"
# Hashing is slow on purpose; tests share one hash of the one password.
_PASSWORD_HASH = generate_password_hash(PASSWORD)
_serial = count(1)


@pytest.fixture
def make_building(session: Session) -> Callable[..., Building]:
    def make(**fields: Any) -> Building:
        n = next(_serial)
        fields.setdefault("code", f"B{n}")
        fields.setdefault("name", f"Building {n}")
        building = Building(**fields)
        session.add(building)
        session.flush()
        return building

    return make


@pytest.fixture
def make_space(session: Session, make_building: Callable[..., Building]) -> Callable[..., Space]:
    def make(**fields: Any) -> Space:
        n = next(_serial)
        if "building" not in fields and "building_id" not in fields:
            fields["building"] = make_building()
        fields.setdefault("code", f"S.{n}")
        fields.setdefault("name", f"Room {n}")
        fields.setdefault("kind", "meeting_room")
        fields.setdefault("capacity", 8)
        fields.setdefault("area_m2", Decimal("20"))
        fields.setdefault("features", [])
        space = Space(**fields)
        session.add(space)
        session.flush()
        return space

    return make


@pytest.fixture
def make_tenant(session: Session) -> Callable[..., Tenant]:
    def make(**fields: Any) -> Tenant:
        fields.setdefault("name", f"Tenant {next(_serial)}")
        tenant = Tenant(**fields)
        session.add(tenant)
        session.flush()
        return tenant

    return make


@pytest.fixture
def make_user(session: Session, make_tenant: Callable[..., Tenant]) -> Callable[..., User]:
    def make(**fields: Any) -> User:
        n = next(_serial)
        fields.setdefault("role", "member")
        if "tenant" not in fields and "tenant_id" not in fields and fields["role"] != "manager":
            fields["tenant"] = make_tenant()
        fields.setdefault("email", f"user{n}@test.example")
        fields.setdefault("name", f"User {n}")
        fields.setdefault("password_hash", _PASSWORD_HASH)
        fields.setdefault("feed_token", secrets.token_urlsafe(24))
        fields.setdefault("language", "en")
        user = User(**fields)
        session.add(user)
        session.flush()
        return user

    return make


@pytest.fixture
def make_booking(session: Session) -> Callable[..., Booking]:
    """A booking written directly (no rule checks): for setting the scene."""

    def make(space: Space, user: User, start: datetime, end: datetime, **fields: Any) -> Booking:
        fields.setdefault("title", "Meeting")
        fields.setdefault("status", "confirmed")
        before = timedelta(minutes=space.buffer_before_min)
        after = timedelta(minutes=space.buffer_after_min)
        booking = Booking(
            space=space,
            user=user,
            tenant_id=user.tenant_id,
            start=start,
            end=end,
            busy_start=start - before,
            busy_end=end + after,
            **fields,
        )
        busy_min = int((end - start + before + after).total_seconds() // 60)
        space.longest_busy_min = max(space.longest_busy_min or 0, busy_min)
        session.add(booking)
        session.flush()
        return booking

    return make
