"""Settings from the environment (API.md section 1), nothing else."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "BOOKING_ENV": "development",
    "BOOKING_TIMEZONE": "Europe/Brussels",
    "BOOKING_BASE_URL": "http://127.0.0.1:5000",
    "BOOKING_NOW": None,
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_FROM": "booking@campus.example",
    "BOOKING_SELLER_NAME": None,
    "BOOKING_SELLER_VAT": None,
    "BOOKING_SELLER_ADDRESS": None,
    "BOOKING_SELLER_IBAN": None,
    "REDIS_URL": None,
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host: the
    # client's address (per-address sign-in limits) and the scheme are taken from them.
    "BOOKING_PROXIES": 0,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_WRITES": "120 per minute",
    "RATELIMIT_SIGNIN": "10 per minute",
    "RATELIMIT_SIGNIN_IP": "60 per minute",
    # When Redis is unreachable, serve rather than answer 500: limits pause, sign-in works.
    "RATELIMIT_SWALLOW_ERRORS": True,
}

ENV_NAMES = ("DATABASE_URL", "SECRET_KEY", *DEFAULTS)


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says which setting and why."""


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in {"0", "false", "no", "off", ""}


def _whole_number(settings: Mapping[str, Any], name: str) -> int:
    try:
        number = int(str(settings[name]).strip())
    except ValueError:
        number = -1
    if number < 0:
        raise ConfigError(f"{name} must be a whole number from 0 up, not {settings[name]!r}.")
    return number


def normalise_database_url(url: str) -> str:
    """Both postgresql:// and postgresql+psycopg:// use psycopg 3 (API.md section 1)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load(instance_path: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, instance/config.py, the environment and `overrides`, in that order."""
    settings: dict[str, Any] = dict(DEFAULTS)
    instance_file = Path(instance_path) / "config.py"
    if instance_file.is_file():
        namespace: dict[str, Any] = {}
        exec(compile(instance_file.read_text(), str(instance_file), "exec"), namespace)
        settings.update({k: v for k, v in namespace.items() if k.isupper()})
    for name in ENV_NAMES:
        if name in os.environ:
            settings[name] = os.environ[name]
    if overrides:
        settings.update(overrides)

    if not settings.get("DATABASE_URL"):
        settings["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / 'booking.db'}"
    settings["DATABASE_URL"] = normalise_database_url(str(settings["DATABASE_URL"]))
    settings["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]

    if not settings.get("SECRET_KEY"):
        if settings["BOOKING_ENV"] == "production":
            raise ConfigError("SECRET_KEY must be set when BOOKING_ENV=production.")
        logging.getLogger("booking").warning(
            "SECRET_KEY is not set: using a random development key (sessions end on restart)."
        )
        settings["SECRET_KEY"] = secrets.token_hex(32)

    settings["MAIL_PORT"] = _whole_number(settings, "MAIL_PORT")
    settings["BOOKING_PROXIES"] = _whole_number(settings, "BOOKING_PROXIES")
    settings["RATELIMIT_ENABLED"] = _as_bool(settings["RATELIMIT_ENABLED"])
    settings["BOOKING_BASE_URL"] = str(settings["BOOKING_BASE_URL"]).rstrip("/")
    settings["RATELIMIT_STORAGE_URI"] = settings["REDIS_URL"] or "memory://"
    settings["MAX_CONTENT_LENGTH"] = 1024 * 1024
    settings.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    settings.setdefault("WTF_CSRF_TIME_LIMIT", None)
    return settings
