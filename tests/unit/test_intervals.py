"""Half-open interval algebra."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.core.intervals import Interval, clip, intersect, localize, merge, subtract

TZ = ZoneInfo("Europe/Brussels")
BASE = datetime(2027, 1, 4, tzinfo=UTC)


def span(start_min: int, end_min: int) -> Interval:
    """An interval in minutes after BASE."""
    return Interval(BASE + timedelta(minutes=start_min), BASE + timedelta(minutes=end_min))


intervals = st.builds(
    lambda start, length: span(start, start + length),
    st.integers(min_value=0, max_value=2000),
    st.integers(min_value=1, max_value=300),
)
interval_lists = st.lists(intervals, max_size=12)


def minutes_covered(items: list[Interval]) -> set[int]:
    covered: set[int] = set()
    for item in items:
        first = (item.start - BASE) // timedelta(minutes=1)
        last = (item.end - BASE) // timedelta(minutes=1)
        covered.update(range(first, last))
    return covered


def test_naive_bounds_are_refused() -> None:
    with pytest.raises(ValueError):
        Interval(datetime(2027, 1, 4, 9), datetime(2027, 1, 4, 10, tzinfo=UTC))
    with pytest.raises(ValueError):
        Interval(datetime(2027, 1, 4, 9, tzinfo=UTC), datetime(2027, 1, 4, 10))


@pytest.mark.parametrize("length", [0, -1])
def test_an_interval_must_end_after_it_starts(length: int) -> None:
    with pytest.raises(ValueError):
        span(10, 10 + length)


def test_bounds_are_kept_as_the_same_instants_in_utc() -> None:
    start = datetime(2027, 3, 17, 14, tzinfo=TZ)
    interval = Interval(start, start + timedelta(hours=1))
    assert interval.start == start
    assert interval.start.tzinfo is UTC
    assert interval.start.hour == 13


def test_duration_is_real_elapsed_time_across_the_autumn_change() -> None:
    night = Interval(datetime(2026, 10, 25, tzinfo=TZ), datetime(2026, 10, 26, tzinfo=TZ))
    assert night.duration == timedelta(hours=25)


def test_the_repeated_autumn_hour_orders_by_real_time() -> None:
    first = datetime(2026, 10, 25, 2, 30, tzinfo=TZ, fold=0)
    second = datetime(2026, 10, 25, 2, 30, tzinfo=TZ, fold=1)
    interval = Interval(first, second)
    assert interval.duration == timedelta(hours=1)


def test_touching_intervals_do_not_overlap() -> None:
    assert not span(0, 60).overlaps(span(60, 120))
    assert span(0, 61).overlaps(span(60, 120))
    assert span(60, 120).overlaps(span(0, 61))


def test_contains_includes_equal_bounds() -> None:
    assert span(0, 60).contains(span(0, 60))
    assert span(0, 60).contains(span(10, 20))
    assert not span(0, 60).contains(span(30, 61))


def test_merge_joins_overlapping_and_touching_intervals_in_order() -> None:
    assert merge([span(100, 120), span(0, 30), span(30, 45), span(40, 50)]) == [
        span(0, 50),
        span(100, 120),
    ]


def test_merge_of_nothing_is_nothing() -> None:
    assert merge([]) == []


def test_subtract_cuts_holes_and_edges() -> None:
    base = [span(0, 100), span(200, 300)]
    cuts = [span(-10, 10), span(40, 50), span(90, 210), span(290, 400)]
    assert subtract(base, cuts) == [span(10, 40), span(50, 90), span(210, 290)]


def test_subtract_with_one_cut_spanning_several_pieces() -> None:
    assert subtract([span(0, 10), span(20, 30), span(40, 50)], [span(5, 45)]) == [
        span(0, 5),
        span(45, 50),
    ]


def test_subtract_handles_many_intervals_quickly() -> None:
    base = [span(10 * i, 10 * i + 8) for i in range(20_000)]
    cuts = [span(10 * i + 2, 10 * i + 4) for i in range(20_000)]
    result = subtract(reversed(base), cuts)
    assert len(result) == 40_000


def test_intersect_keeps_only_common_time() -> None:
    a = [span(0, 100), span(150, 200)]
    b = [span(50, 160), span(190, 300)]
    assert intersect(a, b) == [span(50, 100), span(150, 160), span(190, 200)]


def test_clip_keeps_order_drops_empties_and_does_not_merge() -> None:
    window = span(100, 200)
    given_intervals = [span(150, 250), span(0, 50), span(90, 120), span(110, 160), span(200, 210)]
    assert clip(given_intervals, window) == [span(150, 200), span(100, 120), span(110, 160)]


def test_localize_moves_a_spring_gap_time_forward_by_the_gap() -> None:
    moved = localize(datetime(2027, 3, 28, 2, 30), TZ)
    assert moved.replace(tzinfo=None) == datetime(2027, 3, 28, 3, 30)
    assert moved.utcoffset() == timedelta(hours=2)
    # fold=1 would mean the summer offset and move the time backwards; it still moves forward.
    assert localize(datetime(2027, 3, 28, 2, 30), TZ, fold=1) == moved


def test_localize_picks_the_first_or_second_repeated_autumn_time() -> None:
    first = localize(datetime(2026, 10, 25, 2, 30), TZ)
    second = localize(datetime(2026, 10, 25, 2, 30), TZ, fold=1)
    assert first.utcoffset() == timedelta(hours=2)
    assert second.utcoffset() == timedelta(hours=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)


@given(interval_lists)
def test_merge_is_idempotent_sorted_and_disjoint(items: list[Interval]) -> None:
    merged = merge(items)
    assert merge(merged) == merged
    assert minutes_covered(merged) == minutes_covered(items)
    for left, right in pairwise(merged):
        assert left.end < right.start


@given(interval_lists, interval_lists)
def test_subtract_and_intersect_together_give_back_the_base(
    base: list[Interval], cuts: list[Interval]
) -> None:
    rest = subtract(base, cuts)
    common = intersect(base, cuts)
    assert merge(rest + common) == merge(base)
    assert intersect(rest, cuts) == []
    assert minutes_covered(rest) == minutes_covered(base) - minutes_covered(cuts)
    assert merge(rest) == rest
    assert merge(common) == common


@given(interval_lists, interval_lists)
def test_intersect_is_symmetric(a: list[Interval], b: list[Interval]) -> None:
    assert intersect(a, b) == intersect(b, a)
    assert minutes_covered(intersect(a, b)) == minutes_covered(a) & minutes_covered(b)


@given(interval_lists, intervals)
def test_clip_stays_inside_the_window(items: list[Interval], window: Interval) -> None:
    clipped = clip(items, window)
    assert all(window.contains(item) for item in clipped)
    assert minutes_covered(clipped) == minutes_covered(items) & minutes_covered([window])
