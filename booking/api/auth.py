"""Tokens and the signed-in person."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify

from booking.api import api, current_user
from booking.api.parsing import body
from booking.api.schemas import TokenCreate
from booking.api.serialize import feed_urls, user_json
from booking.clock import campus_zone
from booking.extensions import current_session, db
from booking.services import auth as auth_service
from booking.services import people
from booking.timefmt import iso_local


@api.post("/auth/tokens")
def create_token() -> Any:
    data = body(TokenCreate)
    user = auth_service.authenticate(current_session(), data.email, data.password)
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
