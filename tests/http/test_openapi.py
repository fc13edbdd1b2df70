"""GET /api/v1/openapi.json: an OpenAPI 3.1 document of every route, built from the code."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from booking.api.openapi import PREFIX, _path_of
from booking.api.schemas import Body
from tests.http.scene import error, fast_api_as  # noqa: F401  (the api_as fixture, faster)


@pytest.fixture
def doc(anonymous):
    answer = anonymous.get("/openapi.json")
    assert answer.status_code == 200
    return answer.get_json()


def test_anyone_gets_a_valid_openapi_3_1_document(doc):
    validate(doc)

    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["bearer"]["description"],
    }


def test_every_route_under_api_v1_is_in_the_document(app, doc):
    routes = {
        (method.lower(), _path_of(rule.rule[len(PREFIX) :])[0])
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    documented = {(method, path) for path, ops in doc["paths"].items() for method in ops}

    assert len(routes) > 40
    assert routes == documented


def test_only_signing_in_and_the_document_need_no_token(doc):
    public = {
        f"{method.upper()} {path}"
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if op["security"] == []
    }

    assert public == {"POST /auth/tokens", "GET /openapi.json"}


def test_the_documented_examples_are_valid_requests(doc):
    schemas = doc["components"]["schemas"]
    models = {cls.__name__: cls for cls in _subclasses(Body)}
    checked = 0
    for name, schema in schemas.items():
        for example in schema.get("examples", ()):
            if name in models:
                models[name].model_validate(example)
                checked += 1

    assert checked >= 20


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_the_body_schema_is_the_one_that_validates(doc):
    booking = doc["components"]["schemas"]["BookingCreate"]

    assert booking["additionalProperties"] is False
    assert set(booking["required"]) == {"space_id", "start", "end", "title"}
    assert booking["properties"]["title"]["maxLength"] == 200


def test_an_operation_that_takes_no_query_refuses_any(manager_api):
    answer = manager_api.get("/me?verbose=1")

    assert answer.status_code == 400
    assert error(answer)["details"]["fields"] == {"verbose": "Extra inputs are not permitted"}


def test_a_view_without_operation_breaks_the_document(app):
    from flask import Flask

    from booking.api.openapi import document

    bare = Flask("bare")
    bare.add_url_rule(PREFIX + "/nothing", "nothing", lambda: "")

    with pytest.raises(LookupError, match="nothing"):
        document(bare)


# ---------------------------------------------------------------------------------------------
# Errors outside any operation keep the one shape too.


def test_an_unknown_path_under_api_is_404_in_the_error_shape(anonymous, manager_api):
    for api in (anonymous, manager_api):
        answer = api.get("/no/such/thing")
        assert answer.status_code == 404
        assert error(answer)["code"] == "not_found"
    assert anonymous.client.get("/api/v2/spaces").status_code == 404
    assert error(anonymous.client.get("/api/v2/spaces"))["code"] == "not_found"


def test_an_unknown_method_is_405_in_the_error_shape_with_allow(manager_api):
    answer = manager_api.client.put("/api/v1/spaces", headers=manager_api._headers())

    assert answer.status_code == 405
    assert error(answer)["code"] == "method_not_allowed"
    assert "GET" in answer.headers["Allow"]


# ---------------------------------------------------------------------------------------------
# Answers the document promises that no other test file happened to produce.


@pytest.fixture
def manager_api(api_as, make_user):
    return api_as(make_user(role="manager", tenant=None))


def test_a_member_cannot_remove_a_closure(api_as, make_user, manager_api):
    closure = manager_api.post(
        "/closures", json={"start": "2026-12-24", "end": "2026-12-26", "reason": "Christmas"}
    ).get_json()

    answer = api_as(make_user()).delete(f"/closures/{closure['id']}")

    assert answer.status_code == 403
    assert error(answer)["code"] == "forbidden"


def test_a_space_code_taken_by_another_space_is_409(manager_api, make_space):
    first, second = make_space(code="H.1.01"), make_space(code="H.1.02")

    answer = manager_api.patch(f"/spaces/{second.id}", json={"code": first.code})

    assert answer.status_code == 409
    assert error(answer)["code"] == "conflict"


def test_a_tenant_name_taken_by_another_tenant_is_409(manager_api, make_tenant):
    make_tenant(name="Qualiva")
    other = make_tenant(name="CellForge")

    answer = manager_api.patch(f"/tenants/{other.id}", json={"name": "Qualiva"})

    assert answer.status_code == 409


def test_an_e_mail_address_taken_by_another_user_is_409(manager_api, make_user):
    make_user(email="an@qualiva.example")
    other = make_user(email="bo@qualiva.example")

    answer = manager_api.patch(f"/users/{other.id}", json={"email": "an@qualiva.example"})

    assert answer.status_code == 409


# ---------------------------------------------------------------------------------------------
# /api/docs


def test_the_reference_page_loads_swagger_ui_from_this_server_only(client):
    page = client.get("/api/docs")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert '"/api/v1/openapi.json"' in html
    assert "https://" not in html and "http://" not in html
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"):
        assert client.get(f"/static/vendor/swagger-ui/{name}").status_code == 200
