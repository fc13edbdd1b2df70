"""The JSON API under /api/v1: parse, call one service, serialize. No business rules here.

Every view is declared with booking.api.openapi.operation, which validates its input with the
models of booking.api.schemas and describes it, with booking.api.responses, in the OpenAPI
document at /api/v1/openapi.json; /api/docs shows that document (booking.api.docs)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import RequestEntityTooLarge

from booking.errors import Unauthenticated
from booking.extensions import csrf, current_session

api = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api)


@api.record_once
def _with_reference(state: BlueprintSetupState) -> None:
    # The reference page lives outside /api/v1 (it is no JSON): registered with the API.
    from booking.api.docs import api_docs

    state.app.register_blueprint(api_docs)


# Endpoints anyone may call without a token.
PUBLIC_ENDPOINTS = {"api.create_token", "api.openapi"}


@api.before_request
def _authenticate() -> None:
    from booking.services.auth import resolve_token

    g.api_token = None
    # 413 comes before 401 (API.md section 4): refuse a body too large before anything else.
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Sign in first: send Authorization: Bearer <token>.")
    found = resolve_token(current_session(), token.strip())
    if found is None:
        raise Unauthenticated("This token is unknown, expired or revoked.")
    g.user, g.api_token = found


def current_user() -> Any:
    return g.user


from booking.api import (  # noqa: E402,F401
    auth,
    bookings,
    calendar,
    closures,
    leases,
    people,
    reports,
    spaces,
)
