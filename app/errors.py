"""Domain errors: a rule violation with a code the client can act on (becomes a userError).

`field` names the fault in the domain's own words: a path of snake_case names (e.g.
["occurrences", "0", "starts_at"]). Only the GraphQL layer knows where that sits in its inputs.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence


class CommonErrorCode(enum.StrEnum):
    """Codes every domain may raise; a code two domains need with one meaning belongs here."""

    NOT_FOUND = "NOT_FOUND"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_TEXT = "INVALID_TEXT"  # app/text.py: characters no typed text may hold
    REQUIRED = "REQUIRED"


class DomainError(Exception):
    """Raised by services; the transaction rolls back and the caller gets `code` and `message`."""

    def __init__(self, code: enum.StrEnum, message: str, field: Sequence[str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = list(field) if field else None


class DomainErrors(DomainError):
    """Several rule violations at once (e.g. each conflicting occurrence of a series)."""

    def __init__(self, errors: Sequence[DomainError]):
        super().__init__(errors[0].code, errors[0].message, errors[0].field)
        self.errors = list(errors)


class NotFound(DomainError):
    def __init__(self, what: str, field: Sequence[str] | None = None):
        super().__init__(CommonErrorCode.NOT_FOUND, f"{what} not found", field)
