"""What each of this domain's error codes tells a caller: its part of the ErrorCode enum's
descriptions (assembled in schema/error_codes.py), keyed by the domain's own members so that
app/ stays free of GraphQL."""

from __future__ import annotations

import enum

from app.portal.errors import PortalErrorCode

DESCRIPTIONS: dict[enum.StrEnum, str] = {
    # the portal's accounts
    PortalErrorCode.INVALID_INVITATION: (
        "activatePatientAccount: no invitation has this token (mistyped or cut short): check "
        "the link."
    ),
    PortalErrorCode.INVITATION_EXPIRED: (
        "activatePatientAccount: the invitation's link has expired; ask the practice for a new one."
    ),
    PortalErrorCode.INVITATION_USED: (
        "activatePatientAccount: the invitation was used already (or replaced by a newer "
        "one): sign in, or ask the practice for a new one."
    ),
    PortalErrorCode.PATIENT_HAS_LOGIN: (
        "The patient has a portal login of their own already (re-enable it if disabled)."
    ),
    PortalErrorCode.NO_EMAIL: "invitePatientUser: no address given and none on file.",
    PortalErrorCode.INVALID_RESET_TOKEN: (
        "resetPassword: the link is unknown, used or expired (which is not said): request a "
        "new one."
    ),
    PortalErrorCode.NOT_A_PATIENT_LOGIN: (
        "The username names a staff account, not a portal login: staff accounts are "
        "administered with setUserRoles."
    ),
    PortalErrorCode.NOT_A_PROXY_LINK: (
        "A patient's own (SELF) link is opened by invitation and ended by disabling the "
        "login, not granted or revoked as a proxy link."
    ),
    PortalErrorCode.END_DATE_PAST: "grantProxyAccess: endsOn is today or past.",
    PortalErrorCode.PROXY_AGE_LIMIT: (
        "grantProxyAccess: a PARENT link would end at the practice's age limit "
        "(PRACTICE_PROXY_PARENT_ACCESS_UNTIL_AGE), which the patient has reached."
    ),
}
