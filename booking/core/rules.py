"""A space's booking policy, and the violations a requested [start, end) makes of it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from booking.core.intervals import Interval, clip, localize, merge

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Longer single bookings are refused whatever the space says, so that the range queries that
# look for overlapping bookings can stay bounded.
MAX_BOOKING_DAYS = 31
RULE_ORDER = (
    "in_past",
    "invalid_time_range",
    "bad_granularity",
    "too_short",
    "too_long",
    "too_soon",
    "too_far_ahead",
    "outside_opening_hours",
    "closed",
    "not_bookable",
    "quota_exceeded",
)
MINUTES_PER_DAY = 1440

# weekday key -> [(from_minute, to_minute)], minutes since local midnight (1440 = 24:00).
OpeningHours = Mapping[str, Sequence[tuple[int, int]]]


@dataclass(frozen=True)
class SpaceRules:
    """The booking rules of one space; None means no limit."""

    bookable: bool = True
    requires_approval: bool = False
    opening_hours: OpeningHours | None = None
    min_duration_min: int | None = None
    max_duration_min: int | None = None
    granularity_min: int = 15
    min_notice_min: int | None = None
    max_advance_days: int | None = None
    buffer_before_min: int = 0
    buffer_after_min: int = 0
    required_qualification: str | None = None
    allowed_tenants: frozenset[int] | None = None
    max_hours_per_week_per_tenant: Decimal | None = None


@dataclass(frozen=True)
class Violation:
    """One broken rule: a code of API.md section 4, a sentence for people, JSON-safe details."""

    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleContext:
    """What check() needs to know besides the space's rules and the requested time."""

    now: datetime
    tz: ZoneInfo
    privileged: bool = False
    closures: Sequence[Interval] = ()
    leased: bool = False
    # Minutes the booker's tenant already has actively booked in this space per ISO week,
    # keyed by the local Monday; the request itself is not included.
    tenant_week_minutes: Mapping[date, int] = field(default_factory=dict)


def check(rules: SpaceRules, start: datetime, end: datetime, ctx: RuleContext) -> list[Violation]:
    """Every violated rule, sorted in RULE_ORDER."""
    violations: list[Violation] = []
    # Compared in UTC: two datetimes sharing one ZoneInfo compare by wall clock, fold ignored.
    start = start.astimezone(UTC)
    end = end.astimezone(UTC)
    request = Interval(start, end) if end > start else None

    if start < ctx.now.astimezone(UTC):
        violations.append(Violation("in_past", "The booking starts in the past."))
    if request is None:
        violations.append(Violation("invalid_time_range", "The booking must end after it starts."))
    else:
        violations.extend(_check_shape(rules, request, ctx.tz))
    if not ctx.privileged:
        violations.extend(_check_notice(rules, start, ctx))
    if request is not None:
        violations.extend(_check_calendar(rules, request, ctx))
    if not rules.bookable or ctx.leased:
        if ctx.leased:
            violations.append(
                Violation(
                    "not_bookable", "This space is leased at that time.", {"reason": "leased"}
                )
            )
        else:
            violations.append(
                Violation(
                    "not_bookable", "This space cannot be booked.", {"reason": "not_bookable"}
                )
            )
    if request is not None and not ctx.privileged:
        violations.extend(_check_quota(rules, request, ctx))

    violations.sort(key=lambda violation: RULE_ORDER.index(violation.code))
    return violations


def _check_shape(rules: SpaceRules, request: Interval, tz: ZoneInfo) -> list[Violation]:
    """Granularity and duration: the rules that depend on the booking alone."""
    violations: list[Violation] = []
    granularity = rules.granularity_min
    if granularity > 0 and not (
        _on_grid(request.start, tz, granularity) and _on_grid(request.end, tz, granularity)
    ):
        violations.append(
            Violation(
                "bad_granularity",
                f"Bookings in this space must start and end on a {granularity}-minute grid.",
                {"granularity_min": granularity},
            )
        )
    minutes = request.duration / timedelta(minutes=1)
    if rules.min_duration_min is not None and minutes < rules.min_duration_min:
        violations.append(
            Violation(
                "too_short",
                f"Bookings in this space must be at least {rules.min_duration_min} minutes.",
                {"min_duration_min": rules.min_duration_min},
            )
        )
    cap = MAX_BOOKING_DAYS * MINUTES_PER_DAY
    if rules.max_duration_min is not None and rules.max_duration_min < cap:
        if minutes > rules.max_duration_min:
            violations.append(
                Violation(
                    "too_long",
                    f"Bookings in this space may be at most {rules.max_duration_min} minutes.",
                    {"max_duration_min": rules.max_duration_min},
                )
            )
    elif minutes > cap:
        violations.append(
            Violation(
                "too_long",
                f"A single booking may last at most {MAX_BOOKING_DAYS} days.",
                {"max_duration_min": cap},
            )
        )
    return violations


def _on_grid(moment: datetime, tz: ZoneInfo, granularity: int) -> bool:
    local = moment.astimezone(tz)
    if local.second or local.microsecond:
        return False
    return (local.hour * 60 + local.minute) % granularity == 0


def _check_notice(rules: SpaceRules, start: datetime, ctx: RuleContext) -> list[Violation]:
    """Notice and advance limits, which the campus manager does not have (start is in UTC)."""
    violations: list[Violation] = []
    earliest = ctx.now.astimezone(UTC) + timedelta(minutes=rules.min_notice_min or 0)
    if rules.min_notice_min is not None and start < earliest:
        violations.append(
            Violation(
                "too_soon",
                f"Bookings in this space need at least {rules.min_notice_min} minutes' notice.",
                {"min_notice_min": rules.min_notice_min},
            )
        )
    if rules.max_advance_days is not None:
        # "90 days ahead" is calendar days on the campus clock, not 90 × 24 hours.
        local_now = ctx.now.astimezone(ctx.tz)
        limit = localize(
            local_now.replace(tzinfo=None) + timedelta(days=rules.max_advance_days),
            ctx.tz,
            local_now.fold,
        )
        if start > limit.astimezone(UTC):
            violations.append(
                Violation(
                    "too_far_ahead",
                    "Bookings in this space can be made at most "
                    f"{rules.max_advance_days} days ahead.",
                    {"max_advance_days": rules.max_advance_days},
                )
            )
    return violations


def _check_calendar(rules: SpaceRules, request: Interval, ctx: RuleContext) -> list[Violation]:
    """Opening hours and closures."""
    violations: list[Violation] = []
    if rules.opening_hours is not None:
        open_time = opening_intervals(rules.opening_hours, request, ctx.tz)
        if open_time != [request]:
            violations.append(
                Violation("outside_opening_hours", "The space is not open for the whole booking.")
            )
    in_the_way = sorted(closure for closure in ctx.closures if closure.overlaps(request))
    if in_the_way:
        violations.append(
            Violation(
                "closed",
                "The space is closed during the booking.",
                {
                    "closures": [
                        {
                            "start": closure.start.astimezone(ctx.tz).isoformat(),
                            "end": closure.end.astimezone(ctx.tz).isoformat(),
                        }
                        for closure in in_the_way
                    ]
                },
            )
        )
    return violations


def _check_quota(rules: SpaceRules, request: Interval, ctx: RuleContext) -> list[Violation]:
    limit = rules.max_hours_per_week_per_tenant
    if limit is None:
        return []
    for monday, minutes in sorted(week_minutes(request.start, request.end, ctx.tz).items()):
        booked = ctx.tenant_week_minutes.get(monday, 0)
        if Decimal(booked + minutes) > limit * 60:
            hours = f"{limit.normalize():f}"
            return [
                Violation(
                    "quota_exceeded",
                    f"Your tenant may book this space for at most {hours} hours a week.",
                    {
                        "max_hours_per_week_per_tenant": hours,
                        "week": monday.isoformat(),
                        "booked_minutes": booked,
                        "requested_minutes": minutes,
                    },
                )
            ]
    return []


def opening_intervals(
    opening_hours: OpeningHours | None, window: Interval, tz: ZoneInfo
) -> list[Interval]:
    """The open time inside window (merged; across midnight joins; DST-correct: local wall
    times converted per day)."""
    if opening_hours is None:
        return [window]
    first_day = window.start.astimezone(tz).date()
    last_day = window.end.astimezone(tz).date()
    opened: list[Interval] = []
    day = first_day
    while day <= last_day:
        midnight = datetime.combine(day, time())
        for from_minute, to_minute in opening_hours.get(WEEKDAYS[day.weekday()], ()):
            low = max(0, min(MINUTES_PER_DAY, from_minute))
            high = max(0, min(MINUTES_PER_DAY, to_minute))
            if low >= high:
                continue
            # Each day's wall times are converted on their own, so 08:00 stays 08:00 local on
            # both sides of a daylight-saving change and 24:00 is the next local midnight.
            start = localize(midnight + timedelta(minutes=low), tz)
            end = localize(midnight + timedelta(minutes=high), tz)
            if start < end:
                opened.append(Interval(start, end))
        day += timedelta(days=1)
    return merge(clip(opened, window))


def week_minutes(start: datetime, end: datetime, tz: ZoneInfo) -> dict[date, int]:
    """How many minutes of [start, end) fall in each local ISO week (key: that week's Monday)."""
    result: dict[date, int] = {}
    cursor = start.astimezone(UTC)
    stop = end.astimezone(UTC)
    while cursor < stop:
        local_day = cursor.astimezone(tz).date()
        monday = local_day - timedelta(days=local_day.weekday())
        next_monday = localize(datetime.combine(monday + timedelta(days=7), time()), tz)
        piece_end = min(stop, next_monday.astimezone(UTC))
        result[monday] = result.get(monday, 0) + (piece_end - cursor) // timedelta(minutes=1)
        cursor = piece_end
    return result
