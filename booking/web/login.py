"""Flask-Login's side of sign-in: who the session cookie belongs to."""

from __future__ import annotations

from booking.extensions import current_session, login_manager
from booking.models import User


@login_manager.user_loader  # type: ignore[untyped-decorator]
def load_user(user_id: str) -> User | None:
    """The session's user, if the session is still valid: the id carries the user's session
    version, which deactivation and password changes raise to end every session at once."""
    raw_id, _, version = user_id.partition(":")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    user = current_session().get(User, int(raw_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user
