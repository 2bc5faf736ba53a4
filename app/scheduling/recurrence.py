"""Recurring visits from an RFC 5545 RRULE, expanded in the location's wall time.

A weekly 10:00 visit stays at 10:00 local across a DST change, so occurrences are generated in
local time and only then turned into instants.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import HOURLY, MINUTELY, SECONDLY, rrulestr

from app.errors import DomainError
from app.scheduling.availability import instant
from app.scheduling.errors import SchedulingError

MAX_OCCURRENCES = 104  # two years of weekly visits
_UTC_UNTIL = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)


def _local_until(rule: str, tz: ZoneInfo) -> str:
    """RFC 5545 gives UNTIL in UTC (a trailing Z) when the start has a time zone; the rule is
    expanded in local wall time, so UNTIL becomes the same instant as a local wall time."""

    def local(match: re.Match[str]) -> str:
        until = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return f"UNTIL={until.astimezone(tz):%Y%m%dT%H%M%S}"

    return _UTC_UNTIL.sub(local, rule)


def occurrences(rule: str, first: datetime, tz: ZoneInfo) -> list[datetime]:
    """The instants of a bounded rule (COUNT or UNTIL) starting at `first`."""
    invalid = DomainError(
        SchedulingError.INVALID_RRULE,
        "Give an RRULE with FREQ=DAILY/WEEKLY/MONTHLY/YEARLY and COUNT or UNTIL.",
        ["rrule"],
    )
    text = rule.strip().removeprefix("RRULE:")
    if "COUNT=" not in text.upper() and "UNTIL=" not in text.upper():
        raise invalid
    local_first = first.astimezone(tz).replace(tzinfo=None)
    try:
        parsed = rrulestr(_local_until(text, tz), dtstart=local_first)
    except (ValueError, TypeError) as exc:
        raise invalid from exc
    if getattr(parsed, "_freq", None) in (HOURLY, MINUTELY, SECONDLY):
        raise invalid
    local_times = list(islice(iter(parsed), MAX_OCCURRENCES + 1))  # type: ignore[call-overload]
    if len(local_times) > MAX_OCCURRENCES:
        raise DomainError(
            SchedulingError.INVALID_RRULE,
            f"At most {MAX_OCCURRENCES} occurrences per series.",
            ["rrule"],
        )
    return [instant(t.date(), t.time(), tz) for t in local_times]
