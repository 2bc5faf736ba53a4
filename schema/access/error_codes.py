"""What each of this domain's error codes tells a caller: its part of the ErrorCode enum's
descriptions (assembled in schema/error_codes.py), keyed by the domain's own members so that
app/ stays free of GraphQL."""

from __future__ import annotations

import enum

from app.access.errors import AccessErrorCode

DESCRIPTIONS: dict[enum.StrEnum, str] = {
    # roles and their permissions
    AccessErrorCode.INVALID_ROLE_NAME: (
        "A role name is lowercase letters, digits and underscores, starting with a letter, at "
        "most 32 characters, and not `system`."
    ),
    AccessErrorCode.ROLE_EXISTS: "createRole: a role with this name exists.",
    AccessErrorCode.UNKNOWN_ROLE: "No role has this name (or no role was given).",
    AccessErrorCode.UNKNOWN_PERMISSION: (
        "Not a (resource, action) pair of the permission catalog (see permissionCatalog)."
    ),
    AccessErrorCode.NOT_GRANTED: (
        "revokePermission: the role does not hold this permission itself (it may inherit it)."
    ),
    AccessErrorCode.BUILTIN_ROLE: "deleteRole: a builtin role cannot be deleted.",
    AccessErrorCode.ROLE_IN_USE: "deleteRole: users still hold the role; take it from them first.",
    AccessErrorCode.LOCKOUT: (
        "revokePermission: taking access_policy write from admin would leave nobody able to "
        "change roles."
    ),
}
