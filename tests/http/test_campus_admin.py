"""The manager keeps the campus: buildings, spaces and their rules, closures (API.md 4)."""

from __future__ import annotations

import pytest

from tests.http.scene import (
    DAY_AFTER,
    TOMORROW,
    at,
    body,
    error,
    fast_api_as,  # noqa: F401  (the api_as fixture, faster)
)

SPACE = {
    "code": "H.2.14",
    "name": "Demer",
    "building": "HUB",
    "kind": "meeting_room",
    "capacity": 8,
    "area_m2": 24.5,
    "floor": 2,
    "features": ["projector", "whiteboard"],
}


@pytest.fixture
def manager(make_user):
    return make_user(role="manager")


@pytest.fixture
def hub(make_building):
    return make_building(code="HUB", name="Innovation Hub")


def test_manager_creates_a_space_with_rules_and_members_can_book_it(
    api_as, manager, hub, make_user
):
    answer = api_as(manager).post(
        "/spaces",
        json={
            **SPACE,
            "opening_hours": {"wed": [["08:00", "18:00"]]},
            "min_duration_min": 30,
            "hourly_rate_eur": "25.00",
        },
    )
    assert answer.status_code == 201, answer.get_json()
    space = answer.get_json()
    assert space["code"] == "H.2.14" and space["building"] == "HUB"
    assert space["area_m2"] == "24.50" and space["hourly_rate_eur"] == "25.00"
    assert space["opening_hours"] == {"wed": [["08:00", "18:00"]]}
    assert space["granularity_min"] == 15 and space["buffer_before_min"] == 0
    member = api_as(make_user())
    ok = member.post("/bookings", json=body(space["id"], TOMORROW, "10:00", "11:00"))
    assert ok.status_code == 201
    early = member.post("/bookings", json=body(space["id"], TOMORROW, "07:00", "08:00"))
    assert error(early)["code"] == "outside_opening_hours"
    short = member.post("/bookings", json=body(space["id"], TOMORROW, "12:00", "12:15"))
    assert error(short)["code"] == "too_short"


def test_duplicate_space_and_building_codes_are_a_conflict(api_as, manager, hub):
    api = api_as(manager)
    assert api.post("/spaces", json=SPACE).status_code == 201
    again = api.post("/spaces", json={**SPACE, "code": "h.2.14"})
    assert again.status_code == 409 and error(again)["code"] == "conflict"
    dup = api.post("/buildings", json={"code": "HUB", "name": "Again"})
    assert dup.status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"building": "NOPE"}, "building"),
        ({"kind": "kitchen"}, "kind"),
        ({"capacity": -1}, "capacity"),
        ({"area_m2": "abc"}, "area_m2"),
        ({"opening_hours": {"mon": [["18:00", "08:00"]]}}, "opening_hours.mon"),
        ({"opening_hours": {"mon": [["08:00", "12:00"], ["11:00", "14:00"]]}}, "opening_hours.mon"),
        ({"opening_hours": {"mon": [["8h", "12:00"]]}}, "opening_hours.mon.0.0"),
        ({"opening_hours": {"monday": [["08:00", "12:00"]]}}, "opening_hours.monday"),
        ({"allowed_tenants": [987654]}, "allowed_tenants"),
        ({"required_qualification": "Cleanroom Gowning"}, "required_qualification"),
        ({"colour": "blue"}, "colour"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_bad_space_fields_are_400_naming_the_field(api_as, manager, hub, change, field):
    answer = api_as(manager).post("/spaces", json={**SPACE, **change})
    assert answer.status_code == 400, answer.get_json()
    assert field in error(answer)["details"]["fields"]


def test_only_the_manager_changes_the_campus(api_as, make_user, make_space, hub):
    space = make_space()
    for role in ("member", "tenant_admin"):
        api = api_as(make_user(role=role))
        assert error(api.post("/spaces", json=SPACE))["code"] == "forbidden"
        assert api.patch(f"/spaces/{space.id}", json={"capacity": 3}).status_code == 403
        assert api.post("/buildings", json={"code": "X", "name": "X"}).status_code == 403
        assert api.patch("/buildings/HUB", json={"name": "X"}).status_code == 403
        closure = {"start": TOMORROW, "end": TOMORROW, "reason": "x"}
        assert api.post("/closures", json=closure).status_code == 403


def test_changed_rules_hold_for_the_next_booking(api_as, manager, make_space, make_user):
    space = make_space()
    member = api_as(make_user())
    changed = api_as(manager).patch(f"/spaces/{space.id}", json={"requires_approval": True})
    assert changed.status_code == 200 and changed.get_json()["requires_approval"] is True
    booked = member.post("/bookings", json=body(space, TOMORROW, "10:00", "11:00"))
    assert booked.get_json()["status"] == "pending"


def test_allowed_tenants_take_effect_at_once(api_as, manager, make_space, make_user, make_tenant):
    space = make_space()
    ours, theirs = make_tenant(), make_tenant()
    member = api_as(make_user(tenant=theirs))
    assert member.post("/bookings", json=body(space, TOMORROW, "09:00", "10:00")).status_code == 201
    api_as(manager).patch(f"/spaces/{space.id}", json={"allowed_tenants": [ours.id]})
    refused = member.post("/bookings", json=body(space, TOMORROW, "11:00", "12:00"))
    assert error(refused)["code"] == "forbidden"
    assert space.id not in [s["id"] for s in member.get("/spaces").get_json()["items"]]


def test_a_retired_space_disappears_for_members(api_as, manager, make_space, make_user):
    space = make_space()
    member = api_as(make_user())
    api_as(manager).patch(f"/spaces/{space.id}", json={"active": False})
    assert member.get(f"/spaces/{space.id}").status_code == 404
    assert api_as(manager).get(f"/spaces/{space.id}").get_json()["active"] is False
    refused = member.post("/bookings", json=body(space, TOMORROW, "09:00", "10:00"))
    assert refused.status_code == 404


def test_buildings_are_listed_created_and_renamed(api_as, manager, hub, make_user):
    api = api_as(manager)
    made = api.post("/buildings", json={"code": "LAB", "name": "Lab building", "address": "x"})
    assert made.status_code == 201
    renamed = api.patch("/buildings/LAB", json={"name": "Labo"})
    assert renamed.get_json() == {"code": "LAB", "name": "Labo", "address": "x"}
    listed = api_as(make_user()).get("/buildings").get_json()["items"]
    assert [b["code"] for b in listed] == ["HUB", "LAB"]
    assert api.patch("/buildings/NOPE", json={"name": "x"}).status_code == 404


def test_a_campus_wide_closure_by_dates_closes_whole_days(
    api_as, manager, make_space, make_user, make_booking
):
    from tests.http.scene import local

    space = make_space()
    user = make_user()
    existing = make_booking(space, user, local(DAY_AFTER, "10:00"), local(DAY_AFTER, "11:00"))
    api = api_as(manager)
    made = api.post("/closures", json={"start": TOMORROW, "end": DAY_AFTER, "reason": "Verhuis"})
    assert made.status_code == 201, made.get_json()
    closure = made.get_json()
    assert closure["start"] == at(TOMORROW, "00:00")
    assert closure["end"] == at("2026-12-04", "00:00")
    assert closure["space_id"] is None and closure["building"] is None
    assert closure["holiday"] is False
    # A closure cancels nothing: it lists what is in the way.
    assert [b["id"] for b in closure["affected"]] == [existing.id]
    member = api_as(user)
    refused = member.post("/bookings", json=body(space, TOMORROW, "14:00", "15:00"))
    assert error(refused)["code"] == "closed"
    listed = member.get("/closures").get_json()["items"]
    assert [c["id"] for c in listed] == [closure["id"]]
    assert api.delete(f"/closures/{closure['id']}").status_code == 204
    ok = member.post("/bookings", json=body(space, TOMORROW, "14:00", "15:00"))
    assert ok.status_code == 201


def test_a_building_closure_closes_only_that_building(
    api_as, manager, make_building, make_space, make_user
):
    hub, lab = make_building(code="HUB"), make_building(code="LAB")
    in_hub, in_lab = make_space(building=hub), make_space(building=lab)
    made = api_as(manager).post(
        "/closures",
        json={
            "building": "LAB",
            "start": at(TOMORROW, "08:00"),
            "end": at(TOMORROW, "12:00"),
            "reason": "Stroompanne",
        },
    )
    assert made.status_code == 201 and made.get_json()["building"] == "LAB"
    member = api_as(make_user())
    assert (
        member.post("/bookings", json=body(in_hub, TOMORROW, "09:00", "10:00")).status_code == 201
    )
    assert (
        error(member.post("/bookings", json=body(in_lab, TOMORROW, "09:00", "10:00")))["code"]
        == "closed"
    )


def test_closure_input_errors(api_as, manager, make_space, hub):
    api = api_as(manager)
    space = make_space()
    both = api.post(
        "/closures",
        json={"space_id": space.id, "building": "HUB", "start": TOMORROW, "end": TOMORROW},
    )
    assert both.status_code == 400
    backwards = api.post(
        "/closures", json={"start": at(TOMORROW, "12:00"), "end": at(TOMORROW, "08:00")}
    )
    assert backwards.status_code == 400 and "end" in error(backwards)["details"]["fields"]
    unknown = api.post("/closures", json={"space_id": 999999, "start": TOMORROW, "end": TOMORROW})
    assert unknown.status_code == 400
    assert api.delete("/closures/999999").status_code == 404
