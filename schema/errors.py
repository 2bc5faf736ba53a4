"""Domain errors as clients see them: userErrors in mutation payloads, GraphQL errors from queries.

Services name the field at fault in their own words (snake_case paths); `input_path` is the one
place that turns such a path into the path of the input the client sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from app.authz import Actor, unscoped
from app.errors import DomainError, DomainErrors
from schema.context import Context
from schema.error_codes import ErrorCode
from schema.ids import UnknownId

T = TypeVar("T")

# A domain field -> its exact input path, for inputs that name or nest it differently from the
# service (e.g. {"city": ["address", "city"]}); the rest of the domain path is camel-cased.
FieldOverrides = Mapping[str, Sequence[str]]


def input_path(error: DomainError, overrides: FieldOverrides | None = None) -> list[str] | None:
    """The input path of the field at fault: the domain path's first name through `overrides`
    when given there, every other name camel-cased as the schema names input fields.

    An UnknownId comes from this layer and names its input path already: it passes as it is.
    """
    if error.field is None or isinstance(error, UnknownId):
        return error.field
    head, *rest = error.field
    start = list((overrides or {}).get(head, [to_camel_case(head)]))
    return start + [to_camel_case(name) for name in rest]


@strawberry.type(
    description="A rule the input broke. In a mutation payload's userErrors (never in the "
    "top-level `errors` list) it means the mutation changed nothing (a refused login still "
    "counts toward the lockout) and the payload's other fields are null, empty or false."
)
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path to the input field at fault, in the API's spelling and relative to "
        'the mutation\'s `input`, e.g. ["address", "postalCode"], or ["occurrences", "3", '
        '"startsAt"] for one occurrence of a series. null when no one field is at fault.'
    )
    code: ErrorCode = strawberry.field(  # type: ignore[valid-type]
        description="What went wrong, for a program to act on; see ErrorCode."
    )
    message: str = strawberry.field(
        description="What went wrong, in English, for a person; may be reworded at any time."
    )

    @classmethod
    def from_domain(cls, error: DomainError, overrides: FieldOverrides | None = None) -> UserError:
        return cls(
            field=input_path(error, overrides),
            code=ErrorCode[error.code.value],
            message=error.message,
        )


def to_user_errors(error: DomainError, overrides: FieldOverrides | None = None) -> list[UserError]:
    """One userError per rule violation (a DomainErrors holds several)."""
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return [UserError.from_domain(one, overrides) for one in errors]


async def run_mutation(
    info: Info[Context, Any],
    work: Callable[[AsyncSession, Actor], Awaitable[T]],
    overrides: FieldOverrides | None = None,
) -> tuple[T | None, list[UserError]]:
    """Run one service call as one transaction; a domain error rolls it back to userErrors."""
    op = info.context.op
    return await run_public_mutation(info, lambda session: work(session, op.staff), overrides)


async def run_public_mutation(
    info: Info[Context, Any],
    work: Callable[[AsyncSession], Awaitable[T]],
    overrides: FieldOverrides | None = None,
) -> tuple[T | None, list[UserError]]:
    """`run_mutation` for a mutation anyone may call (logout): the work is given no actor."""
    try:
        async with info.context.op.transaction() as session:
            with unscoped(session):  # no caller yet: the work reads accounts, not their rows
                result = await work(session)
    except DomainError as error:
        return None, to_user_errors(error, overrides)
    return result, []


@contextmanager
def query_errors(overrides: FieldOverrides | None = None) -> Iterator[None]:
    """Around a query's (or subscription's) service calls: a query has no payload to carry
    userErrors, so a domain error leaves as a GraphQL error (see `query_error`)."""
    try:
        yield
    except DomainError as error:
        raise query_error(error, overrides) from error


def query_error(error: DomainError, overrides: FieldOverrides | None = None) -> GraphQLError:
    """A domain error as a query's GraphQL error: BAD_USER_INPUT, with the domain code as
    `reason` and the input path as `field` in its extensions."""
    extensions = {
        "code": "BAD_USER_INPUT",
        "reason": str(error.code),
        "field": input_path(error, overrides),
    }
    return GraphQLError(error.message, extensions=extensions)
