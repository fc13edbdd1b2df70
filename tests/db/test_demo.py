"""The demo campus: what someone trying the system finds, and the rules its data must keep."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import holidays
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from booking.extensions import db
from booking.models import (
    LEASABLE_KINDS,
    SPACE_KINDS,
    Booking,
    Building,
    Closure,
    Lease,
    Series,
    Space,
    Tenant,
    User,
)
from booking.services.demo import DemoSummary, seed_demo
from tests.conftest import NOW, TZ

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def seed(session: Session, **kwargs: object) -> DemoSummary:
    return seed_demo(session, now=NOW, tz=TZ, **kwargs)  # type: ignore[arg-type]


def minutes(value: str) -> int:
    hours, mins = value.split(":")
    return int(hours) * 60 + int(mins)


def test_demo_hub_has_two_buildings_of_about_15000_m2(session):
    summary = seed(session)

    assert summary.created
    codes = set(session.scalars(select(Building.code)))
    assert codes == {"HUB", "LAB"}
    area = session.scalar(select(func.sum(Space.area_m2)))
    assert Decimal("14500") <= Decimal(str(area)) <= Decimal("15500")
    assert Decimal("14500") <= summary.area_m2 <= Decimal("15500")
    assert summary.spaces == session.scalar(select(func.count()).select_from(Space))
    assert summary.bookings == session.scalar(select(func.count()).select_from(Booking))
    assert "Demo campus seeded" in summary.describe()
    assert "manager@demo.example / campus-demo" in summary.describe()


def test_every_kind_of_space_is_there_with_its_rules(session):
    seed(session)
    spaces = session.scalars(select(Space)).all()

    assert {space.kind for space in spaces} == set(SPACE_KINDS)
    by_kind: dict[str, list[Space]] = {}
    for space in spaces:
        by_kind.setdefault(space.kind, []).append(space)
    assert len(by_kind["event_space"]) == 1
    hall = by_kind["event_space"][0]
    assert hall.capacity == 250 and hall.requires_approval and "sat" in hall.opening_hours
    assert all(not room.requires_approval for room in by_kind["meeting_room"])
    assert all(room.requires_approval for room in by_kind["training_room"])
    for cleanroom in by_kind["cleanroom"]:
        assert cleanroom.requires_approval
        assert cleanroom.required_qualification == "cleanroom-gowning"
        assert cleanroom.buffer_before_min == cleanroom.buffer_after_min == 30
        assert cleanroom.granularity_min == 30
    for lab in by_kind["lab"]:
        assert lab.opening_hours["mon"] == [["06:00", "22:00"]]
    hub = {space.building.code for space in by_kind["meeting_room"] + by_kind["office"]}
    assert hub == {"HUB"}
    assert {space.building.code for space in by_kind["cleanroom"]} == {"LAB"}
    assert any(space.max_duration_min for space in spaces)
    assert any(space.min_notice_min for space in spaces)
    assert any(space.max_advance_days for space in spaces)


def test_demo_accounts_sign_in_with_campus_demo_in_their_roles(session):
    seed(session)
    users = {user.email: user for user in session.scalars(select(User))}
    first_tenant = session.scalars(select(Tenant).order_by(Tenant.id)).first()

    manager = users["manager@demo.example"]
    admin = users["tenant-admin@demo.example"]
    member = users["member@demo.example"]
    member2 = users["member2@demo.example"]
    assert (manager.role, manager.tenant_id) == ("manager", None)
    assert (admin.role, admin.tenant_id) == ("tenant_admin", first_tenant.id)
    assert (member.role, member.tenant_id) == ("member", first_tenant.id)
    assert member2.role == "member"
    assert member2.tenant_id not in (None, first_tenant.id)
    # One hash serves every demo account (hashing is slow on purpose): checking it once will do.
    hashes = {user.password_hash for user in (manager, admin, member, member2)}
    assert len(hashes) == 1
    assert check_password_hash(hashes.pop(), "campus-demo")

    [grant] = member.qualifications
    assert grant.code == "cleanroom-gowning"
    assert date(2027, 11, 1) <= grant.expires <= date(2027, 12, 31)
    assert member2.qualifications == []
    # Every tenant has two to four people besides the demo accounts; a few read English.
    for tenant in session.scalars(select(Tenant)):
        others = [
            user
            for user in users.values()
            if user.tenant_id == tenant.id and not user.email.endswith("@demo.example")
        ]
        assert 2 <= len(others) <= 4
        assert all(user.role == "member" for user in others)
    assert {user.language for user in users.values()} == {"nl", "en"}
    assert len({user.feed_token for user in users.values()}) == len(users)


def test_tenants_have_valid_belgian_vat_numbers_and_leases(session):
    seed(session)
    tenants = session.scalars(select(Tenant)).all()

    assert len(tenants) == 6
    for tenant in tenants:
        vat = tenant.vat_number
        assert vat.startswith("BE0") and len(vat) == 12 and vat[2:].isdigit()
        assert int(vat[10:]) == 97 - int(vat[2:10]) % 97
        assert 0 <= tenant.free_hours_month <= 10
    leases = session.scalars(select(Lease)).all()
    assert {lease.tenant_id for lease in leases} == {tenant.id for tenant in tenants}
    today = NOW.date()
    for lease in leases:
        assert lease.start < today
        assert lease.end is None or lease.end > today
        assert lease.spaces and all(space.kind in LEASABLE_KINDS for space in lease.spaces)
        if lease.rent_eur_per_m2_month is not None:
            assert Decimal("12") <= lease.rent_eur_per_m2_month <= Decimal("18")
    assert any(lease.rent_eur_month is not None for lease in leases)
    assert any(lease.end is None for lease in leases)
    assert any(lease.end is not None for lease in leases)
    # Each space leased at most once at a time.
    overlapping = session.execute(
        text(
            "SELECT count(*) FROM lease_spaces a JOIN leases la ON la.id = a.lease_id "
            "JOIN lease_spaces b ON b.space_id = a.space_id AND b.lease_id > a.lease_id "
            "JOIN leases lb ON lb.id = b.lease_id "
            "WHERE la.start <= COALESCE(lb.\"end\", '9999-12-31') "
            "AND lb.start <= COALESCE(la.\"end\", '9999-12-31')"
        )
    ).scalar()
    assert overlapping == 0
    offices = session.scalars(select(Space).where(Space.kind == "office")).all()
    leased = {space.id for lease in leases for space in lease.spaces}
    assert sum(1 for office in offices if office.id in leased) > len(offices) / 2


def test_belgian_holidays_of_this_and_next_year_close_the_whole_campus(session):
    seed(session)
    closures = session.scalars(select(Closure)).all()
    by_day = {closure.start.astimezone(TZ).date(): closure for closure in closures}

    expected = holidays.country_holidays("BE", years=[2026, 2027], language="nl")
    assert set(by_day) == set(expected)
    assert len(closures) == len(expected)
    for day, closure in by_day.items():
        assert closure.holiday
        assert closure.space_id is None and closure.building_id is None
        assert closure.reason == expected[day]
        assert closure.start == datetime.combine(day, time(0), tzinfo=TZ)
        assert closure.end == datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ)
    national_day = by_day[date(2027, 7, 21)]
    assert national_day.start == datetime(2027, 7, 20, 22, 0, tzinfo=UTC)


def test_seeding_again_changes_nothing(session):
    first = seed(session)
    session.commit()

    again = seed(session)

    assert not again.created
    assert again == replace(first, created=False)
    assert "nothing was changed" in again.describe()


def test_active_bookings_of_a_space_never_overlap_in_busy_time(session):
    seed(session)

    overlaps = session.execute(
        text(
            "SELECT count(*) FROM bookings a JOIN bookings b "
            "ON a.space_id = b.space_id AND a.id < b.id "
            "AND a.busy_start < b.busy_end AND b.busy_start < a.busy_end "
            "WHERE a.status IN ('pending', 'confirmed') AND b.status IN ('pending', 'confirmed')"
        )
    ).scalar()
    assert overlaps == 0


def test_bookings_keep_to_opening_hours_leases_and_holidays(session):
    seed(session)
    bookings = session.scalars(select(Booking)).all()
    leases = session.scalars(select(Lease)).all()
    leased = {
        space.id: (lease.start, lease.end or date.max) for lease in leases for space in lease.spaces
    }
    closed = set(holidays.country_holidays("BE", years=[2025, 2026, 2027]))

    assert 500 <= len(bookings) <= 5000
    for booking in bookings:
        space = booking.space
        start, end = booking.start.astimezone(TZ), booking.end.astimezone(TZ)
        busy_start, busy_end = booking.busy_start.astimezone(TZ), booking.busy_end.astimezone(TZ)
        day = start.date()
        assert space.bookable and space.kind != "office"
        if space.id in leased:
            lease_start, lease_end = leased[space.id]
            assert not lease_start <= day <= lease_end
        assert day not in closed
        assert start.weekday() < 5 and end.date() == day
        assert busy_start == start - timedelta(minutes=space.buffer_before_min)
        assert busy_end == end + timedelta(minutes=space.buffer_after_min)
        spans = [
            (minutes(a), minutes(b)) for a, b in space.opening_hours.get(DAYS[day.weekday()], [])
        ]
        first = busy_start.hour * 60 + busy_start.minute
        last = busy_end.hour * 60 + busy_end.minute
        assert any(a <= first and last <= b for a, b in spans), booking.title
        for moment in (start, end):
            assert (moment.hour * 60 + moment.minute) % space.granularity_min == 0
        assert 1 <= booking.attendees <= space.capacity
        assert booking.tenant_id is not None
        assert booking.tenant_id == booking.user.tenant_id
        if space.max_duration_min is not None:
            assert end - start <= timedelta(minutes=space.max_duration_min)
    # No campus-wide closure has an active booking inside it.
    in_closure = session.execute(
        text(
            "SELECT count(*) FROM bookings b JOIN closures c "
            'ON b.start < c."end" AND c.start < b."end"'
        )
    ).scalar()
    assert in_closure == 0


def test_bookings_span_the_weeks_around_now_with_statuses_that_make_sense(session):
    seed(session)
    bookings = session.scalars(select(Booking)).all()

    days = {booking.start.astimezone(TZ).date() for booking in bookings}
    assert min(days) <= NOW.date() - timedelta(days=21)
    assert max(days) >= NOW.date() + timedelta(days=21)
    statuses = {booking.status for booking in bookings}
    assert {"confirmed", "pending", "cancelled"} <= statuses
    for booking in bookings:
        if booking.status == "pending":
            assert booking.space.requires_approval and booking.start > NOW
        if booking.space.kind == "cleanroom":
            grants = {g.code: g.expires for g in booking.user.qualifications}
            assert grants.get("cleanroom-gowning", date.min) >= booking.start.date()
        assert booking.created_at <= booking.updated_at
    titles = {booking.title for booking in bookings}
    assert {"Sprint review", "Klantendemo"} & titles
    # The meeting rooms keep free time on most days.
    meeting = [b for b in bookings if b.space.kind == "meeting_room" and b.active]
    hours = sum((b.end - b.start).total_seconds() for b in meeting) / 3600
    room_days = len({(b.space_id, b.start.astimezone(TZ).date()) for b in meeting})
    assert hours / room_days < 8


def test_member_has_weekly_series(session):
    seed(session)
    member = session.scalar(select(User).where(User.email == "member@demo.example"))
    series = session.scalars(select(Series).where(Series.user_id == member.id)).all()

    weekly = [s for s in series if s.rrule.startswith("FREQ=WEEKLY;BYDAY=")]
    assert len(weekly) >= 2
    for one in weekly:
        assert "COUNT=8" in one.rrule
        occurrences = one.bookings
        assert 6 <= len(occurrences) <= 8
        assert occurrences[0].start == one.first_start
        assert occurrences[0].end == one.first_end
        for booking in occurrences:
            assert booking.user_id == member.id and booking.tenant_id == member.tenant_id
            assert booking.occurrence_start == booking.start
            assert booking.title == one.title
            local = booking.start.astimezone(TZ)
            first = one.first_start.astimezone(TZ)
            assert (local.weekday(), local.time()) == (first.weekday(), first.time())


def test_longest_busy_min_covers_every_booking_of_the_space(session):
    seed(session)

    rows = session.execute(
        select(Space.id, Space.longest_busy_min, Booking.busy_start, Booking.busy_end).join(
            Booking, Booking.space_id == Space.id
        )
    ).all()
    assert rows
    longest: dict[int, int] = {}
    for space_id, recorded, busy_start, busy_end in rows:
        busy = int((busy_end - busy_start).total_seconds() // 60)
        assert recorded >= busy
        longest[space_id] = max(longest.get(space_id, 0), busy)
    for space_id, recorded, *_ in rows:
        assert recorded == longest[space_id]


def _booking_digest(session: Session) -> str:
    rows = session.execute(
        select(Space.code, User.email, Booking.title, Booking.start, Booking.end, Booking.status)
        .join(Space, Space.id == Booking.space_id)
        .join(User, User.id == Booking.user_id)
        .order_by(Space.code, Booking.start)
    ).all()
    return hashlib.sha256(repr([tuple(map(str, row)) for row in rows]).encode()).hexdigest()


def test_the_same_now_gives_the_same_campus(session):
    seed(session)
    digest = _booking_digest(session)
    for table in reversed(db.metadata.sorted_tables):
        session.execute(delete(table))
    # SQLite hands out the same ids again: forget the objects of the first campus.
    session.expunge_all()

    summary = seed(session)

    assert summary.created
    assert _booking_digest(session) == digest
