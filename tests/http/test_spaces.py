"""Spaces through the API: the free-space search and a space's availability."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from booking.models import Lease, QualificationGrant
from tests.conftest import TZ
from tests.http.scene import (
    DAY_AFTER,
    TOMORROW,
    at,
    body,
    close,
    error,
    fast_api_as,  # noqa: F401  (the api_as fixture, faster)
    local,
    whole_day,
)

# ---------------------------------------------------------------------------------------------
# Search: only the spaces this user could book for the whole interval


@pytest.fixture
def campus(session, make_space, make_user, make_tenant, make_booking, make_building):
    """One member and a space for every reason a space is not free 10:00-11:00 tomorrow."""
    mine, theirs = make_tenant(), make_tenant()
    member = make_user(tenant=mine)
    colleague = make_user(tenant=mine)
    someone = make_user(tenant=theirs)
    hub = make_building(code="HUB")
    lab = make_building(code="LAB")

    def space(code, **fields):
        fields.setdefault("building", hub)
        return make_space(code=code, **fields)

    spaces = {
        "free": space("A.free", capacity=10, features=["projector", "whiteboard"]),
        "ours": space("B.ours", allowed_tenants=[mine], capacity=4, features=["projector"]),
        "own-neighbour": space("C.own-neighbour", buffer_after_min=30),
        "busy": space("D.busy"),
        "pending": space("E.pending", requires_approval=True),
        "buffer": space("F.buffer", buffer_after_min=30),
        "closed": space("G.closed"),
        "building-closed": space("H.building-closed", building=lab),
        "outside-hours": space("I.outside-hours", opening_hours={"wed": [["12:00", "18:00"]]}),
        "qualification": space("J.qualification", required_qualification="laser-safety"),
        "theirs": space("K.theirs", allowed_tenants=[theirs]),
        "leased": space("L.leased", kind="office"),
        "not-bookable": space("M.not-bookable", bookable=False),
        "retired": space("N.retired", active=False),
        "quota": space("O.quota", max_hours_per_week_per_tenant=Decimal("1")),
        "training": space("P.training", kind="training_room", capacity=30),
    }
    start, end = local(TOMORROW, "10:00"), local(TOMORROW, "11:00")
    make_booking(spaces["own-neighbour"], member, start - timedelta(hours=1), start)
    make_booking(spaces["busy"], someone, start + timedelta(minutes=45), end)
    make_booking(spaces["pending"], someone, start, end, status="pending")
    make_booking(spaces["buffer"], someone, start - timedelta(hours=1), start)
    make_booking(spaces["quota"], colleague, local(DAY_AFTER, "10:00"), local(DAY_AFTER, "10:30"))
    close(
        session, start - timedelta(hours=2), start + timedelta(minutes=15), space=spaces["closed"]
    )
    close(session, end - timedelta(minutes=15), end, building=lab)
    session.add(
        Lease(tenant_id=theirs.id, start=date(2026, 11, 1), end=None, spaces=[spaces["leased"]])
    )
    session.add(
        QualificationGrant(user_id=member.id, code="laser-safety", expires=date(2026, 1, 1))
    )
    session.flush()
    return {"member": member, "someone": someone, "spaces": spaces, "mine": mine}


def _codes(answer) -> list[str]:
    assert answer.status_code == 200, answer.get_json()
    return [space["code"] for space in answer.get_json()["items"]]


FREE_QUERY = f"free_from={TOMORROW}T10:00&free_to={TOMORROW}T11:00"


def test_search_finds_only_the_spaces_the_user_could_book_for_the_whole_interval(campus, api_as):
    api = api_as(campus["member"])

    found = _codes(api.get(f"/spaces?{FREE_QUERY}"))

    # C.own-neighbour: the member's own booking ends at 10:00; its buffer keeps others out only.
    assert found == ["A.free", "B.ours", "C.own-neighbour", "P.training"]


def test_every_space_search_finds_free_can_really_be_booked(campus, api_as):
    api = api_as(campus["member"])
    found = api.get(f"/spaces?{FREE_QUERY}").get_json()["items"]

    answers = [
        api.post("/bookings", json=body(space["id"], TOMORROW, "10:00", "11:00")) for space in found
    ]

    assert [answer.status_code for answer in answers] == [201] * len(found)


def test_the_spaces_search_leaves_out_can_not_be_booked(campus, api_as):
    api = api_as(campus["member"])
    found = {space["code"] for space in api.get(f"/spaces?{FREE_QUERY}").get_json()["items"]}
    left_out = [space for name, space in campus["spaces"].items() if space.code not in found]

    statuses = {
        space.code: api.post(
            "/bookings", json=body(space.id, TOMORROW, "10:00", "11:00")
        ).status_code
        for space in left_out
    }

    assert all(status >= 400 for status in statuses.values()), statuses


def test_search_for_the_manager_ignores_tenants_and_quota_but_not_the_rest(
    campus, api_as, make_user
):
    api = api_as(make_user(role="manager"))

    found = _codes(api.get(f"/spaces?{FREE_QUERY}"))

    assert found == ["A.free", "B.ours", "K.theirs", "O.quota", "P.training"]


def test_search_by_dates_asks_for_those_whole_days(
    session, api_as, make_space, make_user, make_booking
):
    free, busy_late = make_space(code="A.free"), make_space(code="B.busy-late")
    make_booking(busy_late, make_user(), local(DAY_AFTER, "22:00"), local(DAY_AFTER, "23:00"))
    api = api_as(make_user())

    one_day = _codes(api.get(f"/spaces?free_from={DAY_AFTER}&free_to={DAY_AFTER}"))
    day_before = _codes(api.get(f"/spaces?free_from={TOMORROW}&free_to={TOMORROW}"))

    assert one_day == [free.code]
    assert day_before == [free.code, busy_late.code]


def test_search_in_the_past_finds_nothing(campus, api_as):
    api = api_as(campus["member"])

    assert _codes(api.get("/spaces?free_from=2026-12-01T08:00&free_to=2026-12-01T08:30")) == []


def test_search_for_longer_than_any_booking_may_last_finds_nothing_at_once(campus, api_as):
    api = api_as(campus["member"])

    started = time.monotonic()
    centuries = _codes(api.get("/spaces?free_from=2027-01-04&free_to=8999-01-04"))
    month = _codes(api.get("/spaces?free_from=2027-01-04&free_to=2027-02-04T00:01"))
    elapsed = time.monotonic() - started

    assert centuries == []
    assert month == []
    assert elapsed < 3, f"took {elapsed:.1f} s"


def test_search_filters_by_kind_building_capacity_and_features(campus, api_as):
    api = api_as(campus["member"])

    assert _codes(api.get(f"/spaces?{FREE_QUERY}&kind=training_room")) == ["P.training"]
    assert _codes(api.get(f"/spaces?{FREE_QUERY}&min_capacity=10")) == ["A.free", "P.training"]
    assert _codes(api.get(f"/spaces?{FREE_QUERY}&kind=meeting_room&min_capacity=5")) == [
        "A.free",
        "C.own-neighbour",
    ]
    assert _codes(api.get(f"/spaces?{FREE_QUERY}&feature=projector")) == ["A.free", "B.ours"]
    assert _codes(api.get(f"/spaces?{FREE_QUERY}&feature=projector&feature=whiteboard")) == [
        "A.free"
    ]
    assert _codes(api.get(f"/spaces?{FREE_QUERY}&building=LAB")) == []
    assert _codes(api.get("/spaces?building=LAB&kind=meeting_room")) == ["H.building-closed"]


def test_search_for_one_minute_later_finds_a_space_free_again(campus, api_as):
    api = api_as(campus["member"])

    found = _codes(api.get(f"/spaces?free_from={TOMORROW}T11:30&free_to={TOMORROW}T12:00"))

    assert "D.busy" in found
    assert "F.buffer" in found
    assert "G.closed" in found
    assert "I.outside-hours" not in found


def test_without_a_time_a_member_sees_the_spaces_they_may_book_and_the_manager_all(
    campus, api_as, make_user
):
    member = _codes(api_as(campus["member"]).get("/spaces?limit=500"))
    manager = _codes(api_as(make_user(role="manager")).get("/spaces?limit=500"))

    assert "K.theirs" not in member
    assert "L.leased" not in member
    assert "M.not-bookable" not in member
    assert "N.retired" not in member
    assert "A.free" in member and "J.qualification" in member
    assert manager == sorted(space.code for space in campus["spaces"].values())


def test_the_space_list_pages_with_limit_and_cursor(campus, api_as):
    api = api_as(campus["member"])
    everything = _codes(api.get("/spaces?limit=500"))

    seen, cursor = [], None
    while True:
        page = api.get("/spaces?limit=4" + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [space["code"] for space in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == everything


@pytest.mark.parametrize(
    "query",
    [
        f"free_from={TOMORROW}T10:00",
        f"free_to={TOMORROW}T10:00",
        f"free_from={TOMORROW}T11:00&free_to={TOMORROW}T10:00",
        "free_from=soon&free_to=later",
        "kind=castle",
        "min_capacity=many",
        "min_capacity=-1",
        "cursor=garbage",
        "cursor=o",
        "limit=501",
        "colour=red",
    ],
)
def test_a_bad_search_is_400(query, api_as, make_user):
    answer = api_as(make_user()).get(f"/spaces?{query}")

    assert answer.status_code == 400, answer.get_json()
    assert error(answer)["code"] == "bad_request"
    assert error(answer)["details"]["fields"]


def test_a_space_shows_its_rules_flat(api_as, make_space, make_user, make_building):
    space = make_space(
        code="H.2.14",
        name="Demer",
        building=make_building(code="HUB"),
        floor=2,
        capacity=12,
        area_m2=Decimal("31.5"),
        features=["screen"],
        opening_hours={"mon": [["08:00", "18:00"]]},
        min_notice_min=60,
        buffer_after_min=15,
        required_qualification="cleanroom-gowning",
        hourly_rate_eur=Decimal("23"),
    )
    api = api_as(make_user())

    answer = api.get(f"/spaces/{space.id}")

    assert answer.status_code == 200
    data = answer.get_json()
    assert {key: data[key] for key in ("id", "code", "name", "building", "kind", "floor")} == {
        "id": space.id,
        "code": "H.2.14",
        "name": "Demer",
        "building": "HUB",
        "kind": "meeting_room",
        "floor": 2,
    }
    assert data["capacity"] == 12
    assert data["features"] == ["screen"]
    assert data["opening_hours"] == {"mon": [["08:00", "18:00"]]}
    assert data["min_notice_min"] == 60
    assert data["granularity_min"] == 15
    assert data["buffer_after_min"] == 15
    assert data["required_qualification"] == "cleanroom-gowning"
    assert data["hourly_rate_eur"] == "23.00"
    assert api.get("/spaces/999999").status_code == 404


# ---------------------------------------------------------------------------------------------
# Availability


def _availability(api, space, start, end):
    answer = api.get(f"/spaces/{space.id}/availability", query_string={"from": start, "to": end})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _covers_exactly(data, start: datetime, end: datetime) -> None:
    """free and busy together cover [start, end), free is merged and disjoint from busy."""
    free = [
        (datetime.fromisoformat(i["start"]), datetime.fromisoformat(i["end"])) for i in data["free"]
    ]
    busy = [
        (datetime.fromisoformat(i["start"]), datetime.fromisoformat(i["end"])) for i in data["busy"]
    ]
    for a, b in free:
        assert a < b
        assert all(b <= s or e <= a for s, e in busy), (a, b)
    for (_, first_end), (second_start, _) in pairwise(free):
        assert first_end < second_start  # merged: never touching
    covered = sorted(free + busy)
    cursor = start
    for a, b in covered:
        assert a <= cursor, f"gap from {cursor} to {a}"
        cursor = max(cursor, b)
    assert cursor == end
    assert covered[0][0] == start


def test_availability_lists_bookings_buffers_closures_and_hours_and_merges_free(
    session, api_as, make_space, make_user, make_booking
):
    space = make_space(
        opening_hours={"wed": [["08:00", "18:00"]]}, buffer_before_min=15, buffer_after_min=15
    )
    someone = make_user(name="Hidden Person")
    make_booking(space, someone, local(TOMORROW, "10:00"), local(TOMORROW, "11:00"), title="Secret")
    make_booking(space, someone, local(TOMORROW, "11:00"), local(TOMORROW, "12:00"))
    close(session, local(TOMORROW, "14:00"), local(TOMORROW, "15:00"), space=space)
    api = api_as(make_user())

    data = _availability(api, space, TOMORROW, TOMORROW)

    def entry(start, end, reason):
        return {"start": at(TOMORROW, start), "end": at(TOMORROW, end), "reason": reason}

    assert data["busy"] == [
        entry("00:00", "08:00", "outside_opening_hours"),
        entry("09:45", "10:00", "buffer"),
        entry("10:00", "11:00", "booking"),
        entry("11:00", "12:00", "booking"),
        entry("12:00", "12:15", "buffer"),
        entry("14:00", "15:00", "closed"),
        {
            "start": at(TOMORROW, "18:00"),
            "end": at(DAY_AFTER, "00:00"),
            "reason": "outside_opening_hours",
        },
    ]
    assert data["free"] == [
        {"start": at(TOMORROW, "08:00"), "end": at(TOMORROW, "09:45")},
        {"start": at(TOMORROW, "12:15"), "end": at(TOMORROW, "14:00")},
        {"start": at(TOMORROW, "15:00"), "end": at(TOMORROW, "18:00")},
    ]
    assert "Secret" not in str(data) and "Hidden Person" not in str(data)
    _covers_exactly(data, local(TOMORROW, "00:00"), local(DAY_AFTER, "00:00"))


def test_availability_shows_one_entry_per_booking_even_when_they_touch(
    api_as, make_space, make_user, make_booking
):
    space = make_space()
    for hour in (9, 10, 11):
        start = local(TOMORROW, f"{hour:02d}:00")
        make_booking(space, make_user(), start, start + timedelta(hours=1))
    api = api_as(make_user())

    data = _availability(api, space, at(TOMORROW, "08:00"), at(TOMORROW, "13:00"))

    assert [(b["start"], b["reason"]) for b in data["busy"]] == [
        (at(TOMORROW, "09:00"), "booking"),
        (at(TOMORROW, "10:00"), "booking"),
        (at(TOMORROW, "11:00"), "booking"),
    ]
    assert data["free"] == [
        {"start": at(TOMORROW, "08:00"), "end": at(TOMORROW, "09:00")},
        {"start": at(TOMORROW, "12:00"), "end": at(TOMORROW, "13:00")},
    ]


def test_availability_shows_a_campus_holiday_and_a_building_closure(
    session, api_as, make_space, make_user
):
    space = make_space()
    close(session, *whole_day("2026-12-25"), holiday=True, reason="Christmas Day")
    close(
        session, local("2026-12-24", "14:00"), local("2026-12-24", "18:00"), building=space.building
    )
    api = api_as(make_user())

    data = _availability(api, space, "2026-12-24", "2026-12-26")

    assert [(b["start"], b["end"], b["reason"]) for b in data["busy"]] == [
        (at("2026-12-24", "14:00"), at("2026-12-24", "18:00"), "closed"),
        (at("2026-12-25", "00:00"), at("2026-12-26", "00:00"), "closed"),
    ]
    _covers_exactly(data, local("2026-12-24", "00:00"), local("2026-12-27", "00:00"))


def test_availability_across_the_spring_change_keeps_local_opening_hours(
    api_as, make_space, make_user
):
    hours = [["08:00", "18:00"]]
    space = make_space(opening_hours={"sat": hours, "sun": hours, "mon": hours})
    api = api_as(make_user())

    data = _availability(api, space, "2027-03-27", "2027-03-29")

    assert data["free"] == [
        {"start": "2027-03-27T08:00:00+01:00", "end": "2027-03-27T18:00:00+01:00"},
        {"start": "2027-03-28T08:00:00+02:00", "end": "2027-03-28T18:00:00+02:00"},
        {"start": "2027-03-29T08:00:00+02:00", "end": "2027-03-29T18:00:00+02:00"},
    ]
    start = datetime(2027, 3, 27, tzinfo=TZ)
    _covers_exactly(data, start, datetime(2027, 3, 30, tzinfo=TZ))


def test_availability_of_at_most_31_days(api_as, make_space, make_user):
    space = make_space()
    api = api_as(make_user())

    month = api.get(f"/spaces/{space.id}/availability?from=2027-01-01&to=2027-01-31")
    longer = api.get(f"/spaces/{space.id}/availability?from=2027-01-01&to=2027-02-01")
    by_the_minute = api.get(
        f"/spaces/{space.id}/availability?from=2027-01-01T00:00&to=2027-02-01T00:01"
    )

    assert month.status_code == 200
    assert month.get_json()["free"] == [
        {"start": "2027-01-01T00:00:00+01:00", "end": "2027-02-01T00:00:00+01:00"}
    ]
    assert month.get_json()["busy"] == []
    for answer in (longer, by_the_minute):
        assert answer.status_code == 400
        assert error(answer)["code"] == "bad_request"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "from=2027-01-01",
        "to=2027-01-01",
        "from=2027-01-02&to=2027-01-01",
        "from=2027-01-01T10:00&to=2027-01-01T10:00",
        "from=never&to=2027-01-01",
        "from=2027-02-30&to=2027-03-01",
        "from=9999-12-31&to=9999-12-31",
        "from=2027-01-01&to=2027-01-02&space=1",
    ],
)
def test_bad_availability_queries_are_400(query, api_as, make_space, make_user):
    space = make_space()
    answer = api_as(make_user()).get(f"/spaces/{space.id}/availability?{query}")

    assert answer.status_code == 400, answer.get_json()
    assert error(answer)["code"] == "bad_request"


def test_availability_of_a_missing_space_is_404(api_as, make_user):
    answer = api_as(make_user()).get("/spaces/424242/availability?from=2027-01-01&to=2027-01-02")

    assert answer.status_code == 404
