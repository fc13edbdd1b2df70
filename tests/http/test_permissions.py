"""Every permission boundary of people, tenants, qualifications, outbox and audit: each role
(a member, its tenant's admin, another tenant's admin, the manager, nobody) against each
action, through the API; and the same rules when the services are called directly (they are
enforced there, not only in the views).

The rule (API.md section 4): 404 for what one may not see, 403 for what one may see but not
change (or an action reserved to a role on something one may see)."""

from __future__ import annotations

from typing import Any

import pytest

from booking.errors import Forbidden, NotFound
from booking.models import QualificationGrant
from booking.services import people
from tests.conftest import NOW
from tests.http.conftest import Api
from tests.http.scene import fast_api_as  # noqa: F401  (the api_as fixture, faster)

ROLES = ("member", "tenant_admin", "other_admin", "manager", "anonymous")


@pytest.fixture
def scene(make_tenant, make_user, session) -> dict[str, Any]:
    """Tenant A with a member, a colleague and an admin; tenant B with its admin; the manager."""
    a, b = make_tenant(name="Qualiva"), make_tenant(name="Medtrix")
    people_ = {
        "member": make_user(tenant=a, email="member@qualiva.example"),
        "colleague": make_user(tenant=a, email="colleague@qualiva.example"),
        "tenant_admin": make_user(role="tenant_admin", tenant=a, email="admin@qualiva.example"),
        "other_admin": make_user(role="tenant_admin", tenant=b, email="admin@medtrix.example"),
        "other_member": make_user(tenant=b, email="member@medtrix.example"),
        "manager": make_user(role="manager", email="manager@campus.example"),
    }
    session.add(QualificationGrant(user=people_["colleague"], code="lab-safety"))
    session.flush()
    return {"a": a, "b": b, **people_}


@pytest.fixture
def as_role(api_as, anonymous, scene):
    def sign_in(role: str) -> Api:
        return anonymous if role == "anonymous" else api_as(scene[role])

    return sign_in


def _ids(scene: dict[str, Any]) -> dict[str, int]:
    return {name: value.id for name, value in scene.items()}


# (what, method, path, body, expected status per role)
CASES: list[tuple[str, str, str, Any, dict[str, int]]] = [
    (
        "list tenants",
        "GET",
        "/tenants",
        None,
        {"member": 403, "tenant_admin": 200, "other_admin": 200, "manager": 200},
    ),
    (
        "read own tenant",
        "GET",
        "/tenants/{a}",
        None,
        {"member": 403, "tenant_admin": 200, "other_admin": 404, "manager": 200},
    ),
    (
        "create a tenant",
        "POST",
        "/tenants",
        {"name": "Newco"},
        {"member": 403, "tenant_admin": 403, "other_admin": 403, "manager": 201},
    ),
    (
        "change a tenant",
        "PATCH",
        "/tenants/{a}",
        {"free_hours_month": 9},
        {"member": 403, "tenant_admin": 403, "other_admin": 404, "manager": 200},
    ),
    (
        "list users",
        "GET",
        "/users",
        None,
        {"member": 403, "tenant_admin": 200, "other_admin": 200, "manager": 200},
    ),
    (
        "read a colleague",
        "GET",
        "/users/{colleague}",
        None,
        {"member": 404, "tenant_admin": 200, "other_admin": 404, "manager": 200},
    ),
    (
        "read oneself",
        "GET",
        "/users/{member}",
        None,
        {"member": 200, "tenant_admin": 200, "other_admin": 404, "manager": 200},
    ),
    (
        "read the manager",
        "GET",
        "/users/{manager}",
        None,
        {"member": 404, "tenant_admin": 404, "other_admin": 404, "manager": 200},
    ),
    (
        "invite a member to tenant A",
        "POST",
        "/users",
        {"email": "new@qualiva.example", "name": "New", "tenant_id": "{a}"},
        {"member": 403, "tenant_admin": 201, "other_admin": 404, "manager": 201},
    ),
    (
        "invite a tenant admin to one's own tenant",
        "POST",
        "/users",
        {"email": "new@own.example", "name": "New", "role": "tenant_admin"},
        {"member": 403, "tenant_admin": 201, "other_admin": 201, "manager": 400},
    ),
    (
        "make a manager",
        "POST",
        "/users",
        {"email": "boss@campus.example", "name": "Boss", "role": "manager"},
        {"member": 403, "tenant_admin": 403, "other_admin": 403, "manager": 201},
    ),
    (
        "rename a colleague",
        "PATCH",
        "/users/{colleague}",
        {"name": "Renamed"},
        {"member": 404, "tenant_admin": 200, "other_admin": 404, "manager": 200},
    ),
    (
        "promote a colleague to tenant admin",
        "PATCH",
        "/users/{colleague}",
        {"role": "tenant_admin"},
        {"member": 404, "tenant_admin": 200, "other_admin": 404, "manager": 200},
    ),
    (
        "promote a colleague to manager",
        "PATCH",
        "/users/{colleague}",
        {"role": "manager"},
        {"member": 404, "tenant_admin": 403, "other_admin": 404, "manager": 200},
    ),
    (
        "remove a colleague",
        "PATCH",
        "/users/{colleague}",
        {"active": False},
        {"member": 404, "tenant_admin": 200, "other_admin": 404, "manager": 200},
    ),
    (
        "move a colleague to another tenant",
        "PATCH",
        "/users/{colleague}",
        {"tenant_id": "{b}"},
        {"member": 404, "tenant_admin": 403, "other_admin": 404, "manager": 200},
    ),
    (
        "change one's own role",
        "PATCH",
        "/users/{member}",
        {"role": "tenant_admin"},
        {"member": 403, "tenant_admin": 200, "other_admin": 404, "manager": 200},
    ),
    (
        "change one's own e-mail",
        "PATCH",
        "/users/{member}",
        {"email": "elsewhere@qualiva.example"},
        {"member": 403, "tenant_admin": 200, "other_admin": 404, "manager": 200},
    ),
    (
        "remove the manager",
        "PATCH",
        "/users/{manager}",
        {"active": False},
        {"member": 404, "tenant_admin": 404, "other_admin": 404, "manager": 403},
    ),
    (
        "grant a qualification",
        "POST",
        "/users/{colleague}/qualifications",
        {"code": "cleanroom-gowning"},
        {"member": 404, "tenant_admin": 403, "other_admin": 404, "manager": 201},
    ),
    (
        "grant oneself a qualification",
        "POST",
        "/users/{member}/qualifications",
        {"code": "cleanroom-gowning"},
        {"member": 403, "tenant_admin": 403, "other_admin": 404, "manager": 201},
    ),
    (
        "revoke a qualification",
        "DELETE",
        "/users/{colleague}/qualifications/lab-safety",
        None,
        {"member": 404, "tenant_admin": 403, "other_admin": 404, "manager": 204},
    ),
    (
        "read the outbox",
        "GET",
        "/outbox",
        None,
        {"member": 403, "tenant_admin": 403, "other_admin": 403, "manager": 200},
    ),
    (
        "read the audit log",
        "GET",
        "/audit",
        None,
        {"member": 403, "tenant_admin": 403, "other_admin": 403, "manager": 200},
    ),
    (
        "read the approval queue",
        "GET",
        "/approvals",
        None,
        {"member": 403, "tenant_admin": 403, "other_admin": 403, "manager": 200},
    ),
    (
        "read /me",
        "GET",
        "/me",
        None,
        {"member": 200, "tenant_admin": 200, "other_admin": 200, "manager": 200},
    ),
]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("what", "verb", "path", "payload", "expected"), CASES, ids=[case[0] for case in CASES]
)
def test_who_may_do_what(as_role, scene, role, what, verb, path, payload, expected):
    ids = _ids(scene)
    api = as_role(role)
    url = path.format(**ids)
    data = _fill(payload, ids)

    if verb == "GET":
        answer = api.get(url)
    elif verb == "POST":
        answer = api.post(url, json=data)
    elif verb == "PATCH":
        answer = api.patch(url, json=data)
    else:
        answer = api.delete(url)

    status = 401 if role == "anonymous" else expected[role]
    assert answer.status_code == status, (what, role, answer.get_json())
    if status >= 400:
        code = answer.get_json()["error"]["code"]
        assert (
            code
            == {
                400: "bad_request",
                401: "unauthenticated",
                403: "forbidden",
                404: "not_found",
            }[status]
        )


def test_a_tenant_admin_lists_only_its_own_tenant_and_people(as_role, scene):
    api = as_role("tenant_admin")

    tenants = api.get("/tenants").get_json()["items"]
    users = api.get("/users").get_json()["items"]
    other = api.get(f"/users?tenant_id={scene['b'].id}").get_json()["items"]

    assert [t["id"] for t in tenants] == [scene["a"].id]
    assert {u["email"] for u in users} == {
        "member@qualiva.example",
        "colleague@qualiva.example",
        "admin@qualiva.example",
    }
    assert other == []


def test_a_tenant_admins_invitation_lands_in_its_own_tenant(as_role, scene):
    created = as_role("other_admin").post(
        "/users", json={"email": "x@medtrix.example", "name": "X"}
    )
    assert created.get_json()["tenant_id"] == scene["b"].id


# ---------------------------------------------------------------------------------------------
# The same rules, enforced by the services themselves


def test_services_refuse_what_the_actor_may_not_do(session, scene):
    member, admin, other = scene["member"], scene["tenant_admin"], scene["other_admin"]
    colleague = scene["colleague"]

    with pytest.raises(Forbidden):
        people.create_user(session, member, email="x@y.example", name="X", role="member")
    with pytest.raises(Forbidden):
        people.create_user(session, admin, email="x@y.example", name="X", role="manager")
    with pytest.raises(NotFound):
        people.create_user(
            session, admin, email="x@y.example", name="X", role="member", tenant_id=scene["b"].id
        )
    with pytest.raises(NotFound):
        people.get_user(session, other, colleague.id)
    with pytest.raises(NotFound):
        people.update_user(
            session,
            other,
            colleague.id,
            people.UserChange(active=False, fields=frozenset({"active"})),
            now=NOW,
        )
    with pytest.raises(Forbidden):
        people.update_user(
            session,
            admin,
            colleague.id,
            people.UserChange(role="manager", fields=frozenset({"role"})),
            now=NOW,
        )
    with pytest.raises(Forbidden):
        people.grant_qualification(session, admin, user=colleague, code="cleanroom-gowning")
    with pytest.raises(Forbidden):
        people.list_users(session, member, limit=10, cursor=None)
    with pytest.raises(Forbidden):
        people.create_tenant(session, admin, name="Newco")
    with pytest.raises(NotFound):
        people.get_tenant(session, other, scene["a"].id)
    # The command line (no actor) may do everything.
    people.grant_qualification(session, None, user=colleague, code="cleanroom-gowning")
