"""userErrors: domain rule violations returned in payloads (never in the `errors` list)."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from app.auth import AuthError
from app.authz import Actor
from app.errors import CommonError, DomainError, DomainErrors
from app.patients.errors import PatientError
from app.scheduling.errors import SchedulingError
from app.users.service import UserError as UserServiceError
from schema.context import Context
from schema.enums import described_enum

T = TypeVar("T")

_DOMAIN_CODES: tuple[type[enum.StrEnum], ...] = (
    CommonError,
    AuthError,
    UserServiceError,
    PatientError,
    SchedulingError,
)

_ErrorCode = enum.Enum(  # type: ignore[misc]
    "ErrorCode",
    {member.value: member.value for codes in _DOMAIN_CODES for member in codes},
)

# What each code tells a caller. Keyed by the domain's members (app/ stays free of GraphQL); a
# code added to a domain without a line here shows up in tests/core/test_schema_descriptions.py.
CODE_DESCRIPTIONS: dict[enum.StrEnum, str] = {
    # any domain
    CommonError.NOT_FOUND: (
        "Something the input names does not exist: no object has this id (or it is an id of "
        "another type), or no user has this username. `field` names the input that held it."
    ),
    CommonError.INVALID_INPUT: (
        "A value refused for a reason without a code of its own: text longer than its field "
        "allows or holding a NUL character, or a combination the operation does not support. "
        "The message says which."
    ),
    # sign-in
    AuthError.INVALID_CREDENTIALS: (
        "login: wrong username or password, or a disabled account (which of these is not said). "
        "Each wrong password counts toward locking the account."
    ),
    AuthError.ACCOUNT_LOCKED: (
        "login: too many wrong passwords in a row (5 by default) locked the account for a while "
        "(15 minutes by default); the right password does not help until then."
    ),
    AuthError.INVALID_REFRESH_TOKEN: (
        "refreshToken or logout: the token is unknown, already used, expired, or its session has "
        "ended; log in again. Presenting a used refresh token ends its whole session."
    ),
    # user administration (the `practice create-user` command; no mutation returns these yet)
    UserServiceError.USERNAME_TAKEN: "Creating a user: another user has this username.",
    UserServiceError.UNKNOWN_ROLE: "Creating a user: no role, or a role that does not exist.",
    UserServiceError.WEAK_PASSWORD: "Creating a user: the password has fewer than 12 characters.",
    # patient records
    PatientError.REQUIRED: "A required value is missing, or blank once trimmed.",
    PatientError.POSSIBLE_DUPLICATE: (
        "createPatient: a patient with the same family name, given name (ignoring case) and "
        "birth date exists; the message gives that patient's MRN. If this is another person, "
        "send the input again with confirmDuplicate: true."
    ),
    PatientError.BIRTH_DATE_IN_FUTURE: (
        "The birth date is after today (in the practice's time zone)."
    ),
    PatientError.BIRTH_DATE_TOO_OLD: "The birth date is before 1900-01-01.",
    PatientError.INVALID_SSN: (
        "Not a social security number the SSA could issue: 9 digits (dashes and spaces allowed), "
        "with no 000, 666 or 9xx area, no 00 group and no 0000 serial."
    ),
    PatientError.INVALID_EMAIL: "Not an email address of the form name@domain.tld.",
    PatientError.INVALID_PHONE: (
        "The phone number has fewer than 10 or more than 15 digits (other characters are not "
        "counted)."
    ),
    PatientError.INVALID_STATE: "The state is not a two-letter code (e.g. NY).",
    PatientError.INVALID_POSTAL_CODE: "Not a US ZIP code: 12345 or 12345-6789.",
    PatientError.INVALID_ICD10_CODE: (
        "addProblem: not an ICD-10-CM diagnosis code (chapters and blocks such as E08-E13 are "
        "groupings, not codes)."
    ),
    PatientError.PROBLEM_ALREADY_RESOLVED: "resolveProblem: the problem is resolved already.",
    PatientError.INVALID_PERIOD: (
        "Dates out of order: a coverage that ends before it starts, or a problem resolved "
        "before its onset or after today."
    ),
    PatientError.INVALID_PRIORITY: (
        "addCoverage: priority is not 1 (primary), 2 (secondary) or 3 (tertiary)."
    ),
    PatientError.SUBSCRIBER_REQUIRED: (
        "addCoverage: subscriberName is needed when the patient is not the subscriber "
        "(relationship other than SELF)."
    ),
    PatientError.NOTE_SIGNED: (
        "updateNote or signNote: the note is signed and never changes again; add an addendum."
    ),
    PatientError.NOTE_NOT_SIGNED: (
        "addNoteAddendum: the note is still a draft; change the draft itself instead."
    ),
    PatientError.NOT_NOTE_AUTHOR: (
        "updateNote or signNote: only the author of a draft may change or sign it."
    ),
    PatientError.BREAK_GLASS_REASON_REQUIRED: (
        "breakGlass: the reason has fewer than 10 characters once trimmed."
    ),
    # scheduling
    SchedulingError.SLOT_UNAVAILABLE: (
        "The provider is booked at that time, perhaps a moment ago by someone else: ask for "
        "free slots again and pick another."
    ),
    SchedulingError.OUTSIDE_AVAILABILITY: (
        "The provider has no working hours at that time, or none at that location."
    ),
    SchedulingError.ROOM_UNAVAILABLE: (
        "No suitable room is free at that time: the room asked for, or any room of the type the "
        "appointment type needs."
    ),
    SchedulingError.INVALID_TRANSITION: (
        "The appointment's status does not allow this step, e.g. checking in a cancelled "
        "appointment or moving a fulfilled one."
    ),
    SchedulingError.IN_THE_PAST: "The start time has passed (by more than 5 minutes).",
    SchedulingError.TOO_EARLY: "markNoShow: the appointment has not started yet.",
    SchedulingError.INVALID_NPI: (
        "Not a National Provider Identifier: 10 digits, the last being the Luhn check digit of "
        "80840 followed by the first nine."
    ),
    SchedulingError.INVALID_TIMEZONE: "Not an IANA time zone name such as America/New_York.",
    SchedulingError.INVALID_TIME_RANGE: (
        "A time or span the rules refuse: a DateTime without its UTC offset, a start not before "
        "its end, a window longer than allowed, a time outside the years 1 to 9999, a duration "
        "outside 5 to 480 minutes, a weekday outside 0 to 6, extra hours without a location, or "
        "a waitlist window that does not end in the future. `field` and the message say which."
    ),
    SchedulingError.INVALID_RRULE: (
        "A recurrence rule this API does not take: it needs FREQ=DAILY, WEEKLY, MONTHLY or "
        "YEARLY and COUNT or UNTIL (RFC 5545), at least one and at most 104 occurrences, all "
        "within five years of the first."
    ),
    SchedulingError.SERIES_CONFLICT: (
        "bookRecurringAppointments with skipConflicts: not one occurrence could be booked."
    ),
    SchedulingError.INACTIVE: "The provider or the appointment type is no longer in use.",
    SchedulingError.NAME_TAKEN: (
        "Something that must be unique is taken: a location's or appointment type's name, or "
        "a provider's user or NPI."
    ),
    SchedulingError.REASON_REQUIRED: "cancelAppointment: the reason is missing or blank.",
}

ErrorCode = described_enum(
    _ErrorCode,
    "Why a mutation refused its input: stable codes for programs (the message is for people). "
    "Errors in the response's top-level `errors` list carry other codes in "
    "`extensions.code`: UNAUTHENTICATED (no valid access token), FORBIDDEN (your roles may not "
    "do this), BAD_USER_INPUT (an argument out of bounds, e.g. `first` or a cursor), "
    "GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED and INTERNAL_SERVER_ERROR (with a "
    "requestId to quote).",
    CODE_DESCRIPTIONS,
)


def camel(name: str) -> str:
    """A domain (snake_case) name as the API spells it."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


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
