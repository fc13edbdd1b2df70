"""Tenants, users and qualifications through the API: creating, reading, changing, inviting,
deactivating; the audit log; bad input that must be 400 and never 500."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from booking.models import ApiToken, Booking, User
from tests.http.mailbox import events, mails, method
from tests.http.scene import (
    TOMORROW,
    body,
    error,
    fast_api_as,  # noqa: F401  (the api_as fixture, faster)
    local,
)

USER_FIELDS = {"id", "email", "name", "role", "tenant_id", "language", "active", "qualifications"}


@pytest.fixture
def manager(make_user):
    return make_user(role="manager", name="Campus Manager", email="manager@campus.example")


# ---------------------------------------------------------------------------------------------
# Tenants


def test_the_manager_creates_reads_and_changes_a_tenant(api_as, manager):
    api = api_as(manager)

    created = api.post(
        "/tenants",
        json={"name": "Qualiva", "vat_number": "BE0403.170.701", "free_hours_month": 4},
    )

    assert created.status_code == 201
    tenant = created.get_json()
    assert tenant == {
        "id": tenant["id"],
        "name": "Qualiva",
        "vat_number": "BE0403170701",
        "address": None,
        "free_hours_month": "4.00",
    }
    assert api.get(f"/tenants/{tenant['id']}").get_json() == tenant
    changed = api.patch(
        f"/tenants/{tenant['id']}",
        json={"free_hours_month": "2.5", "address": "Campuslaan 1, 3000 Leuven"},
    )
    assert changed.status_code == 200
    assert changed.get_json()["free_hours_month"] == "2.50"
    assert changed.get_json()["address"] == "Campuslaan 1, 3000 Leuven"
    cleared = api.patch(f"/tenants/{tenant['id']}", json={"vat_number": None})
    assert cleared.get_json()["vat_number"] is None
    listed = api.get("/tenants").get_json()
    assert [t["name"] for t in listed["items"]] == ["Qualiva"]
    assert listed["next_cursor"] is None


def test_tenant_names_are_unique(api_as, manager, make_tenant):
    make_tenant(name="Qualiva")
    answer = api_as(manager).post("/tenants", json={"name": "qualiva"})
    assert answer.status_code == 409
    assert error(answer)["code"] == "conflict"


def test_tenants_page_by_cursor(api_as, manager, make_tenant):
    for n in range(3):
        make_tenant(name=f"Tenant {n}")
    api = api_as(manager)

    first = api.get("/tenants?limit=2").get_json()
    second = api.get(f"/tenants?limit=2&cursor={first['next_cursor']}").get_json()

    names = [t["name"] for t in first["items"] + second["items"]]
    assert names == ["Tenant 0", "Tenant 1", "Tenant 2"]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "A\x00B"}, "name"),
        ({"name": 5}, "name"),
        ({"name": "Ok", "vat_number": "BE123"}, "vat_number"),
        ({"name": "Ok", "vat_number": "BE0403170702"}, "vat_number"),
        ({"name": "Ok", "free_hours_month": -1}, "free_hours_month"),
        ({"name": "Ok", "free_hours_month": "1.234"}, "free_hours_month"),
        ({"name": "Ok", "free_hours_month": "lots"}, "free_hours_month"),
        ({"name": "Ok", "free_hours_month": "1e400"}, "free_hours_month"),
        ({"name": "Ok", "free_hours_month": 10**9}, "free_hours_month"),
        ({"name": "Ok", "colour": "blue"}, "colour"),
    ],
)
def test_bad_tenant_input_is_a_400_naming_the_field(api_as, manager, payload, field):
    answer = api_as(manager).post("/tenants", json=payload)
    assert answer.status_code == 400, answer.get_json()
    assert field in error(answer)["details"]["fields"]


def test_a_tenant_cannot_be_renamed_to_nothing(api_as, manager, make_tenant):
    tenant = make_tenant()
    answer = api_as(manager).patch(f"/tenants/{tenant.id}", json={"name": None})
    assert answer.status_code == 400
    assert error(answer)["details"]["fields"] == {"name": "null"}


# ---------------------------------------------------------------------------------------------
# Users


def test_the_manager_creates_a_user_with_a_password_who_can_sign_in(
    api_as, manager, make_tenant, client, session
):
    tenant = make_tenant()

    created = api_as(manager).post(
        "/users",
        json={
            "email": "An.Peeters@Qualiva.example",
            "name": "An Peeters",
            "role": "tenant_admin",
            "tenant_id": tenant.id,
            "language": "en",
            "password": "a-long-password",
        },
    )

    assert created.status_code == 201
    user = created.get_json()
    assert set(user) == USER_FIELDS
    assert user["email"] == "an.peeters@qualiva.example"
    assert user["role"] == "tenant_admin"
    assert user["tenant_id"] == tenant.id
    assert user["active"] is True
    assert user["qualifications"] == []
    signed_in = client.post(
        "/api/v1/auth/tokens",
        json={"email": "an.peeters@qualiva.example", "password": "a-long-password"},
    )
    assert signed_in.status_code == 201
    assert mails(session) == []


def test_a_user_without_a_password_is_invited_by_mail_and_chooses_one(
    api_as, manager, make_tenant, client, session
):
    tenant = make_tenant()

    created = api_as(manager).post(
        "/users", json={"email": "bo@qualiva.example", "name": "Bo", "tenant_id": tenant.id}
    )

    assert created.status_code == 201
    assert created.get_json()["language"] == "nl"
    (invitation,) = mails(session)
    assert invitation.to == "bo@qualiva.example"
    assert invitation.subject == "Je account voor Campus Booking"
    assert "Campus Manager" in invitation.body
    link = re.search(r"https://booking\.campus\.example(/reset/\S+)", invitation.body)
    assert link is not None
    # No password yet: signing in fails until the link is used.
    refused = client.post(
        "/api/v1/auth/tokens", json={"email": "bo@qualiva.example", "password": ""}
    )
    assert refused.status_code == 401

    page = client.get(link.group(1))
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    chosen = client.post(
        link.group(1),
        data={"csrf_token": token, "password": "my-own-secret", "confirm": "my-own-secret"},
    )
    assert chosen.status_code == 302
    signed_in = client.post(
        "/api/v1/auth/tokens", json={"email": "bo@qualiva.example", "password": "my-own-secret"}
    )
    assert signed_in.status_code == 201
    # The link is used up.
    assert client.get(link.group(1)).status_code == 400


def test_a_tenant_admin_invites_a_member_of_its_own_tenant(api_as, make_user, session):
    admin = make_user(role="tenant_admin", name="Admin of Qualiva")

    created = api_as(admin).post(
        "/users", json={"email": "new@qualiva.example", "name": "New", "language": "en"}
    )

    assert created.status_code == 201
    assert created.get_json()["tenant_id"] == admin.tenant_id
    assert created.get_json()["role"] == "member"
    (invitation,) = mails(session)
    assert invitation.subject == "Your Campus Booking account"
    assert "Admin of Qualiva has made you an account" in invitation.body


def test_a_manager_needs_no_tenant_but_a_member_does(api_as, manager):
    api = api_as(manager)

    staff = api.post(
        "/users",
        json={"email": "m2@campus.example", "name": "M2", "role": "manager", "password": "x" * 8},
    )
    member = api.post("/users", json={"email": "x@y.example", "name": "X", "role": "member"})

    assert staff.status_code == 201
    assert staff.get_json()["tenant_id"] is None
    assert member.status_code == 400
    assert error(member)["details"]["fields"] == {"tenant_id": "required"}


def test_e_mail_addresses_are_unique_whatever_their_case(api_as, manager, make_user):
    make_user(email="taken@qualiva.example")
    answer = api_as(manager).post(
        "/users",
        json={"email": "Taken@Qualiva.example", "name": "T", "role": "manager"},
    )
    assert answer.status_code == 409


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X"}, "email"),
        ({"email": "not-an-address", "name": "X"}, "email"),
        ({"email": "a@b.example", "name": ""}, "name"),
        ({"email": "a@b.example", "name": "X", "role": "boss"}, "role"),
        ({"email": "a@b.example", "name": "X", "language": "fr"}, "language"),
        ({"email": "a@b.example", "name": "X", "password": "short"}, "password"),
        ({"email": "a@b.example", "name": "X", "tenant_id": "1"}, "tenant_id"),
        ({"email": "a@b.example", "name": "X", "tenant_id": 2**40}, "tenant_id"),
        ({"email": "a@b.example", "name": "X", "admin": True}, "admin"),
        ({"email": ["a@b.example"], "name": "X"}, "email"),
    ],
)
def test_bad_user_input_is_a_400_naming_the_field(api_as, manager, payload, field):
    answer = api_as(manager).post("/users", json=payload)
    assert answer.status_code == 400, answer.get_json()
    assert field in error(answer)["details"]["fields"]


@pytest.mark.parametrize(
    "raw", [b"{", b"[]", b"null", b'{"active": "no"}', b'{"active": null}', b'{"role": 1}']
)
def test_bad_patches_are_400_never_500(api_as, manager, make_user, raw):
    member = make_user()
    answer = api_as(manager).patch(
        f"/users/{member.id}", data=raw, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400, answer.get_json()
    assert error(answer)["code"] == "bad_request"


def test_a_huge_id_is_simply_not_found(api_as, manager):
    api = api_as(manager)
    assert api.get(f"/users/{2**70}").status_code == 404
    assert api.get(f"/tenants/{2**70}").status_code == 404
    assert api.patch(f"/users/{2**40}", json={"name": "X"}).status_code == 404


def test_users_are_listed_with_filters_and_pages(api_as, manager, make_user, make_tenant):
    tenant = make_tenant()
    admin = make_user(role="tenant_admin", tenant=tenant)
    member = make_user(tenant=tenant)
    make_user(tenant=tenant, active=False)
    api = api_as(manager)

    everyone = api.get("/users?limit=2").get_json()
    rest = api.get(f"/users?limit=2&cursor={everyone['next_cursor']}").get_json()
    admins = api.get("/users?role=tenant_admin").get_json()["items"]
    active_of_tenant = api.get(f"/users?tenant_id={tenant.id}&active=true").get_json()["items"]

    assert len(everyone["items"] + rest["items"]) == 4
    assert [u["id"] for u in admins] == [admin.id]
    assert [u["id"] for u in active_of_tenant] == [admin.id, member.id]
    assert api.get("/users?active=maybe").status_code == 400
    assert api.get("/users?role=boss").status_code == 400
    assert api.get("/users?colour=red").status_code == 400


def test_anyone_changes_their_own_name_and_language(api_as, make_user):
    member = make_user(language="nl")
    api = api_as(member)

    answer = api.patch(f"/users/{member.id}", json={"name": "Renamed", "language": "en"})

    assert answer.status_code == 200
    assert answer.get_json()["name"] == "Renamed"
    assert api.get("/me").get_json()["language"] == "en"


def test_the_manager_changes_roles_and_the_audit_log_says_so(api_as, manager, make_user):
    member = make_user()
    api = api_as(manager)

    promoted = api.patch(f"/users/{member.id}", json={"role": "tenant_admin"})

    assert promoted.get_json()["role"] == "tenant_admin"
    entries = api.get("/audit?action=user.role").get_json()["items"]
    assert entries[0]["object_id"] == member.id
    assert entries[0]["actor_id"] == manager.id
    assert entries[0]["details"] == {"before": "member", "after": "tenant_admin"}


def test_nobody_deactivates_or_demotes_themselves(api_as, manager):
    api = api_as(manager)
    assert api.patch(f"/users/{manager.id}", json={"active": False}).status_code == 403
    assert api.patch(f"/users/{manager.id}", json={"role": "member"}).status_code == 403
    assert api.get("/me").status_code == 200


def test_a_manager_demoted_to_member_needs_a_tenant(api_as, manager, make_user, make_tenant):
    other = make_user(role="manager")
    api = api_as(manager)

    refused = api.patch(f"/users/{other.id}", json={"role": "member"})
    tenant = make_tenant()
    moved = api.patch(f"/users/{other.id}", json={"role": "member", "tenant_id": tenant.id})

    assert refused.status_code == 400
    assert error(refused)["details"]["fields"] == {"tenant_id": "required"}
    assert moved.status_code == 200
    assert moved.get_json()["tenant_id"] == tenant.id


# ---------------------------------------------------------------------------------------------
# Deactivation


def test_deactivation_ends_tokens_sessions_and_future_bookings_at_once(
    api_as, session, manager, make_user, make_space, make_booking, client
):
    member = make_user(email="leaving@qualiva.example")
    room = make_space(name="Demer")
    past = make_booking(room, member, local("2026-11-30", "10:00"), local("2026-11-30", "11:00"))
    future = make_booking(room, member, local(TOMORROW, "10:00"), local(TOMORROW, "11:00"))
    own = api_as(member)
    assert own.get("/me").status_code == 200
    version = member.session_version

    answer = api_as(manager).patch(f"/users/{member.id}", json={"active": False})

    assert answer.status_code == 200
    assert answer.get_json()["active"] is False
    refused = own.get("/me")
    assert refused.status_code == 401
    assert error(refused)["code"] == "unauthenticated"
    signin = client.post(
        "/api/v1/auth/tokens",
        json={"email": "leaving@qualiva.example", "password": "correct horse battery"},
    )
    assert signin.status_code == 401
    session.expire_all()
    assert session.get(User, member.id).session_version > version
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == member.id)).all()
    assert tokens and all(t.revoked_at is not None for t in tokens)
    assert session.get(Booking, future.id).status == "cancelled"
    assert session.get(Booking, past.id).status == "confirmed"
    (notice,) = mails(session, "leaving@qualiva.example")
    assert notice.subject.startswith("Cancelled: Meeting, 02/12/2026 10:00")
    assert method(notice.ics) == "CANCEL"
    assert str(events(notice.ics)[0]["STATUS"]) == "CANCELLED"
    actions = [e["action"] for e in api_as(manager).get("/audit").get_json()["items"]]
    assert "user.deactivate" in actions


def test_a_tenant_admin_removes_a_member_and_may_bring_them_back(api_as, make_user, client):
    admin = make_user(role="tenant_admin")
    member = make_user(tenant=admin.tenant, email="back@qualiva.example")
    api = api_as(admin)

    removed = api.patch(f"/users/{member.id}", json={"active": False})
    back = api.patch(f"/users/{member.id}", json={"active": True})

    assert removed.status_code == 200
    assert back.get_json()["active"] is True
    signin = client.post(
        "/api/v1/auth/tokens",
        json={"email": "back@qualiva.example", "password": "correct horse battery"},
    )
    assert signin.status_code == 201


# ---------------------------------------------------------------------------------------------
# Qualifications


def test_the_manager_grants_renews_and_revokes_a_qualification(api_as, manager, make_user):
    member = make_user()
    api, own = api_as(manager), api_as(member)

    granted = api.post(
        f"/users/{member.id}/qualifications",
        json={"code": "cleanroom-gowning", "expires": "2027-06-30"},
    )
    renewed = api.post(
        f"/users/{member.id}/qualifications",
        json={"code": "cleanroom-gowning", "expires": "2027-12-31"},
    )

    assert granted.status_code == 201
    assert granted.get_json() == {"code": "cleanroom-gowning", "expires": "2027-06-30"}
    assert renewed.status_code == 200
    held = [{"code": "cleanroom-gowning", "expires": "2027-12-31"}]
    assert own.get("/me").get_json()["qualifications"] == held
    assert api.get(f"/users/{member.id}").get_json()["qualifications"] == held

    revoked = api.delete(f"/users/{member.id}/qualifications/cleanroom-gowning")

    assert revoked.status_code == 204
    assert own.get("/me").get_json()["qualifications"] == []
    again = api.delete(f"/users/{member.id}/qualifications/cleanroom-gowning")
    assert again.status_code == 404
    actions = [e["action"] for e in api.get("/audit?action=qualification.").get_json()["items"]]
    assert actions == ["qualification.revoke", "qualification.grant", "qualification.grant"]


def test_a_granted_qualification_opens_the_space_it_guards(api_as, manager, make_user, make_space):
    cleanroom = make_space(kind="cleanroom", required_qualification="cleanroom-gowning")
    member = make_user()
    own = api_as(member)
    before = own.post("/bookings", json=body(cleanroom, TOMORROW, "10:00", "11:00"))

    api_as(manager).post(f"/users/{member.id}/qualifications", json={"code": "cleanroom-gowning"})
    after = own.post("/bookings", json=body(cleanroom, TOMORROW, "10:00", "11:00"))

    assert before.status_code == 403
    assert error(before)["code"] == "qualification_required"
    assert after.status_code == 201


@pytest.mark.parametrize(
    "payload",
    [
        {"code": "Cleanroom"},
        {"code": "clean room"},
        {"code": ""},
        {"code": "ok", "expires": "30/06/2027"},
        {"code": "ok", "expires": "2027-02-30"},
        {"code": "ok", "expires": 20270630},
        {"code": "ok", "level": 3},
    ],
)
def test_bad_qualification_input_is_a_400(api_as, manager, make_user, payload):
    member = make_user()
    answer = api_as(manager).post(f"/users/{member.id}/qualifications", json=payload)
    assert answer.status_code == 400, answer.get_json()


# ---------------------------------------------------------------------------------------------
# The audit log


def test_the_audit_log_is_newest_first_and_pages(api_as, manager, make_user, make_space):
    member = make_user()
    room = make_space()
    api = api_as(manager)
    booking_id = (
        api_as(member)
        .post("/bookings", json=body(room, TOMORROW, "10:00", "11:00"))
        .get_json()["id"]
    )
    api.post(f"/users/{member.id}/qualifications", json={"code": "lab-safety"})
    api.post(f"/bookings/{booking_id}/cancel")

    first = api.get("/audit?limit=2").get_json()
    rest = api.get(f"/audit?limit=2&cursor={first['next_cursor']}").get_json()

    actions = [e["action"] for e in first["items"] + rest["items"]]
    assert actions == ["booking.cancel", "qualification.grant", "booking.create"]
    entry = first["items"][0]
    assert set(entry) == {"id", "at", "actor_id", "action", "object_type", "object_id", "details"}
    assert entry["object_type"] == "booking"
    assert entry["object_id"] == booking_id
    assert entry["actor_id"] == manager.id
    on_booking = api.get(f"/audit?object_type=booking&object_id={booking_id}").get_json()
    assert [e["action"] for e in on_booking["items"]] == ["booking.cancel", "booking.create"]
    by_member = api.get(f"/audit?actor_id={member.id}").get_json()["items"]
    assert [e["action"] for e in by_member] == ["booking.create"]
    assert api.get("/audit?cursor=xyz").status_code == 400
    assert api.get("/audit?object_id=abc").status_code == 400


def test_the_audit_log_records_space_changes(api_as, manager, make_building):
    building = make_building(code="HUB")
    api = api_as(manager)
    created = api.post(
        "/spaces",
        json={
            "code": "H.1.01",
            "name": "Schelde",
            "building": building.code,
            "kind": "meeting_room",
            "capacity": 6,
            "area_m2": 18,
        },
    )
    assert created.status_code == 201, created.get_json()

    entries = api.get("/audit?object_type=space").get_json()["items"]

    assert [e["action"] for e in entries] == ["space.create"]


def test_the_expiry_day_of_a_qualification_still_counts(api_as, manager, make_user, make_space):
    cleanroom = make_space(kind="cleanroom", required_qualification="cleanroom-gowning")
    member = make_user()
    api_as(manager).post(
        f"/users/{member.id}/qualifications",
        json={"code": "cleanroom-gowning", "expires": TOMORROW},
    )
    own = api_as(member)

    on_the_day = own.post("/bookings", json=body(cleanroom, TOMORROW, "10:00", "11:00"))
    day_after = (date.fromisoformat(TOMORROW) + timedelta(days=1)).isoformat()
    later = own.post("/bookings", json=body(cleanroom, day_after, "10:00", "11:00"))

    assert on_the_day.status_code == 201
    assert later.status_code == 403


# ---------------------------------------------------------------------------------------------
# Text that cannot be stored or searched (PostgreSQL refuses NUL) is a 400 or finds nobody


@pytest.mark.parametrize(
    "query",
    ["/outbox?to=a%00b", "/audit?action=x%00", "/audit?object_type=%01", "/users?role=%00"],
)
def test_control_characters_in_queries_are_400(api_as, manager, query):
    answer = api_as(manager).get(query)
    assert answer.status_code == 400


def test_control_characters_in_an_e_mail_never_reach_the_database(client, api_as, manager):
    api = api_as(manager)  # first: it commits the scene
    signin = client.post("/api/v1/auth/tokens", json={"email": "a\x00@b.example", "password": "x"})
    created = api.post("/users", json={"email": "a\x00@b.example", "name": "X", "role": "manager"})
    patched = api.patch(f"/users/{manager.id}", json={"email": "m\x00@b.example"})

    assert signin.status_code == 401
    assert created.status_code == 400
    assert patched.status_code == 400


def test_a_huge_or_odd_free_hours_number_is_a_400(api_as, manager):
    api = api_as(manager)
    for value in (1e300, "NaN", "Infinity", "-0.01", "1e-5"):
        answer = api.post("/tenants", json={"name": f"T {value}", "free_hours_month": value})
        assert answer.status_code == 400, (value, answer.get_json())
