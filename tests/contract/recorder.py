"""Every answer under /api that the test session sees, checked against the OpenAPI document.

`start()` connects to Flask's `request_finished` signal, which every app of the process sends
(the session's app, the rate-limited ones, a live server's thread), so no test needs to take
part. Per answer it records (method, path template, status) and, at once, what is wrong with
it: a status the document does not give for that operation, a body that does not match the
documented schema, a media type not documented, an error not in the one error shape, a 429
without Retry-After. tests/contract/test_coverage.py reads both at the end of the session.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, request
from flask.signals import request_finished
from jsonschema import Draft202012Validator

from booking.api.openapi import ERROR_CODES, PREFIX, _path_of, document


@dataclass
class Record:
    seen: set[tuple[str, str, int]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    answers: int = 0
    doc: dict[str, Any] | None = None
    validators: dict[str, Draft202012Validator] = field(default_factory=dict)


RECORD = Record()


def pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def documented_answers(doc: dict[str, Any]) -> Iterator[tuple[str, str, int]]:
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            for status in op["responses"]:
                yield method.upper(), path, int(status)


def response_object(doc: dict[str, Any], path: str, method: str, status: int) -> Any:
    """The response object and the JSON pointer to it (a $ref followed)."""
    answer = doc["paths"][path][method.lower()]["responses"][str(status)]
    where = pointer("paths", path, method.lower(), "responses", str(status))
    if "$ref" in answer:
        where = answer["$ref"]
        name = where.rsplit("/", 1)[1]
        answer = doc["components"]["responses"][name]
    return answer, where


def _validator(doc: dict[str, Any], where: str) -> Draft202012Validator:
    if where not in RECORD.validators:
        RECORD.validators[where] = Draft202012Validator({**doc, "$ref": where})
    return RECORD.validators[where]


def _error_shape(body: Any, status: int) -> str | None:
    if not isinstance(body, dict) or set(body) != {"error"}:
        return "not the error shape"
    error = body["error"]
    if not isinstance(error, dict) or set(error) != {"code", "message", "details"}:
        return "not the error shape"
    if not isinstance(error["message"], str) or not isinstance(error["details"], dict):
        return "not the error shape"
    if error["code"] not in ERROR_CODES.get(status, ()):
        return f"code {error['code']!r} is not one of the codes of {status}"
    return None


def check(app: Flask, response: Response) -> None:
    if not (request.path.startswith("/api/") or request.path == "/api"):
        return
    if request.path.startswith("/api/docs"):
        return
    RECORD.answers += 1
    status = response.status_code
    what = f"{request.method} {request.full_path.rstrip('?')} -> {status}"
    body: Any = None
    media = (response.mimetype or "").lower()
    if media == "application/json" and not response.is_streamed:
        try:
            body = json.loads(response.get_data())
        except ValueError:
            RECORD.problems.append(f"{what}: the body is not JSON")
            return
    if status >= 400:
        problem = _error_shape(body, status)
        if problem:
            RECORD.problems.append(f"{what}: {problem}: {str(body)[:200]}")
        if status == 429 and not response.headers.get("Retry-After", "").isdigit():
            RECORD.problems.append(f"{what}: no Retry-After")
    rule = request.url_rule
    if rule is None or not rule.rule.startswith(PREFIX + "/"):
        if status not in (404, 405):
            RECORD.problems.append(f"{what}: no route, yet not 404 or 405")
        return
    path = _path_of(rule.rule[len(PREFIX) :])[0]
    RECORD.seen.add((request.method, path, status))
    if RECORD.doc is None:
        RECORD.doc = document(app)
    doc = RECORD.doc
    try:
        answer, where = response_object(doc, path, request.method, status)
    except KeyError:
        RECORD.problems.append(f"{what}: {status} is not documented for {request.method} {path}")
        return
    content = answer.get("content", {})
    if not content:
        if response.get_data():
            RECORD.problems.append(f"{what}: documented without a body, yet has one")
        return
    if media not in content:
        RECORD.problems.append(f"{what}: {media or 'no media type'} is not documented")
        return
    if media == "application/json":
        validator = _validator(doc, where + pointer("content", media, "schema")[1:])
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        for error in errors[:3]:
            place = "/".join(str(p) for p in error.path)
            RECORD.problems.append(f"{what}: at /{place}: {error.message[:200]}")


def _on_finished(sender: Flask, response: Response, **extra: Any) -> None:
    check(sender, response)


def start() -> None:
    request_finished.connect(_on_finished)
