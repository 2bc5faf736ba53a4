"""Recurring visits from an RFC 5545 RRULE, expanded in the location's wall time.

A weekly 10:00 visit stays at 10:00 local across a DST change, so occurrences are generated in
local time and only then turned into instants.

dateutil walks period by period until it finds an occurrence or reaches year 9999, so a rule
that can never match (BYMONTH=2;BYMONTHDAY=30) would walk thousands of years. The Gregorian
calendar repeats exactly every 400 years (leap years and weekdays alike), so the rule is
expanded in the 400-year cycle that ends just after the horizon: such a walk is then short,
and the occurrences are shifted back.
"""

from __future__ import annotations

import re
from datetime import MAXYEAR, UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import HOURLY, MINUTELY, SECONDLY, rrule, rrulestr

from app.errors import DomainError
from app.scheduling.availability import instant
from app.scheduling.errors import SchedulingErrorCode

MAX_OCCURRENCES = 104  # two years of weekly visits
HORIZON = timedelta(days=5 * 366)  # every occurrence within about five years of the first
_CYCLE_YEARS = 400
_UTC_UNTIL = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)
_INTERVAL = re.compile(r"(?:^|;)\s*INTERVAL=([^;]*)", re.IGNORECASE)


def _out_of_range() -> DomainError:
    return DomainError(
        SchedulingErrorCode.INVALID_TIME_RANGE, "The series reaches beyond year 9999.", ["rrule"]
    )


def _local_until(rule: str, tz: ZoneInfo) -> str:
    """RFC 5545 gives UNTIL in UTC (a trailing Z) when the start has a time zone; the rule is
    expanded in local wall time, so UNTIL becomes the same instant as a local wall time."""

    def local(match: re.Match[str]) -> str:
        until = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        try:
            return f"UNTIL={until.astimezone(tz):%Y%m%dT%H%M%S}"
        except OverflowError as exc:
            raise _out_of_range() from exc

    return _UTC_UNTIL.sub(local, rule)


def _shift(value: datetime, years: int) -> datetime:
    """The same wall time `years` (a multiple of 400) later: the same weekday and calendar."""
    return value.replace(year=value.year + years)


def occurrences(rule: str, first: datetime, tz: ZoneInfo) -> list[datetime]:
    """The instants of a bounded rule (COUNT or UNTIL) starting at `first`."""
    invalid = DomainError(
        SchedulingErrorCode.INVALID_RRULE,
        "Give an RRULE with FREQ=DAILY/WEEKLY/MONTHLY/YEARLY and COUNT or UNTIL.",
        ["rrule"],
    )
    text = rule.strip().removeprefix("RRULE:")
    if "COUNT=" not in text.upper() and "UNTIL=" not in text.upper():
        raise invalid
    for interval in _INTERVAL.findall(text):
        if not interval.strip().isdigit() or int(interval) < 1:
            raise invalid
    try:
        local_first = first.astimezone(tz).replace(tzinfo=None)
    except OverflowError as exc:
        raise _out_of_range() from exc
    try:
        parsed = rrulestr(_local_until(text, tz), dtstart=local_first)
    except (ValueError, TypeError) as exc:
        raise invalid from exc
    if not isinstance(parsed, rrule) or parsed._freq in (HOURLY, MINUTELY, SECONDLY):
        raise invalid
    years = _CYCLE_YEARS * ((MAXYEAR - 6 - local_first.year) // _CYCLE_YEARS)
    start = _shift(local_first, years)
    horizon = start + HORIZON
    until: datetime | None = None
    if parsed._until is not None:
        if parsed._until < local_first:
            until = start - timedelta(days=1)
        elif parsed._until.year + years > MAXYEAR:
            until = horizon + timedelta(days=1)
        else:
            until = min(_shift(parsed._until, years), horizon + timedelta(days=1))
    try:
        shifted_times = list(_bounded(parsed.replace(dtstart=start, until=until), horizon))
    except (ValueError, TypeError) as exc:
        raise invalid from exc
    if not shifted_times:
        raise DomainError(
            SchedulingErrorCode.INVALID_RRULE, "The rule has no occurrences.", ["rrule"]
        )
    try:
        return [instant(t.date(), t.time(), tz) for t in (_shift(s, -years) for s in shifted_times)]
    except (ValueError, OverflowError) as exc:  # past year 9999
        raise _out_of_range() from exc


def _bounded(parsed: rrule, horizon: datetime) -> list[datetime]:
    found: list[datetime] = []
    for when in parsed:
        if when > horizon:
            raise DomainError(
                SchedulingErrorCode.INVALID_RRULE,
                "Every occurrence must fall within five years of the first.",
                ["rrule"],
            )
        found.append(when)
        if len(found) > MAX_OCCURRENCES:
            raise DomainError(
                SchedulingErrorCode.INVALID_RRULE,
                f"At most {MAX_OCCURRENCES} occurrences per series.",
                ["rrule"],
            )
    return found
