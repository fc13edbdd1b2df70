"""Occupancy and utilisation reports, with expectations computed by hand."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from booking.models import Lease
from tests.http.scene import (
    close,
    error,
    fast_api_as,  # noqa: F401  (the api_as fixture, faster)
    local,
)

CSV = {"Accept": "text/csv"}
WEEKDAYS_8_18 = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def lease(session, tenant, *spaces, start, end=None, **rent):
    row = Lease(tenant_id=tenant.id, start=start, end=end, spaces=list(spaces), **rent)
    session.add(row)
    session.flush()
    return row


def rows(answer):
    assert answer.status_code == 200, answer.data
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(answer.data.decode("utf-8"))))


# ---------------------------------------------------------------------------------------------
# Occupancy


@pytest.fixture
def campus(session, make_space, make_building, make_tenant, make_user):
    """Two buildings. Leasable: HUB 100 + 50 m² offices, LAB 80 m² lab + 40 m² cleanroom
    (270 m²); a meeting room (30 m²) and a retired office (60 m²) do not count."""
    hub, lab = make_building(code="HUB"), make_building(code="LAB")
    a, b = make_tenant(name="A"), make_tenant(name="B")
    spaces = {
        "office1": make_space(code="H.1", kind="office", area_m2=Decimal("100"), building=hub),
        "office2": make_space(code="H.2", kind="office", area_m2=Decimal("50"), building=hub),
        "room": make_space(code="H.3", kind="meeting_room", area_m2=Decimal("30"), building=hub),
        "retired": make_space(
            code="H.4", kind="office", area_m2=Decimal("60"), building=hub, active=False
        ),
        "lab": make_space(code="L.1", kind="lab", area_m2=Decimal("80"), building=lab),
        "clean": make_space(code="L.2", kind="cleanroom", area_m2=Decimal("40"), building=lab),
    }
    manager = make_user(role="manager")
    session.commit()
    return {"spaces": spaces, "a": a, "b": b, "manager": manager, "session": session}


def test_occupancy_on_a_day(campus, api_as):
    s, session = campus["spaces"], campus["session"]
    lease(session, campus["a"], s["office1"], s["lab"], start=date(2026, 1, 1))
    lease(session, campus["b"], s["office2"], start=date(2025, 1, 1), end=date(2026, 11, 15))
    lease(session, campus["b"], s["clean"], start=date(2026, 12, 2))  # from tomorrow
    session.commit()
    answer = api_as(campus["manager"]).get("/reports/occupancy")  # today: 2026-12-01
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["at"] == "2026-12-01"
    # Leased: office1 100 + lab 80 = 180 of 270 m².
    assert data["campus"] == {"leasable_m2": "270.00", "leased_m2": "180.00", "occupancy": 0.6667}
    assert data["buildings"] == [
        {"building": "HUB", "leasable_m2": "150.00", "leased_m2": "100.00", "occupancy": 0.6667},
        {"building": "LAB", "leasable_m2": "120.00", "leased_m2": "80.00", "occupancy": 0.6667},
    ]
    assert data["kinds"] == [
        {"kind": "office", "leasable_m2": "150.00", "leased_m2": "100.00", "occupancy": 0.6667},
        {"kind": "lab", "leasable_m2": "80.00", "leased_m2": "80.00", "occupancy": 1.0},
        {"kind": "cleanroom", "leasable_m2": "40.00", "leased_m2": "0.00", "occupancy": 0.0},
    ]
    vacant = {v["code"]: v["free_since"] for v in data["vacant"]}
    assert vacant == {"H.2": "2026-11-16", "L.2": None}

    tomorrow = api_as(campus["manager"]).get("/reports/occupancy?at=2026-12-02").get_json()
    assert tomorrow["campus"]["leased_m2"] == "220.00"
    assert tomorrow["campus"]["occupancy"] == 0.8148  # 220 / 270


def test_occupancy_month_by_month_is_weighted_by_day(campus, api_as):
    s, session = campus["spaces"], campus["session"]
    # office1 (100 m²) from 17 January 2027 to 10 February 2027: 15/31 of January, 10/28 of
    # February. lab (80 m²) all of February 2028 from the 15th: 15/29 (a leap year).
    lease(session, campus["a"], s["office1"], start=date(2027, 1, 17), end=date(2027, 2, 10))
    lease(session, campus["b"], s["lab"], start=date(2028, 2, 15), end=date(2028, 2, 29))
    session.commit()
    manager = api_as(campus["manager"])
    data = manager.get("/reports/occupancy?from=2027-01&to=2027-03").get_json()
    months = {m["month"]: m for m in data["months"]}
    assert list(months) == ["2027-01", "2027-02", "2027-03"]
    # 100 × 15/31 = 48.387 m² of 270: 0.1792.
    assert months["2027-01"]["campus"] == {
        "leasable_m2": "270.00",
        "leased_m2": "48.39",
        "occupancy": 0.1792,
    }
    # 100 × 10/28 = 35.714 m²: 0.1323; the office kind 35.714 / 150 = 0.2381.
    assert months["2027-02"]["campus"]["leased_m2"] == "35.71"
    assert months["2027-02"]["campus"]["occupancy"] == 0.1323
    office = next(k for k in months["2027-02"]["kinds"] if k["kind"] == "office")
    assert office == {
        "kind": "office",
        "leasable_m2": "150.00",
        "leased_m2": "35.71",
        "occupancy": 0.2381,
    }
    assert months["2027-03"]["campus"]["leased_m2"] == "0.00"

    leap = manager.get("/reports/occupancy?from=2028-02&to=2028-02").get_json()["months"][0]
    # 80 × 15/29 = 41.379 m² of 270: 0.1533; LAB building 41.379 / 120 = 0.3448.
    assert leap["campus"]["leased_m2"] == "41.38"
    assert leap["campus"]["occupancy"] == 0.1533
    lab = next(b for b in leap["buildings"] if b["building"] == "LAB")
    assert lab["occupancy"] == 0.3448


def test_occupancy_as_csv(campus, api_as):
    s, session = campus["spaces"], campus["session"]
    lease(session, campus["a"], s["office1"], start=date(2026, 1, 1))
    session.commit()
    manager = api_as(campus["manager"])
    table = rows(manager.get("/reports/occupancy?at=2026-12-01", headers=CSV))
    assert table[0] == ["at", "scope", "name", "leasable_m2", "leased_m2", "occupancy"]
    assert table[1] == ["2026-12-01", "campus", "campus", "270.00", "100.00", "0.3704"]
    assert ["2026-12-01", "building", "HUB", "150.00", "100.00", "0.6667"] in table
    assert ["2026-12-01", "kind", "cleanroom", "40.00", "0.00", "0.0"] in table
    assert len(table) == 1 + 1 + 2 + 3
    monthly = rows(manager.get("/reports/occupancy?from=2026-11&to=2026-12", headers=CSV))
    assert monthly[0][0] == "month"
    assert [row[0] for row in monthly[1:]] == ["2026-11"] * 6 + ["2026-12"] * 6


@pytest.mark.parametrize(
    "query",
    [
        "at=2026-13-01",
        "at=tomorrow",
        "at=2026-12-01&from=2026-01&to=2026-02",
        "from=2026-01",
        "to=2026-01",
        "from=2026-03&to=2026-01",
        "from=2026-1&to=2026-02",
        "from=2000-01&to=2030-12",
        "month=2026-01",
    ],
)
def test_bad_occupancy_queries_are_400(campus, api_as, query):
    answer = api_as(campus["manager"]).get(f"/reports/occupancy?{query}")
    assert answer.status_code == 400
    assert error(answer)["code"] == "bad_request"


def test_reports_are_the_managers(campus, api_as, make_user):
    for role in ("member", "tenant_admin"):
        user = make_user(role=role, tenant=campus["a"])
        client = api_as(user)
        for path in ("/reports/occupancy", "/reports/utilisation"):
            answer = client.get(path)
            assert answer.status_code == 403, (role, path)
            assert error(answer)["code"] == "forbidden"


# ---------------------------------------------------------------------------------------------
# Utilisation


@pytest.fixture
def rooms(session, make_space, make_building, make_tenant, make_user):
    hub, lab = make_building(code="HUB"), make_building(code="LAB")
    tenant = make_tenant(name="T")
    spaces = {
        # Open Monday to Friday 08:00-18:00.
        "meeting": make_space(code="M.1", opening_hours=WEEKDAYS_8_18, building=hub),
        "training": make_space(
            code="T.1", kind="training_room", opening_hours=WEEKDAYS_8_18, building=hub
        ),
        # Always open.
        "lab": make_space(code="L.1", kind="lab", building=lab),
        "office": make_space(code="O.1", kind="office", building=hub),
        "not_bookable": make_space(code="X.1", bookable=False, building=hub),
        "retired": make_space(code="X.2", active=False, building=hub),
    }
    return {
        "spaces": spaces,
        "tenant": tenant,
        "member": make_user(tenant=tenant),
        "manager": make_user(role="manager"),
        "session": session,
        "hub": hub,
    }


def items_by(answer, key):
    assert answer.status_code == 200, answer.get_json()
    return {item[key]: item for item in answer.get_json()["items"]}


def test_utilisation_counts_confirmed_hours_in_open_hours_minus_closures(
    rooms, api_as, make_booking
):
    s, member, session = rooms["spaces"], rooms["member"], rooms["session"]
    meeting = s["meeting"]
    # Week of Monday 2027-03-01: 5 × 10 h = 50 h open; a closure Wednesday 12:00-14:00 in the
    # room and a campus-wide holiday all Friday leave 50 - 2 - 10 = 38 h.
    close(session, local("2027-03-03", "12:00"), local("2027-03-03", "14:00"), space=meeting)
    close(session, local("2027-03-05", "00:00"), local("2027-03-06", "00:00"), holiday=True)
    make_booking(meeting, member, local("2027-03-01", "09:00"), local("2027-03-01", "11:00"))
    make_booking(meeting, member, local("2027-03-02", "09:00"), local("2027-03-02", "10:30"))
    for status in ("pending", "cancelled", "rejected"):
        make_booking(
            meeting,
            member,
            local("2027-03-04", "09:00"),
            local("2027-03-04", "10:00"),
            status=status,
        )
    # Before the window: not counted.
    make_booking(meeting, member, local("2027-02-26", "09:00"), local("2027-02-26", "12:00"))
    session.commit()
    items = items_by(
        api_as(rooms["manager"]).get("/reports/utilisation?from=2027-03-01&to=2027-03-05"),
        "space_id",
    )
    assert items[meeting.id] == {
        "space_id": meeting.id,
        "code": "M.1",
        "name": meeting.name,
        "booked_hours": 3.5,
        "open_hours": 38.0,
        "utilisation": 0.0921,  # 3.5 / 38
    }
    assert items[s["training"].id]["open_hours"] == 40.0  # only the holiday applies
    assert items[s["lab"].id]["open_hours"] == 4 * 24.0  # always open, minus the holiday
    # Not bookable and retired spaces are not reported.
    assert s["not_bookable"].id not in items and s["retired"].id not in items


def test_a_booking_across_midnight_counts_inside_the_period_only(rooms, api_as, make_booking):
    lab, session = rooms["spaces"]["lab"], rooms["session"]
    make_booking(lab, rooms["member"], local("2027-03-04", "22:00"), local("2027-03-05", "02:00"))
    session.commit()
    manager = api_as(rooms["manager"])
    thursday = items_by(
        manager.get("/reports/utilisation?from=2027-03-04&to=2027-03-04"), "space_id"
    )[lab.id]
    assert (thursday["booked_hours"], thursday["open_hours"]) == (2.0, 24.0)
    both = items_by(manager.get("/reports/utilisation?from=2027-03-04&to=2027-03-05"), "space_id")
    assert (both[lab.id]["booked_hours"], both[lab.id]["open_hours"]) == (4.0, 48.0)
    assert both[lab.id]["utilisation"] == 0.0833


def test_daylight_saving_days_have_23_and_25_open_hours(rooms, api_as, make_booking):
    lab, session = rooms["spaces"]["lab"], rooms["session"]
    # 2027-03-28: 02:00 does not exist; 01:00-04:00 local is 2 real hours of a 23-hour day.
    make_booking(lab, rooms["member"], local("2027-03-28", "01:00"), local("2027-03-28", "04:00"))
    # 2026-10-25: 02:00-03:00 happens twice; 00:00-04:00 local is 5 real hours of 25.
    make_booking(lab, rooms["member"], local("2026-10-25", "00:00"), local("2026-10-25", "04:00"))
    session.commit()
    manager = api_as(rooms["manager"])
    spring = items_by(manager.get("/reports/utilisation?from=2027-03-28&to=2027-03-28"), "space_id")
    assert spring[lab.id]["open_hours"] == 23.0
    assert spring[lab.id]["booked_hours"] == 2.0
    assert spring[lab.id]["utilisation"] == 0.087  # 2 / 23
    autumn = items_by(manager.get("/reports/utilisation?from=2026-10-25&to=2026-10-25"), "space_id")
    assert autumn[lab.id]["open_hours"] == 25.0
    assert autumn[lab.id]["booked_hours"] == 5.0
    assert autumn[lab.id]["utilisation"] == 0.2


def test_opening_hours_stay_on_the_wall_clock_over_the_change(rooms, api_as, make_space):
    sunday = make_space(code="S.1", opening_hours={"sun": [["08:00", "18:00"]]})
    rooms["session"].commit()
    items = items_by(
        api_as(rooms["manager"]).get("/reports/utilisation?from=2027-03-28&to=2027-03-28"),
        "space_id",
    )
    assert items[sunday.id]["open_hours"] == 10.0


def test_leased_time_is_not_open_time(rooms, api_as):
    s, session = rooms["spaces"], rooms["session"]
    # The office is leased from Wednesday 2027-03-03: only Monday and Tuesday are open.
    lease(session, rooms["tenant"], s["office"], start=date(2027, 3, 3))
    session.commit()
    manager = api_as(rooms["manager"])
    items = items_by(manager.get("/reports/utilisation?from=2027-03-01&to=2027-03-05"), "space_id")
    assert items[s["office"].id]["open_hours"] == 48.0
    later = items_by(manager.get("/reports/utilisation?from=2027-03-08&to=2027-03-12"), "space_id")
    assert s["office"].id not in later  # leased all along: nobody could book it


def test_utilisation_by_kind_and_building_adds_up_the_spaces(rooms, api_as, make_booking):
    s, member, session = rooms["spaces"], rooms["member"], rooms["session"]
    make_booking(s["meeting"], member, local("2027-03-01", "08:00"), local("2027-03-01", "13:00"))
    make_booking(s["training"], member, local("2027-03-02", "08:00"), local("2027-03-02", "18:00"))
    make_booking(s["lab"], member, local("2027-03-03", "00:00"), local("2027-03-04", "00:00"))
    session.commit()
    manager = api_as(rooms["manager"])
    query = "/reports/utilisation?from=2027-03-01&to=2027-03-05&group_by="
    kinds = items_by(manager.get(query + "kind"), "kind")
    assert list(kinds) == ["office", "meeting_room", "training_room", "lab"]
    assert kinds["meeting_room"] == {
        "kind": "meeting_room",
        "booked_hours": 5.0,
        "open_hours": 50.0,
        "utilisation": 0.1,
    }
    assert kinds["lab"]["booked_hours"] == 24.0 and kinds["lab"]["open_hours"] == 120.0
    buildings = items_by(manager.get(query + "building"), "building")
    hub = rooms["hub"].code
    # HUB: meeting 50 h + training 50 h + office 120 h open; 5 + 10 h booked.
    assert buildings[hub] == {
        "building": hub,
        "booked_hours": 15.0,
        "open_hours": 220.0,
        "utilisation": 0.0682,
    }


def test_utilisation_as_csv(rooms, api_as, make_booking):
    s = rooms["spaces"]
    make_booking(
        s["meeting"], rooms["member"], local("2027-03-01", "08:00"), local("2027-03-01", "13:00")
    )
    rooms["session"].commit()
    manager = api_as(rooms["manager"])
    table = rows(manager.get("/reports/utilisation?from=2027-03-01&to=2027-03-05", headers=CSV))
    assert table[0] == ["space_id", "code", "name", "booked_hours", "open_hours", "utilisation"]
    assert [str(s["meeting"].id), "M.1", s["meeting"].name, "5.0", "50.0", "0.1"] in table
    kinds = rows(
        manager.get("/reports/utilisation?from=2027-03-01&to=2027-03-05&group_by=kind", headers=CSV)
    )
    assert kinds[0] == ["kind", "booked_hours", "open_hours", "utilisation"]
    assert len(kinds) == 1 + 4


def test_utilisation_defaults_to_this_month(rooms, api_as):
    data = api_as(rooms["manager"]).get("/reports/utilisation").get_json()
    assert data["from"] == "2026-12-01T00:00:00+01:00"
    assert data["to"] == "2027-01-01T00:00:00+01:00"
    assert data["group_by"] == "space"


@pytest.mark.parametrize(
    "query",
    [
        "from=2027-03-01",
        "to=2027-03-01",
        "from=2027-03-05&to=2027-03-01",
        "from=2027-01-01&to=2028-06-30",
        "from=2027-03-01&to=2027-03-05&group_by=floor",
        "from=soon&to=later",
        "at=2027-03-01",
    ],
)
def test_bad_utilisation_queries_are_400(rooms, api_as, query):
    answer = api_as(rooms["manager"]).get(f"/reports/utilisation?{query}")
    assert answer.status_code == 400
    assert error(answer)["code"] == "bad_request"
