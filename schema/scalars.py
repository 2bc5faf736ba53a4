"""The API's scalars, described for callers: what each holds, its format, its specification.

They parse and serialize exactly as Strawberry's own (each is a copy of Strawberry's definition
with a new description); `create_schema` passes them as `scalar_overrides`, so every field of
every domain that uses `datetime`, `date`, `time` or `JSON` gets them. GraphQL's own `ID` cannot
be re-declared (graphql-core refuses to redefine a built-in type): what an id is, the `Node`
interface and each `id` field say (schema/nodes.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from strawberry.scalars import JSON
from strawberry.schema.types import base_scalars
from strawberry.schema.types.scalar import DEFAULT_SCALAR_REGISTRY
from strawberry.types.scalar import ScalarDefinition, ScalarWrapper

RFC_3339 = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6"


def serialize_utc(value: dt.datetime) -> str:
    """The API's one time rule: every DateTime it returns is an instant in UTC (+00:00),
    whatever zone it was computed in; display uses the location's `timezone`."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a naive datetime names no instant")  # a bug: never guess a zone
    return value.astimezone(dt.UTC).isoformat()


DATE_TIME = dataclasses.replace(
    base_scalars.DateTimeDefinition,
    description=(
        "An instant: an RFC 3339 date-time with its UTC offset, e.g. 2026-03-02T14:30:00+00:00. "
        "The server returns UTC (+00:00), sometimes with fractional seconds. An input needs an "
        "offset (any offset will do): a date-time without one names no instant and is refused. "
        "Wall-clock times (Time) and the days of a schedule are a location's, in its time "
        "zone (Location.timezone)."
    ),
    specified_by_url=RFC_3339,
    serialize=serialize_utc,
)

DATE = dataclasses.replace(
    base_scalars.DateDefinition,
    description=(
        "A calendar date with no time zone, YYYY-MM-DD (RFC 3339 full-date), e.g. a birth date. "
        "Where a rule speaks of today, it is today in the practice's time zone."
    ),
    specified_by_url=RFC_3339,
)

TIME = dataclasses.replace(
    base_scalars.TimeDefinition,
    description=(
        "A wall-clock time of day with no offset, HH:MM:SS (RFC 3339 partial-time; HH:MM will "
        "do in inputs), e.g. 09:00:00. It is read in the time zone of the location it belongs to."
    ),
    specified_by_url=RFC_3339,
)


def _definition(scalar: Any) -> ScalarDefinition:
    return scalar._scalar_definition if isinstance(scalar, ScalarWrapper) else scalar


JSON_VALUE = dataclasses.replace(
    _definition(DEFAULT_SCALAR_REGISTRY[JSON]),
    description=(
        "A JSON value (ECMA-404). In this API always an object, whose keys each field that "
        "returns one describes."
    ),
)

SCALARS: dict[object, ScalarDefinition] = {
    dt.datetime: DATE_TIME,
    dt.date: DATE,
    dt.time: TIME,
    JSON: JSON_VALUE,
}
