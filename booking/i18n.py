"""Which language a request speaks: Dutch first (most users are Flemish), English otherwise."""

from __future__ import annotations

from flask import g, request, session
from flask_login import current_user

LANGUAGES = ("nl", "en")
DEFAULT = "nl"


def select_locale() -> str:
    """?lang= (remembered in the session), the signed-in person's choice, the browser's
    Accept-Language, then Dutch."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        chosen = asked
    elif session.get("lang") in LANGUAGES:
        chosen = session["lang"]
    elif getattr(current_user, "is_authenticated", False) and current_user.language in LANGUAGES:
        chosen = current_user.language
    else:
        chosen = request.accept_languages.best_match(LANGUAGES) or DEFAULT
    g.lang = chosen
    return chosen


def template_language() -> dict[str, str]:
    """`lang` for every template (the <html lang> attribute, date formats)."""
    from flask_babel import get_locale

    return {"lang": str(get_locale() or DEFAULT)}
