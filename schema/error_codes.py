"""The ErrorCode enum of userErrors: every domain's codes in one schema enum, each described.

Each domain's descriptions live beside its schema (schema/<domain>/error_codes.py); a code added
to a domain without a description shows up in tests/core/test_schema_descriptions.py.
"""

from __future__ import annotations

import enum

from app.access.errors import AccessErrorCode
from app.auth import AuthErrorCode
from app.billing.errors import BillingErrorCode
from app.errors import CommonErrorCode
from app.inventory.errors import InventoryErrorCode
from app.patients.errors import PatientErrorCode
from app.portal.errors import PortalErrorCode
from app.scheduling.errors import SchedulingErrorCode
from app.users.errors import UserErrorCode
from app.users.totp import TotpErrorCode
from schema.access import error_codes as access
from schema.billing import error_codes as billing
from schema.enums import described_enum
from schema.inventory import error_codes as inventory
from schema.patients import error_codes as patients
from schema.portal import error_codes as portal
from schema.scheduling import error_codes as scheduling
from schema.users import error_codes as users

_DOMAIN_CODES: tuple[type[enum.StrEnum], ...] = (
    CommonErrorCode,
    AuthErrorCode,
    TotpErrorCode,
    UserErrorCode,
    PatientErrorCode,
    SchedulingErrorCode,
    AccessErrorCode,
    PortalErrorCode,
    InventoryErrorCode,
    BillingErrorCode,
)

_ErrorCode = enum.Enum(  # type: ignore[misc]
    "ErrorCode",
    {member.value: member.value for codes in _DOMAIN_CODES for member in codes},
)

COMMON_DESCRIPTIONS: dict[enum.StrEnum, str] = {
    # any domain
    CommonErrorCode.NOT_FOUND: (
        "Something the input names does not exist: no object has this id (or it is an id of "
        "another type), or no user has this username. `field` names the input that held it."
    ),
    CommonErrorCode.INVALID_INPUT: (
        "A value refused for a reason without a code of its own: text longer than its field "
        "allows, or a combination the operation does not support. The message says which."
    ),
    CommonErrorCode.INVALID_TEXT: (
        "Text holding a character no typed text may hold: a control character (line feeds and "
        "tabs are allowed in notes only), a bidirectional override or isolate (U+202A-U+202E, "
        "U+2066-U+2069), a line or paragraph separator, a lone surrogate, or, in a name, an "
        "invisible formatting character such as a zero-width space or joiner. The message "
        "names the character (U+XXXX) and where it is; nothing is removed silently."
    ),
    CommonErrorCode.REQUIRED: "A required value is missing, or blank once trimmed.",
}

# What each code tells a caller, keyed by the domain's members.
CODE_DESCRIPTIONS: dict[enum.StrEnum, str] = {
    **COMMON_DESCRIPTIONS,
    **access.DESCRIPTIONS,
    **billing.DESCRIPTIONS,
    **inventory.DESCRIPTIONS,
    **patients.DESCRIPTIONS,
    **portal.DESCRIPTIONS,
    **scheduling.DESCRIPTIONS,
    **users.DESCRIPTIONS,
}

ErrorCode = described_enum(
    _ErrorCode,
    "Why a mutation refused its input: stable codes for programs (the message is for people). "
    "Errors in the response's top-level `errors` list carry other codes in "
    "`extensions.code`: UNAUTHENTICATED (no valid access token), FORBIDDEN (your roles may not "
    "do this), BAD_USER_INPUT (an argument out of bounds, e.g. `first` or a cursor), "
    "GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED (also for a document too deep, with too "
    "many aliases or repeated fields), QUERY_TOO_COSTLY (the response could hold too many "
    "fields: `extensions.cost` and `maxCost` say how many; nothing ran), OPERATION_TIMED_OUT "
    "(stopped at the server's time limit), the persisted-query codes PERSISTED_QUERY_NOT_FOUND "
    "(send the document with its hash), PROVIDED_SHA_DOES_NOT_MATCH, PERSISTED_QUERY_INVALID "
    "and PERSISTED_QUERY_REQUIRED (this server runs registered documents only; see "
    "docs/API.md), and INTERNAL_SERVER_ERROR (with a requestId to quote).",
    CODE_DESCRIPTIONS,
)
