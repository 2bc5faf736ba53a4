"""userErrors: domain rule violations returned in payloads (never in the `errors` list)."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from app.access.errors import AccessErrorCode
from app.auth import AuthError
from app.authz import Actor
from app.errors import CommonError, DomainError, DomainErrors
from app.patients.errors import PatientError
from app.scheduling.errors import SchedulingError
from app.users.service import UserError as UserServiceError
from schema.context import Context

T = TypeVar("T")

_DOMAIN_CODES: tuple[type[enum.StrEnum], ...] = (
    CommonError,
    AuthError,
    UserServiceError,
    PatientError,
    SchedulingError,
    AccessErrorCode,
)

_ErrorCode = enum.Enum(  # type: ignore[misc]
    "ErrorCode",
    {member.value: member.value for codes in _DOMAIN_CODES for member in codes},
)
ErrorCode = strawberry.enum(
    _ErrorCode,
    description="Why a mutation refused its input. Each domain adds its codes here.",
)


@strawberry.type
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path to the input field at fault, when one is."
    )
    code: ErrorCode  # type: ignore[valid-type]
    message: str

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        return cls(field=error.field, code=ErrorCode[error.code.value], message=error.message)


async def run_mutation(
    info: Info[Context, Any], work: Callable[[AsyncSession, Actor], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """Run one service call as one transaction; a domain error rolls it back to a userError."""
    op = info.context.op
    try:
        async with op.transaction() as session:
            result = await work(session, op.staff)
    except DomainErrors as errors:
        return None, [UserError.from_domain(error) for error in errors.errors]
    except DomainError as error:
        return None, [UserError.from_domain(error)]
    return result, []
