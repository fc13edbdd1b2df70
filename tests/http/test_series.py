"""Recurring bookings through the API: expansion in local time, skipping, all or nothing,
the rule's limits, and cancelling or deciding a series."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from booking.models import QualificationGrant, Series
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


def series(space, day, start, end, rrule, skip_conflicts=None, **extra):
    recurrence = {"rrule": rrule}
    if skip_conflicts is not None:
        recurrence["skip_conflicts"] = skip_conflicts
    return body(space, day, start, end, recurrence=recurrence, **extra)


def _utc(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------------------------------
# Expansion in local time


def test_a_weekly_series_stays_at_ten_local_across_the_spring_change(api_as, make_space, make_user):
    space = make_space()
    api = api_as(make_user())

    answer = api.post(
        "/bookings", json=series(space, "2027-03-17", "10:00", "11:00", "FREQ=WEEKLY;COUNT=4")
    )

    assert answer.status_code == 201, answer.get_json()
    made = answer.get_json()
    assert set(made) == {"series_id", "bookings", "skipped"}
    assert made["skipped"] == []
    starts = [b["start"] for b in made["bookings"]]
    assert starts == [
        "2027-03-17T10:00:00+01:00",
        "2027-03-24T10:00:00+01:00",
        "2027-03-31T10:00:00+02:00",
        "2027-04-07T10:00:00+02:00",
    ]
    assert [b["end"][11:] for b in made["bookings"]] == ["11:00:00+01:00"] * 2 + [
        "11:00:00+02:00"
    ] * 2
    assert [_utc(s) for s in starts] == [
        "2027-03-17 09:00",
        "2027-03-24 09:00",
        "2027-03-31 08:00",
        "2027-04-07 08:00",
    ]
    assert {b["series_id"] for b in made["bookings"]} == {made["series_id"]}
    assert all(b["status"] == "confirmed" for b in made["bookings"])


def test_a_weekly_series_given_without_offset_stays_at_ten_across_the_autumn_change(
    api_as, make_space, make_user
):
    space = make_space()
    api = api_as(make_user())
    data = {
        "space_id": space.id,
        "start": "2027-10-20T10:00",
        "end": "2027-10-20T11:30",
        "title": "Stand-up",
        "recurrence": {"rrule": "RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=3"},
    }

    answer = api.post("/bookings", json=data)

    assert answer.status_code == 201, answer.get_json()
    bookings = answer.get_json()["bookings"]
    assert [(b["start"], b["end"]) for b in bookings] == [
        ("2027-10-20T10:00:00+02:00", "2027-10-20T11:30:00+02:00"),
        ("2027-10-27T10:00:00+02:00", "2027-10-27T11:30:00+02:00"),
        ("2027-11-03T10:00:00+01:00", "2027-11-03T11:30:00+01:00"),
    ]


def test_a_monthly_last_friday_series_lands_on_the_last_fridays(api_as, make_space, make_user):
    space = make_space()
    api = api_as(make_user())

    answer = api.post(
        "/bookings",
        json=series(space, "2027-01-29", "16:00", "17:00", "FREQ=MONTHLY;BYDAY=-1FR;COUNT=6"),
    )

    assert answer.status_code == 201, answer.get_json()
    starts = [b["start"] for b in answer.get_json()["bookings"]]
    assert starts == [
        "2027-01-29T16:00:00+01:00",
        "2027-02-26T16:00:00+01:00",
        "2027-03-26T16:00:00+01:00",
        "2027-04-30T16:00:00+02:00",
        "2027-05-28T16:00:00+02:00",
        "2027-06-25T16:00:00+02:00",
    ]
    assert all(date.fromisoformat(s[:10]).weekday() == 4 for s in starts)


def test_a_series_with_until_includes_the_until_day(api_as, make_space, make_user):
    space = make_space()
    api = api_as(make_user())

    answer = api.post(
        "/bookings",
        json=series(space, TOMORROW, "10:00", "11:00", "FREQ=DAILY;INTERVAL=2;UNTIL=20261208"),
    )

    assert answer.status_code == 201, answer.get_json()
    assert [b["start"][:10] for b in answer.get_json()["bookings"]] == [
        "2026-12-02",
        "2026-12-04",
        "2026-12-06",
        "2026-12-08",
    ]


def test_a_members_series_in_an_approval_space_is_pending_and_listed_for_approval(
    api_as, make_space, make_user
):
    space = make_space(requires_approval=True)
    api = api_as(make_user())
    manager = api_as(make_user(role="manager"))

    made = api.post(
        "/bookings", json=series(space, TOMORROW, "10:00", "11:00", "FREQ=WEEKLY;COUNT=3")
    ).get_json()
    queue = manager.get("/approvals").get_json()["items"]
    approved = manager.post(
        f"/bookings/{made['bookings'][0]['id']}/approve", json={"scope": "series"}
    )

    assert [b["status"] for b in made["bookings"]] == ["pending"] * 3
    assert [b["id"] for b in queue] == [b["id"] for b in made["bookings"]]
    assert approved.status_code == 200
    statuses = [api.get(f"/bookings/{b['id']}").get_json()["status"] for b in made["bookings"]]
    assert statuses == ["confirmed"] * 3
    assert manager.get("/approvals").get_json()["items"] == []


# ---------------------------------------------------------------------------------------------
# Skipping, or all or nothing


@pytest.fixture
def obstacles(session, make_space, make_user, make_booking):
    """A weekly Wednesday slot with someone's booking on the 2nd and a closure on the 3rd."""
    space = make_space()
    make_booking(space, make_user(), local("2026-12-09", "10:30"), local("2026-12-09", "11:30"))
    close(session, *whole_day("2026-12-16"), space=space)
    return space


def test_skip_conflicts_books_the_free_occurrences_and_lists_the_skipped(
    session, obstacles, api_as, make_user
):
    api = api_as(make_user())
    bookings_before = count(session)

    answer = api.post(
        "/bookings",
        json=series(obstacles, TOMORROW, "10:00", "11:00", "FREQ=WEEKLY;COUNT=4", True),
    )

    assert answer.status_code == 201, answer.get_json()
    made = answer.get_json()
    assert [b["start"] for b in made["bookings"]] == [
        at("2026-12-02", "10:00"),
        at("2026-12-23", "10:00"),
    ]
    assert made["skipped"] == [
        {
            "start": at("2026-12-09", "10:00"),
            "end": at("2026-12-09", "11:00"),
            "reason": "conflict",
        },
        {"start": at("2026-12-16", "10:00"), "end": at("2026-12-16", "11:00"), "reason": "closed"},
    ]
    assert count(session) == bookings_before + 2
    assert count(session, Series) == 1


def test_without_skip_conflicts_the_first_failing_occurrence_refuses_the_whole_series(
    session, obstacles, api_as, make_user
):
    api = api_as(make_user())
    before = written(session)

    answer = api.post(
        "/bookings", json=series(obstacles, TOMORROW, "10:00", "11:00", "FREQ=WEEKLY;COUNT=4")
    )

    assert answer.status_code == 409
    assert error(answer)["code"] == "conflict"
    assert error(answer)["details"]["conflicts"] == [
        {"start": at("2026-12-09", "10:30"), "end": at("2026-12-09", "11:30"), "reason": "booking"}
    ]
    assert written(session) == before


def test_without_skip_conflicts_a_closed_occurrence_before_a_conflict_gives_closed(
    session, obstacles, api_as, make_user
):
    api = api_as(make_user())
    before = written(session)

    answer = api.post(
        "/bookings",
        json=series(obstacles, "2026-12-16", "10:30", "11:30", "FREQ=DAILY;INTERVAL=7;COUNT=3"),
    )
    conflict_first = api.post(
        "/bookings",
        json=series(obstacles, "2026-12-02", "11:00", "12:00", "FREQ=WEEKLY;COUNT=3", False),
    )

    assert answer.status_code == 422
    assert error(answer)["code"] == "closed"
    assert conflict_first.status_code == 409
    assert written(session) == before


def test_a_series_counts_its_own_occurrences_against_the_weekly_quota(
    session, api_as, make_space, make_user
):
    space = make_space(max_hours_per_week_per_tenant=Decimal("2"))
    api = api_as(make_user())

    answer = api.post(
        "/bookings",
        json=series(space, TOMORROW, "10:00", "11:00", "FREQ=DAILY;COUNT=6", skip_conflicts=True),
    )

    assert answer.status_code == 201
    made = answer.get_json()
    assert [b["start"][:10] for b in made["bookings"]] == [TOMORROW, "2026-12-03", "2026-12-07"]
    assert [(s["start"][:10], s["reason"]) for s in made["skipped"]] == [
        ("2026-12-04", "quota_exceeded"),
        ("2026-12-05", "quota_exceeded"),
        ("2026-12-06", "quota_exceeded"),
    ]


def test_occurrences_of_one_series_may_not_overlap_one_another(
    session, api_as, make_space, make_user
):
    space = make_space()
    api = api_as(make_user())
    before = written(session)
    overlapping = {
        "space_id": space.id,
        "start": at(TOMORROW, "10:00"),
        "end": at(DAY_AFTER, "11:00"),
        "title": "Long experiment",
    }

    refused = api.post(
        "/bookings", json={**overlapping, "recurrence": {"rrule": "FREQ=DAILY;COUNT=3"}}
    )
    assert written(session) == before
    skipping = api.post(
        "/bookings",
        json={
            **overlapping,
            "recurrence": {"rrule": "FREQ=DAILY;COUNT=3", "skip_conflicts": True},
        },
    )

    assert refused.status_code == 409
    assert error(refused)["code"] == "conflict"
    assert skipping.status_code == 201
    made = skipping.get_json()
    assert [b["start"][:10] for b in made["bookings"]] == [TOMORROW, "2026-12-04"]
    assert [(s["start"][:10], s["reason"]) for s in made["skipped"]] == [("2026-12-03", "conflict")]


def test_a_series_whose_every_occurrence_fails_writes_nothing(
    session, api_as, make_space, make_user
):
    space = make_space(opening_hours={"mon": [["08:00", "18:00"]]})
    api = api_as(make_user())
    before = written(session)

    answer = api.post(
        "/bookings",
        json=series(space, TOMORROW, "10:00", "11:00", "FREQ=WEEKLY;COUNT=3", skip_conflicts=True),
    )

    assert answer.status_code == 422
    assert error(answer)["code"] == "outside_opening_hours"
    assert written(session) == before


# ---------------------------------------------------------------------------------------------
# The rule and its limits


INVALID_RULES = {
    "garbage": "every other tuesday",
    "empty": "",
    "unknown part": "FREQ=WEEKLY;COUNT=3;COLOUR=RED",
    "hourly": "FREQ=HOURLY;COUNT=3",
    "yearly": "FREQ=YEARLY;COUNT=3",
    "no count or until": "FREQ=WEEKLY",
    "count and until": "FREQ=WEEKLY;COUNT=3;UNTIL=20270101",
    "count zero": "FREQ=DAILY;COUNT=0",
    "more than 500 by count": "FREQ=DAILY;COUNT=501",
    "more than 500 by until": "FREQ=DAILY;UNTIL=20281231",
    "more than two years": "FREQ=MONTHLY;COUNT=30",
    "more than two years by until": "FREQ=WEEKLY;UNTIL=20300101",
    "until before the start": "FREQ=DAILY;UNTIL=20261101",
    "bad until": "FREQ=DAILY;UNTIL=tomorrow",
    "bad byday": "FREQ=WEEKLY;BYDAY=XX;COUNT=3",
    "interval zero": "FREQ=DAILY;INTERVAL=0;COUNT=3",
    "huge count": "FREQ=DAILY;COUNT=99999999999999999999",
    "a rule never matching": "FREQ=MONTHLY;BYMONTHDAY=31;BYDAY=MO;COUNT=5",
}


@pytest.mark.parametrize("case", list(INVALID_RULES))
def test_an_unusable_rule_is_422_invalid_recurrence(case, session, api_as, make_space, make_user):
    space = make_space()
    api = api_as(make_user())
    before = written(session)

    answer = api.post(
        "/bookings", json=series(space, TOMORROW, "10:00", "11:00", INVALID_RULES[case])
    )

    assert answer.status_code == 422, answer.get_json()
    assert error(answer)["code"] == "invalid_recurrence"
    assert written(session) == before


def test_the_start_must_itself_be_an_occurrence_of_the_rule(session, api_as, make_space, make_user):
    space = make_space()
    api = api_as(make_user())
    before = written(session)

    thursday_rule = api.post(
        "/bookings", json=series(space, TOMORROW, "10:00", "11:00", "FREQ=WEEKLY;BYDAY=TH;COUNT=3")
    )
    not_last_friday = api.post(
        "/bookings",
        json=series(space, "2027-01-22", "10:00", "11:00", "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3"),
    )

    for answer in (thursday_rule, not_last_friday):
        assert answer.status_code == 422
        assert error(answer)["code"] == "invalid_recurrence"
    assert written(session) == before


def test_a_lowercase_rule_with_prefix_and_500_occurrences_is_accepted(
    api_as, make_space, make_user
):
    space = make_space()
    api = api_as(make_user())

    answer = api.post(
        "/bookings",
        json=series(space, TOMORROW, "07:00", "07:15", "rrule:freq=daily;count=500"),
    )

    assert answer.status_code == 201, answer.get_json()
    assert len(answer.get_json()["bookings"]) == 500


def test_a_forbidden_space_is_403_even_with_a_bad_rule(api_as, make_space, make_user, make_tenant):
    space = make_space(allowed_tenants=[make_tenant()])
    api = api_as(make_user())

    answer = api.post("/bookings", json=series(space, TOMORROW, "10:00", "11:00", "garbage"))

    assert answer.status_code == 403
    assert error(answer)["code"] == "forbidden"


def test_a_missing_qualification_comes_before_a_bad_rule(api_as, make_space, make_user):
    space = make_space(required_qualification="cleanroom-gowning")
    api = api_as(make_user())

    answer = api.post("/bookings", json=series(space, TOMORROW, "10:00", "11:00", "FREQ=HOURLY"))

    assert answer.status_code == 403
    assert error(answer)["code"] == "qualification_required"


def test_the_other_rules_come_before_invalid_recurrence_which_is_listed_last(
    api_as, make_space, make_user
):
    space = make_space(min_duration_min=120)
    api = api_as(make_user())

    answer = api.post(
        "/bookings", json=series(space, "2026-11-30", "10:00", "11:00", "FREQ=HOURLY;COUNT=2")
    )

    assert answer.status_code == 422
    assert error(answer)["code"] == "in_past"
    assert violation_codes(answer) == ["in_past", "too_short", "invalid_recurrence"]


def test_invalid_recurrence_comes_before_a_conflict(api_as, make_space, make_user, make_booking):
    space = make_space()
    make_booking(space, make_user(), local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))
    api = api_as(make_user())

    answer = api.post("/bookings", json=series(space, TOMORROW, "10:00", "11:00", "FREQ=WEEKLY"))

    assert answer.status_code == 422
    assert error(answer)["code"] == "invalid_recurrence"


# ---------------------------------------------------------------------------------------------
# Cancelling a series


@pytest.fixture
def weekly(api_as, make_space, make_user):
    """A member's weekly series of five Wednesdays, and the member's client."""
    space = make_space()
    member = make_user()
    api = api_as(member)
    made = api.post(
        "/bookings", json=series(space, TOMORROW, "10:00", "11:00", "FREQ=WEEKLY;COUNT=5")
    ).get_json()
    return api, [b["id"] for b in made["bookings"]], member


def _statuses(api, ids):
    return [api.get(f"/bookings/{i}").get_json()["status"] for i in ids]


def test_cancelling_one_occurrence_leaves_the_rest(weekly):
    api, ids, _ = weekly

    answer = api.post(f"/bookings/{ids[1]}/cancel", json={"scope": "occurrence"})

    assert answer.status_code == 200
    assert answer.get_json()["status"] == "cancelled"
    assert _statuses(api, ids) == ["confirmed", "cancelled", "confirmed", "confirmed", "confirmed"]


def test_cancelling_without_a_scope_cancels_the_occurrence(weekly):
    api, ids, _ = weekly

    answer = api.post(f"/bookings/{ids[3]}/cancel")

    assert answer.status_code == 200
    assert _statuses(api, ids) == ["confirmed", "confirmed", "confirmed", "cancelled", "confirmed"]


def test_cancelling_an_occurrence_and_the_following_ones(weekly):
    api, ids, _ = weekly
    api.post(f"/bookings/{ids[3]}/cancel")

    answer = api.post(f"/bookings/{ids[2]}/cancel", json={"scope": "following"})

    assert answer.status_code == 200
    assert _statuses(api, ids) == ["confirmed", "confirmed", "cancelled", "cancelled", "cancelled"]


def test_cancelling_the_whole_series(weekly, api_as, make_user):
    api, ids, member = weekly
    admin = api_as(make_user(role="tenant_admin", tenant=member.tenant))

    answer = admin.post(f"/bookings/{ids[2]}/cancel", json={"scope": "series"})
    again = api.post(f"/bookings/{ids[0]}/cancel", json={"scope": "series"})

    assert answer.status_code == 200
    assert _statuses(api, ids) == ["cancelled"] * 5
    assert again.status_code == 409
    assert error(again)["code"] == "conflict"


def test_a_cancelled_series_frees_its_slots(weekly, api_as, make_user):
    api, ids, _ = weekly
    api.post(f"/bookings/{ids[0]}/cancel", json={"scope": "series"})
    other = api_as(make_user())

    answer = other.post(
        "/bookings",
        json=series(
            api.get(f"/bookings/{ids[0]}").get_json()["space_id"],
            TOMORROW,
            "10:00",
            "11:00",
            "FREQ=WEEKLY;COUNT=5",
        ),
    )

    assert answer.status_code == 201


def test_moving_one_occurrence_keeps_it_in_the_series(weekly):
    api, ids, _ = weekly

    answer = api.patch(
        f"/bookings/{ids[1]}",
        json={"start": at("2026-12-10", "14:00"), "end": at("2026-12-10", "15:00")},
    )

    assert answer.status_code == 200
    moved = answer.get_json()
    assert moved["series_id"] == api.get(f"/bookings/{ids[0]}").get_json()["series_id"]
    assert moved["start"] == at("2026-12-10", "14:00")


def test_a_members_series_is_theirs_alone_to_see(weekly, api_as, make_user):
    _, ids, member = weekly
    colleague = api_as(make_user(tenant=member.tenant))

    assert colleague.get(f"/bookings/{ids[0]}").status_code == 404
    assert colleague.post(f"/bookings/{ids[0]}/cancel", json={"scope": "series"}).status_code == 404


def test_a_qualification_expiring_during_a_series_skips_the_later_occurrences(
    session, api_as, make_space, make_user
):
    space = make_space(required_qualification="cleanroom-gowning")
    member = make_user()
    session.add(
        QualificationGrant(user_id=member.id, code="cleanroom-gowning", expires=date(2026, 12, 10))
    )
    session.flush()
    api = api_as(member)

    answer = api.post(
        "/bookings",
        json=series(space, TOMORROW, "10:00", "11:00", "FREQ=WEEKLY;COUNT=3", skip_conflicts=True),
    )

    assert answer.status_code == 201
    made = answer.get_json()
    assert [b["start"][:10] for b in made["bookings"]] == ["2026-12-02", "2026-12-09"]
    assert [s["reason"] for s in made["skipped"]] == ["qualification_required"]
