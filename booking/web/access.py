"""Who may open a page: signed-in people (else to the sign-in page), the manager for some."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from booking.models import User

F = TypeVar("F", bound=Callable[..., Any])


def signed_in(view: F) -> F:
    """The page needs a signed-in person: others go to /login and come back afterwards."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            try:
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            except BuildError:
                abort(401)
        return view(*args, **kwargs)

    return cast(F, wrapper)


def manager_only(view: F) -> F:
    """The page is the campus manager's; others get 403 (they may know it exists)."""

    @wraps(view)
    @signed_in
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if me().role != "manager":
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapper)


def people_admin(view: F) -> F:
    """The page manages people: the campus manager's, and a tenant admin's for its own
    members (the services decide whom each may see and change); members get 403."""

    @wraps(view)
    @signed_in
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if me().role not in ("manager", "tenant_admin"):
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapper)


def me() -> User:
    return cast(User, current_user._get_current_object())


def safe_next(target: str | None, default: str) -> str:
    """A local path to go back to; anything pointing elsewhere gives the default."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
