"""Half-open time intervals [start, end) and the set algebra the booking rules are built on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo


def _is_aware(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


@dataclass(frozen=True, order=True, slots=True)
class Interval:
    """A half-open span of time [start, end), stored in UTC.

    Python compares and subtracts two datetimes that share one tzinfo object by their wall
    clock, ignoring the offset: in Europe/Brussels 02:30 CEST and 02:30 CET would be "equal"
    and a night across the autumn change would look an hour short. Normalising to UTC makes
    ordering, equality and durations real elapsed time; callers convert back to campus time
    at the edges.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start = self.start
        end = self.end
        # UTC bounds are by far the most common (every merge and cut makes new ones), and
        # skipping the zone lookups for them keeps availability fast.
        if start.tzinfo is not UTC:
            if not _is_aware(start):
                raise ValueError("Interval bounds must be timezone-aware datetimes.")
            start = start.astimezone(UTC)
            object.__setattr__(self, "start", start)
        if end.tzinfo is not UTC:
            if not _is_aware(end):
                raise ValueError("Interval bounds must be timezone-aware datetimes.")
            end = end.astimezone(UTC)
            object.__setattr__(self, "end", end)
        if end <= start:
            raise ValueError(f"Interval must end after it starts: {start} >= {end}.")

    def overlaps(self, other: Interval) -> bool:
        """Whether the two intervals share any time (touching ends do not overlap)."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        """Whether other lies entirely inside this interval."""
        return self.start <= other.start and other.end <= self.end

    @property
    def duration(self) -> timedelta:
        """The real elapsed time from start to end."""
        return self.end - self.start


def localize(wall: datetime, tz: tzinfo, fold: int = 0) -> datetime:
    """The aware datetime in tz for a naive local wall time.

    A wall time that does not exist (the spring-forward gap) moves forward by the gap; fold
    picks the first (0) or second (1) of a wall time that happens twice. The result is
    normalised, so its wall time is one that really exists.
    """
    moment = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC).astimezone(tz)
    if fold and moment.replace(tzinfo=None) != wall:
        # fold=1 in a gap means the offset after the change, which would move the time back.
        moment = wall.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)
    return moment


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of intervals, sorted, with overlapping or touching ones joined."""
    result: list[Interval] = []
    for interval in sorted(intervals):
        if result and interval.start <= result[-1].end:
            if interval.end > result[-1].end:
                result[-1] = Interval(result[-1].start, interval.end)
        else:
            result.append(interval)
    return result


def subtract(base: Iterable[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    """The time in base that no cut covers, sorted and merged."""
    remaining = merge(base)
    removed = merge(cuts)
    result: list[Interval] = []
    j = 0
    for piece in remaining:
        cursor = piece.start
        # Both lists are sorted and disjoint, so a cut that ends before this piece can never
        # matter for a later one: one sweep over both is enough.
        while j < len(removed) and removed[j].end <= cursor:
            j += 1
        k = j
        while k < len(removed) and removed[k].start < piece.end:
            if removed[k].start > cursor:
                result.append(Interval(cursor, removed[k].start))
            cursor = max(cursor, removed[k].end)
            if cursor >= piece.end:
                break
            k += 1
        if cursor < piece.end:
            result.append(Interval(cursor, piece.end))
    return result


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """The time covered by both a and b, sorted and merged."""
    left = merge(a)
    right = merge(b)
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i].start, right[j].start)
        end = min(left[i].end, right[j].end)
        if start < end:
            result.append(Interval(start, end))
        if left[i].end <= right[j].end:
            i += 1
        else:
            j += 1
    return result


def clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    """Each interval cut to window, in the given order; the ones left empty are dropped."""
    result: list[Interval] = []
    for interval in intervals:
        start = max(interval.start, window.start)
        end = min(interval.end, window.end)
        if start < end:
            inside = start == interval.start and end == interval.end
            result.append(interval if inside else Interval(start, end))
    return result
