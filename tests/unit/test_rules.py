"""A space's booking rules: each violation code, their order, opening hours and weekly minutes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from booking.core.intervals import Interval
from booking.core.rules import (
    MAX_BOOKING_DAYS,
    RULE_ORDER,
    RuleContext,
    SpaceRules,
    Violation,
    check,
    opening_intervals,
    week_minutes,
)

TZ = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # a Tuesday
CTX = RuleContext(now=NOW, tz=TZ)
OFFICE_HOURS = {day: [(8 * 60, 18 * 60)] for day in ("mon", "tue", "wed", "thu", "fri")}


def at(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def codes(violations: list[Violation]) -> list[str]:
    return [violation.code for violation in violations]


def test_a_booking_that_breaks_no_rule_has_no_violations() -> None:
    assert check(SpaceRules(), at(2, 10), at(2, 11), CTX) == []


def test_a_booking_that_starts_before_now_is_in_the_past() -> None:
    (violation,) = check(SpaceRules(), at(1, 8, 45), at(1, 10), CTX)
    assert violation.code == "in_past"
    assert violation.message


def test_in_the_past_holds_for_the_campus_manager_too() -> None:
    ctx = replace(CTX, privileged=True)
    assert codes(check(SpaceRules(), at(1, 8), at(1, 10), ctx)) == ["in_past"]


def test_starting_exactly_now_is_not_in_the_past() -> None:
    assert check(SpaceRules(), NOW, at(1, 10), CTX) == []


@pytest.mark.parametrize("length", [timedelta(0), timedelta(minutes=-15)])
def test_an_end_not_after_the_start_is_an_invalid_time_range(length: timedelta) -> None:
    assert codes(check(SpaceRules(), at(2, 10), at(2, 10) + length, CTX)) == ["invalid_time_range"]


def test_an_invalid_range_skips_the_checks_that_need_a_duration() -> None:
    rules = SpaceRules(
        bookable=False,
        opening_hours={},
        min_duration_min=30,
        granularity_min=60,
        max_hours_per_week_per_tenant=Decimal(1),
    )
    ctx = replace(CTX, closures=[Interval(at(1, 0), at(3, 0))])
    result = check(rules, at(1, 8, 10), at(1, 8, 5), ctx)
    assert codes(result) == ["in_past", "invalid_time_range", "not_bookable"]


def test_a_start_off_the_local_grid_is_bad_granularity() -> None:
    (violation,) = check(SpaceRules(), at(2, 10, 10), at(2, 11), CTX)
    assert violation.code == "bad_granularity"
    assert violation.details == {"granularity_min": 15}
    assert "15-minute" in violation.message


def test_an_end_off_the_grid_is_bad_granularity() -> None:
    assert codes(check(SpaceRules(), at(2, 10), at(2, 11, 5), CTX)) == ["bad_granularity"]


def test_seconds_are_off_the_grid() -> None:
    start = at(2, 10) + timedelta(seconds=30)
    assert codes(check(SpaceRules(), start, at(2, 11), CTX)) == ["bad_granularity"]


def test_granularity_counts_minutes_from_local_midnight() -> None:
    rules = SpaceRules(granularity_min=45)
    # 09:45 local is 585 minutes after local midnight (13 x 45); in UTC it is 08:45 (525).
    assert check(rules, at(2, 9, 45), at(2, 11, 15), CTX) == []
    # 10:00 local (600) is off a 45-minute grid, though 09:00 UTC (540) would be on it.
    assert codes(check(rules, at(2, 10, 0), at(2, 11, 15), CTX)) == ["bad_granularity"]


def test_a_booking_shorter_than_the_minimum_is_too_short() -> None:
    (violation,) = check(SpaceRules(min_duration_min=30), at(2, 10), at(2, 10, 15), CTX)
    assert violation.code == "too_short"
    assert violation.message == "Bookings in this space must be at least 30 minutes."
    assert violation.details == {"min_duration_min": 30}


def test_a_booking_longer_than_the_maximum_is_too_long() -> None:
    (violation,) = check(SpaceRules(max_duration_min=60), at(2, 10), at(2, 11, 15), CTX)
    assert violation.code == "too_long"
    assert violation.details == {"max_duration_min": 60}


def test_exactly_the_minimum_and_maximum_are_allowed() -> None:
    rules = SpaceRules(min_duration_min=60, max_duration_min=60)
    assert check(rules, at(2, 10), at(2, 11), CTX) == []


def test_a_booking_over_the_campus_cap_is_too_long_whatever_the_space_says() -> None:
    start = at(2, 10)
    assert check(SpaceRules(), start, start + timedelta(days=MAX_BOOKING_DAYS), CTX) == []
    too_long = start + timedelta(days=MAX_BOOKING_DAYS, minutes=15)
    for rules in (SpaceRules(), SpaceRules(max_duration_min=100 * 24 * 60)):
        (violation,) = check(rules, start, too_long, CTX)
        assert violation.code == "too_long"
        assert violation.details == {"max_duration_min": MAX_BOOKING_DAYS * 24 * 60}


def test_duration_is_real_elapsed_time_across_the_autumn_change() -> None:
    rules = SpaceRules(max_duration_min=24 * 60)
    start = datetime(2026, 10, 24, 12, tzinfo=TZ)
    # 12:00 to 12:00 the next day is 25 hours when the clocks go back in between.
    assert codes(check(rules, start, start.replace(day=25), replace(CTX, now=start))) == [
        "too_long"
    ]


def test_a_booking_inside_the_notice_period_is_too_soon() -> None:
    rules = SpaceRules(min_notice_min=120)
    (violation,) = check(rules, at(1, 10, 45), at(1, 12), CTX)
    assert violation.code == "too_soon"
    assert violation.details == {"min_notice_min": 120}
    assert check(rules, at(1, 11), at(1, 12), CTX) == []


def test_a_booking_beyond_the_advance_limit_is_too_far_ahead() -> None:
    rules = SpaceRules(max_advance_days=30)
    assert check(rules, at(31, 9), at(31, 10), CTX) == []
    (violation,) = check(rules, at(31, 9, 15), at(31, 10), CTX)
    assert violation.code == "too_far_ahead"
    assert violation.details == {"max_advance_days": 30}


def test_advance_days_are_calendar_days_across_the_spring_change() -> None:
    now = datetime(2027, 3, 1, 9, tzinfo=TZ)
    rules = SpaceRules(max_advance_days=60)
    ctx = replace(CTX, now=now)
    # 60 days after 1 March 09:00 CET is 30 April 09:00 CEST, not 10:00.
    assert (
        check(rules, datetime(2027, 4, 30, 9, tzinfo=TZ), datetime(2027, 4, 30, 10, tzinfo=TZ), ctx)
        == []
    )
    assert codes(
        check(
            rules,
            datetime(2027, 4, 30, 9, 15, tzinfo=TZ),
            datetime(2027, 4, 30, 10, tzinfo=TZ),
            ctx,
        )
    ) == ["too_far_ahead"]


def test_the_campus_manager_skips_notice_advance_and_quota() -> None:
    rules = SpaceRules(
        min_notice_min=24 * 60, max_advance_days=1, max_hours_per_week_per_tenant=Decimal(1)
    )
    ctx = replace(CTX, privileged=True)
    assert check(rules, at(1, 10), at(1, 12), ctx) == []
    assert check(rules, at(20, 10), at(20, 12), ctx) == []


def test_a_booking_past_closing_time_is_outside_opening_hours() -> None:
    rules = SpaceRules(opening_hours=OFFICE_HOURS)
    assert check(rules, at(2, 8), at(2, 18), CTX) == []
    (violation,) = check(rules, at(2, 17), at(2, 18, 15), CTX)
    assert violation.code == "outside_opening_hours"


def test_a_day_left_out_of_the_opening_hours_is_closed_all_day() -> None:
    rules = SpaceRules(opening_hours=OFFICE_HOURS)
    assert codes(check(rules, at(5, 10), at(5, 11), CTX)) == ["outside_opening_hours"]


def test_a_booking_across_midnight_fits_hours_that_join_at_midnight() -> None:
    rules = SpaceRules(opening_hours={"wed": [(20 * 60, 1440)], "thu": [(0, 6 * 60)]})
    assert check(rules, at(2, 22), at(3, 5), CTX) == []
    assert codes(check(rules, at(2, 22), at(3, 7), CTX)) == ["outside_opening_hours"]


def test_a_booking_during_a_closure_is_closed() -> None:
    closure = Interval(at(2, 12), at(2, 14))
    unrelated = Interval(at(20, 0), at(21, 0))
    ctx = replace(CTX, closures=[unrelated, closure])
    (violation,) = check(SpaceRules(), at(2, 13), at(2, 15), ctx)
    assert violation.code == "closed"
    assert violation.details == {
        "closures": [{"start": "2026-12-02T12:00:00+01:00", "end": "2026-12-02T14:00:00+01:00"}]
    }


def test_a_booking_touching_a_closure_is_not_closed() -> None:
    ctx = replace(CTX, closures=[Interval(at(2, 12), at(2, 14))])
    assert check(SpaceRules(), at(2, 14), at(2, 15), ctx) == []
    assert check(SpaceRules(), at(2, 11), at(2, 12), ctx) == []


def test_a_space_that_is_not_bookable_refuses_bookings() -> None:
    (violation,) = check(SpaceRules(bookable=False), at(2, 10), at(2, 11), CTX)
    assert violation.code == "not_bookable"


def test_a_leased_space_is_not_bookable() -> None:
    (violation,) = check(SpaceRules(), at(2, 10), at(2, 11), replace(CTX, leased=True))
    assert violation.code == "not_bookable"
    assert violation.details == {"reason": "leased"}


def test_the_weekly_quota_counts_what_the_tenant_already_booked() -> None:
    rules = SpaceRules(max_hours_per_week_per_tenant=Decimal("2.5"))
    monday = date(2026, 11, 30)
    ctx = replace(CTX, tenant_week_minutes={monday: 90})
    assert check(rules, at(2, 10), at(2, 11), ctx) == []
    (violation,) = check(rules, at(2, 10), at(2, 11, 15), ctx)
    assert violation.code == "quota_exceeded"
    assert violation.message == "Your tenant may book this space for at most 2.5 hours a week."
    assert violation.details == {
        "max_hours_per_week_per_tenant": "2.5",
        "week": "2026-11-30",
        "booked_minutes": 90,
        "requested_minutes": 75,
    }


def test_the_quota_is_checked_per_week_for_a_booking_across_weeks() -> None:
    rules = SpaceRules(max_hours_per_week_per_tenant=Decimal(3))
    next_monday = date(2026, 12, 7)
    # Sunday 22:00 to Monday 02:00: two hours in each week.
    ctx = replace(CTX, tenant_week_minutes={next_monday: 120})
    assert codes(check(rules, at(6, 22), at(7, 2), ctx)) == ["quota_exceeded"]
    assert check(rules, at(6, 22), at(7, 1), ctx) == []


def test_every_broken_rule_is_reported_in_rule_order() -> None:
    rules = SpaceRules(
        bookable=False,
        opening_hours=OFFICE_HOURS,
        max_duration_min=30,
        min_notice_min=60,
        max_hours_per_week_per_tenant=Decimal("0.5"),
    )
    ctx = replace(CTX, closures=[Interval(at(1, 0), at(2, 0))])
    result = check(rules, at(1, 8, 50), at(1, 20), ctx)
    assert codes(result) == [
        "in_past",
        "bad_granularity",
        "too_long",
        "too_soon",
        "outside_opening_hours",
        "closed",
        "not_bookable",
        "quota_exceeded",
    ]
    assert codes(result) == sorted(codes(result), key=RULE_ORDER.index)


def test_too_short_and_too_far_ahead_together_come_in_rule_order() -> None:
    rules = SpaceRules(min_duration_min=60, max_advance_days=10)
    assert codes(check(rules, at(20, 10), at(20, 10, 30), CTX)) == ["too_short", "too_far_ahead"]


def test_every_violation_has_a_sentence_and_json_safe_details() -> None:
    rules = SpaceRules(
        bookable=False,
        opening_hours={},
        min_duration_min=600,
        min_notice_min=60,
        max_hours_per_week_per_tenant=Decimal(1),
    )
    ctx = replace(CTX, closures=[Interval(at(1, 0), at(2, 0))], leased=True)
    for violation in check(rules, at(1, 8, 50), at(1, 10), ctx):
        assert violation.message.endswith(".")
        for value in violation.details.values():
            assert isinstance(value, str | int | float | list | dict)


def test_always_open_when_there_are_no_opening_hours() -> None:
    window = Interval(at(2, 0), at(9, 0))
    assert opening_intervals(None, window, TZ) == [window]


def test_opening_hours_are_local_times_on_the_short_spring_day() -> None:
    sunday = {"sun": [(0, 1440)], "sat": [(8 * 60, 18 * 60)]}
    window = Interval(datetime(2027, 3, 27, tzinfo=TZ), datetime(2027, 3, 29, tzinfo=TZ))
    saturday, whole_sunday = opening_intervals(sunday, window, TZ)
    assert whole_sunday.duration == timedelta(hours=23)
    assert saturday.start == datetime(2027, 3, 27, 7, tzinfo=UTC)
    nine_to_five = {"sun": [(9 * 60, 17 * 60)]}
    (sunday_open,) = opening_intervals(nine_to_five, window, TZ)
    assert sunday_open.start == datetime(2027, 3, 28, 7, tzinfo=UTC)
    assert sunday_open.duration == timedelta(hours=8)


def test_opening_hours_are_local_times_on_the_long_autumn_day() -> None:
    window = Interval(datetime(2026, 10, 24, tzinfo=TZ), datetime(2026, 10, 27, tzinfo=TZ))
    whole_days = {"sun": [(0, 1440)]}
    (sunday,) = opening_intervals(whole_days, window, TZ)
    assert sunday.duration == timedelta(hours=25)
    office = {"sat": [(8 * 60, 18 * 60)], "mon": [(8 * 60, 18 * 60)]}
    saturday, monday = opening_intervals(office, window, TZ)
    assert saturday.start == datetime(2026, 10, 24, 6, tzinfo=UTC)
    assert monday.start == datetime(2026, 10, 26, 7, tzinfo=UTC)


def test_opening_hours_across_midnight_are_joined_and_clipped_to_the_window() -> None:
    hours = {"fri": [(20 * 60, 1440)], "sat": [(0, 6 * 60), (10 * 60, 12 * 60)]}
    window = Interval(at(4, 21), at(5, 11))
    assert opening_intervals(hours, window, TZ) == [
        Interval(at(4, 21), at(5, 6)),
        Interval(at(5, 10), at(5, 11)),
    ]


def test_no_opening_hours_on_any_day_means_never_open() -> None:
    assert opening_intervals({}, Interval(at(2, 0), at(9, 0)), TZ) == []


def test_week_minutes_splits_at_local_monday_midnight() -> None:
    assert week_minutes(at(6, 23), at(7, 1, 30), TZ) == {
        date(2026, 11, 30): 60,
        date(2026, 12, 7): 90,
    }


def test_week_minutes_counts_the_extra_autumn_hour() -> None:
    start = datetime(2026, 10, 19, tzinfo=TZ)
    assert week_minutes(start, start + timedelta(days=7), TZ) == {
        date(2026, 10, 19): 7 * 24 * 60 + 60
    }


def test_week_minutes_of_an_empty_range_is_empty() -> None:
    assert week_minutes(at(2, 10), at(2, 10), TZ) == {}
