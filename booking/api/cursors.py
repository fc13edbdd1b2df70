"""Cursors as the API hands them out: the service's own cursor (its position in a list) and
a MAC over it, so that `?cursor=` takes only what the API gave (API.md section 4); a cursor
made or edited by hand is 400, whatever its content."""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app

_SEPARATOR = "~"


def _mac(plain: str) -> str:
    key = hashlib.sha256(b"cursor:" + str(current_app.config["SECRET_KEY"]).encode()).digest()
    digest = hmac.new(key, plain.encode(), hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode()


def sign(plain: str) -> str:
    return f"{plain}{_SEPARATOR}{_mac(plain)}"


def unsign(cursor: str) -> str | None:
    """The service's cursor inside ``cursor``, or None when the API did not make it."""
    plain, separator, mac = cursor.rpartition(_SEPARATOR)
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    if not separator or not plain or not hmac.compare_digest(mac.encode(), _mac(plain).encode()):
        return None
    return plain
