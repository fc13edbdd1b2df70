"""Single bookings through the API: every rule, the order of errors, approval, buffers,
closures, 409 details, changing, cancelling, deciding, and who sees what."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from booking.models import Lease, QualificationGrant
from tests.http.scene import (
    DAY_AFTER,
    TOMORROW,
    at,
    body,
    close,
    count,
    error,
    fast_api_as,  # noqa: F401  (the api_as fixture, faster)
    local,
    violation_codes,
    whole_day,
    written,
)

WEEKDAYS_8_18 = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


# ---------------------------------------------------------------------------------------------
# A plain booking


def test_member_books_a_free_slot_and_gets_the_booking_back(api_as, make_space, make_user):
    space = make_space(code="H.2.14", name="Demer")
    member = make_user(name="An Peeters")
    api = api_as(member)

    answer = api.post(
        "/bookings", json=body(space, TOMORROW, "14:00", "15:00", title="Sprint review")
    )

    assert answer.status_code == 201
    booking = answer.get_json()
    assert booking["status"] == "confirmed"
    assert booking["space_id"] == space.id
    assert booking["space"] == {"id": space.id, "code": "H.2.14", "name": "Demer"}
    assert booking["user"] == {"id": member.id, "name": "An Peeters"}
    assert booking["tenant"] == {"id": member.tenant.id, "name": member.tenant.name}
    assert booking["title"] == "Sprint review"
    assert booking["start"] == "2026-12-02T14:00:00+01:00"
    assert booking["end"] == "2026-12-02T15:00:00+01:00"
    assert booking["series_id"] is None
    assert booking["links"]["self"].endswith(f"/api/v1/bookings/{booking['id']}")
    assert api.get(f"/bookings/{booking['id']}").get_json() == booking


def test_input_without_offset_is_campus_time_and_output_carries_the_offset(
    api_as, make_space, make_user
):
    space = make_space()
    api = api_as(make_user())
    summer = {"space_id": space.id, "title": "x"}

    answer = api.post(
        "/bookings", json={**summer, "start": "2027-07-01T10:00", "end": "2027-07-01T11:00"}
    )
    utc = api.post(
        "/bookings",
        json={**summer, "start": "2027-07-01T09:00:00Z", "end": "2027-07-01T10:00:00Z"},
    )

    assert answer.status_code == 201
    assert answer.get_json()["start"] == "2027-07-01T10:00:00+02:00"
    assert utc.status_code == 201
    assert utc.get_json()["start"] == "2027-07-01T11:00:00+02:00"


# ---------------------------------------------------------------------------------------------
# Every rule code


def _colleague_booked(session, make_user, make_booking, space, member, hours):
    colleague = make_user(tenant=member.tenant)
    start = local(DAY_AFTER, "08:00")
    make_booking(space, colleague, start, start + timedelta(hours=hours))


RULES = {
    # code: (space fields, day, start, end)
    "in_past": ({}, "2026-12-01", "08:00", "10:00"),
    "invalid_time_range": ({}, TOMORROW, "11:00", "10:00"),
    "bad_granularity": ({}, TOMORROW, "10:10", "11:00"),
    "too_short": ({"min_duration_min": 60}, TOMORROW, "10:00", "10:30"),
    "too_long": ({"max_duration_min": 120}, TOMORROW, "10:00", "12:15"),
    "too_soon": ({"min_notice_min": 24 * 60}, "2026-12-01", "12:00", "13:00"),
    "too_far_ahead": ({"max_advance_days": 30}, "2027-01-15", "10:00", "11:00"),
    "outside_opening_hours": ({"opening_hours": WEEKDAYS_8_18}, TOMORROW, "17:00", "19:00"),
    "not_bookable": ({"bookable": False}, TOMORROW, "10:00", "11:00"),
}


@pytest.mark.parametrize("code", list(RULES))
def test_breaking_a_rule_is_422_with_its_code(code, session, api_as, make_space, make_user):
    fields, day, start, end = RULES[code]
    space = make_space(**fields)
    api = api_as(make_user())
    before = written(session)

    answer = api.post("/bookings", json=body(space, day, start, end))

    assert answer.status_code == 422, answer.get_json()
    assert error(answer)["code"] == code
    assert violation_codes(answer) == [code]
    assert written(session) == before


def test_a_granularity_of_the_space_replaces_the_quarter_hour(api_as, make_space, make_user):
    coarse = make_space(granularity_min=30)
    fine = make_space(granularity_min=5)
    api = api_as(make_user())

    refused = api.post("/bookings", json=body(coarse, TOMORROW, "10:15", "11:00"))
    accepted = api.post("/bookings", json=body(fine, TOMORROW, "10:05", "10:50"))

    assert refused.status_code == 422
    assert error(refused)["code"] == "bad_granularity"
    assert error(refused)["details"]["granularity_min"] == 30
    assert accepted.status_code == 201


def test_a_day_left_out_of_the_opening_hours_is_closed_all_day(api_as, make_space, make_user):
    space = make_space(opening_hours={"mon": [["08:00", "18:00"]]})
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(space, TOMORROW, "10:00", "11:00"))

    assert answer.status_code == 422
    assert error(answer)["code"] == "outside_opening_hours"


def test_a_booking_inside_the_opening_hours_is_fine(api_as, make_space, make_user):
    space = make_space(opening_hours=WEEKDAYS_8_18)
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(space, TOMORROW, "08:00", "18:00"))

    assert answer.status_code == 201


def test_a_space_under_a_running_lease_is_not_bookable(
    session, api_as, make_space, make_user, make_tenant
):
    office = make_space(kind="office")
    lessee = make_tenant()
    session.add(Lease(tenant_id=lessee.id, start=date(2026, 11, 1), end=None, spaces=[office]))
    session.flush()
    outsider = api_as(make_user())
    insider = api_as(make_user(tenant=lessee))

    answers = [
        api.post("/bookings", json=body(office, TOMORROW, "10:00", "11:00"))
        for api in (outsider, insider)
    ]

    for answer in answers:
        assert answer.status_code == 422
        assert error(answer)["code"] == "not_bookable"


def test_a_space_is_bookable_again_after_its_lease_ended(
    session, api_as, make_space, make_user, make_tenant
):
    office = make_space(kind="office")
    lessee = make_tenant()
    session.add(
        Lease(tenant_id=lessee.id, start=date(2026, 1, 1), end=date(2026, 12, 2), spaces=[office])
    )
    session.flush()
    api = api_as(make_user())

    during = api.post("/bookings", json=body(office, TOMORROW, "10:00", "11:00"))
    after = api.post("/bookings", json=body(office, DAY_AFTER, "10:00", "11:00"))

    assert during.status_code == 422
    assert error(during)["code"] == "not_bookable"
    assert after.status_code == 201


def test_the_tenant_weekly_quota_counts_colleagues_bookings(
    session, api_as, make_space, make_user, make_booking
):
    space = make_space(max_hours_per_week_per_tenant=Decimal("2"))
    member = make_user()
    _colleague_booked(session, make_user, make_booking, space, member, hours=1.5)
    stranger = make_user()
    start = local(DAY_AFTER, "12:00")
    make_booking(space, stranger, start, start + timedelta(hours=2))
    api = api_as(member)
    before = count(session)

    too_much = api.post("/bookings", json=body(space, DAY_AFTER, "14:00", "15:00"))
    fits = api.post("/bookings", json=body(space, DAY_AFTER, "14:00", "14:30"))
    next_week = api.post("/bookings", json=body(space, "2026-12-07", "14:00", "15:30"))

    assert too_much.status_code == 422
    assert error(too_much)["code"] == "quota_exceeded"
    assert fits.status_code == 201
    assert next_week.status_code == 201
    assert count(session) == before + 2


def test_a_booking_over_centuries_is_refused_as_too_long_at_once(
    session, api_as, make_space, make_user, make_booking
):
    space = make_space(opening_hours=WEEKDAYS_8_18, max_hours_per_week_per_tenant=Decimal("10"))
    member = make_user()
    booking = make_booking(space, member, local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))
    api = api_as(member)
    centuries = {"start": "2027-01-04T08:00", "end": "8999-01-04T08:00"}

    started = time.monotonic()
    created = api.post("/bookings", json={"space_id": space.id, "title": "x", **centuries})
    changed = api.patch(f"/bookings/{booking.id}", json=centuries)
    elapsed = time.monotonic() - started

    for answer in (created, changed):
        assert answer.status_code == 422
        assert error(answer)["code"] == "too_long"
    assert elapsed < 3, f"took {elapsed:.1f} s"


# ---------------------------------------------------------------------------------------------
# The order of errors


def test_every_broken_rule_is_listed_in_the_order_of_the_contract(
    session, api_as, make_space, make_user
):
    space = make_space(
        granularity_min=30,
        min_duration_min=60,
        opening_hours=WEEKDAYS_8_18,
        bookable=False,
    )
    close(session, local(TOMORROW, "07:00"), local(TOMORROW, "08:00"), space=space)
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(space, TOMORROW, "07:15", "07:45"))

    assert answer.status_code == 422
    assert error(answer)["code"] == "bad_granularity"
    assert violation_codes(answer) == [
        "bad_granularity",
        "too_short",
        "outside_opening_hours",
        "closed",
        "not_bookable",
    ]


def test_in_past_comes_before_every_other_rule(api_as, make_space, make_user):
    space = make_space(max_duration_min=15, min_notice_min=60, bookable=False)
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(space, "2026-11-30", "10:00", "12:00"))

    assert answer.status_code == 422
    assert violation_codes(answer) == ["in_past", "too_long", "too_soon", "not_bookable"]


def test_forbidden_comes_before_qualification_before_rules_before_conflict(
    session, api_as, make_space, make_user, make_tenant, make_booking
):
    mine, theirs = make_tenant(), make_tenant()
    member = make_user(tenant=mine)
    other = make_user(tenant=theirs)
    space = make_space(
        kind="cleanroom",
        allowed_tenants=[theirs],
        required_qualification="cleanroom-gowning",
        min_duration_min=120,
    )
    make_booking(space, other, local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))
    api = api_as(member)
    request = body(space, TOMORROW, "10:00", "11:00")

    def answer() -> tuple[int, str]:
        response = api.post("/bookings", json=request)
        return response.status_code, error(response)["code"]

    assert answer() == (403, "forbidden")
    space.allowed_tenants.append(mine)
    session.commit()
    assert answer() == (403, "qualification_required")
    session.add(QualificationGrant(user_id=member.id, code="cleanroom-gowning"))
    session.commit()
    assert answer() == (422, "too_short")
    request["end"] = at(TOMORROW, "12:00")
    assert answer() == (409, "conflict")
    request["start"], request["end"] = at(TOMORROW, "12:00"), at(TOMORROW, "14:00")
    assert api.post("/bookings", json=request).status_code == 201


def test_a_rule_comes_before_a_conflict(api_as, make_space, make_user, make_booking):
    space = make_space(opening_hours=WEEKDAYS_8_18)
    make_booking(space, make_user(), local(TOMORROW, "17:00"), local(TOMORROW, "18:00"))
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(space, TOMORROW, "17:00", "19:00"))

    assert answer.status_code == 422
    assert error(answer)["code"] == "outside_opening_hours"


def test_bad_input_comes_before_a_missing_space_and_no_token_before_both(
    api_as, anonymous, make_user
):
    api = api_as(make_user())
    bad = {"space_id": 999999, "start": "soon", "end": at(TOMORROW, "11:00"), "title": "x"}

    no_token = anonymous.post("/bookings", json=bad)
    bad_input = api.post("/bookings", json=bad)
    missing = api.post("/bookings", json={**bad, "start": at(TOMORROW, "10:00")})

    assert (no_token.status_code, error(no_token)["code"]) == (401, "unauthenticated")
    assert (bad_input.status_code, error(bad_input)["code"]) == (400, "bad_request")
    assert (missing.status_code, error(missing)["code"]) == (404, "not_found")


def test_a_retired_space_cannot_be_found_by_a_member(api_as, make_space, make_user):
    space = make_space(active=False)
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(space, TOMORROW, "10:00", "11:00"))

    assert answer.status_code == 404
    assert error(answer)["code"] == "not_found"


# ---------------------------------------------------------------------------------------------
# Qualifications


@pytest.mark.parametrize(
    "expires", [None, date(2026, 11, 30)], ids=["no grant", "grant expired before the booking"]
)
def test_a_space_needing_a_qualification_refuses_people_without_it(
    expires, session, api_as, make_space, make_user
):
    space = make_space(kind="cleanroom", required_qualification="cleanroom-gowning")
    member = make_user()
    if expires is not None:
        session.add(
            QualificationGrant(user_id=member.id, code="cleanroom-gowning", expires=expires)
        )
    session.add(QualificationGrant(user_id=member.id, code="laser-safety"))
    session.flush()
    api = api_as(member)
    before = count(session)

    answer = api.post("/bookings", json=body(space, TOMORROW, "10:00", "11:00"))

    assert answer.status_code == 403
    assert error(answer)["code"] == "qualification_required"
    assert error(answer)["details"]["qualification"] == "cleanroom-gowning"
    assert count(session) == before


def test_a_qualification_counts_up_to_and_including_its_expiry_day(
    session, api_as, make_space, make_user
):
    space = make_space(kind="cleanroom", required_qualification="cleanroom-gowning")
    member = make_user()
    session.add(
        QualificationGrant(user_id=member.id, code="cleanroom-gowning", expires=date(2026, 12, 2))
    )
    session.flush()
    api = api_as(member)

    on_the_day = api.post("/bookings", json=body(space, TOMORROW, "10:00", "11:00"))
    day_after = api.post("/bookings", json=body(space, DAY_AFTER, "10:00", "11:00"))

    assert on_the_day.status_code == 201
    assert day_after.status_code == 403
    assert error(day_after)["code"] == "qualification_required"


# ---------------------------------------------------------------------------------------------
# The manager


def test_the_manager_skips_allowed_tenants_quota_notice_and_advance(
    api_as, make_space, make_user, make_tenant
):
    space = make_space(
        allowed_tenants=[make_tenant()],
        max_hours_per_week_per_tenant=Decimal("1"),
        min_notice_min=48 * 60,
        max_advance_days=7,
    )
    manager = api_as(make_user(role="manager"))
    member = api_as(make_user())

    soon = manager.post("/bookings", json=body(space, "2026-12-01", "10:00", "13:00"))
    far = manager.post("/bookings", json=body(space, "2027-06-01", "10:00", "13:00"))
    refused = member.post("/bookings", json=body(space, DAY_AFTER, "10:00", "11:00"))

    assert soon.status_code == 201, soon.get_json()
    assert far.status_code == 201, far.get_json()
    assert soon.get_json()["tenant"] is None  # campus staff book for no tenant
    assert (refused.status_code, error(refused)["code"]) == (403, "forbidden")


MANAGER_RULES = {
    "in_past": ({}, "2026-12-01", "08:00", "10:00"),
    "bad_granularity": ({}, TOMORROW, "10:10", "11:00"),
    "too_short": ({"min_duration_min": 60}, TOMORROW, "10:00", "10:30"),
    "too_long": ({"max_duration_min": 60}, TOMORROW, "10:00", "12:00"),
    "outside_opening_hours": ({"opening_hours": WEEKDAYS_8_18}, TOMORROW, "06:00", "08:00"),
    "not_bookable": ({"bookable": False}, TOMORROW, "10:00", "11:00"),
}


@pytest.mark.parametrize("code", list(MANAGER_RULES))
def test_the_manager_keeps_the_other_rules(code, api_as, make_space, make_user):
    fields, day, start, end = MANAGER_RULES[code]
    space = make_space(**fields)
    api = api_as(make_user(role="manager"))

    answer = api.post("/bookings", json=body(space, day, start, end))

    assert answer.status_code == 422
    assert error(answer)["code"] == code


def test_the_manager_needs_the_qualification_too(api_as, make_space, make_user):
    space = make_space(kind="cleanroom", required_qualification="cleanroom-gowning")
    api = api_as(make_user(role="manager"))

    answer = api.post("/bookings", json=body(space, TOMORROW, "10:00", "11:00"))

    assert answer.status_code == 403
    assert error(answer)["code"] == "qualification_required"


def test_the_manager_cannot_book_over_a_members_booking(
    api_as, make_space, make_user, make_booking
):
    space = make_space()
    make_booking(space, make_user(), local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))
    api = api_as(make_user(role="manager"))

    answer = api.post("/bookings", json=body(space, TOMORROW, "10:30", "11:30"))

    assert answer.status_code == 409


# ---------------------------------------------------------------------------------------------
# Approval


def test_a_members_booking_in_an_approval_space_is_pending(api_as, make_space, make_user):
    space = make_space(kind="training_room", requires_approval=True)
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(space, TOMORROW, "10:00", "12:00"))

    assert answer.status_code == 201
    assert answer.get_json()["status"] == "pending"


def test_the_managers_booking_in_an_approval_space_is_confirmed_at_once(
    api_as, make_space, make_user
):
    space = make_space(kind="training_room", requires_approval=True)
    api = api_as(make_user(role="manager"))

    answer = api.post("/bookings", json=body(space, TOMORROW, "10:00", "12:00"))

    assert answer.status_code == 201
    assert answer.get_json()["status"] == "confirmed"


def test_pending_booking_holds_its_slot(session, api_as, make_space, make_user):
    space = make_space(kind="training_room", requires_approval=True)
    first, second = make_user(), make_user()
    manager = make_user(role="manager")
    pending = api_as(first).post("/bookings", json=body(space, TOMORROW, "10:00", "12:00"))

    answers = [
        api_as(person).post("/bookings", json=body(space, TOMORROW, "11:00", "13:00"))
        for person in (second, manager)
    ]

    assert pending.get_json()["status"] == "pending"
    for answer in answers:
        assert answer.status_code == 409
        assert error(answer)["details"]["conflicts"] == [
            {"start": at(TOMORROW, "10:00"), "end": at(TOMORROW, "12:00"), "reason": "booking"}
        ]


def test_the_manager_approves_a_pending_booking(api_as, make_space, make_user):
    space = make_space(requires_approval=True)
    member = api_as(make_user())
    booking = member.post("/bookings", json=body(space, TOMORROW, "10:00", "12:00")).get_json()
    manager = api_as(make_user(role="manager"))

    approved = manager.post(f"/bookings/{booking['id']}/approve")
    again = manager.post(f"/bookings/{booking['id']}/approve")

    assert approved.status_code == 200
    assert approved.get_json()["status"] == "confirmed"
    assert member.get(f"/bookings/{booking['id']}").get_json()["status"] == "confirmed"
    assert again.status_code == 409
    assert error(again)["code"] == "conflict"


def test_the_manager_rejects_with_a_reason_and_the_slot_is_free_again(
    api_as, make_space, make_user
):
    space = make_space(requires_approval=True)
    member = api_as(make_user())
    booking = member.post("/bookings", json=body(space, TOMORROW, "10:00", "12:00")).get_json()
    manager = api_as(make_user(role="manager"))

    rejected = manager.post(
        f"/bookings/{booking['id']}/reject", json={"reason": "The room is being painted."}
    )
    reject_again = manager.post(f"/bookings/{booking['id']}/reject")
    other = api_as(make_user()).post("/bookings", json=body(space, TOMORROW, "10:00", "12:00"))

    assert rejected.status_code == 200
    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["reason"] == "The room is being painted."
    assert reject_again.status_code == 409
    assert other.status_code == 201


def test_only_the_manager_approves_or_rejects(api_as, make_space, make_user, make_booking):
    space = make_space(requires_approval=True)
    member = make_user()
    admin = make_user(role="tenant_admin", tenant=member.tenant)
    stranger = make_user()
    booking = make_booking(
        space, member, local(TOMORROW, "10:00"), local(TOMORROW, "11:00"), status="pending"
    )

    for person in (member, admin):
        api = api_as(person)
        for action in ("approve", "reject"):
            answer = api.post(f"/bookings/{booking.id}/{action}")
            assert answer.status_code == 403, (person.role, action)
            assert error(answer)["code"] == "forbidden"
    hidden = api_as(stranger).post(f"/bookings/{booking.id}/approve")
    assert hidden.status_code == 404
    assert api_as(member).get(f"/bookings/{booking.id}").get_json()["status"] == "pending"


def test_approvals_list_the_pending_bookings_oldest_request_first(api_as, make_space, make_user):
    space = make_space(requires_approval=True)
    plain = make_space()
    member = api_as(make_user())
    ids = []
    for day in ("2026-12-10", TOMORROW, "2026-12-05"):
        answer = member.post("/bookings", json=body(space, day, "10:00", "11:00"))
        ids.append(answer.get_json()["id"])
    member.post("/bookings", json=body(plain, TOMORROW, "10:00", "11:00"))
    manager = api_as(make_user(role="manager"))
    manager.post(f"/bookings/{ids[1]}/approve")

    answer = manager.get("/approvals")
    first_page = manager.get("/approvals?limit=1").get_json()
    second_page = manager.get(f"/approvals?limit=1&cursor={first_page['next_cursor']}").get_json()

    assert answer.status_code == 200
    assert [b["id"] for b in answer.get_json()["items"]] == [ids[0], ids[2]]
    assert all(b["status"] == "pending" for b in answer.get_json()["items"])
    assert [b["id"] for b in first_page["items"]] == [ids[0]]
    assert [b["id"] for b in second_page["items"]] == [ids[2]]
    assert second_page["next_cursor"] is None
    assert api_as(make_user()).get("/approvals").status_code == 403


# ---------------------------------------------------------------------------------------------
# Buffers


def test_another_persons_booking_within_the_buffer_is_a_conflict(
    session, api_as, make_space, make_user, make_booking
):
    space = make_space(kind="cleanroom", buffer_before_min=30, buffer_after_min=30)
    make_booking(space, make_user(), local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))
    api = api_as(make_user())
    before = count(session)

    after = api.post("/bookings", json=body(space, TOMORROW, "11:30", "12:30"))
    earlier = api.post("/bookings", json=body(space, TOMORROW, "08:30", "09:30"))
    overlapping = api.post("/bookings", json=body(space, TOMORROW, "10:45", "11:45"))
    clear = api.post("/bookings", json=body(space, TOMORROW, "12:00", "13:00"))

    assert after.status_code == 409
    assert error(after)["details"]["conflicts"] == [
        {"start": at(TOMORROW, "11:00"), "end": at(TOMORROW, "11:30"), "reason": "buffer"}
    ]
    assert earlier.status_code == 409
    assert error(earlier)["details"]["conflicts"] == [
        {"start": at(TOMORROW, "09:30"), "end": at(TOMORROW, "10:00"), "reason": "buffer"}
    ]
    assert overlapping.status_code == 409
    assert error(overlapping)["details"]["conflicts"] == [
        {"start": at(TOMORROW, "10:00"), "end": at(TOMORROW, "11:00"), "reason": "booking"}
    ]
    assert clear.status_code == 201
    assert count(session) == before + 1


def test_ones_own_back_to_back_bookings_ignore_the_buffers(api_as, make_space, make_user):
    space = make_space(kind="cleanroom", buffer_before_min=30, buffer_after_min=30)
    api = api_as(make_user())

    first = api.post("/bookings", json=body(space, TOMORROW, "10:00", "11:00"))
    after = api.post("/bookings", json=body(space, TOMORROW, "11:00", "12:00"))
    before = api.post("/bookings", json=body(space, TOMORROW, "09:00", "10:00"))
    overlap = api.post("/bookings", json=body(space, TOMORROW, "11:45", "12:30"))

    assert [first.status_code, after.status_code, before.status_code] == [201, 201, 201]
    assert overlap.status_code == 409
    assert error(overlap)["details"]["conflicts"][0]["reason"] == "booking"


# ---------------------------------------------------------------------------------------------
# Closures


@pytest.mark.parametrize("scope", ["space", "building", "campus"])
def test_a_closure_of_the_space_its_building_or_the_campus_is_closed(
    scope, session, api_as, make_space, make_user
):
    space = make_space()
    elsewhere = make_space()
    start, end = local(TOMORROW, "09:00"), local(TOMORROW, "13:00")
    close(
        session,
        start,
        end,
        space=space if scope == "space" else None,
        building=space.building if scope == "building" else None,
    )
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(space, TOMORROW, "12:00", "14:00"))
    other = api.post("/bookings", json=body(elsewhere, TOMORROW, "12:00", "14:00"))
    later = api.post("/bookings", json=body(space, TOMORROW, "13:00", "14:00"))

    assert answer.status_code == 422
    assert error(answer)["code"] == "closed"
    assert other.status_code == (422 if scope == "campus" else 201)
    assert later.status_code == 201


def test_a_belgian_public_holiday_closes_the_campus(session, api_as, make_space, make_user):
    import holidays

    assert holidays.BE(years=2026).get(date(2026, 12, 25)) == "Christmas Day"
    close(session, *whole_day("2026-12-25"), holiday=True, reason="Christmas Day")
    space = make_space()
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(space, "2026-12-25", "10:00", "11:00"))
    day_after = api.post("/bookings", json=body(space, "2026-12-26", "10:00", "11:00"))
    manager = api_as(make_user(role="manager")).post(
        "/bookings", json=body(space, "2026-12-25", "10:00", "11:00")
    )

    assert answer.status_code == 422
    assert error(answer)["code"] == "closed"
    assert day_after.status_code == 201
    assert manager.status_code == 422


# ---------------------------------------------------------------------------------------------
# What a 409 says


def test_a_conflict_shows_busy_time_without_other_peoples_titles(
    api_as, make_space, make_user, make_booking
):
    space = make_space()
    owner = make_user(name="Secret Owner")
    make_booking(
        space, owner, local(TOMORROW, "10:00"), local(TOMORROW, "11:00"), title="Merger talks"
    )
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(space, TOMORROW, "10:30", "11:30"))

    assert answer.status_code == 409
    details = error(answer)["details"]
    assert details["conflicts"] == [
        {"start": at(TOMORROW, "10:00"), "end": at(TOMORROW, "11:00"), "reason": "booking"}
    ]
    text = json.dumps(answer.get_json())
    assert "Merger talks" not in text
    assert "Secret Owner" not in text


def test_a_conflict_offers_the_three_nearest_slots_the_earlier_first_on_a_tie(
    api_as, make_space, make_user, make_booking
):
    space = make_space()
    make_booking(space, make_user(), local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(space, TOMORROW, "10:00", "11:00"))

    assert answer.status_code == 409
    assert error(answer)["details"]["alternatives"]["slots"] == [
        {"start": at(TOMORROW, "09:00"), "end": at(TOMORROW, "10:00")},
        {"start": at(TOMORROW, "11:00"), "end": at(TOMORROW, "12:00")},
        {"start": at(TOMORROW, "08:45"), "end": at(TOMORROW, "09:45")},
    ]


def test_alternative_slots_today_are_never_in_the_past(api_as, make_space, make_user, make_booking):
    space = make_space()
    make_booking(space, make_user(), local("2026-12-01", "10:00"), local("2026-12-01", "11:00"))
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(space, "2026-12-01", "10:00", "11:00"))

    assert answer.status_code == 409
    assert error(answer)["details"]["alternatives"]["slots"] == [
        {"start": at("2026-12-01", "09:00"), "end": at("2026-12-01", "10:00")},
        {"start": at("2026-12-01", "11:00"), "end": at("2026-12-01", "12:00")},
        {"start": at("2026-12-01", "11:15"), "end": at("2026-12-01", "12:15")},
    ]


def test_alternative_slots_keep_to_the_same_day_and_the_rules(
    api_as, make_space, make_user, make_booking
):
    space = make_space(opening_hours={"wed": [["08:00", "10:00"]]}, buffer_after_min=30)
    make_booking(space, make_user(), local(TOMORROW, "08:00"), local(TOMORROW, "09:00"))
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(space, TOMORROW, "08:30", "09:30"))

    assert answer.status_code == 409
    # 09:00 to 09:30 is the buffer; 10:00 is closing time: nothing fits that day.
    assert error(answer)["details"]["alternatives"]["slots"] == []


def test_a_conflict_offers_up_to_five_similar_free_spaces(
    api_as, make_space, make_user, make_building, make_booking
):
    building = make_building()
    wanted = make_space(kind="meeting_room", capacity=10, building=building)
    similar = [
        make_space(kind="meeting_room", capacity=10 + n, building=building) for n in range(6)
    ]
    make_space(kind="meeting_room", capacity=4, building=building)  # too small
    make_space(kind="training_room", capacity=40, building=building)  # another kind
    busy_too = make_space(kind="meeting_room", capacity=10, building=building)
    someone = make_user()
    for space in (wanted, busy_too):
        make_booking(space, someone, local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))
    api = api_as(make_user())

    answer = api.post("/bookings", json=body(wanted, TOMORROW, "10:00", "11:00"))

    assert answer.status_code == 409
    offered = error(answer)["details"]["alternatives"]["spaces"]
    assert len(offered) == 5
    assert {s["id"] for s in offered} <= {s.id for s in similar}
    assert set(offered[0]) == {"id", "code", "name"}
    for space in offered:
        free = api.post("/bookings", json=body(space["id"], TOMORROW, "10:00", "11:00"))
        assert free.status_code == 201


# ---------------------------------------------------------------------------------------------
# Changing a booking


def _booked(api, space, day=TOMORROW, start="10:00", end="11:00", **extra):
    answer = api.post("/bookings", json=body(space, day, start, end, **extra))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_the_owner_moves_a_booking_to_a_free_time(api_as, make_space, make_user):
    space = make_space()
    api = api_as(make_user())
    booking = _booked(api, space)

    answer = api.patch(
        f"/bookings/{booking['id']}",
        json={"start": at(TOMORROW, "10:30"), "end": at(TOMORROW, "11:30")},
    )

    assert answer.status_code == 200
    changed = answer.get_json()
    assert (changed["start"], changed["end"]) == (at(TOMORROW, "10:30"), at(TOMORROW, "11:30"))
    assert api.get(f"/bookings/{booking['id']}").get_json()["start"] == at(TOMORROW, "10:30")


def test_the_owner_changes_the_title_and_the_space(api_as, make_space, make_user):
    space, other = make_space(), make_space()
    api = api_as(make_user())
    booking = _booked(api, space)

    titled = api.patch(f"/bookings/{booking['id']}", json={"title": "Renamed"})
    moved = api.patch(f"/bookings/{booking['id']}", json={"space_id": other.id})
    taken = api.post("/bookings", json=body(space, TOMORROW, "10:00", "11:00"))

    assert titled.status_code == 200
    assert titled.get_json()["title"] == "Renamed"
    assert moved.status_code == 200
    assert moved.get_json()["space_id"] == other.id
    assert moved.get_json()["title"] == "Renamed"
    assert taken.status_code == 201  # the old slot is free again


def test_a_change_onto_someone_elses_booking_is_a_conflict(
    session, api_as, make_space, make_user, make_booking
):
    space = make_space()
    make_booking(space, make_user(), local(TOMORROW, "12:00"), local(TOMORROW, "13:00"))
    api = api_as(make_user())
    booking = _booked(api, space)

    answer = api.patch(
        f"/bookings/{booking['id']}",
        json={"start": at(TOMORROW, "11:30"), "end": at(TOMORROW, "12:30")},
    )

    assert answer.status_code == 409
    assert error(answer)["details"]["conflicts"][0]["reason"] == "booking"
    unchanged = api.get(f"/bookings/{booking['id']}").get_json()
    assert (unchanged["start"], unchanged["end"]) == (at(TOMORROW, "10:00"), at(TOMORROW, "11:00"))


def test_a_change_is_checked_again_like_a_new_booking(
    session, api_as, make_space, make_user, make_tenant
):
    space = make_space(opening_hours=WEEKDAYS_8_18, max_duration_min=120)
    qualified_only = make_space(required_qualification="laser-safety")
    reserved = make_space(allowed_tenants=[make_tenant()])
    retired = make_space(active=False)
    api = api_as(make_user())
    booking = _booked(api, space)

    late = api.patch(
        f"/bookings/{booking['id']}",
        json={"start": at(TOMORROW, "17:00"), "end": at(TOMORROW, "19:00")},
    )
    long = api.patch(f"/bookings/{booking['id']}", json={"end": at(TOMORROW, "13:00")})
    past = api.patch(
        f"/bookings/{booking['id']}",
        json={"start": at("2026-11-30", "10:00"), "end": at("2026-11-30", "11:00")},
    )
    backwards = api.patch(f"/bookings/{booking['id']}", json={"end": at(TOMORROW, "09:00")})
    unqualified = api.patch(f"/bookings/{booking['id']}", json={"space_id": qualified_only.id})
    forbidden = api.patch(f"/bookings/{booking['id']}", json={"space_id": reserved.id})
    gone = api.patch(f"/bookings/{booking['id']}", json={"space_id": retired.id})

    assert (late.status_code, error(late)["code"]) == (422, "outside_opening_hours")
    assert (long.status_code, error(long)["code"]) == (422, "too_long")
    assert (past.status_code, error(past)["code"]) == (422, "in_past")
    assert (backwards.status_code, error(backwards)["code"]) == (422, "invalid_time_range")
    assert (unqualified.status_code, error(unqualified)["code"]) == (
        403,
        "qualification_required",
    )
    assert (forbidden.status_code, error(forbidden)["code"]) == (403, "forbidden")
    assert (gone.status_code, error(gone)["code"]) == (404, "not_found")
    unchanged = api.get(f"/bookings/{booking['id']}").get_json()
    assert (unchanged["start"], unchanged["end"], unchanged["space_id"]) == (
        at(TOMORROW, "10:00"),
        at(TOMORROW, "11:00"),
        space.id,
    )


def test_a_change_does_not_count_the_booking_itself_against_the_quota(
    api_as, make_space, make_user
):
    space = make_space(max_hours_per_week_per_tenant=Decimal("2"))
    api = api_as(make_user())
    booking = _booked(api, space)

    longer = api.patch(f"/bookings/{booking['id']}", json={"end": at(TOMORROW, "12:00")})
    too_long = api.patch(f"/bookings/{booking['id']}", json={"end": at(TOMORROW, "12:30")})

    assert longer.status_code == 200
    assert (too_long.status_code, error(too_long)["code"]) == (422, "quota_exceeded")


def test_a_moved_booking_in_an_approval_space_asks_for_approval_again(
    api_as, make_space, make_user
):
    space = make_space(requires_approval=True)
    member = api_as(make_user())
    manager = api_as(make_user(role="manager"))
    booking = _booked(member, space)
    manager.post(f"/bookings/{booking['id']}/approve")

    retitled = member.patch(f"/bookings/{booking['id']}", json={"title": "New name"})
    moved = member.patch(
        f"/bookings/{booking['id']}",
        json={"start": at(TOMORROW, "14:00"), "end": at(TOMORROW, "15:00")},
    )

    assert retitled.get_json()["status"] == "confirmed"
    assert moved.status_code == 200
    assert moved.get_json()["status"] == "pending"
    assert [b["id"] for b in manager.get("/approvals").get_json()["items"]] == [booking["id"]]


def test_a_booking_may_move_over_its_own_old_time(api_as, make_space, make_user):
    space = make_space(buffer_after_min=30)
    api = api_as(make_user())
    booking = _booked(api, space)

    answer = api.patch(
        f"/bookings/{booking['id']}",
        json={"start": at(TOMORROW, "10:15"), "end": at(TOMORROW, "11:15")},
    )

    assert answer.status_code == 200


def test_a_member_cannot_change_someone_elses_booking(api_as, make_space, make_user, make_booking):
    space = make_space()
    owner = make_user()
    admin = make_user(role="tenant_admin", tenant=owner.tenant)
    colleague = make_user(tenant=owner.tenant)
    stranger = make_user()
    booking = make_booking(space, owner, local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))
    change = {"title": "Hijacked"}

    by_admin = api_as(admin).patch(f"/bookings/{booking.id}", json=change)
    by_colleague = api_as(colleague).patch(f"/bookings/{booking.id}", json=change)
    by_stranger = api_as(stranger).patch(f"/bookings/{booking.id}", json=change)
    by_manager = api_as(make_user(role="manager")).patch(
        f"/bookings/{booking.id}", json={"title": "Moved by the campus"}
    )

    assert (by_admin.status_code, error(by_admin)["code"]) == (403, "forbidden")
    assert (by_colleague.status_code, error(by_colleague)["code"]) == (404, "not_found")
    assert (by_stranger.status_code, error(by_stranger)["code"]) == (404, "not_found")
    assert by_manager.status_code == 200
    assert api_as(owner).get(f"/bookings/{booking.id}").get_json()["title"] == (
        "Moved by the campus"
    )


def test_a_cancelled_booking_cannot_be_changed(api_as, make_space, make_user):
    space = make_space()
    api = api_as(make_user())
    booking = _booked(api, space)
    api.post(f"/bookings/{booking['id']}/cancel")

    answer = api.patch(f"/bookings/{booking['id']}", json={"title": "Back"})

    assert answer.status_code == 409


@pytest.mark.parametrize("field", ["start", "end", "space_id", "title"])
def test_a_change_cannot_set_a_required_field_to_null(field, api_as, make_space, make_user):
    space = make_space()
    api = api_as(make_user())
    booking = _booked(api, space)

    answer = api.patch(f"/bookings/{booking['id']}", json={field: None})

    assert answer.status_code == 400
    assert field in error(answer)["details"]["fields"]


# ---------------------------------------------------------------------------------------------
# Cancelling


def test_cancelling_frees_the_slot_and_a_second_cancel_is_a_conflict(
    session, api_as, make_space, make_user
):
    space = make_space()
    api = api_as(make_user())
    booking = _booked(api, space)

    cancelled = api.post(f"/bookings/{booking['id']}/cancel")
    again = api.post(f"/bookings/{booking['id']}/cancel")
    rebooked = api_as(make_user()).post("/bookings", json=body(space, TOMORROW, "10:00", "11:00"))

    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    assert again.status_code == 409
    assert error(again)["code"] == "conflict"
    assert rebooked.status_code == 201


def test_the_tenant_admin_and_the_manager_cancel_a_members_booking_others_cannot_see_it(
    api_as, make_space, make_user, make_booking
):
    space = make_space()
    owner = make_user()
    admin = make_user(role="tenant_admin", tenant=owner.tenant)
    colleague = make_user(tenant=owner.tenant)
    first = make_booking(space, owner, local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))
    second = make_booking(space, owner, local(TOMORROW, "12:00"), local(TOMORROW, "13:00"))

    hidden = api_as(colleague).post(f"/bookings/{first.id}/cancel")
    by_admin = api_as(admin).post(f"/bookings/{first.id}/cancel")
    by_manager = api_as(make_user(role="manager")).post(f"/bookings/{second.id}/cancel")

    assert (hidden.status_code, error(hidden)["code"]) == (404, "not_found")
    assert by_admin.status_code == 200
    assert by_admin.get_json()["status"] == "cancelled"
    assert by_manager.status_code == 200


def test_a_member_cannot_cancel_a_booking_that_has_ended_but_the_manager_can(
    api_as, make_space, make_user, make_booking
):
    space = make_space()
    member = make_user()
    first = make_booking(space, member, local("2026-11-30", "10:00"), local("2026-11-30", "11:00"))
    second = make_booking(space, member, local("2026-11-30", "12:00"), local("2026-11-30", "13:00"))

    by_member = api_as(member).post(f"/bookings/{first.id}/cancel")
    by_manager = api_as(make_user(role="manager")).post(f"/bookings/{second.id}/cancel")

    assert (by_member.status_code, error(by_member)["code"]) == (422, "in_past")
    assert by_manager.status_code == 200


def test_a_cancel_with_an_unknown_scope_is_bad_input(api_as, make_space, make_user):
    space = make_space()
    api = api_as(make_user())
    booking = _booked(api, space)

    answer = api.post(f"/bookings/{booking['id']}/cancel", json={"scope": "everything"})

    assert answer.status_code == 400
    assert "scope" in error(answer)["details"]["fields"]
    assert api.get(f"/bookings/{booking['id']}").get_json()["status"] == "confirmed"


# ---------------------------------------------------------------------------------------------
# Who sees what


def test_a_member_cannot_see_another_members_booking(api_as, make_space, make_user, make_booking):
    space = make_space()
    owner = make_user()
    colleague = make_user(tenant=owner.tenant)
    booking = make_booking(space, owner, local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))

    answer = api_as(colleague).get(f"/bookings/{booking.id}")

    assert answer.status_code == 404
    assert error(answer)["code"] == "not_found"


def test_the_tenant_admin_sees_the_tenants_bookings_and_the_manager_all(
    api_as, make_space, make_user, make_booking
):
    space = make_space()
    owner = make_user()
    admin = make_user(role="tenant_admin", tenant=owner.tenant)
    foreign_admin = make_user(role="tenant_admin")
    booking = make_booking(space, owner, local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))

    assert api_as(admin).get(f"/bookings/{booking.id}").status_code == 200
    assert api_as(foreign_admin).get(f"/bookings/{booking.id}").status_code == 404
    seen = api_as(make_user(role="manager")).get(f"/bookings/{booking.id}")
    assert seen.status_code == 200
    assert seen.get_json()["title"] == "Meeting"


def test_listing_bookings_shows_own_tenant_or_all_by_role(
    api_as, make_space, make_user, make_booking
):
    space = make_space()
    member = make_user()
    colleague = make_user(tenant=member.tenant)
    admin = make_user(role="tenant_admin", tenant=member.tenant)
    stranger = make_user()
    manager = make_user(role="manager")
    mine = make_booking(space, member, local(TOMORROW, "08:00"), local(TOMORROW, "09:00"))
    theirs = make_booking(space, colleague, local(TOMORROW, "09:00"), local(TOMORROW, "10:00"))
    foreign = make_booking(space, stranger, local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))

    def ids(person, query=""):
        answer = api_as(person).get("/bookings" + query)
        assert answer.status_code == 200
        assert answer.get_json()["next_cursor"] is None
        return [b["id"] for b in answer.get_json()["items"]]

    assert ids(member) == [mine.id]
    assert ids(admin) == [mine.id, theirs.id]
    assert ids(manager) == [mine.id, theirs.id, foreign.id]
    assert ids(manager, f"?user={stranger.id}") == [foreign.id]


def test_listing_bookings_filters_by_time_space_and_status(
    api_as, make_space, make_user, make_booking
):
    space, other = make_space(), make_space()
    member = make_user()
    a = make_booking(space, member, local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))
    b = make_booking(other, member, local(DAY_AFTER, "10:00"), local(DAY_AFTER, "11:00"))
    c = make_booking(
        space,
        member,
        local("2026-12-10", "10:00"),
        local("2026-12-10", "11:00"),
        status="cancelled",
    )
    api = api_as(member)

    def ids(query):
        answer = api.get("/bookings" + query)
        assert answer.status_code == 200, answer.get_json()
        return [item["id"] for item in answer.get_json()["items"]]

    assert ids("") == [a.id, b.id, c.id]
    assert ids(f"?space_id={space.id}") == [a.id, c.id]
    assert ids("?status=cancelled") == [c.id]
    assert ids(f"?from={DAY_AFTER}") == [b.id, c.id]
    assert ids(f"?to={DAY_AFTER}") == [a.id, b.id]  # a date as `to` includes that day
    assert ids(f"?from={TOMORROW}T10:30&to={DAY_AFTER}T10:00") == [a.id]
    assert api.get("/bookings?status=lost").status_code == 400
    assert api.get("/bookings?colour=red").status_code == 400


def test_listing_bookings_pages_with_limit_and_cursor(api_as, make_space, make_user, make_booking):
    space = make_space()
    member = make_user()
    made = []
    for hour in range(8, 15):
        start = local(TOMORROW, f"{hour:02d}:00")
        made.append(make_booking(space, member, start, start + timedelta(hours=1)).id)
    api = api_as(member)

    seen, cursor, pages = [], None, 0
    while True:
        answer = api.get("/bookings?limit=3" + (f"&cursor={cursor}" if cursor else ""))
        assert answer.status_code == 200
        page = answer.get_json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str)

    assert seen == made
    assert pages == 3


def test_paging_keeps_bookings_that_start_at_the_same_time_in_id_order(
    api_as, make_space, make_user, make_booking
):
    member = make_user()
    made = [
        make_booking(make_space(), member, local(TOMORROW, "10:00"), local(TOMORROW, "11:00")).id
        for _ in range(5)
    ]
    api = api_as(member)

    first = api.get("/bookings?limit=2").get_json()
    second = api.get(f"/bookings?limit=2&cursor={first['next_cursor']}").get_json()
    third = api.get(f"/bookings?limit=2&cursor={second['next_cursor']}").get_json()

    pages = [first, second, third]
    assert [item["id"] for page in pages for item in page["items"]] == sorted(made)
    assert third["next_cursor"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "o1",
        "%00",
        "WyJub3QgYSB0aW1lIiwgMV0",  # ["not a time", 1]
        "WyIyMDI3LTAxLTAxVDAwOjAwOjAwIiwgMV0",  # naive time
        "eyJhIjogMX0",  # {"a": 1}
        "MTIz",  # 123
    ],
)
def test_a_cursor_not_given_by_the_api_is_bad_input(cursor, api_as, make_user):
    api = api_as(make_user())

    answer = api.get(f"/bookings?cursor={cursor}")

    assert answer.status_code == 400
    assert error(answer)["code"] == "bad_request"
    assert "cursor" in error(answer)["details"]["fields"]


@pytest.mark.parametrize("limit", ["0", "501", "-1", "ten", "1.5"])
def test_a_limit_outside_1_to_500_is_bad_input(limit, api_as, make_user):
    answer = api_as(make_user()).get(f"/bookings?limit={limit}")

    assert answer.status_code == 400
    assert "limit" in error(answer)["details"]["fields"]


def test_limit_500_is_allowed(api_as, make_user):
    assert api_as(make_user()).get("/bookings?limit=500").status_code == 200


def test_nothing_is_written_for_a_refused_booking(
    session, api_as, make_space, make_user, make_booking
):
    space = make_space()
    make_booking(space, make_user(), local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))
    api = api_as(make_user())
    before = written(session)

    answers = [
        api.post("/bookings", json=body(space, TOMORROW, "10:30", "11:30")),
        api.post("/bookings", json=body(space, TOMORROW, "10:05", "11:30")),
        api.post("/bookings", json={"space_id": space.id}),
    ]

    assert [a.status_code for a in answers] == [409, 422, 400]
    assert written(session) == before
