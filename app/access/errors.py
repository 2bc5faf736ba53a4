"""Error codes of changes to roles and their permissions."""

import enum


class AccessErrorCode(enum.StrEnum):
    INVALID_ROLE_NAME = "INVALID_ROLE_NAME"
    ROLE_EXISTS = "ROLE_EXISTS"
    UNKNOWN_ROLE = "UNKNOWN_ROLE"
    UNKNOWN_PERMISSION = "UNKNOWN_PERMISSION"
    NOT_GRANTED = "NOT_GRANTED"
    BUILTIN_ROLE = "BUILTIN_ROLE"
    ROLE_IN_USE = "ROLE_IN_USE"
    LOCKOUT = "LOCKOUT"
