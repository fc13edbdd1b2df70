"""Rate limits (Flask-Limiter; Redis when REDIS_URL is set, else memory):

- failed sign-ins, on the API's POST /auth/tokens and the /login page alike, count per e-mail
  address (RATELIMIT_SIGNIN) and per client address (RATELIMIT_SIGNIN_IP); once either is
  spent, every attempt is refused with 429 until the window ends, even with the right password;
- the API's writes (POST, PATCH, DELETE) count per bearer token (RATELIMIT_WRITES).

A refusal is 429 `rate_limited` with Retry-After: the JSON error shape under /api, the page's
own answer elsewhere.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from flask import current_app, g, request
from flask.wrappers import Response
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address

from booking.extensions import limiter

__all__ = [
    "RateLimitExceeded",
    "mark_failed_signin",
    "retry_after_seconds",
    "signin_limits",
    "write_limit",
]

SIGNIN_EMAIL_SCOPE = "signin-email"
SIGNIN_IP_SCOPE = "signin-ip"
WRITES_SCOPE = "api-writes"


def mark_failed_signin() -> None:
    """Count this request against the sign-in limits (only failures are counted)."""
    g.signin_failed = True


def _failed(response: Response) -> bool:
    return bool(g.get("signin_failed"))


def _signin_email() -> str:
    """The e-mail address tried: from the JSON body (API) or the form (page)."""
    email: Any = None
    if request.is_json:
        data = request.get_json(silent=True)
        if isinstance(data, dict):
            email = data.get("email")
    else:
        email = request.form.get("email")
    if isinstance(email, str) and email.strip():
        return "email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return "address:" + get_remote_address()


def _signin_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGNIN"])


def _signin_ip_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGNIN_IP"])


def signin_limits(view: Any) -> Any:
    """Decorate a sign-in view (POST): both sign-in limits, shared by the API and the page."""
    per_email = limiter.shared_limit(
        _signin_limit,
        SIGNIN_EMAIL_SCOPE,
        key_func=_signin_email,
        methods=["POST"],
        deduct_when=_failed,
    )
    per_address = limiter.shared_limit(
        _signin_ip_limit,
        SIGNIN_IP_SCOPE,
        key_func=get_remote_address,
        methods=["POST"],
        deduct_when=_failed,
    )
    return per_email(per_address(view))


def _bearer_key() -> str:
    # Limits are checked before the API authenticates (429 comes before 401), so the key is
    # the token as sent, hashed; a request without one is not counted (it gets 401).
    token = request.headers.get("Authorization", "").partition(" ")[2]
    return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]


def _without_token() -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() != "bearer" or not token.strip()


def _writes_limit() -> str:
    return str(current_app.config["RATELIMIT_WRITES"])


def write_limit(blueprint: Any) -> None:
    """Limit the blueprint's POST, PATCH and DELETE per bearer token, across all its routes."""
    limiter.shared_limit(
        _writes_limit,
        WRITES_SCOPE,
        key_func=_bearer_key,
        methods=["POST", "PATCH", "DELETE"],
        exempt_when=_without_token,
    )(blueprint)


def retry_after_seconds() -> int:
    """Seconds until the limit this request broke lets a request through again."""
    current = limiter.current_limit
    if current is None:
        return 60
    try:
        return max(1, math.ceil(current.reset_at - time.time()))
    except Exception:  # storage gone away: a sensible default rather than a 500
        return 60
