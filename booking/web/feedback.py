"""The engine's errors told to people: what went wrong and what to do, in their language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from booking.errors import DomainError


@dataclass
class Problem:
    """An error to show next to a form."""

    code: str
    message: str
    advice: str
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    slots: list[tuple[datetime, datetime]] = field(default_factory=list)
    spaces: list[dict[str, Any]] = field(default_factory=list)


def _explain(code: str, details: dict[str, Any]) -> tuple[str, str]:
    if code == "in_past":
        return _("That time has already passed."), _("Choose a time later than now.")
    if code == "invalid_time_range":
        return _("The end is before the start."), _("Choose an end after the start.")
    if code == "bad_granularity":
        minutes = details.get("granularity_min", 15)
        return (
            _("This space is booked in steps of %(n)s minutes.", n=minutes),
            _("Let the booking start and end on such a step (for example 10:00 or 10:15)."),
        )
    if code == "too_short":
        return (
            _("This booking is too short."),
            _("Book at least %(n)s minutes.", n=details.get("min_duration_min", "?")),
        )
    if code == "too_long":
        return (
            _("This booking is too long."),
            _("Book at most %(n)s minutes.", n=details.get("max_duration_min", "?")),
        )
    if code == "too_soon":
        return (
            _("This space needs more notice."),
            _("Book at least %(n)s minutes ahead.", n=details.get("min_notice_min", "?")),
        )
    if code == "too_far_ahead":
        return (
            _("That is too far ahead for this space."),
            _("Book at most %(n)s days ahead.", n=details.get("max_advance_days", "?")),
        )
    if code == "outside_opening_hours":
        return (
            _("The space is not open for the whole booking."),
            _("Choose a time within the opening hours shown in the week overview."),
        )
    if code == "closed":
        return (
            _("The space is closed at that time."),
            _("Choose another day or another space."),
        )
    if code == "not_bookable":
        if details.get("reason") == "leased":
            return _("This space is leased at that time."), _("Choose another space.")
        return _("This space cannot be booked."), _("Choose another space.")
    if code == "quota_exceeded":
        return (
            _("Your company has used its hours for this space this week."),
            _("Choose another week or another space, or ask the campus manager."),
        )
    if code == "invalid_recurrence":
        return (
            _("This repetition does not work."),
            _(
                "The first booking must fall on one of the chosen weekdays, and the series may "
                "last at most two years and 500 bookings."
            ),
        )
    if code == "qualification_required":
        return (
            _(
                "This space needs a qualification you do not hold (%(q)s).",
                q=details.get("qualification", "?"),
            ),
            _("Ask the campus manager about the training, or choose another space."),
        )
    if code == "conflict":
        return (
            _("Something else is booked at that time."),
            _("Pick one of the free alternatives below, or choose another time."),
        )
    if code == "forbidden":
        return _("You may not do this."), _("Ask the campus manager if you think you should.")
    if code == "not_found":
        return _("This no longer exists."), _("Go back to the overview and try again.")
    return _("This could not be done."), _("Check what you entered and try again.")


def problem_of(err: DomainError, tz: Any) -> Problem:
    """The error as a Problem; conflicts and alternatives read from a 409's details."""
    details = err.details or {}
    message, advice = _explain(err.code, details)
    problem = Problem(code=err.code, message=message, advice=advice)
    if err.code == "conflict":
        for entry in details.get("conflicts", []):
            problem.conflicts.append(
                {
                    "start": datetime.fromisoformat(entry["start"]),
                    "end": datetime.fromisoformat(entry["end"]),
                    "reason": entry.get("reason", "booking"),
                }
            )
        alternatives = details.get("alternatives", {})
        for slot in alternatives.get("slots", []):
            problem.slots.append(
                (datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"]))
            )
        problem.spaces = list(alternatives.get("spaces", []))
    return problem


def bad_request_problem(err: DomainError) -> Problem:
    return Problem(code=err.code, message=_("This could not be done."), advice=err.message)
