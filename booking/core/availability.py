"""Free and busy time of one space: opening hours, closures, bookings and their buffers."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from itertools import pairwise
from zoneinfo import ZoneInfo

from booking.core.intervals import Interval, clip, localize, merge, subtract
from booking.core.rules import (
    MINUTES_PER_DAY,
    OpeningHours,
    RuleContext,
    SpaceRules,
    check,
    opening_intervals,
)

REASONS = ("booking", "buffer", "closed", "outside_opening_hours")
_RANK = {reason: rank for rank, reason in enumerate(REASONS)}


@dataclass(frozen=True)
class BookedSlot:
    """An active (pending or confirmed) booking already in the space, with the buffers it was
    made with."""

    start: datetime
    end: datetime
    user_id: int
    buffer_before_min: int = 0
    buffer_after_min: int = 0
    booking_id: int | None = None

    @cached_property
    def booked(self) -> Interval:
        """The booked time [start, end) itself."""
        return Interval(self.start, self.end)

    @cached_property
    def busy(self) -> Interval:
        """The time the booking keeps from other people: [start - before, end + after)."""
        # In UTC, so that a buffer is real elapsed time even next to a daylight-saving change.
        return Interval(
            self.start.astimezone(UTC) - timedelta(minutes=self.buffer_before_min),
            self.end.astimezone(UTC) + timedelta(minutes=self.buffer_after_min),
        )


@dataclass(frozen=True)
class BusyEntry:
    """One reason why part of a window is not free."""

    start: datetime
    end: datetime
    reason: str
    booking_id: int | None = None


@dataclass(frozen=True)
class Availability:
    """A window split into free time (merged) and busy entries (one per item, not merged)."""

    free: list[Interval]
    busy: list[BusyEntry]


def availability(
    window: Interval,
    *,
    tz: ZoneInfo,
    opening_hours: OpeningHours | None,
    closures: Sequence[Interval],
    booked: Sequence[BookedSlot],
) -> Availability:
    """Free and busy time of a space within window.

    Busy has one entry per item: the closed runs outside opening hours, each closure, each
    booking and each booking's buffers (minus any booked time, and minus the gap between one
    booker's own back-to-back bookings when their buffers would fill it), all clipped to window.
    Free is the rest of window, merged; together they cover window exactly.
    """
    # (interval, rank of its reason, booking id): sorted and turned into entries at the end.
    items: list[tuple[Interval, int, int | None]] = []
    outside = subtract([window], opening_intervals(opening_hours, window, tz))
    items.extend((piece, _RANK["outside_opening_hours"], None) for piece in outside)
    items.extend((piece, _RANK["closed"], None) for piece in clip(closures, window))

    relevant = [index for index, slot in enumerate(booked) if slot.busy.overlaps(window)]
    booking_rank = _RANK["booking"]
    for index in relevant:
        slot = booked[index]
        for piece in clip([slot.booked], window):
            items.append((piece, booking_rank, slot.booking_id))

    booked_time = merge(slot.booked for slot in booked)
    booked_ends = [interval.end for interval in booked_time]
    before_gap, after_gap = _own_gaps(booked)
    buffer_rank = _RANK["buffer"]
    for index in relevant:
        slot = booked[index]
        booked_interval = slot.booked
        busy = slot.busy
        buffers: list[Interval] = []
        if busy.start < booked_interval.start:
            before = Interval(busy.start, booked_interval.start)
            buffers.extend(_without(before, before_gap.get(index)))
        if booked_interval.end < busy.end:
            after = Interval(booked_interval.end, busy.end)
            buffers.extend(_without(after, after_gap.get(index)))
        pieces = [piece for buffer in buffers for piece in _cut(buffer, booked_time, booked_ends)]
        for piece in clip(pieces, window):
            items.append((piece, buffer_rank, slot.booking_id))

    items.sort(
        key=lambda item: (
            item[0].start,
            item[1],
            item[0].end,
            -1 if item[2] is None else item[2],
        )
    )
    busy_entries = [
        BusyEntry(piece.start, piece.end, REASONS[rank], booking_id)
        for piece, rank, booking_id in items
    ]
    free = subtract([window], (piece for piece, _, _ in items))
    return Availability(free=free, busy=busy_entries)


def _own_gaps(booked: Sequence[BookedSlot]) -> tuple[dict[int, Interval], dict[int, Interval]]:
    """The gaps between one booker's consecutive bookings that their buffers would fill.

    One person's own bookings only conflict on booked time, so buffers between their
    back-to-back bookings keep nobody out that the bookings themselves do not: they are not
    shown. Keyed by the index in booked of the slot whose before (first dict) or after (second)
    buffer would fill the gap.
    """
    by_user: dict[int, list[tuple[Interval, int]]] = defaultdict(list)
    for index, slot in enumerate(booked):
        by_user[slot.user_id].append((slot.booked, index))
    before_gap: dict[int, Interval] = {}
    after_gap: dict[int, Interval] = {}
    for own in by_user.values():
        own.sort()
        for (first, first_index), (second, second_index) in pairwise(own):
            if second.start <= first.end:
                continue
            buffers = timedelta(
                minutes=booked[first_index].buffer_after_min
                + booked[second_index].buffer_before_min
            )
            if second.start - first.end <= buffers:
                gap = Interval(first.end, second.start)
                after_gap[first_index] = gap
                before_gap[second_index] = gap
    return before_gap, after_gap


def _without(piece: Interval, gap: Interval | None) -> list[Interval]:
    return [piece] if gap is None else subtract([piece], [gap])


def _cut(piece: Interval, cuts: Sequence[Interval], cut_ends: Sequence[datetime]) -> list[Interval]:
    """piece minus cuts, where cuts are merged and cut_ends are their ends (for bisect)."""
    result: list[Interval] = []
    cursor = piece.start
    index = bisect_right(cut_ends, cursor)
    while index < len(cuts) and cuts[index].start < piece.end:
        if cuts[index].start > cursor:
            result.append(Interval(cursor, cuts[index].start))
        cursor = max(cursor, cuts[index].end)
        if cursor >= piece.end:
            return result
        index += 1
    result.append(Interval(cursor, piece.end))
    return result


def conflicts(
    start: datetime,
    end: datetime,
    user_id: int,
    *,
    buffer_before_min: int,
    buffer_after_min: int,
    booked: Sequence[BookedSlot],
) -> list[BookedSlot]:
    """The booked slots in the way of a new booking [start, end) by user_id, sorted by start.

    Another person's booking is in the way when the busy times (booked time plus buffers)
    overlap; the same person's own booking only when the booked times overlap. Raises
    ValueError when end is not after start (check() reports that as invalid_time_range).
    """
    # Plain UTC datetimes, not Intervals: this runs for every candidate space of a search.
    req_start = start.astimezone(UTC)
    req_end = end.astimezone(UTC)
    if req_end <= req_start:
        raise ValueError(f"end must be after start: [{start}, {end})")
    busy_start = req_start - timedelta(minutes=buffer_before_min)
    busy_end = req_end + timedelta(minutes=buffer_after_min)
    in_the_way = []
    for slot in booked:
        slot_start = slot.start.astimezone(UTC)
        slot_end = slot.end.astimezone(UTC)
        if slot.user_id == user_id:
            hit = slot_start < req_end and slot_end > req_start
        else:
            hit = (
                slot_start - timedelta(minutes=slot.buffer_before_min) < busy_end
                and slot_end + timedelta(minutes=slot.buffer_after_min) > busy_start
            )
        if hit:
            in_the_way.append(slot)
    in_the_way.sort(key=lambda slot: (slot.booked.start, slot.booked.end))
    return in_the_way


def alternative_slots(
    start: datetime,
    end: datetime,
    user_id: int,
    *,
    rules: SpaceRules,
    ctx: RuleContext,
    booked: Sequence[BookedSlot],
    limit: int = 3,
) -> list[Interval]:
    """The nearest free slots of the same length as [start, end) in the same space on the
    same local day, nearest start first and the earlier one on a tie, at most limit.

    A candidate starts on the space's granularity grid in local time, breaks no rule and
    conflicts with no booking; the requested slot itself is never offered. Raises ValueError
    when end is not after start.
    """
    request = Interval(start, end)
    length = request.duration
    starts = _day_grid(request.start.astimezone(ctx.tz).date(), ctx.tz, rules.granularity_min)
    if not starts or limit <= 0:
        return []
    # Only the bookings near this day can be in the way of a candidate.
    reach = Interval(
        starts[0] - timedelta(minutes=rules.buffer_before_min),
        starts[-1] + length + timedelta(minutes=rules.buffer_after_min),
    )
    nearby = [slot for slot in booked if slot.busy.overlaps(reach)]

    found: list[Interval] = []
    # Nearest first, so the search can stop as soon as it has enough.
    for candidate_start in sorted(starts, key=lambda moment: (abs(moment - request.start), moment)):
        if candidate_start == request.start:
            continue
        candidate_end = candidate_start + length
        if conflicts(
            candidate_start,
            candidate_end,
            user_id,
            buffer_before_min=rules.buffer_before_min,
            buffer_after_min=rules.buffer_after_min,
            booked=nearby,
        ):
            continue
        if check(rules, candidate_start, candidate_end, ctx):
            continue
        found.append(Interval(candidate_start, candidate_end))
        if len(found) == limit:
            break
    return found


def _day_grid(day: date, tz: ZoneInfo, granularity_min: int) -> list[datetime]:
    """Every start on the local day whose wall time is on the grid, in UTC and in order.

    A wall time in the spring-forward gap does not exist and is left out; one that happens
    twice in the autumn is offered both times.
    """
    step = granularity_min if granularity_min > 0 else 15
    midnight = datetime.combine(day, time())
    starts: set[datetime] = set()
    for minute in range(0, MINUTES_PER_DAY, step):
        wall = midnight + timedelta(minutes=minute)
        for fold in (0, 1):
            moment = localize(wall, tz, fold)
            if moment.astimezone(tz).replace(tzinfo=None) == wall:
                starts.add(moment.astimezone(UTC))
    return sorted(starts)
