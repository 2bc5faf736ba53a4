"""Error codes of the portal's accounts and proxy links."""

import enum


class PortalErrorCode(enum.StrEnum):
    """Why an invitation, activation, reset or proxy change was refused.

    An invitation says why it no longer works (expired: ask the practice for another; used:
    sign in), because the remedies differ and only the holder of a 256-bit token hears it. A
    reset link does not: whatever is wrong with it, the remedy is to ask for another.
    """

    INVALID_INVITATION = "INVALID_INVITATION"
    INVITATION_EXPIRED = "INVITATION_EXPIRED"
    INVITATION_USED = "INVITATION_USED"
    PATIENT_HAS_LOGIN = "PATIENT_HAS_LOGIN"
    NO_EMAIL = "NO_EMAIL"
    INVALID_RESET_TOKEN = "INVALID_RESET_TOKEN"
    NOT_A_PATIENT_LOGIN = "NOT_A_PATIENT_LOGIN"
    NOT_A_PROXY_LINK = "NOT_A_PROXY_LINK"
    END_DATE_PAST = "END_DATE_PAST"
    PROXY_AGE_LIMIT = "PROXY_AGE_LIMIT"
