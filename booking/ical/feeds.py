"""The feed views: /ical/{token}/me.ics, tenant.ics and spaces/{id}.ics.

The secret token in the URL is the only credential: no session cookie is read or set, and an
unknown or rotated token is a plain 404. An unchanged feed is answered from one aggregate
query: 304 to a conditional request, else the body built before (kept by its strong ETag).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, request
from werkzeug.http import http_date, is_resource_modified

from booking.clock import booking_now, campus_zone
from booking.errors import NotFound
from booking.extensions import current_session
from booking.ical import ical
from booking.services import feeds as feed_service

CONTENT_TYPE = "text/calendar; charset=utf-8"
# private: a feed is one person's; no-cache: revalidate every time (a 304 costs one query).
CACHE_CONTROL = "private, no-cache"


# --- the token never reaches a log ---------------------------------------------------------
#
# Werkzeug's development server and gunicorn's access log write each request's path, and
# errors.py logs the path of a failing request: in a feed's path that is the secret.

_TOKEN_IN_PATH = re.compile(r"(/ical/)[^/\s?#\"']+")


class RedactFeedTokens(logging.Filter):
    """Replaces the token in /ical/{token}/... with <token> in a log record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's business, not ours
            return True
        if "/ical/" in message:
            record.msg = _TOKEN_IN_PATH.sub(r"\1<token>", message)
            record.args = None
        return True


_REDACT = RedactFeedTokens()
for _name in ("werkzeug", "gunicorn.access", "gunicorn.error", "booking.errors"):
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, RedactFeedTokens) for f in _logger.filters):
        _logger.addFilter(_REDACT)


# --- built bodies, by ETag -------------------------------------------------------------------


class BodyCache:
    """Recently built calendars by strong ETag, bounded in bytes (least recently used out).

    The ETag covers everything the body shows, so a hit is the body that building would give
    (but for DTSTAMP, which stays that of the first build).
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, etag: str) -> bytes | None:
        with self._lock:
            body = self._bodies.get(etag)
            if body is not None:
                self._bodies.move_to_end(etag)
            return body

    def put(self, etag: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 4:
            return
        with self._lock:
            old = self._bodies.pop(etag, None)
            if old is not None:
                self._size -= len(old)
            self._bodies[etag] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, dropped = self._bodies.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
            self._size = 0


bodies = BodyCache(max_bytes=64 * 1024 * 1024)


# --- responses -------------------------------------------------------------------------------


def settings() -> feed_service.FeedSettings:
    return feed_service.FeedSettings(
        tz=campus_zone(), base_url=str(current_app.config["BOOKING_BASE_URL"])
    )


class NotModified(Response):
    """A 304 that keeps Last-Modified beside the ETag.

    Werkzeug drops Last-Modified from every 304 (RFC 2616's "entity headers"); RFC 9110 (15.4.5)
    allows it, and a client that revalidates with If-Modified-Since alone keeps its date.
    """

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__(status=304, headers=headers)
        del self.headers["Content-Type"]
        self._last_modified = headers["Last-Modified"]

    def get_wsgi_headers(self, environ: Any) -> Any:
        headers = super().get_wsgi_headers(environ)
        headers["Last-Modified"] = self._last_modified
        return headers


def calendar_response(
    version: feed_service.Version,
    build: Callable[[], bytes],
    *,
    filename: str | None = None,
) -> Response:
    """304 when the client's copy is current; else the body (cached by ETag, or built)."""
    headers = {
        "ETag": version.etag,
        "Last-Modified": http_date(version.last_modified),
        "Cache-Control": CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
    }
    if not is_resource_modified(
        request.environ, etag=version.etag, last_modified=version.last_modified
    ):
        return NotModified(headers)
    body = bodies.get(version.etag)
    if body is None:
        body = build()
        bodies.put(version.etag, body)
    if filename is not None:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, status=200, headers=headers, content_type=CONTENT_TYPE)


def _not_found() -> Response:
    # Plain and uncacheable: a rotated URL must not live on in a cache as anything.
    return Response(
        "There is no calendar at this address.\n",
        status=404,
        content_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )


def _serve(token: str, kind: str, space_id: int | None = None) -> Response:
    session = current_session()
    owner = feed_service.feed_owner(session, token)
    if owner is None:
        return _not_found()
    try:
        feed = feed_service.open_feed(session, owner, kind, space_id)
    except NotFound:
        return _not_found()
    now, stamp, config = booking_now(), datetime.now(UTC), settings()
    version = feed_service.feed_version(session, feed, now=now, stamp=stamp, settings=config)

    def build() -> bytes:
        return feed_service.build_feed(session, feed, now=now, stamp=stamp, settings=config)

    return calendar_response(version, build)


@ical.get("/<token>/me.ics")
def my_feed(token: str) -> Any:
    return _serve(token, "me")


@ical.get("/<token>/tenant.ics")
def tenant_feed(token: str) -> Any:
    return _serve(token, "tenant")


@ical.get("/<token>/spaces/<int:space_id>.ics")
def space_feed(token: str, space_id: int) -> Any:
    return _serve(token, "space", space_id)
