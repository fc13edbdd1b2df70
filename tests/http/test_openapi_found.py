"""What schemathesis found (tests/contract/fuzz.py), pinned: each was a 500 or an answer the
document did not describe."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.http.scene import error, fast_api_as  # noqa: F401  (the api_as fixture, faster)


@pytest.fixture
def manager_api(api_as, make_user):
    return api_as(make_user(role="manager", tenant=None))


@pytest.mark.parametrize("day", ["3921-48-00", "2027-02-30", "0001-01-01"])
def test_leases_on_a_day_that_does_not_exist_is_400_not_500(manager_api, day):
    answer = manager_api.get(f"/leases?on={day}")

    assert answer.status_code == 400
    assert "on" in error(answer)["details"]["fields"]


def test_a_building_code_longer_than_its_column_is_400_not_500(manager_api):
    # PostgreSQL refuses a value longer than VARCHAR(20) where SQLite stores it.
    answer = manager_api.post("/buildings", json={"code": "0" * 21, "name": "Lab building"})

    assert answer.status_code == 400
    assert "code" in error(answer)["details"]["fields"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("area_m2", 100_000_000),
        ("hourly_rate_eur", "1e9"),
        ("max_hours_per_week_per_tenant", 1_000_000),
        ("hourly_rate_eur", "-1"),
    ],
)
def test_an_amount_beyond_its_column_is_400_not_500(manager_api, make_space, field, value):
    space = make_space()

    answer = manager_api.patch(f"/spaces/{space.id}", json={field: value})

    assert answer.status_code == 400
    assert field in error(answer)["details"]["fields"]


def test_a_fixed_rent_over_several_spaces_is_one_usage_line_without_a_space(
    manager_api, make_space, make_tenant
):
    tenant = make_tenant()
    offices = [make_space(kind="office", area_m2=Decimal("20")) for _ in range(2)]
    lease = manager_api.post(
        "/leases",
        json={
            "tenant_id": tenant.id,
            "space_ids": [o.id for o in offices],
            "start": "2026-11-01",
            "rent_eur_month": "1500.00",
        },
    )
    assert lease.status_code == 201, lease.get_json()

    usage = manager_api.get(f"/tenants/{tenant.id}/usage?month=2026-11").get_json()

    assert [(line["kind"], line["space_id"]) for line in usage["lines"]] == [("rent", None)]
    assert usage["net_eur"] == "1500.00"


def test_closures_of_a_space_that_does_not_exist_are_404(manager_api):
    answer = manager_api.get("/closures?space_id=296")

    assert answer.status_code == 404
    assert error(answer)["code"] == "not_found"


BIG = 2**40


def test_a_tenant_id_beyond_the_id_column_is_400_not_500(manager_api, make_space):
    space = make_space()

    answer = manager_api.patch(f"/spaces/{space.id}", json={"allowed_tenants": [-(BIG), 6161]})

    assert answer.status_code == 400
    assert any(name.startswith("allowed_tenants") for name in error(answer)["details"]["fields"])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/spaces/{BIG}", None),
        ("PATCH", f"/spaces/{BIG}", {"capacity": 3}),
        ("GET", f"/spaces/{BIG}/availability?from=2026-12-02&to=2026-12-02", None),
        ("DELETE", f"/closures/{BIG}", None),
        ("GET", f"/tenants/{BIG}", None),
        ("GET", f"/users/{BIG}", None),
        ("DELETE", f"/users/{BIG}/qualifications/cleanroom-gowning", None),
        ("GET", f"/leases/{BIG}", None),
    ],
)
def test_an_id_beyond_the_id_column_in_the_path_is_404(manager_api, method, path, body):
    answer = manager_api.client.open(
        "/api/v1" + path, method=method, json=body, headers=manager_api._headers()
    )

    assert answer.status_code == 404
    assert error(answer)["code"] == "not_found"


@pytest.mark.parametrize(
    "body",
    [
        {"space_id": BIG, "start": "2026-12-24", "end": "2026-12-24"},
        {"space_id": -BIG, "start": "2026-12-24", "end": "2026-12-24"},
    ],
)
def test_a_closure_of_a_space_id_beyond_the_column_is_400(manager_api, body):
    answer = manager_api.post("/closures", json=body)

    assert answer.status_code == 400


def test_moving_a_booking_to_a_space_id_beyond_the_column_is_not_a_500(manager_api, make_space):
    space = make_space()
    booking = manager_api.post(
        "/bookings",
        json={
            "space_id": space.id,
            "start": "2026-12-02T10:00",
            "end": "2026-12-02T11:00",
            "title": "x",
        },
    ).get_json()

    answer = manager_api.patch(f"/bookings/{booking['id']}", json={"space_id": BIG})

    assert answer.status_code in (400, 404)
