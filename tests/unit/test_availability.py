"""Free and busy time, conflicts between bookings, and the alternatives offered on a conflict."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from booking.core.availability import (
    REASONS,
    Availability,
    BookedSlot,
    BusyEntry,
    alternative_slots,
    availability,
    conflicts,
)
from booking.core.intervals import Interval, merge
from booking.core.rules import OpeningHours, RuleContext, SpaceRules

TZ = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
CTX = RuleContext(now=NOW, tz=TZ)
OFFICE_HOURS = {day: [(8 * 60, 18 * 60)] for day in ("mon", "tue", "wed", "thu", "fri")}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=TZ)


def slot(
    start: datetime,
    end: datetime,
    user_id: int = 1,
    before: int = 0,
    after: int = 0,
    booking_id: int | None = None,
) -> BookedSlot:
    return BookedSlot(start, end, user_id, before, after, booking_id)


def summary(result: Availability) -> list[tuple[str, str, str]]:
    """Busy entries as (local start, local end, reason), easy to read in a failing test."""
    return [
        (
            entry.start.astimezone(TZ).strftime("%d %H:%M"),
            entry.end.astimezone(TZ).strftime("%d %H:%M"),
            entry.reason,
        )
        for entry in result.busy
    ]


def day_of(
    day: int,
    booked: list[BookedSlot],
    closures: list[Interval] | None = None,
    opening_hours: OpeningHours | None = None,
) -> Availability:
    window = Interval(at(day, 0), at(day + 1, 0))
    return availability(
        window, tz=TZ, opening_hours=opening_hours, closures=closures or [], booked=booked
    )


def assert_partition(window: Interval, result: Availability) -> None:
    busy = [Interval(entry.start, entry.end) for entry in result.busy]
    assert all(window.contains(piece) for piece in busy)
    assert all(not free.overlaps(piece) for free in result.free for piece in busy)
    assert merge(result.free + busy) == [window]
    assert merge(result.free) == result.free


def test_an_empty_window_of_an_always_open_space_is_all_free() -> None:
    window = Interval(at(2, 0), at(9, 0))
    result = availability(window, tz=TZ, opening_hours=None, closures=[], booked=[])
    assert result == Availability(free=[window], busy=[])


def test_time_outside_opening_hours_is_one_busy_entry_per_closed_run() -> None:
    window = Interval(at(4, 0), at(8, 0))  # Friday to Tuesday morning
    result = availability(window, tz=TZ, opening_hours=OFFICE_HOURS, closures=[], booked=[])
    assert summary(result) == [
        ("04 00:00", "04 08:00", "outside_opening_hours"),
        ("04 18:00", "07 08:00", "outside_opening_hours"),
        ("07 18:00", "08 00:00", "outside_opening_hours"),
    ]
    assert result.free == [Interval(at(4, 8), at(4, 18)), Interval(at(7, 8), at(7, 18))]


def test_closures_and_bookings_are_clipped_to_the_window_and_not_merged() -> None:
    closure = Interval(at(1, 20), at(2, 9))
    booked = [slot(at(2, 9), at(2, 10), booking_id=7), slot(at(2, 9, 30), at(2, 11), 2)]
    result = day_of(2, booked, closures=[closure])
    assert summary(result) == [
        ("02 00:00", "02 09:00", "closed"),
        ("02 09:00", "02 10:00", "booking"),
        ("02 09:30", "02 11:00", "booking"),
    ]
    assert result.busy[1].booking_id == 7
    assert result.free == [Interval(at(2, 11), at(3, 0))]


def test_buffers_are_busy_next_to_a_booking() -> None:
    result = day_of(2, [slot(at(2, 10), at(2, 11), before=30, after=15, booking_id=3)])
    assert summary(result) == [
        ("02 09:30", "02 10:00", "buffer"),
        ("02 10:00", "02 11:00", "booking"),
        ("02 11:00", "02 11:15", "buffer"),
    ]
    assert {entry.booking_id for entry in result.busy} == {3}
    assert result.free == [Interval(at(2, 0), at(2, 9, 30)), Interval(at(2, 11, 15), at(3, 0))]


def test_a_buffer_does_not_cover_another_booking() -> None:
    booked = [slot(at(2, 10), at(2, 11), 1, after=60), slot(at(2, 11, 30), at(2, 12), 2)]
    assert summary(day_of(2, booked)) == [
        ("02 10:00", "02 11:00", "booking"),
        ("02 11:00", "02 11:30", "buffer"),
        ("02 11:30", "02 12:00", "booking"),
    ]


def test_one_bookers_back_to_back_bookings_have_no_buffer_between_them() -> None:
    booked = [
        slot(at(2, 10), at(2, 11), before=30, after=30),
        slot(at(2, 11), at(2, 12), before=30, after=30),
    ]
    assert summary(day_of(2, booked)) == [
        ("02 09:30", "02 10:00", "buffer"),
        ("02 10:00", "02 11:00", "booking"),
        ("02 11:00", "02 12:00", "booking"),
        ("02 12:00", "02 12:30", "buffer"),
    ]


def test_a_short_gap_between_one_bookers_bookings_has_no_buffer() -> None:
    booked = [
        slot(at(2, 10), at(2, 11), before=30, after=30),
        slot(at(2, 11, 45), at(2, 12), before=30, after=30),
    ]
    result = day_of(2, booked)
    assert ("02 11:00", "02 11:30", "buffer") not in summary(result)
    assert [entry for entry in summary(result) if "11:" in entry[0]] == [
        ("02 11:45", "02 12:00", "booking")
    ]
    assert Interval(at(2, 11), at(2, 11, 45)) in result.free


def test_a_long_gap_between_one_bookers_bookings_keeps_its_buffers() -> None:
    booked = [
        slot(at(2, 10), at(2, 11), before=30, after=30),
        slot(at(2, 12, 15), at(2, 13), before=30, after=30),
    ]
    entries = summary(day_of(2, booked))
    assert ("02 11:00", "02 11:30", "buffer") in entries
    assert ("02 11:45", "02 12:15", "buffer") in entries


def test_buffers_between_different_bookers_are_shown() -> None:
    booked = [
        slot(at(2, 10), at(2, 11), 1, before=30, after=30),
        slot(at(2, 11, 30), at(2, 12), 2, before=30, after=30),
    ]
    entries = summary(day_of(2, booked))
    # Both bookings' buffers fill the gap: one entry each, not merged.
    assert entries.count(("02 11:00", "02 11:30", "buffer")) == 2


def test_busy_is_sorted_by_start_then_reason() -> None:
    booked = [slot(at(2, 10), at(2, 11))]
    closure = Interval(at(2, 10), at(2, 12))
    result = day_of(2, booked, closures=[closure], opening_hours={"wed": [(0, 10 * 60)]})
    assert [entry.reason for entry in result.busy] == [
        "booking",
        "closed",
        "outside_opening_hours",
    ]


def test_a_buffer_just_outside_the_window_shows_inside_it() -> None:
    booked = [slot(at(1, 23), at(2, 0), after=30)]
    assert summary(day_of(2, booked)) == [("02 00:00", "02 00:30", "buffer")]


def test_availability_scales_to_many_bookings() -> None:
    window = Interval(at(1, 0), at(31, 0))
    booked = [
        slot(
            at(1, 0) + timedelta(minutes=30 * i),
            at(1, 0) + timedelta(minutes=30 * i + 15),
            i % 7,
            10,
            5,
        )
        for i in range(1400)
    ]
    result = availability(window, tz=TZ, opening_hours=None, closures=[], booked=booked)
    assert_partition(window, result)


minutes = st.integers(min_value=-120, max_value=25 * 60 + 120)
# An ordinary day, the 25-hour autumn day and the 23-hour spring day.
DAYS = (date(2026, 12, 2), date(2026, 10, 25), date(2027, 3, 28))


def after_midnight(day: date, minute: int) -> datetime:
    """Real minutes after local midnight of day, as campus time."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=TZ).astimezone(UTC)
    return (midnight + timedelta(minutes=minute)).astimezone(TZ)


@st.composite
def booked_slots(draw: st.DrawFn) -> tuple[int, int, int, int, int, int | None]:
    return (
        draw(minutes),
        draw(st.integers(min_value=15, max_value=240)),
        draw(st.integers(min_value=1, max_value=3)),
        draw(st.sampled_from([0, 15, 30, 45])),
        draw(st.sampled_from([0, 15, 30, 45])),
        draw(st.none() | st.integers(min_value=1, max_value=50)),
    )


opening_ranges = st.lists(
    st.tuples(st.integers(0, 1440), st.integers(0, 1440)).map(sorted).map(tuple), max_size=3
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(DAYS),
    st.lists(booked_slots(), max_size=10),
    st.lists(st.tuples(minutes, st.integers(min_value=1, max_value=600)), max_size=3),
    st.none()
    | st.dictionaries(st.sampled_from(["tue", "wed", "thu", "sat", "sun"]), opening_ranges),
    st.integers(min_value=0, max_value=6 * 60),
    st.integers(min_value=60, max_value=30 * 60),
)
def test_free_and_busy_never_overlap_and_cover_the_window(
    day: date,
    slot_specs: list[tuple[int, int, int, int, int, int | None]],
    closure_specs: list[tuple[int, int]],
    hours: dict[str, list[tuple[int, int]]] | None,
    offset: int,
    length: int,
) -> None:
    booked = [
        BookedSlot(
            after_midnight(day, begin),
            after_midnight(day, begin + span),
            user_id,
            before,
            after,
            booking_id,
        )
        for begin, span, user_id, before, after, booking_id in slot_specs
    ]
    closures = [
        Interval(after_midnight(day, begin), after_midnight(day, begin + span))
        for begin, span in closure_specs
    ]
    start = after_midnight(day, offset)
    window = Interval(start, start + timedelta(minutes=length))
    result = availability(window, tz=TZ, opening_hours=hours, closures=closures, booked=booked)
    assert_partition(window, result)
    keys = [(entry.start, REASONS.index(entry.reason)) for entry in result.busy]
    assert keys == sorted(keys)
    for entry in result.busy:
        assert isinstance(entry, BusyEntry)
        assert entry.start < entry.end
    # Every booking that reaches into the window shows as exactly one booking entry.
    expected = [item for item in booked if Interval(item.start, item.end).overlaps(window)]
    assert sum(entry.reason == "booking" for entry in result.busy) == len(expected)


def test_another_bookers_buffer_is_in_the_way() -> None:
    booked = [slot(at(2, 10), at(2, 11), user_id=1, after=30)]
    assert (
        conflicts(
            at(2, 11, 15), at(2, 12), 2, buffer_before_min=0, buffer_after_min=0, booked=booked
        )
        == booked
    )
    assert (
        conflicts(
            at(2, 11, 30), at(2, 12), 2, buffer_before_min=0, buffer_after_min=0, booked=booked
        )
        == []
    )


def test_the_new_bookings_own_buffers_count_against_other_bookers() -> None:
    booked = [slot(at(2, 10), at(2, 11), user_id=1)]
    assert (
        conflicts(at(2, 11), at(2, 12), 2, buffer_before_min=15, buffer_after_min=0, booked=booked)
        == booked
    )
    assert (
        conflicts(at(2, 9), at(2, 10), 2, buffer_before_min=0, buffer_after_min=15, booked=booked)
        == booked
    )
    assert (
        conflicts(at(2, 11), at(2, 12), 2, buffer_before_min=0, buffer_after_min=15, booked=booked)
        == []
    )


def test_one_bookers_own_bookings_conflict_only_on_booked_time() -> None:
    booked = [slot(at(2, 10), at(2, 11), user_id=1, before=30, after=30)]
    assert (
        conflicts(at(2, 11), at(2, 12), 1, buffer_before_min=30, buffer_after_min=30, booked=booked)
        == []
    )
    assert (
        conflicts(
            at(2, 10, 45), at(2, 12), 1, buffer_before_min=0, buffer_after_min=0, booked=booked
        )
        == booked
    )


def test_conflicts_are_sorted_by_start() -> None:
    later = slot(at(2, 11), at(2, 12), user_id=2)
    earlier = slot(at(2, 9), at(2, 10), user_id=3)
    unrelated = slot(at(2, 15), at(2, 16), user_id=4)
    assert conflicts(
        at(2, 9, 30),
        at(2, 11, 30),
        1,
        buffer_before_min=0,
        buffer_after_min=0,
        booked=[later, unrelated, earlier],
    ) == [earlier, later]


def test_alternatives_are_the_nearest_free_slots_earlier_first_on_a_tie() -> None:
    booked = [slot(at(2, 10), at(2, 11), user_id=1)]
    found = alternative_slots(at(2, 10), at(2, 11), 2, rules=SpaceRules(), ctx=CTX, booked=booked)
    assert found == [
        Interval(at(2, 9), at(2, 10)),
        Interval(at(2, 11), at(2, 12)),
        Interval(at(2, 8, 45), at(2, 9, 45)),
    ]


def test_alternatives_keep_clear_of_buffers_and_rules() -> None:
    rules = SpaceRules(opening_hours=OFFICE_HOURS, buffer_before_min=15, buffer_after_min=15)
    booked = [slot(at(2, 9), at(2, 17, 15), user_id=1, before=15, after=15)]
    found = alternative_slots(at(2, 10), at(2, 11), 2, rules=rules, ctx=CTX, booked=booked, limit=5)
    # Open and clear of the booking's buffers: only 08:00-08:45 and 17:30-18:00; with the new
    # booking's own 15-minute buffers no hour fits there.
    assert found == []
    shorter = alternative_slots(
        at(2, 10), at(2, 10, 15), 2, rules=rules, ctx=CTX, booked=booked, limit=5
    )
    assert shorter == [
        Interval(at(2, 8, 15), at(2, 8, 30)),
        Interval(at(2, 8), at(2, 8, 15)),
        Interval(at(2, 17, 45), at(2, 18)),
    ]


def test_alternatives_never_offer_the_requested_slot_or_the_past() -> None:
    found = alternative_slots(at(1, 9), at(1, 10), 2, rules=SpaceRules(), ctx=CTX, booked=[])
    assert found == [
        Interval(at(1, 9, 15), at(1, 10, 15)),
        Interval(at(1, 9, 30), at(1, 10, 30)),
        Interval(at(1, 9, 45), at(1, 10, 45)),
    ]


def test_alternatives_stay_on_the_same_local_day() -> None:
    booked = [slot(at(2, 0), at(2, 23), user_id=1)]
    found = alternative_slots(at(2, 22), at(2, 23), 2, rules=SpaceRules(), ctx=CTX, booked=booked)
    assert found == [
        Interval(at(2, 23), at(3, 0)),
        Interval(at(2, 23, 15), at(3, 0, 15)),
        Interval(at(2, 23, 30), at(3, 0, 30)),
    ]
    assert all(item.start.astimezone(TZ).day == 2 for item in found)


def test_alternatives_let_a_booker_sit_next_to_their_own_booking() -> None:
    rules = SpaceRules(buffer_before_min=30, buffer_after_min=30)
    booked = [slot(at(2, 10), at(2, 11), user_id=1, before=30, after=30)]
    found = alternative_slots(at(2, 10), at(2, 11), 1, rules=rules, ctx=CTX, booked=booked)
    assert found == [
        Interval(at(2, 9), at(2, 10)),
        Interval(at(2, 11), at(2, 12)),
        Interval(at(2, 8, 45), at(2, 9, 45)),
    ]
    others = alternative_slots(at(2, 10), at(2, 11), 2, rules=rules, ctx=CTX, booked=booked)
    assert others == [
        Interval(at(2, 8), at(2, 9)),
        Interval(at(2, 12), at(2, 13)),
        Interval(at(2, 7, 45), at(2, 8, 45)),
    ]


def test_alternatives_on_the_short_spring_day_skip_the_missing_hour() -> None:
    sunday = datetime(2027, 3, 28, 1, tzinfo=TZ)
    ctx = replace(CTX, now=datetime(2027, 3, 27, tzinfo=TZ))
    booked = [slot(sunday, sunday + timedelta(hours=1), user_id=1)]
    found = alternative_slots(
        sunday,
        sunday + timedelta(hours=1),
        2,
        rules=SpaceRules(granularity_min=60),
        ctx=ctx,
        booked=booked,
        limit=30,
    )
    local_hours = [item.start.astimezone(TZ).hour for item in found]
    assert local_hours == [0, 3, 4, *range(5, 24)]
    assert found[1].start - found[0].start == timedelta(hours=2)


def test_alternatives_look_only_at_bookings_near_the_day() -> None:
    far = [
        slot(
            at(1, 0) + timedelta(days=10 + i // 48, minutes=30 * (i % 48)),
            at(1, 0) + timedelta(days=10 + i // 48, minutes=30 * (i % 48) + 15),
            1,
        )
        for i in range(20_000)
    ]
    found = alternative_slots(at(2, 10), at(2, 11), 2, rules=SpaceRules(), ctx=CTX, booked=far)
    assert [item.start for item in found] == [at(2, 9, 45), at(2, 10, 15), at(2, 9, 30)]
    assert all(item.start.tzinfo is UTC for item in found)
