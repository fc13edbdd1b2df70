"""Calendar feeds: /ical/{token}/... (the secret token in the URL is the only credential)."""

from flask import Blueprint

ical = Blueprint("ical", __name__, url_prefix="/ical")

from booking.ical import feeds  # noqa: E402,F401
