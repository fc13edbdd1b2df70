"""Domain errors and their one mapping to HTTP: the JSON error shape under /api, pages elsewhere."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """An error with an API code (API.md section 4)."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details: dict[str, Any] = details or {}


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class Unauthenticated(DomainError):
    status, code = 401, "unauthenticated"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class QualificationRequired(DomainError):
    status, code = 403, "qualification_required"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class RuleViolation(DomainError):
    """A well-formed request that breaks a booking rule: 422 with the first rule's code."""

    status = 422


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
}

_HTTP_MESSAGES = {
    404: "There is nothing at this address.",
    405: "This method is not allowed here.",
    413: "The request body is larger than 1 MiB.",
    429: "Too many requests; try again later.",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def _page(status: int, message: str) -> tuple[str, int]:
    try:
        return render_template("errors/error.html", status=status, message=message), status
    except TemplateNotFound:
        return message, status


def register(app: Flask) -> None:
    """Install the error handlers on the app."""

    @app.errorhandler(DomainError)
    def _domain(err: DomainError) -> Any:
        if _wants_json():
            return jsonify(error_body(err.code, err.message, err.details)), err.status
        return _page(err.status, err.message)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> Any:
        status = err.code or 500
        if _wants_json():
            code = _HTTP_CODES.get(status, "bad_request" if status < 500 else "internal_error")
            message = _HTTP_MESSAGES.get(status) or (err.description or err.name)
            response: Response = jsonify(error_body(code, message))
            response.status_code = status
            for name, value in err.get_headers():
                if name.lower() not in {"content-type", "content-length"}:
                    response.headers[name] = value
            return response
        return _page(status, _HTTP_MESSAGES.get(status) or err.name)

    @app.errorhandler(Exception)
    def _bug(err: Exception) -> Any:
        request_id = uuid.uuid4().hex[:12]
        log.exception("internal error %s on %s %s", request_id, request.method, request.path)
        message = f"Something went wrong on our side (request {request_id})."
        if _wants_json():
            return jsonify(error_body("internal_error", message, {"request_id": request_id})), 500
        return _page(500, message)
