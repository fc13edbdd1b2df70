"""Leases through the API: create, refuse overlaps, end, keep history, who may see what."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from booking.errors import Conflict
from booking.extensions import db
from booking.models import AuditEntry, Lease, User
from booking.services import leases as lease_service
from tests.conftest import NOW, TZ
from tests.http.scene import (
    body,
    error,
    fast_api_as,  # noqa: F401  (the api_as fixture, faster)
    local,
)


@pytest.fixture
def hub(session, make_space, make_tenant, make_user, make_building):
    building = make_building(code="HUB")
    mine, theirs = make_tenant(name="CellForge"), make_tenant(name="Qualiva")
    scene = {
        "building": building,
        "mine": mine,
        "theirs": theirs,
        "office": make_space(
            code="H.2.01", kind="office", area_m2=Decimal("24"), building=building
        ),
        "office2": make_space(
            code="H.2.02", kind="office", area_m2=Decimal("30"), building=building
        ),
        "lab": make_space(code="L.1.01", kind="lab", area_m2=Decimal("80"), building=building),
        "room": make_space(code="H.1.01", kind="meeting_room", building=building),
        "manager": make_user(role="manager"),
        "admin": make_user(role="tenant_admin", tenant=mine),
        "member": make_user(tenant=mine),
        "their_admin": make_user(role="tenant_admin", tenant=theirs),
    }
    session.commit()
    return scene


def lease_body(tenant, *spaces, start="2027-01-01", **extra):
    data = {"tenant_id": tenant.id, "space_ids": [s.id for s in spaces], "start": start}
    data.update(extra)
    return data


def test_manager_creates_a_lease(hub, api_as, session):
    answer = api_as(hub["manager"]).post(
        "/leases",
        json=lease_body(
            hub["mine"], hub["office"], hub["lab"], end="2027-12-31", rent_eur_per_m2_month="16.5"
        ),
    )
    assert answer.status_code == 201, answer.get_json()
    lease = answer.get_json()
    assert lease["tenant_id"] == hub["mine"].id
    assert lease["tenant"] == {"id": hub["mine"].id, "name": "CellForge"}
    assert lease["space_ids"] == sorted([hub["office"].id, hub["lab"].id], key=lambda i: i)
    assert {s["code"] for s in lease["spaces"]} == {"H.2.01", "L.1.01"}
    assert lease["start"] == "2027-01-01"
    assert lease["end"] == "2027-12-31"
    assert lease["rent_eur_per_m2_month"] == "16.50"
    assert lease["rent_eur_month"] is None
    assert lease["status"] == "upcoming"
    assert lease["affected"] == []
    audit = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "lease")).all()
    assert [(a.action, a.object_id, a.actor_id) for a in audit] == [
        ("lease.create", lease["id"], hub["manager"].id)
    ]
    assert api_as(hub["manager"]).get(f"/leases/{lease['id']}").get_json()["end"] == "2027-12-31"


def test_an_open_ended_fixed_rent_lease(hub, api_as):
    answer = api_as(hub["manager"]).post(
        "/leases", json=lease_body(hub["mine"], hub["office"], rent_eur_month=1500)
    )
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["end"] is None
    assert answer.get_json()["rent_eur_month"] == "1500.00"


def test_a_lease_without_rent_is_rent_free(hub, api_as):
    answer = api_as(hub["manager"]).post("/leases", json=lease_body(hub["mine"], hub["office"]))
    assert answer.status_code == 201
    assert answer.get_json()["rent_eur_per_m2_month"] is None
    assert answer.get_json()["rent_eur_month"] is None


def test_only_offices_labs_and_cleanrooms_are_leased(hub, api_as, session):
    answer = api_as(hub["manager"]).post(
        "/leases", json=lease_body(hub["mine"], hub["office"], hub["room"])
    )
    assert answer.status_code == 400
    err = error(answer)
    assert err["code"] == "bad_request"
    assert "space_ids" in err["details"]["fields"]
    assert session.scalar(select(Lease.id)) is None


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"start": "2027-02-01", "end": "2027-01-31"}, "end"),
        ({"rent_eur_per_m2_month": "10", "rent_eur_month": "100"}, "rent_eur_month"),
        ({"start": "2027-02-30"}, "start"),
        ({"start": "01/02/2027"}, "start"),
        ({"end": "2027-01-01T00:00:00"}, "end"),
        ({"rent_eur_month": "-1"}, "rent_eur_month"),
        ({"rent_eur_month": "10.001"}, "rent_eur_month"),
        ({"rent_eur_month": "lots"}, "rent_eur_month"),
        ({"rent_eur_per_m2_month": True}, "rent_eur_per_m2_month"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_lease_bodies_are_400_naming_the_field(hub, api_as, extra, field):
    data = lease_body(hub["mine"], hub["office"])
    data.update(extra)
    answer = api_as(hub["manager"]).post("/leases", json=data)
    assert answer.status_code == 400, answer.get_json()
    assert any(name.startswith(field) for name in error(answer)["details"]["fields"])


def test_a_space_listed_twice_or_none_is_400(hub, api_as):
    manager = api_as(hub["manager"])
    twice = lease_body(hub["mine"], hub["office"], hub["office"])
    assert manager.post("/leases", json=twice).status_code == 400
    assert manager.post("/leases", json=lease_body(hub["mine"])).status_code == 400


def test_unknown_tenant_or_space_is_404(hub, api_as):
    manager = api_as(hub["manager"])
    data = lease_body(hub["mine"], hub["office"])
    assert manager.post("/leases", json={**data, "tenant_id": 999999}).status_code == 404
    assert manager.post("/leases", json={**data, "space_ids": [999999]}).status_code == 404


def test_a_space_leased_twice_at_once_is_409(hub, api_as, session):
    manager = api_as(hub["manager"])
    first = manager.post(
        "/leases", json=lease_body(hub["mine"], hub["office"], end="2027-06-30")
    ).get_json()
    answer = manager.post(
        "/leases",
        json=lease_body(hub["theirs"], hub["office2"], hub["office"], start="2027-06-30"),
    )
    assert answer.status_code == 409
    err = error(answer)
    assert err["code"] == "conflict"
    assert err["details"]["conflicts"] == [
        {
            "start": "2027-01-01",
            "end": "2027-06-30",
            "reason": "leased",
            "lease_id": first["id"],
            "space_id": hub["office"].id,
        }
    ]
    assert len(session.scalars(select(Lease)).all()) == 1
    # The next day is free.
    after = manager.post(
        "/leases", json=lease_body(hub["theirs"], hub["office"], start="2027-07-01")
    )
    assert after.status_code == 201


def test_an_open_ended_lease_blocks_every_later_one_and_an_earlier_open_one(hub, api_as):
    manager = api_as(hub["manager"])
    manager.post("/leases", json=lease_body(hub["mine"], hub["office"], start="2027-03-01"))
    later = lease_body(hub["theirs"], hub["office"], start="2030-01-01", end="2030-12-31")
    assert manager.post("/leases", json=later).status_code == 409
    earlier_open = lease_body(hub["theirs"], hub["office"], start="2027-01-01")
    assert manager.post("/leases", json=earlier_open).status_code == 409
    earlier_closed = lease_body(hub["theirs"], hub["office"], start="2027-01-01", end="2027-02-28")
    assert manager.post("/leases", json=earlier_closed).status_code == 201


def test_creating_a_lease_lists_the_bookings_it_covers_and_cancels_none(
    hub, api_as, make_booking, make_space, session
):
    office, member = hub["office"], hub["member"]
    inside = make_booking(
        office, member, local("2027-01-05", "10:00"), local("2027-01-05", "11:00")
    )
    pending = make_booking(
        office, member, local("2027-01-06", "10:00"), local("2027-01-06", "11:00"), status="pending"
    )
    make_booking(
        office,
        member,
        local("2027-01-07", "10:00"),
        local("2027-01-07", "11:00"),
        status="cancelled",
    )
    make_booking(office, member, local("2027-02-01", "10:00"), local("2027-02-01", "11:00"))
    make_booking(hub["office2"], member, local("2027-01-05", "10:00"), local("2027-01-05", "11:00"))
    # Across the lease's first midnight: it overlaps the lease.
    across = make_booking(
        office, member, local("2026-12-31", "22:00"), local("2027-01-01", "01:00")
    )
    session.commit()
    answer = api_as(hub["manager"]).post(
        "/leases", json=lease_body(hub["theirs"], office, end="2027-01-31")
    )
    assert answer.status_code == 201
    affected = answer.get_json()["affected"]
    assert [b["id"] for b in affected] == [across.id, inside.id, pending.id]
    assert {b["status"] for b in affected} == {"confirmed", "pending"}
    session.expire_all()
    assert inside.status == "confirmed" and pending.status == "pending"


def test_a_leased_space_cannot_be_booked_while_the_lease_runs(hub, api_as):
    api_as(hub["manager"]).post(
        "/leases", json=lease_body(hub["theirs"], hub["office"], start="2026-12-01")
    )
    answer = api_as(hub["member"]).post(
        "/bookings", json=body(hub["office"], "2026-12-02", "10:00", "11:00")
    )
    assert answer.status_code == 422
    assert error(answer)["code"] == "not_bookable"


def test_ending_a_lease_defaults_to_today_and_keeps_the_history(hub, api_as, session):
    manager = api_as(hub["manager"])
    lease = manager.post(
        "/leases", json=lease_body(hub["mine"], hub["office"], start="2026-01-01")
    ).get_json()
    assert lease["status"] == "running"
    ended = manager.post(f"/leases/{lease['id']}/end")
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["end"] == "2026-12-01"  # today, campus time
    assert ended.get_json()["status"] == "running"  # the last day is still leased
    # From tomorrow the office is free for another tenant; the old lease stays listed.
    nxt = manager.post("/leases", json=lease_body(hub["theirs"], hub["office"], start="2026-12-02"))
    assert nxt.status_code == 201
    listed = manager.get(f"/leases?space_id={hub['office'].id}").get_json()["items"]
    assert [(item["id"], item["end"]) for item in listed] == [
        (lease["id"], "2026-12-01"),
        (nxt.get_json()["id"], None),
    ]
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["lease.create", "lease.end", "lease.create"]


def test_ending_on_a_given_day_and_the_wrong_ends(hub, api_as):
    manager = api_as(hub["manager"])
    lease = manager.post(
        "/leases", json=lease_body(hub["mine"], hub["office"], start="2027-01-01", end="2027-12-31")
    ).get_json()
    path = f"/leases/{lease['id']}/end"
    before = manager.post(path, json={"end": "2026-12-31"})
    assert before.status_code == 400
    assert "end" in error(before)["details"]["fields"]
    # Today is before the start: the default end is refused too.
    assert manager.post(path).status_code == 400
    assert manager.post(path, json={"end": "31-03-2027"}).status_code == 400
    assert manager.post(path, json={"until": "2027-03-31"}).status_code == 400
    ok = manager.post(path, json={"end": "2027-03-31"})
    assert ok.status_code == 200
    assert ok.get_json()["end"] == "2027-03-31"
    # Ending it again, or later than it ends, is an action in the wrong state.
    assert manager.post(path, json={"end": "2027-03-31"}).status_code == 409
    assert manager.post(path, json={"end": "2027-06-30"}).status_code == 409
    # Earlier still is allowed (the lease is shortened).
    assert manager.post(path, json={"end": "2027-01-01"}).get_json()["end"] == "2027-01-01"


def test_leases_list_filters_and_pages(hub, api_as, session):
    manager = api_as(hub["manager"])
    made = [
        manager.post("/leases", json=data).get_json()["id"]
        for data in (
            lease_body(hub["mine"], hub["office"], start="2026-01-01", end="2026-06-30"),
            lease_body(hub["theirs"], hub["lab"], start="2026-03-01"),
            lease_body(hub["mine"], hub["office"], start="2026-07-01"),
            lease_body(hub["mine"], hub["office2"], start="2027-01-01"),
        )
    ]
    ids = [item["id"] for item in manager.get("/leases").get_json()["items"]]
    assert ids == made  # by start day
    mine = manager.get(f"/leases?tenant_id={hub['mine'].id}").get_json()["items"]
    assert [item["id"] for item in mine] == [made[0], made[2], made[3]]
    running = manager.get("/leases?on=2026-12-01").get_json()["items"]
    assert [item["id"] for item in running] == [made[1], made[2]]
    statuses = {item["id"]: item["status"] for item in manager.get("/leases").get_json()["items"]}
    assert statuses == {
        made[0]: "ended",
        made[1]: "running",
        made[2]: "running",
        made[3]: "upcoming",
    }
    first = manager.get("/leases?limit=3").get_json()
    assert [item["id"] for item in first["items"]] == made[:3]
    rest = manager.get(f"/leases?limit=3&cursor={first['next_cursor']}").get_json()
    assert [item["id"] for item in rest["items"]] == made[3:]
    assert rest["next_cursor"] is None
    assert manager.get("/leases?cursor=bogus").status_code == 400
    assert manager.get("/leases?on=tomorrow").status_code == 400
    assert manager.get("/leases?colour=red").status_code == 400


def test_tenant_admin_reads_its_own_leases_only(hub, api_as):
    manager = api_as(hub["manager"])
    own = manager.post("/leases", json=lease_body(hub["mine"], hub["office"])).get_json()
    other = manager.post("/leases", json=lease_body(hub["theirs"], hub["lab"])).get_json()
    admin = api_as(hub["admin"])
    assert [item["id"] for item in admin.get("/leases").get_json()["items"]] == [own["id"]]
    assert admin.get(f"/leases?tenant_id={hub['theirs'].id}").get_json()["items"] == []
    assert admin.get(f"/leases/{own['id']}").status_code == 200
    assert admin.get(f"/leases/{other['id']}").status_code == 404
    # It may see its own lease but not change it: 403; another tenant's: 404.
    assert admin.post(f"/leases/{own['id']}/end").status_code == 403
    assert admin.post(f"/leases/{other['id']}/end").status_code == 404
    assert admin.post("/leases", json=lease_body(hub["mine"], hub["office2"])).status_code == 403


def test_members_see_no_leases(hub, api_as):
    lease = (
        api_as(hub["manager"])
        .post("/leases", json=lease_body(hub["mine"], hub["office"]))
        .get_json()
    )
    member = api_as(hub["member"])
    assert member.get("/leases").status_code == 403
    assert member.get(f"/leases/{lease['id']}").status_code == 404
    assert member.post(f"/leases/{lease['id']}/end").status_code == 404
    assert member.post("/leases", json=lease_body(hub["mine"], hub["office2"])).status_code == 403
    assert api_as(hub["manager"]).get("/leases/999999").status_code == 404


def test_lease_history_is_never_deleted(hub, api_as, session):
    manager = api_as(hub["manager"])
    lease = manager.post(
        "/leases", json=lease_body(hub["mine"], hub["office"], start="2025-01-01")
    ).get_json()
    manager.post(f"/leases/{lease['id']}/end", json={"end": "2025-12-31"})
    row = session.get(Lease, lease["id"])
    session.refresh(row)
    assert (row.start, row.end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert [s.id for s in row.spaces] == [hub["office"].id]


def test_racing_leases_of_one_space_leave_exactly_one(hub, app, session):
    """Eight managers' requests released together, overlapping in time: one lease wins."""
    manager_id, office_id, tenant_id = hub["manager"].id, hub["office"].id, hub["mine"].id
    session.commit()
    threads = 8
    barrier = threading.Barrier(threads)

    def attempt(index: int) -> str:
        with app.app_context():
            own = db.session
            barrier.wait()
            try:
                # As a request would: the transaction (and its lock) begins after release.
                manager = own.get(User, manager_id)
                assert manager is not None
                lease_service.create_lease(
                    own,
                    manager,
                    lease_service.LeaseRequest(
                        tenant_id=tenant_id,
                        space_ids=(office_id,),
                        start=date(2027, 1, 1 + index),
                        end=date(2027, 2, 1 + index),
                    ),
                    now=NOW,
                    tz=TZ,
                )
                own.commit()
                return "leased"
            except Conflict:
                own.rollback()
                return "conflict"
            except Exception as err:  # anything else is what this test looks for
                own.rollback()
                return f"{type(err).__name__}: {err}"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(threads) as pool:
        outcomes = list(pool.map(attempt, range(threads)))
    assert sorted(outcomes) == ["conflict"] * (threads - 1) + ["leased"], outcomes
    assert len(session.scalars(select(Lease)).all()) == 1
