"""Recurring bookings: RFC 5545 RRULE values checked, normalised and expanded in local time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from booking.core.intervals import localize

MAX_OCCURRENCES = 500
MAX_SPAN_DAYS = 731  # "at most 2 years" from the first start to the last start
ALLOWED_FREQ = ("DAILY", "WEEKLY", "MONTHLY")

_SUPPORTED_PARTS = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYSETPOS", "COUNT", "UNTIL", "WKST")
_UNSUPPORTED_PARTS = (
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYWEEKNO",
    "BYYEARDAY",
    "BYMONTH",
    "RSCALE",
    "SKIP",
)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_NUMBER = re.compile(r"[+-]?\d{1,9}")
_UNTIL_DATE = re.compile(r"\d{8}")
_UNTIL_DATETIME = re.compile(r"(\d{8}T\d{6})(Z?)")
# The Gregorian calendar repeats every 400 years, weekdays and leap days included.
_CALENDAR_CYCLE_YEARS = 400


class RecurrenceError(ValueError):
    """A recurrence rule that cannot be used; str(err) says why in a short sentence."""

    code = "invalid_recurrence"


@dataclass(frozen=True)
class Occurrence:
    """One booking of a series: aware start and end in the campus zone."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class _Rule:
    freq: str
    interval: int
    byday: tuple[str, ...]
    bymonthday: tuple[int, ...]
    bysetpos: tuple[int, ...]
    wkst: str | None
    count: int | None
    until: datetime | None  # aware, UTC

    def pattern(self) -> str:
        """The rule without COUNT and UNTIL: how occurrences fall, not where they stop."""
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.byday:
            parts.append("BYDAY=" + ",".join(self.byday))
        if self.bymonthday:
            parts.append("BYMONTHDAY=" + ",".join(str(day) for day in self.bymonthday))
        if self.bysetpos:
            parts.append("BYSETPOS=" + ",".join(str(pos) for pos in self.bysetpos))
        if self.wkst is not None:
            parts.append(f"WKST={self.wkst}")
        return ";".join(parts)

    def text(self) -> str:
        parts = [self.pattern()]
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.until is not None:
            parts.append(f"UNTIL={self.until:%Y%m%dT%H%M%SZ}")
        return ";".join(parts)


def parse_rule(text: str, tz: ZoneInfo) -> str:
    """Validate and normalise an RRULE value to canonical text without the 'RRULE:' prefix.

    For example 'rrule:freq=weekly;byday=we;until=20270630' in Europe/Brussels gives
    'FREQ=WEEKLY;BYDAY=WE;UNTIL=20270630T215959Z'. UNTIL is always rewritten in UTC (RFC 5545
    needs that when DTSTART has a TZID); a date-only UNTIL means the end of that local day and
    one without Z is local time. Raises RecurrenceError for garbage, unknown or unsupported
    parts, a FREQ other than DAILY, WEEKLY or MONTHLY, neither or both of COUNT and UNTIL,
    COUNT outside 1..500 and INTERVAL below 1.
    """
    return _parse(text, tz).text()


def _parse(text: str, tz: ZoneInfo) -> _Rule:
    body = text.strip().upper()
    if body.startswith("RRULE:"):
        body = body[len("RRULE:") :].strip()
    values: dict[str, str] = {}
    for part in body.split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        value = value.strip()
        if not sep or not key or not value:
            raise RecurrenceError(
                "The recurrence rule must look like FREQ=WEEKLY;BYDAY=WE;COUNT=10."
            )
        if key in _UNSUPPORTED_PARTS:
            raise RecurrenceError(f"The recurrence rule part {key} is not supported.")
        if key not in _SUPPORTED_PARTS:
            raise RecurrenceError(f"The recurrence rule has an unknown part {key[:40]}.")
        if key in values:
            raise RecurrenceError(f"The recurrence rule gives {key} more than once.")
        values[key] = value

    if "FREQ" not in values:
        raise RecurrenceError("The recurrence rule needs a FREQ (DAILY, WEEKLY or MONTHLY).")
    freq = values["FREQ"]
    if freq not in ALLOWED_FREQ:
        raise RecurrenceError("The recurrence rule's FREQ must be DAILY, WEEKLY or MONTHLY.")
    if "COUNT" not in values and "UNTIL" not in values:
        raise RecurrenceError("The recurrence rule needs a COUNT or an UNTIL.")
    if "COUNT" in values and "UNTIL" in values:
        raise RecurrenceError("The recurrence rule may have a COUNT or an UNTIL, not both.")

    interval = 1
    if "INTERVAL" in values:
        interval = _number(values["INTERVAL"], "INTERVAL must be a whole number of at least 1.")
        if interval < 1:
            raise RecurrenceError("INTERVAL must be a whole number of at least 1.")

    count = None
    if "COUNT" in values:
        count = _number(
            values["COUNT"], f"COUNT must be a whole number from 1 to {MAX_OCCURRENCES}."
        )
        if not 1 <= count <= MAX_OCCURRENCES:
            raise RecurrenceError(f"COUNT must be a whole number from 1 to {MAX_OCCURRENCES}.")

    until = _until(values["UNTIL"], tz) if "UNTIL" in values else None
    byday = _byday(values.get("BYDAY"), freq)
    bymonthday = _bymonthday(values.get("BYMONTHDAY"), freq)
    bysetpos = _bysetpos(values.get("BYSETPOS"), freq, bool(byday or bymonthday))

    wkst = values.get("WKST")
    if wkst is not None and wkst not in _WEEKDAYS:
        raise RecurrenceError("WKST must be a weekday: MO, TU, WE, TH, FR, SA or SU.")

    rule = _Rule(freq, interval, byday, bymonthday, bysetpos, wkst, count, until)
    try:
        # Whatever passed the checks above must also be something dateutil accepts.
        rrulestr(rule.pattern(), dtstart=datetime(2000, 1, 3))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError("The recurrence rule is not valid.") from exc
    return rule


def _number(value: str, message: str) -> int:
    if not _NUMBER.fullmatch(value):
        raise RecurrenceError(message)
    return int(value)


def _numbers(value: str, message: str) -> tuple[int, ...]:
    return tuple(_number(item.strip(), message) for item in value.split(","))


def _until(value: str, tz: ZoneInfo) -> datetime:
    message = "UNTIL must be a date (20270630) or a date and time (20270630T215959Z)."
    match = _UNTIL_DATETIME.fullmatch(value)
    if match is None and not _UNTIL_DATE.fullmatch(value):
        raise RecurrenceError(message)
    try:
        if match is None:
            day = datetime.strptime(value, "%Y%m%d").date()
            return _local_day_end(day, tz).astimezone(UTC)
        moment = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S")
        if match.group(2):
            return moment.replace(tzinfo=UTC)
        return localize(moment, tz).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        # Not a real date (20270230), or so close to year 1 or 9999 that the offset overflows.
        raise RecurrenceError(message) from exc


def _byday(value: str | None, freq: str) -> tuple[str, ...]:
    if value is None:
        return ()
    days: list[str] = []
    for item in value.split(","):
        match = _BYDAY.fullmatch(item.strip())
        if match is None:
            raise RecurrenceError("BYDAY must list weekdays, such as MO,WE or -1FR.")
        sign, ordinal, weekday = match.groups()
        if ordinal is None:
            if sign:
                raise RecurrenceError("BYDAY must list weekdays, such as MO,WE or -1FR.")
            days.append(weekday)
            continue
        if freq != "MONTHLY":
            raise RecurrenceError("A numbered BYDAY such as -1FR needs FREQ=MONTHLY.")
        if not 1 <= int(ordinal) <= 5:
            raise RecurrenceError("A numbered BYDAY must count 1 to 5 weeks, such as 2MO or -1FR.")
        days.append(f"{'-' if sign == '-' else ''}{int(ordinal)}{weekday}")
    return tuple(days)


def _bymonthday(value: str | None, freq: str) -> tuple[int, ...]:
    if value is None:
        return ()
    message = "BYMONTHDAY must list days of the month from 1 to 31 (or -31 to -1)."
    days = _numbers(value, message)
    if any(not 1 <= abs(day) <= 31 for day in days):
        raise RecurrenceError(message)
    if freq == "WEEKLY":
        raise RecurrenceError("BYMONTHDAY cannot be used with FREQ=WEEKLY.")
    return days


def _bysetpos(value: str | None, freq: str, has_set: bool) -> tuple[int, ...]:
    if value is None:
        return ()
    if not has_set:
        raise RecurrenceError("BYSETPOS needs a BYDAY or BYMONTHDAY to pick from.")
    # A DAILY set has one day at most, so BYSETPOS could only select it or nothing; and a rule
    # that never matches makes dateutil search to the year 9999 before it gives up.
    if freq == "DAILY":
        raise RecurrenceError("BYSETPOS needs FREQ=WEEKLY or FREQ=MONTHLY.")
    largest = 7 if freq == "WEEKLY" else 31
    message = f"BYSETPOS must list positions from 1 to {largest} (or -{largest} to -1)."
    positions = _numbers(value, message)
    if any(not 1 <= abs(pos) <= largest for pos in positions):
        raise RecurrenceError(message)
    return positions


def expand(rule: str, start: datetime, end: datetime, tz: ZoneInfo) -> list[Occurrence]:
    """Occurrences of a booking [start, end) repeated by rule, expanded in local wall time.

    A weekly 10:00-11:00 stays 10:00-11:00 local across a daylight-saving change (so its UTC
    time moves). Each occurrence keeps the first one's local wall-clock start and wall
    duration; a local time that does not exist (the spring-forward gap) moves forward by the
    gap. Raises RecurrenceError when the rule is invalid, start is not itself the first
    occurrence of the rule, there are more than MAX_OCCURRENCES, the last start is more than
    MAX_SPAN_DAYS after the first, or there are no occurrences.
    """
    parsed = _parse(rule, tz)
    try:
        return _expand(parsed, start, end, tz)
    except OverflowError as exc:
        raise RecurrenceError("A series must end well before the year 9999.") from exc


def _expand(parsed: _Rule, start: datetime, end: datetime, tz: ZoneInfo) -> list[Occurrence]:
    local_start = start.astimezone(tz)
    local_end = end.astimezone(tz)
    wall_start = local_start.replace(tzinfo=None)
    wall_length = local_end.replace(tzinfo=None) - wall_start
    last_wall = wall_start + timedelta(days=MAX_SPAN_DAYS)

    # dateutil finds the next occurrence by stepping through periods until one matches or the
    # year passes 9999, so a rule that rarely or never matches again can take seconds. Moving
    # the series by whole 400-year cycles to just before 9999 changes no weekday or leap day
    # but bounds that search to a few centuries.
    shift = max(0, (MAXYEAR - 3 - wall_start.year) // _CALENDAR_CYCLE_YEARS)
    shift *= _CALENDAR_CYCLE_YEARS
    # dateutil drops microseconds from dtstart; they come back below.
    dtstart = _move_years(wall_start.replace(microsecond=0), shift)
    # COUNT and UNTIL are applied here rather than by dateutil: UNTIL is in UTC while the
    # expansion runs on naive local times (which dateutil refuses to compare), and COUNT needs
    # the same cut-off at MAX_SPAN_DAYS anyway.
    occurrences: list[Occurrence] = []
    for shifted in rrulestr(parsed.pattern(), dtstart=dtstart):
        wall = _move_years(shifted, -shift).replace(microsecond=wall_start.microsecond)
        if not occurrences and wall != wall_start:
            break
        occurrence_start = localize(wall, tz, local_start.fold)
        # From the start as it really falls, so a start moved out of the gap keeps its length.
        wall_end = occurrence_start.replace(tzinfo=None) + wall_length
        if parsed.until is not None and occurrence_start.astimezone(UTC) > parsed.until:
            if not occurrences:
                raise RecurrenceError("The recurrence rule's UNTIL is before the first start.")
            break
        if wall > last_wall:
            raise RecurrenceError("A series may run for at most 2 years.")
        occurrences.append(Occurrence(occurrence_start, localize(wall_end, tz, local_end.fold)))
        if len(occurrences) > MAX_OCCURRENCES:
            raise RecurrenceError(f"A series may have at most {MAX_OCCURRENCES} occurrences.")
        if parsed.count is not None and len(occurrences) == parsed.count:
            break
    if not occurrences:
        raise RecurrenceError("The booking's start is not an occurrence of its recurrence rule.")
    if parsed.count is not None and len(occurrences) < parsed.count:
        # dateutil ran out of calendar (centuries ahead): the rest lie far beyond 2 years.
        raise RecurrenceError("A series may run for at most 2 years.")
    return occurrences


def _move_years(moment: datetime, years: int) -> datetime:
    # Only ever whole 400-year cycles, so 29 February stays a valid date.
    return moment.replace(year=moment.year + years)


def _local_day_end(day: date, tz: ZoneInfo) -> datetime:
    # The last whole second of the day, as in the usual UNTIL=...T235959 of calendar clients.
    return localize(datetime.combine(day, time(23, 59, 59)), tz)
