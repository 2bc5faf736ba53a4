"""Scheduling arguments: a query's broken rule is a protocol error (BAD_USER_INPUT) carrying
the domain code, since queries have no payload to put a userError in; a mutation's input ids
are decoded inside its transaction, so a wrong one is a userError."""

from __future__ import annotations

from datetime import datetime

from graphql import GraphQLError
from strawberry import relay

from app.errors import DomainError
from app.scheduling.availability import aware
from schema.errors import query_error
from schema.ids import pk

USER_ERRORS = "Why the input was refused (empty on success; then nothing was written)."


def window(starts: datetime, ends: datetime, max_days: int) -> tuple[datetime, datetime]:
    """[from, to) as UTC instants: both with their offset, in order, at most `max_days` whole
    days apart."""
    try:
        starts, ends = aware(starts, "from"), aware(ends, "to")
    except DomainError as error:
        raise query_error(error) from error
    if ends <= starts or (ends - starts).days > max_days:
        raise GraphQLError(
            f"Ask for at most {max_days} days.", extensions={"code": "BAD_USER_INPUT"}
        )
    return starts, ends


def key_of(global_id: relay.GlobalID, type_name: str, field: str) -> int:
    """The primary key an id argument names; an id of another type is BAD_USER_INPUT."""
    try:
        return pk(global_id, type_name, field)
    except DomainError as error:
        raise query_error(error) from error
