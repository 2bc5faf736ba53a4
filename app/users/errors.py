"""Error codes of staff user administration."""

import enum


class UserErrorCode(enum.StrEnum):
    """Why a staff user could not be created (not to be confused with the GraphQL UserError)."""

    USERNAME_TAKEN = "USERNAME_TAKEN"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    LAST_ADMIN = "LAST_ADMIN"
