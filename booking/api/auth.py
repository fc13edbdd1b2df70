"""Tokens, the signed-in person, and the API's rate limits."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from flask.wrappers import Response

from booking.api import api, current_user
from booking.api.parsing import body
from booking.api.schemas import TokenCreate
from booking.api.serialize import feed_urls, user_json
from booking.clock import campus_zone
from booking.errors import Unauthenticated, error_body
from booking.extensions import current_session, db
from booking.ratelimits import (
    RateLimitExceeded,
    mark_failed_signin,
    retry_after_seconds,
    signin_limits,
    write_limit,
)
from booking.services import auth as auth_service
from booking.services import people
from booking.timefmt import iso_local

# Writes (POST, PATCH, DELETE) count per token: RATELIMIT_WRITES.
write_limit(api)


@api.errorhandler(RateLimitExceeded)
def _rate_limited(err: RateLimitExceeded) -> Response:
    response = jsonify(
        error_body(
            "rate_limited",
            "Too many requests; try again later.",
            {"retry_after": retry_after_seconds()},
        )
    )
    response.status_code = 429
    response.headers["Retry-After"] = str(retry_after_seconds())
    return response


@api.post("/auth/tokens")
@signin_limits
def create_token() -> Any:
    data = body(TokenCreate)
    try:
        user = auth_service.authenticate(current_session(), data.email, data.password)
    except Unauthenticated:
        mark_failed_signin()
        raise
    token, record = auth_service.issue_token(current_session(), user)
    db.session.commit()
    return jsonify({"token": token, "expires_at": iso_local(record.expires_at, campus_zone())}), 201


@api.delete("/auth/tokens/current")
def revoke_token() -> Any:
    auth_service.revoke(current_session(), g.api_token)
    db.session.commit()
    return "", 204


def _me() -> dict[str, Any]:
    user = current_user()
    data = user_json(user)
    data["tenant"] = {"id": user.tenant.id, "name": user.tenant.name} if user.tenant else None
    data.update(feed_urls(user))
    return data


@api.get("/me")
def me() -> Any:
    return jsonify(_me())


@api.post("/me/ical-token")
def rotate_feed_token() -> Any:
    user = current_user()
    user.feed_token = people.new_feed_token()
    db.session.flush()
    data = _me()
    db.session.commit()
    return jsonify(data)
