"""The OpenAPI 3.1 document of /api/v1, generated from the code that serves it.

How to add or change an endpoint: route it on the `api` blueprint and declare it with
`@operation` right under the route decorator::

    @api.get("/reports/example")
    @operation(
        "One line that says what it answers",
        query=ExampleQuery,                 # a schemas.Query model; default: no parameters
        answers={200: ExampleOut},          # status -> responses.* model, None (no body) or Content
        errors=(403,),                      # statuses beyond those implied (see below)
    )
    def example(args: ExampleQuery) -> Any: ...

The wrapper validates before the view runs, with the very models the document shows: the
query string against `query` (the view gets it as `args`), the JSON body against `body` (as
`data`; `body_optional=True` lets an empty body stand for the model's defaults). Anything else
is 400 `bad_request` naming the fields. Implied error answers: 400 always (unknown query
parameters are refused everywhere), 401 unless `public`, 404 when the path has parameters, 413
when there is a body, 429 on POST, PATCH and DELETE. Declare the rest (403, 409, 422, a 404 of
a path without parameters) in `errors`.

`document(app)` walks app.url_map: every rule under /api/v1 becomes a path, every method an
operation, so no route can be left out; a view without `@operation` makes the document fail
to build (and the contract tests with it). Answers of other types than JSON (CSV, iCalendar,
UBL XML) are `Content` entries.
"""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, jsonify, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from booking.api import api
from booking.api.responses import Error
from booking.api.schemas import MAX_ID, NoQuery, field_errors
from booking.core.rules import RULE_ORDER
from booking.errors import BadRequest, NotFound

PREFIX = "/api/v1"
WRITES = frozenset({"POST", "PATCH", "DELETE"})

ERROR_CODES: dict[int, tuple[str, ...]] = {
    400: ("bad_request",),
    401: ("unauthenticated",),
    403: ("forbidden", "qualification_required"),
    404: ("not_found",),
    405: ("method_not_allowed",),
    409: ("conflict",),
    413: ("too_large",),
    422: (*RULE_ORDER, "invalid_recurrence"),
    429: ("rate_limited",),
    500: ("internal_error",),
}
ERROR_TEXT: dict[int, str] = {
    400: "Malformed JSON, wrong types, unknown fields or parameters: `details.fields` names them.",
    401: "No token, or a token that is unknown, expired or revoked.",
    403: "You may see this but not do this (`forbidden`), or the space needs a qualification "
    "you do not hold (`qualification_required`, `details.qualification`).",
    404: "Nothing there, or nothing you may see.",
    405: "The path exists, the method does not.",
    409: "In the way of something else: `details.conflicts` and `details.alternatives` for a "
    "booking; a booking in the wrong state; a duplicate code.",
    413: "The body is over 1 MiB.",
    422: "Well-formed, but it breaks a booking rule: the code of the first, `details.violations` "
    "lists them all.",
    429: "Too many requests: wait `Retry-After` seconds.",
    500: "A bug, never bad input; the message gives a request id that is in the log.",
}
ERROR_NAMES = {
    400: "BadRequest",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "TooLarge",
    422: "RuleViolation",
    429: "RateLimited",
    500: "ServerError",
}


@dataclass(frozen=True)
class Content:
    """An answer that is not (only) a JSON model: CSV, iCalendar, XML, or JSON with such an
    alternative chosen by the Accept header."""

    description: str
    model: type[BaseModel] | None = None
    also: tuple[type[BaseModel], ...] = ()  # other JSON shapes it may have
    media: Mapping[str, str] = field(default_factory=dict)  # media type -> what it holds
    headers: Mapping[str, str] = field(default_factory=dict)  # header -> description


Answers = Mapping[int, "type[BaseModel] | Content | None"]


@dataclass(frozen=True)
class Operation:
    summary: str
    answers: Answers
    body: type[BaseModel] | None = None
    body_optional: bool = False
    query: type[BaseModel] = NoQuery
    errors: tuple[int, ...] = ()
    description: str = ""
    public: bool = False
    links: Mapping[int, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    path_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def operation(
    summary: str,
    *,
    answers: Answers,
    body: type[BaseModel] | None = None,
    body_optional: bool = False,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    description: str = "",
    public: bool = False,
    links: Mapping[int, Mapping[str, Mapping[str, Any]]] | None = None,
    path_params: Mapping[str, Mapping[str, Any]] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare (and validate the input of) a view under /api/v1; see the module docstring."""
    spec = Operation(
        summary=summary,
        answers=answers,
        body=body,
        body_optional=body_optional,
        query=query or NoQuery,
        errors=errors,
        description=description,
        public=public,
        links=links or {},
        path_params=path_params or {},
    )

    def declare(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def run(**path: Any) -> Any:
            if any(isinstance(value, int) and value > MAX_ID for value in path.values()):
                # Ids are 32-bit columns: a larger number names nothing (and PostgreSQL
                # would refuse to compare it).
                raise NotFound("There is nothing at this address.")
            args = parse_query(spec.query)
            if query is not None:
                path["args"] = args
            if body is not None:
                path["data"] = parse_body(body, optional=body_optional)
            return view(**path)

        run.openapi = spec  # type: ignore[attr-defined]
        return run

    return declare


# ---------------------------------------------------------------------------------------------
# Validation


def parse_body(model: type[BaseModel], *, optional: bool = False) -> Any:
    """The request's JSON body as `model`, or 400 bad_request naming the fields."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if optional:
            return model()
        raise BadRequest("The request needs a JSON body.", details={"fields": {"body": "required"}})
    try:
        return model.model_validate_json(raw)
    except ValidationError as err:
        errors = err.errors(include_url=False)
        if any(e.get("type") == "json_invalid" for e in errors):
            raise BadRequest(
                "The body is not valid JSON.", details={"fields": {"body": "json"}}
            ) from None
        fields = field_errors(errors)
        raise BadRequest(
            f"Invalid fields: {', '.join(sorted(fields))}.", details={"fields": fields}
        ) from None


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    return any(typing.get_origin(arg) is list for arg in typing.get_args(annotation))


def parse_query(model: type[BaseModel]) -> Any:
    """The query string as `model`: an empty value counts as absent, a repeatable parameter
    (a list field) gives all its values, unknown parameters are refused; else 400."""
    lists = {
        (info.alias or name)
        for name, info in model.model_fields.items()
        if _is_list(info.annotation)
    }
    known = {(info.alias or name) for name, info in model.model_fields.items()}
    values: dict[str, Any] = {}
    for key in request.args:
        given = [value for value in request.args.getlist(key) if value != ""]
        if key not in known:
            values[key] = given[0] if given else ""
        elif given:
            values[key] = given if key in lists else given[0]
    try:
        return model.model_validate(values)
    except ValidationError as err:
        fields = field_errors(err.errors(include_url=False))
        raise BadRequest(
            f"Invalid query parameters: {', '.join(sorted(fields))}.", details={"fields": fields}
        ) from None


# ---------------------------------------------------------------------------------------------
# The document

_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def _path_of(rule: str) -> tuple[str, list[tuple[str, str]]]:
    params: list[tuple[str, str]] = []

    def replace(match: re.Match[str]) -> str:
        params.append((match.group("name"), match.group("converter") or "default"))
        return "{" + match.group("name") + "}"

    return _ARGUMENT.sub(replace, rule), params


def _param_schema(converter: str) -> dict[str, Any]:
    if converter == "int":
        return {"type": "integer", "minimum": 1}
    return {"type": "string", "minLength": 1, "maxLength": 200}


def _operations(app: Flask) -> list[tuple[str, str, str, list[tuple[str, str]], Operation]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        spec = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if not isinstance(spec, Operation):
            raise LookupError(f"{rule.endpoint} ({rule.rule}) is not declared with @operation")
        path, params = _path_of(rule.rule[len(PREFIX) :])
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((path, method, rule.endpoint.split(".")[-1], params, spec))
    return sorted(found, key=lambda item: (item[0], item[1]))


def error_statuses(method: str, has_path_params: bool, spec: Operation) -> set[int]:
    """The error answers an operation is documented with."""
    statuses = {400, *spec.errors}
    if not spec.public:
        statuses.add(401)
    if has_path_params:
        statuses.add(404)
    if spec.body is not None:
        statuses.add(413)
    if method in WRITES:
        statuses.add(429)
    return statuses


ERROR_EXAMPLES: dict[int, tuple[str, dict[str, Any]]] = {
    400: (
        "Invalid fields: title.",
        {"fields": {"title": "String should have at most 200 characters"}},
    ),
    401: ("Sign in first: send Authorization: Bearer <token>.", {}),
    403: (
        "This space needs the qualification cleanroom-gowning.",
        {"qualification": "cleanroom-gowning"},
    ),
    404: ("There is no booking 412.", {}),
    405: ("This method is not allowed here.", {}),
    409: (
        "The space is not free at that time.",
        {
            "conflicts": [
                {
                    "start": "2027-03-17T14:00:00+01:00",
                    "end": "2027-03-17T15:00:00+01:00",
                    "reason": "booking",
                }
            ],
            "alternatives": {
                "slots": [
                    {"start": "2027-03-17T15:00:00+01:00", "end": "2027-03-17T16:00:00+01:00"}
                ],
                "spaces": [{"id": 14, "code": "H.2.11", "name": "Abeek"}],
            },
        },
    ),
    413: ("The request body is larger than 1 MiB.", {}),
    422: (
        "The booking starts in the past.",
        {
            "violations": [
                {"code": "in_past", "message": "The booking starts in the past.", "details": {}}
            ]
        },
    ),
    429: ("Too many requests; try again later.", {"retry_after": 42}),
    500: (
        "Something went wrong on our side (request 9aeaf6ba1c9c).",
        {"request_id": "9aeaf6ba1c9c"},
    ),
}


def _error_schema(status: int) -> dict[str, Any]:
    message, details = ERROR_EXAMPLES[status]
    example = {"error": {"code": ERROR_CODES[status][0], "message": message, "details": details}}
    if status == 403 and details:
        example["error"]["code"] = "qualification_required"
    return {
        "type": "object",
        "description": ERROR_TEXT[status],
        "examples": [example],
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "enum": list(ERROR_CODES[status])},
                    "message": {"type": "string"},
                    "details": {"type": "object"},
                },
            }
        },
    }


def _error_response(status: int) -> dict[str, Any]:
    codes = ", ".join(f"`{code}`" for code in ERROR_CODES[status])
    answer: dict[str, Any] = {
        "description": f"{ERROR_TEXT[status]} Codes: {codes}.",
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{ERROR_NAMES[status]}Error"}
            }
        },
    }
    if status == 429:
        answer["headers"] = {
            "Retry-After": {
                "description": "seconds to wait",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return answer


def _query_parameters(schema: dict[str, Any], model: type[BaseModel]) -> list[dict[str, Any]]:
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        prop = _not_null(prop)
        description = prop.pop("description", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if description:
            parameter["description"] = description
        if prop.get("type") == "array" or any(
            option.get("type") == "array" for option in prop.get("anyOf", ())
        ):
            parameter["style"] = "form"
            parameter["explode"] = True
        parameters.append(parameter)
    return parameters


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a value, never null: `anyOf [X, null]` is X."""
    options = prop.get("anyOf")
    if options and len(options) == 2 and {"type": "null"} in options:
        inner = next(option for option in options if option != {"type": "null"})
        merged = {**inner, **{k: v for k, v in prop.items() if k not in ("anyOf", "default")}}
        if prop.get("default") is not None:
            merged["default"] = prop["default"]
        return merged
    return dict(prop)


def _strip_titles(node: Any) -> Any:
    """pydantic writes a `title` on every property; the document reads better without them.
    Values (examples, defaults) are left as they are."""
    if isinstance(node, dict):
        return {
            key: value if key in _VALUES else _strip_titles(value)
            for key, value in node.items()
            if not (key == "title" and isinstance(value, str))
        }
    if isinstance(node, list):
        return [_strip_titles(value) for value in node]
    return node


_VALUES = frozenset({"examples", "example", "default", "const", "enum"})


def _media_example(schema: dict[str, Any]) -> dict[str, Any]:
    examples = schema.get("examples")
    if not examples:
        return {}
    return {"examples": {f"example{n + 1}": {"value": value} for n, value in enumerate(examples)}}


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route under /api/v1 of `app`."""
    operations = _operations(app)
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Error, "serialization")]
    for *_, spec in operations:
        if spec.body is not None:
            models.append((spec.body, "validation"))
        models.append((spec.query, "validation"))
        for answer in spec.answers.values():
            shapes = (answer.model, *answer.also) if isinstance(answer, Content) else (answer,)
            models += [(model, "serialization") for model in shapes if model is not None]
    unique = list(dict.fromkeys(models))
    refs, defs = models_json_schema(unique, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = _strip_titles(defs.get("$defs", {}))
    query_schemas = {spec.query: schemas.pop(spec.query.__name__, {}) for *_, spec in operations}
    for status in ERROR_CODES:
        schemas[f"{ERROR_NAMES[status]}Error"] = _error_schema(status)

    def ref(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        return dict(refs[(model, mode)])

    paths: dict[str, dict[str, Any]] = {}
    for path, method, endpoint, params, spec in operations:
        parameters: list[dict[str, Any]] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": dict(spec.path_params.get(name) or _param_schema(converter)),
            }
            for name, converter in params
        ]
        parameters += _query_parameters(query_schemas[spec.query], spec.query)
        op: dict[str, Any] = {
            "operationId": endpoint,
            "summary": spec.summary,
            "tags": [path.strip("/").split("/")[0]],
        }
        if spec.description:
            op["description"] = spec.description
        if parameters:
            op["parameters"] = parameters
        if spec.body is not None:
            body_ref = ref(spec.body, "validation")
            body_schema = schemas.get(spec.body.__name__, {})
            op["requestBody"] = {
                "required": not spec.body_optional,
                "content": {
                    "application/json": {"schema": body_ref, **_media_example(body_schema)}
                },
            }
        responses: dict[str, Any] = {}
        for status, answer in sorted(spec.answers.items()):
            responses[str(status)] = _answer(status, answer, ref)
            if status in spec.links:
                responses[str(status)]["links"] = {
                    name: dict(link) for name, link in spec.links[status].items()
                }
        for status in sorted(error_statuses(method, bool(params), spec)):
            responses[str(status)] = {"$ref": f"#/components/responses/{ERROR_NAMES[status]}"}
        op["responses"] = responses
        op["security"] = [] if spec.public else [{"bearer": []}]
        paths.setdefault(path, {})[method.lower()] = op

    base = str(app.config.get("BOOKING_BASE_URL", "")).rstrip("/")
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Campus Booking API",
            "version": "1",
            "description": _DESCRIPTION,
        },
        "servers": [
            {"url": PREFIX, "description": "this server"},
            {"url": f"{base}{PREFIX}", "description": "the campus's address (BOOKING_BASE_URL)"},
        ],
        "security": [{"bearer": []}],
        "tags": [
            {"name": tag}
            for tag in sorted({op["tags"][0] for p in paths.values() for op in p.values()})
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from POST /auth/tokens; DELETE "
                    "/auth/tokens/current revokes it.",
                }
            },
            "schemas": dict(sorted(schemas.items())),
            "responses": {
                ERROR_NAMES[status]: _error_response(status) for status in sorted(ERROR_CODES)
            },
        },
    }


def _answer(status: int, answer: Any, ref: Callable[[type[BaseModel], JsonSchemaMode], Any]) -> Any:
    if answer is None:
        return {"description": "Done; no content."}
    if isinstance(answer, Content):
        content: dict[str, Any] = {}
        if answer.model is not None:
            shapes = [ref(model, "serialization") for model in (answer.model, *answer.also)]
            schema = shapes[0] if len(shapes) == 1 else {"anyOf": shapes}
            content["application/json"] = {"schema": schema}
        for media, what in answer.media.items():
            kind = "object" if media.endswith("json") else "string"
            content[media] = {"schema": {"type": kind, "description": what}}
        result: dict[str, Any] = {"description": answer.description}
        if content:
            result["content"] = content
        if answer.headers:
            result["headers"] = {
                name: {"description": text, "schema": {"type": "string"}}
                for name, text in answer.headers.items()
            }
        return result
    doc = " ".join((answer.__doc__ or "").split())
    description = doc or f"{_STATUS_WORDS.get(status, 'Success')}: {answer.__name__}"
    return {
        "description": description,
        "content": {"application/json": {"schema": ref(answer, "serialization")}},
    }


_STATUS_WORDS = {200: "OK", 201: "Created"}

_DESCRIPTION = """\
The campus booking API: spaces and their rules, bookings (once or recurring), closures,
tenants, users, leases, reports and invoices.

**Authentication.** `POST /auth/tokens` with `{"email", "password"}` gives a token; send it
as `Authorization: Bearer <token>`.

**Times** are ISO 8601. Input without an offset is campus local time (Europe/Brussels);
output always carries the campus offset. A date alone as `to`/`end` includes that whole day.
**Money** in answers is a decimal string with two decimals (`"23.00"`); input takes a number
or such a string.

**Lists** answer `{"items": [...], "next_cursor": null | "…"}`; `?limit=` 1–500 (default 50),
`?cursor=` only as the API gave it.

**Errors** all have one shape, `{"error": {"code", "message", "details"}}`. 405, 413 and 429
come first; then 401, 400, 403 or 404, `qualification_required`, the 422 rule codes, 409.
An unknown path under /api answers 404 and an unknown method 405, in the same shape.
"""


@api.get("/openapi.json")
@operation(
    "This document: OpenAPI 3.1, generated from the code",
    answers={200: Content("The OpenAPI document", media={"application/json": "OpenAPI 3.1"})},
    public=True,
)
def openapi() -> Any:
    cache = current_app.extensions.setdefault("booking_openapi", {})
    if "document" not in cache:
        cache["document"] = document(current_app)
    return jsonify(cache["document"])
