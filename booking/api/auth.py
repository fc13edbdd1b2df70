"""Tokens, the signed-in person, and the API's rate limits."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from flask.wrappers import Response

from booking.api import api, current_user
from booking.api.openapi import operation
from booking.api.responses import MeOut, TokenOut
from booking.api.schemas import TokenCreate
from booking.api.serialize import me_json
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
@operation(
    "Sign in: a bearer token for the API",
    body=TokenCreate,
    answers={201: TokenOut},
    public=True,
    description="A wrong e-mail address or password is 401. Failed sign-ins are limited per "
    "address and per client (429 until the window ends, even with the right password).",
    errors=(401,),
)
def create_token(data: TokenCreate) -> Any:
    try:
        user = auth_service.authenticate(current_session(), data.email, data.password)
    except Unauthenticated:
        mark_failed_signin()
        raise
    token, record = auth_service.issue_token(current_session(), user)
    db.session.commit()
    return jsonify({"token": token, "expires_at": iso_local(record.expires_at, campus_zone())}), 201


@api.delete("/auth/tokens/current")
@operation("Sign out: revoke the token of this request", answers={204: None})
def revoke_token() -> Any:
    auth_service.revoke(current_session(), g.api_token)
    db.session.commit()
    return "", 204


@api.get("/me")
@operation("Who you are: profile, tenant, role, qualifications, feed URLs", answers={200: MeOut})
def me() -> Any:
    return jsonify(me_json(current_user()))


@api.post("/me/ical-token")
@operation(
    "New secret calendar feed URLs; the old ones answer 404 at once",
    answers={200: MeOut},
)
def rotate_feed_token() -> Any:
    user = current_user()
    user.feed_token = people.new_feed_token()
    db.session.flush()
    data = me_json(user)
    db.session.commit()
    return jsonify(data)
