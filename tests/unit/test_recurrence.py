"""Recurrence rules: validation, normalisation and expansion in campus local time."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.core.recurrence import (
    MAX_OCCURRENCES,
    MAX_SPAN_DAYS,
    Occurrence,
    RecurrenceError,
    expand,
    parse_rule,
)

TZ = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def starts(occurrences: list[Occurrence]) -> list[str]:
    return [item.start.astimezone(TZ).strftime("%Y-%m-%d %H:%M") for item in occurrences]


def test_a_weekly_series_stays_at_ten_local_across_the_spring_change() -> None:
    first = local(2027, 3, 17)
    series = expand("FREQ=WEEKLY;COUNT=3", first, first + timedelta(hours=1), TZ)
    assert starts(series) == ["2027-03-17 10:00", "2027-03-24 10:00", "2027-03-31 10:00"]
    assert [item.start.astimezone(UTC).hour for item in series] == [9, 9, 8]
    assert all(item.end - item.start == timedelta(hours=1) for item in series)
    assert all(item.start.tzinfo is TZ for item in series)


def test_a_weekly_series_stays_at_ten_local_across_the_autumn_change() -> None:
    first = local(2026, 10, 21)
    series = expand("FREQ=WEEKLY;COUNT=2", first, first + timedelta(hours=1), TZ)
    assert starts(series) == ["2026-10-21 10:00", "2026-10-28 10:00"]
    assert [item.start.astimezone(UTC).hour for item in series] == [8, 9]


def test_the_first_occurrence_is_the_booking_itself() -> None:
    first = local(2027, 1, 6, 14, 30)
    (occurrence,) = expand("FREQ=DAILY;COUNT=1", first, first + timedelta(minutes=45), TZ)
    assert occurrence == Occurrence(first, first + timedelta(minutes=45))


@pytest.mark.parametrize(
    "rule", ["FREQ=MONTHLY;BYDAY=-1FR;COUNT=5", "FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1;COUNT=5"]
)
def test_a_monthly_series_on_the_last_friday(rule: str) -> None:
    first = local(2027, 1, 29)
    series = expand(rule, first, first + timedelta(hours=2), TZ)
    assert [item.start.date() for item in series] == [
        date(2027, 1, 29),
        date(2027, 2, 26),
        date(2027, 3, 26),
        date(2027, 4, 30),
        date(2027, 5, 28),
    ]
    assert all(item.start.astimezone(TZ).hour == 10 for item in series)


def test_count_gives_that_many_occurrences() -> None:
    first = local(2027, 1, 4)
    series = expand("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5", first, first + timedelta(hours=1), TZ)
    assert starts(series) == [
        "2027-01-04 10:00",
        "2027-01-06 10:00",
        "2027-01-11 10:00",
        "2027-01-13 10:00",
        "2027-01-18 10:00",
    ]


def test_interval_skips_periods() -> None:
    first = local(2027, 1, 4)
    series = expand("FREQ=DAILY;INTERVAL=3;COUNT=3", first, first + timedelta(hours=1), TZ)
    assert starts(series) == ["2027-01-04 10:00", "2027-01-07 10:00", "2027-01-10 10:00"]


def test_a_date_until_includes_that_whole_local_day() -> None:
    first = local(2027, 6, 2, 21, 0)
    series = expand("FREQ=WEEKLY;UNTIL=20270616", first, first + timedelta(hours=2), TZ)
    assert starts(series) == ["2027-06-02 21:00", "2027-06-09 21:00", "2027-06-16 21:00"]


def test_a_utc_until_is_an_exact_instant() -> None:
    first = local(2027, 6, 2)  # 08:00 UTC in summer
    rule_until_before = "FREQ=WEEKLY;UNTIL=20270616T075959Z"
    rule_until_at = "FREQ=WEEKLY;UNTIL=20270616T080000Z"
    assert len(expand(rule_until_before, first, first + timedelta(hours=1), TZ)) == 2
    assert len(expand(rule_until_at, first, first + timedelta(hours=1), TZ)) == 3


def test_an_until_without_z_is_campus_local_time() -> None:
    first = local(2027, 6, 2)
    assert len(expand("FREQ=WEEKLY;UNTIL=20270616T100000", first, first, TZ)) == 3
    assert len(expand("FREQ=WEEKLY;UNTIL=20270616T095959", first, first, TZ)) == 2


def test_a_start_in_the_spring_gap_moves_forward_by_the_gap_and_keeps_its_length() -> None:
    first = local(2027, 3, 27, 2, 30)
    series = expand("FREQ=DAILY;COUNT=3", first, first + timedelta(hours=1), TZ)
    assert starts(series) == ["2027-03-27 02:30", "2027-03-28 03:30", "2027-03-29 02:30"]
    assert all(item.end - item.start == timedelta(hours=1) for item in series)


def test_a_series_keeps_the_wall_clock_length_of_the_first_booking() -> None:
    first = local(2026, 10, 24, 0)
    series = expand("FREQ=DAILY;COUNT=2", first, first + timedelta(hours=6), TZ)
    # 00:00 to 06:00 local is seven real hours on the night the clocks go back.
    assert [item.end.astimezone(TZ).hour for item in series] == [6, 6]
    assert series[1].end.astimezone(UTC) - series[1].start.astimezone(UTC) == timedelta(hours=7)


def test_parse_rule_accepts_the_prefix_and_any_case() -> None:
    assert parse_rule("rrule:freq=weekly;byday=we;count=10", TZ) == "FREQ=WEEKLY;BYDAY=WE;COUNT=10"
    assert parse_rule(" RRULE:FREQ=DAILY;COUNT=2 ", TZ) == "FREQ=DAILY;COUNT=2"


def test_parse_rule_rewrites_until_in_utc() -> None:
    assert (
        parse_rule("FREQ=WEEKLY;BYDAY=WE;UNTIL=20270630", TZ)
        == "FREQ=WEEKLY;BYDAY=WE;UNTIL=20270630T215959Z"
    )
    assert parse_rule("FREQ=WEEKLY;UNTIL=20271231", TZ) == "FREQ=WEEKLY;UNTIL=20271231T225959Z"
    assert parse_rule("FREQ=DAILY;UNTIL=20270630T120000", TZ) == "FREQ=DAILY;UNTIL=20270630T100000Z"
    assert (
        parse_rule("FREQ=DAILY;UNTIL=20270630T120000Z", TZ) == "FREQ=DAILY;UNTIL=20270630T120000Z"
    )


def test_parse_rule_puts_parts_in_one_order_and_is_idempotent() -> None:
    text = "COUNT=4;BYSETPOS=-1;WKST=MO;BYDAY=+1MO,FR;INTERVAL=2;FREQ=MONTHLY"
    canonical = parse_rule(text, TZ)
    assert canonical == "FREQ=MONTHLY;INTERVAL=2;BYDAY=1MO,FR;BYSETPOS=-1;WKST=MO;COUNT=4"
    assert parse_rule(canonical, TZ) == canonical
    assert parse_rule("FREQ=DAILY;INTERVAL=1;COUNT=2", TZ) == "FREQ=DAILY;COUNT=2"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "RRULE:",
        "hello",
        "FREQ",
        "FREQ=",
        "FREQ=WEEKLY;COUNT",
        "FREQ=WEEKLY;COUNT=3\nEXDATE:20270101",
        "FOO=1;FREQ=DAILY;COUNT=2",
        "DTSTART=20270101;FREQ=DAILY;COUNT=2",
        "FREQ=DAILY;BYHOUR=10;COUNT=2",
        "FREQ=DAILY;BYMINUTE=10;COUNT=2",
        "FREQ=MONTHLY;BYMONTH=1;COUNT=2",
        "FREQ=YEARLY;COUNT=2",
        "FREQ=HOURLY;COUNT=2",
        "FREQ=SOMETIMES;COUNT=2",
        "COUNT=2",
        "FREQ=WEEKLY",
        "FREQ=WEEKLY;COUNT=3;UNTIL=20270101",
        "FREQ=WEEKLY;COUNT=0",
        "FREQ=WEEKLY;COUNT=-1",
        f"FREQ=WEEKLY;COUNT={MAX_OCCURRENCES + 1}",
        "FREQ=WEEKLY;COUNT=ten",
        "FREQ=WEEKLY;INTERVAL=0;COUNT=2",
        "FREQ=WEEKLY;INTERVAL=-2;COUNT=2",
        "FREQ=WEEKLY;INTERVAL=1.5;COUNT=2",
        "FREQ=WEEKLY;COUNT=2;COUNT=3",
        "FREQ=WEEKLY;UNTIL=tomorrow",
        "FREQ=WEEKLY;UNTIL=20270230",
        "FREQ=WEEKLY;UNTIL=20270101T250000Z",
        "FREQ=WEEKLY;UNTIL=2027-01-01",
        "FREQ=WEEKLY;UNTIL=00010101T000000",
        "FREQ=WEEKLY;BYDAY=XX;COUNT=2",
        "FREQ=WEEKLY;BYDAY=;COUNT=2",
        "FREQ=WEEKLY;BYDAY=-1FR;COUNT=2",
        "FREQ=MONTHLY;BYDAY=6FR;COUNT=2",
        "FREQ=MONTHLY;BYDAY=-FR;COUNT=2",
        "FREQ=MONTHLY;BYMONTHDAY=32;COUNT=2",
        "FREQ=MONTHLY;BYMONTHDAY=0;COUNT=2",
        "FREQ=WEEKLY;BYMONTHDAY=1;COUNT=2",
        "FREQ=MONTHLY;BYSETPOS=1;COUNT=2",
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0;COUNT=2",
        "FREQ=DAILY;BYDAY=MO;BYSETPOS=1;COUNT=2",
        "FREQ=WEEKLY;WKST=XX;COUNT=2",
    ],
)
def test_parse_rule_refuses_invalid_rules(text: str) -> None:
    with pytest.raises(RecurrenceError) as raised:
        parse_rule(text, TZ)
    message = str(raised.value)
    assert message.endswith(".")
    assert len(message) < 120


def test_a_recurrence_error_is_a_value_error_with_the_api_code() -> None:
    with pytest.raises(ValueError):
        parse_rule("nonsense", TZ)
    assert RecurrenceError("x").code == "invalid_recurrence"


def test_expand_refuses_an_invalid_rule() -> None:
    first = local(2027, 1, 4)
    with pytest.raises(RecurrenceError):
        expand("FREQ=YEARLY;COUNT=2", first, first + timedelta(hours=1), TZ)


def test_expand_refuses_a_start_that_is_not_an_occurrence() -> None:
    monday = local(2027, 1, 4)
    with pytest.raises(RecurrenceError, match="not an occurrence"):
        expand("FREQ=WEEKLY;BYDAY=WE;COUNT=3", monday, monday + timedelta(hours=1), TZ)
    with pytest.raises(RecurrenceError, match="not an occurrence"):
        expand("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", monday, monday + timedelta(hours=1), TZ)


def test_expand_refuses_more_than_the_maximum_number_of_occurrences() -> None:
    first = local(2027, 1, 4)
    rule = "FREQ=DAILY;UNTIL=20280601"
    with pytest.raises(RecurrenceError, match=str(MAX_OCCURRENCES)):
        expand(rule, first, first + timedelta(hours=1), TZ)
    allowed = expand(f"FREQ=DAILY;COUNT={MAX_OCCURRENCES}", first, first, TZ)
    assert len(allowed) == MAX_OCCURRENCES


def test_expand_allows_two_years_and_not_a_day_more() -> None:
    first = local(2027, 1, 4)
    series = expand(f"FREQ=DAILY;INTERVAL={MAX_SPAN_DAYS};COUNT=2", first, first, TZ)
    assert series[1].start.date() - series[0].start.date() == timedelta(days=MAX_SPAN_DAYS)
    with pytest.raises(RecurrenceError, match="2 years"):
        expand(f"FREQ=DAILY;INTERVAL={MAX_SPAN_DAYS + 1};COUNT=2", first, first, TZ)
    with pytest.raises(RecurrenceError, match="2 years"):
        expand("FREQ=MONTHLY;COUNT=26", first, first, TZ)
    with pytest.raises(RecurrenceError, match="2 years"):
        expand("FREQ=MONTHLY;INTERVAL=25;UNTIL=20350101", first, first, TZ)


def test_an_until_far_ahead_with_nothing_after_two_years_is_fine() -> None:
    first = local(2027, 1, 4)
    assert len(expand("FREQ=MONTHLY;INTERVAL=30;UNTIL=20280101", first, first, TZ)) == 1


def test_expand_refuses_a_rule_without_occurrences() -> None:
    first = local(2027, 1, 4)
    with pytest.raises(RecurrenceError, match="UNTIL"):
        expand("FREQ=WEEKLY;UNTIL=20261231", first, first + timedelta(hours=1), TZ)


def test_a_series_at_the_end_of_the_calendar_is_refused_not_crashed() -> None:
    first = datetime(9999, 12, 30, 10, tzinfo=TZ)
    with pytest.raises(RecurrenceError):
        expand("FREQ=DAILY;COUNT=3", first, first + timedelta(hours=1), TZ)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;INTERVAL=7;BYDAY=TU;COUNT=2",
        "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2;COUNT=2",
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6;COUNT=2",
        "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=30;COUNT=2",
        "FREQ=MONTHLY;INTERVAL=999999999;COUNT=2",
        "FREQ=DAILY;INTERVAL=999999999;COUNT=2",
    ],
)
def test_rules_that_never_match_again_are_refused_quickly(rule: str) -> None:
    monday = local(2027, 1, 4)
    began = clock.perf_counter()
    with pytest.raises(RecurrenceError):
        expand(rule, monday, monday + timedelta(hours=1), TZ)
    assert clock.perf_counter() - began < 3


@st.composite
def series_requests(draw: st.DrawFn) -> tuple[str, datetime, datetime]:
    day = draw(st.dates(min_value=date(2026, 12, 1), max_value=date(2028, 12, 31)))
    hour = draw(st.sampled_from([0, 1, 4, 7, 8, 9, 10, 12, 15, 18, 21, 23]))
    minute = draw(st.sampled_from([0, 15, 30, 45]))
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
    length = timedelta(minutes=draw(st.integers(min_value=15, max_value=12 * 60)))
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[day.weekday()]
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]))
    interval = draw(st.integers(min_value=1, max_value=3))
    parts = [f"FREQ={freq}", f"INTERVAL={interval}"]
    extra_days = draw(st.sets(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"])))
    filtered = freq in ("DAILY", "WEEKLY") and draw(st.booleans())
    if filtered:
        parts.append("BYDAY=" + ",".join(sorted(extra_days | {weekday})))
    if freq == "MONTHLY":
        form = draw(st.sampled_from(["plain", "monthday", "nth", "last"]))
        if form == "monthday":
            parts.append(f"BYMONTHDAY={day.day}")
        elif form == "nth":
            # A 5th weekday happens in only some months: COUNT=12 of them can take more than
            # the two years a series may span, so the 5th becomes "the last".
            nth = (day.day - 1) // 7 + 1
            parts.append(f"BYDAY={nth if nth <= 4 else -1}{weekday}")
        elif form == "last" and (day + timedelta(days=7)).month != day.month:
            parts.append(f"BYDAY=-1{weekday}")
    if draw(st.booleans()):
        # Few enough that a series always fits in two years.
        most = {"DAILY": 30 if filtered else 200, "WEEKLY": 30, "MONTHLY": 12 // interval}[freq]
        parts.append(f"COUNT={draw(st.integers(min_value=1, max_value=most))}")
    else:
        # At most 300 days: even a daily series stays under the maximum number of occurrences.
        until = start + timedelta(days=draw(st.integers(min_value=0, max_value=300)))
        parts.append(f"UNTIL={until.astimezone(UTC):%Y%m%dT%H%M%SZ}")
    parts = draw(st.permutations(parts))
    return ";".join(parts), start, start + length


@settings(max_examples=300, deadline=None)
@given(series_requests())
def test_an_expanded_series_is_increasing_apart_and_at_one_local_time(
    request: tuple[str, datetime, datetime],
) -> None:
    rule, start, end = request
    series = expand(rule, start, end, TZ)
    assert series[0] == Occurrence(start, end)
    first_wall = start.astimezone(TZ).time()
    for earlier, later in pairwise(series):
        assert earlier.start.astimezone(UTC) < later.start.astimezone(UTC)
        assert earlier.end.astimezone(UTC) <= later.start.astimezone(UTC)
    for item in series:
        assert item.start.astimezone(UTC) < item.end.astimezone(UTC)
        assert item.start.astimezone(TZ).time() == first_wall
        assert item.start.tzinfo is TZ
    assert len(series) <= MAX_OCCURRENCES
    canonical = parse_rule(rule, TZ)
    assert expand(canonical, start, end, TZ) == series
