"""The one time rule of the API: every DateTime it returns is an instant in UTC (ISO 8601,
offset +00:00), whatever zone the value was computed in; wall-clock display uses the location's
`timezone`. Inputs may carry any offset (a time without one names no instant and is refused)."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition


def serialize_utc(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a naive datetime names no instant")  # a bug: never guess a zone
    return value.astimezone(UTC).isoformat()


UTC_DATETIME: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="An instant, ISO 8601 with its UTC offset. Returned in UTC (+00:00); accepted "
    "with any offset. Show it in the relevant location's timezone.",
    serialize=serialize_utc,
    parse_value=DateTimeDefinition.parse_value,
)
