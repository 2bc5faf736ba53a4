"""Free time as interval arithmetic on absolute instants.

Templates are wall-clock hours in the location's time zone; each day's hours become absolute
(UTC) intervals before anything else happens, so a day with a DST change is as long as it
really is and slots are cut in real minutes. A wall time inside the spring-forward gap maps
past the gap; an ambiguous fall-back time means its first occurrence.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.errors import DomainError
from app.scheduling.errors import SchedulingErrorCode

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
Interval = tuple[datetime, datetime]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DomainError(
            SchedulingErrorCode.INVALID_TIMEZONE, f"Unknown time zone {name!r}.", ["timezone"]
        ) from exc


def aware(value: datetime, field: str) -> datetime:
    """`value` as a UTC instant; a time without its UTC offset names no instant."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainError(
            SchedulingErrorCode.INVALID_TIME_RANGE,
            "Give a time with its UTC offset, e.g. 2026-01-31T09:00:00-05:00.",
            [field],
        )
    with in_range(field):
        return value.astimezone(UTC)


def out_of_range(field: str) -> DomainError:
    return DomainError(
        SchedulingErrorCode.INVALID_TIME_RANGE,
        "Times must fall between the years 1 and 9999, a day's margin included.",
        [field],
    )


@contextmanager
def in_range(field: str) -> Iterator[None]:
    """Date arithmetic past year 9999 or before year 1 (OverflowError) is a refused input."""
    try:
        yield
    except OverflowError as exc:
        raise out_of_range(field) from exc


def refusing_out_of_range(field: str) -> Callable[[F], F]:
    """`in_range` around a whole coroutine function."""

    def wrap(function: F) -> F:
        @functools.wraps(function)
        async def guarded(*args: Any, **kwargs: Any) -> Any:
            with in_range(field):
                return await function(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return wrap


# What a schedule holds: from a year back (time off recorded after the fact) to ten years ahead.
# A constant, not a setting: it catches a mistyped year (an exception from year 43 to 6970),
# it is no practice's policy.
HORIZON_BACK = timedelta(days=366)
HORIZON_AHEAD = timedelta(days=3653)
HORIZON_TEXT = "from a year before today to ten years after"


def beyond_horizon(field: str) -> DomainError:
    return DomainError(
        SchedulingErrorCode.INVALID_TIME_RANGE,
        f"A schedule holds times {HORIZON_TEXT}.",
        [field],
    )


def within_horizon(value: datetime, field: str, now: datetime) -> datetime:
    """`value` (aware), or INVALID_TIME_RANGE when it is outside the schedule's horizon."""
    if not now - HORIZON_BACK <= value <= now + HORIZON_AHEAD:
        raise beyond_horizon(field)
    return value


def date_within_horizon(value: date | None, field: str, today: date) -> date | None:
    """A local date (weekly hours' validity) within the horizon; None stays None."""
    if value is not None and not today - HORIZON_BACK <= value <= today + HORIZON_AHEAD:
        raise beyond_horizon(field)
    return value


def instant(day: date, wall: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def local_dates(start: datetime, end: datetime, tz: ZoneInfo) -> list[date]:
    """Every local calendar date that [start, end) touches."""
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(intervals: Sequence[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """`intervals` minus every busy interval (both may be unsorted)."""
    result = merge(intervals)
    for b_start, b_end in merge(busy):
        pieces: list[Interval] = []
        for start, end in result:
            if b_end <= start or b_start >= end:
                pieces.append((start, end))
                continue
            if start < b_start:
                pieces.append((start, b_start))
            if b_end < end:
                pieces.append((b_end, end))
        result = pieces
    return result


def contains(intervals: Sequence[Interval], start: datetime, end: datetime) -> bool:
    return any(s <= start and end <= e for s, e in intervals)


def overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def cut(intervals: Sequence[Interval], duration: timedelta, window: Interval) -> list[Interval]:
    """Back-to-back slots of `duration` from the start of each free interval, inside `window`."""
    return list(iter_cut(intervals, duration, window))


def iter_cut(
    intervals: Sequence[Interval], duration: timedelta, window: Interval
) -> Iterator[Interval]:
    """`cut`, lazily and in time order."""
    for start, end in merge(intervals):
        cursor = start
        while cursor + duration <= end:
            if cursor >= window[0] and cursor + duration <= window[1]:
                yield (cursor, cursor + duration)
            cursor += duration


class Busy:
    """Held intervals indexed for "does this interval overlap any of them?" in O(log n)."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        ordered = sorted(intervals)
        self.starts = [start for start, _ in ordered]
        self.max_ends: list[datetime] = []  # the latest end among the first i+1 intervals
        for _, end in ordered:
            self.max_ends.append(max(end, self.max_ends[-1]) if self.max_ends else end)

    def overlaps(self, slot: Interval) -> bool:
        before_end = bisect_left(self.starts, slot[1])  # intervals starting before slot ends
        return before_end > 0 and self.max_ends[before_end - 1] > slot[0]
