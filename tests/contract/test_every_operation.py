"""The error answers every operation shares, driven by the OpenAPI document itself: whatever
route is added later is held to them without a test being written for it.

401 without a token, 400 for an unknown query parameter, 413 for a body over 1 MiB, 429 for
writes beyond the limit (with Retry-After), 404 for a thing that is not there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from booking import create_app
from booking.api.openapi import document
from booking.extensions import db, limiter
from tests.conftest import make_test_app
from tests.http.conftest import Api
from tests.http.scene import error, fast_api_as  # noqa: F401  (the api_as fixture, faster)

DOC = document(create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x", "TESTING": True}))
OPERATIONS = [
    (method.upper(), path, op) for path, ops in DOC["paths"].items() for method, op in ops.items()
]
MISSING = {"code": "NOPE", "month": "2026-11"}


def _ids(operations: list[tuple[str, str, Any]]) -> list[str]:
    return [f"{method} {path}" for method, path, _ in operations]


def _fill(path: str, value: str = "999999") -> str:
    return re.sub(r"\{(\w+)\}", lambda m: MISSING.get(m.group(1), value), path)


def _example_body(op: dict[str, Any]) -> Any:
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    examples = content.get("examples") or {}
    return next(iter(examples.values()))["value"] if examples else {}


def _required_query(op: dict[str, Any]) -> dict[str, str]:
    return {
        p["name"]: p["schema"]["examples"][0]
        for p in op.get("parameters", ())
        if p["in"] == "query" and p["required"]
    }


def _send(api: Api, method: str, path: str, **kwargs: Any) -> Any:
    return api.client.open(
        "/api/v1" + path, method=method, headers=api._headers(kwargs.pop("headers", None)), **kwargs
    )


@pytest.fixture
def nobody(client) -> Api:
    return Api(client, None)


@pytest.fixture
def manager_api(api_as, make_user) -> Api:
    return api_as(make_user(role="manager", tenant=None))


PRIVATE = [o for o in OPERATIONS if o[2]["security"]]


@pytest.mark.parametrize(("method", "path", "op"), PRIVATE, ids=_ids(PRIVATE))
def test_every_operation_but_signing_in_is_401_without_a_token(method, path, op, nobody):
    answer = _send(nobody, method, _fill(path, "1"))

    assert answer.status_code == 401, answer.get_data(as_text=True)[:300]
    assert error(answer)["code"] == "unauthenticated"


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=_ids(OPERATIONS))
def test_an_unknown_query_parameter_is_400_naming_it(method, path, op, manager_api):
    answer = _send(manager_api, method, _fill(path), query_string={"colour": "red"})

    assert answer.status_code == 400, answer.get_data(as_text=True)[:300]
    assert error(answer)["code"] == "bad_request"
    assert "colour" in error(answer)["details"]["fields"]


WITH_BODY = [o for o in OPERATIONS if "requestBody" in o[2]]


@pytest.mark.parametrize(("method", "path", "op"), WITH_BODY, ids=_ids(WITH_BODY))
def test_a_body_over_one_mebibyte_is_413_before_anything_else(method, path, op, nobody):
    huge = json.dumps({"title": "x" * (1024 * 1024)})

    answer = _send(
        nobody, method, _fill(path), data=huge, headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 413
    assert error(answer)["code"] == "too_large"


WITH_PATH = [o for o in OPERATIONS if "{" in o[1]]


@pytest.mark.parametrize(("method", "path", "op"), WITH_PATH, ids=_ids(WITH_PATH))
def test_a_thing_that_is_not_there_is_404(method, path, op, manager_api):
    body = _example_body(op)

    answer = _send(
        manager_api,
        method,
        _fill(path),
        query_string=_required_query(op),
        **({"json": body} if body is not None else {}),
    )

    assert answer.status_code == 404, answer.get_data(as_text=True)[:300]
    assert error(answer)["code"] == "not_found"


@pytest.fixture
def writes_limited_app(app: Flask, database_url: str, clean_db: None) -> Iterator[Flask]:
    """An app on the test database that allows one write a minute per token.

    Flask-Limiter keeps its state on the one Limiter that every app shares: it is put back
    afterwards, so that the other tests' app stays unlimited."""
    saved = dict(limiter.__dict__)
    limiter._key_prefix = ""
    limited = make_test_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_WRITES="1 per minute")
    yield limited
    with limited.app_context():
        db.engine.dispose()
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)


# Signing in has limits of its own, on failed attempts (tests/http/test_auth.py).
WRITES = [o for o in OPERATIONS if o[0] in {"POST", "PATCH", "DELETE"} and o[2]["security"]]


def test_every_write_beyond_the_limit_is_429_with_retry_after(
    writes_limited_app, make_user, session
):
    from booking.services.auth import issue_token

    manager = make_user(role="manager", tenant=None)
    token, _ = issue_token(session, manager)
    session.commit()
    api = Api(writes_limited_app.test_client(), token)
    assert _send(api, "POST", "/me/ical-token").status_code == 200

    answers = {
        f"{method} {path}": _send(api, method, _fill(path), json=_example_body(op))
        for method, path, op in WRITES
    }

    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(answers, 429)
    for answer in answers.values():
        assert error(answer)["code"] == "rate_limited"
        assert int(answer.headers["Retry-After"]) > 0
