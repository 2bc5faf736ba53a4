"""What each of this domain's error codes tells a caller: its part of the ErrorCode enum's
descriptions (assembled in schema/error_codes.py), keyed by the domain's own members so that
app/ stays free of GraphQL."""

from __future__ import annotations

import enum

from app.auth import AuthErrorCode
from app.users.errors import UserErrorCode
from app.users.totp import TotpErrorCode

DESCRIPTIONS: dict[enum.StrEnum, str] = {
    # sign-in
    AuthErrorCode.INVALID_CREDENTIALS: (
        "login: wrong username or password, or a disabled account (which of these is not said). "
        "Each failure slows further attempts down (see TOO_MANY_ATTEMPTS)."
    ),
    AuthErrorCode.TOO_MANY_ATTEMPTS: (
        "login: too many failed attempts from this address, at this username, or at this "
        "username from anywhere; retryAfterSeconds says when to try again (the wait doubles "
        "with each further failure, up to 15 minutes by default, and 30 seconds at most for "
        "a username tried from elsewhere). No password was checked. Said alike whether the "
        "username exists or not; an account is never locked by failures."
    ),
    AuthErrorCode.ACCOUNT_LOCKED: (
        "login: the password is right but an administrator has locked the account."
    ),
    AuthErrorCode.INVALID_REFRESH_TOKEN: (
        "refreshToken or logout: the token is unknown, already used, expired, or its session has "
        "ended; log in again. Presenting a used refresh token ends its whole session."
    ),
    TotpErrorCode.TOTP_REQUIRED: (
        "login: the password is right and the account has a TOTP second factor: send totpCode, "
        "the 6-digit code of the authenticator app. Counts as a failed attempt."
    ),
    TotpErrorCode.INVALID_TOTP_CODE: (
        "login or confirmTotpEnrolment: the TOTP code is not the current one (30 s either side "
        "is allowed) or was used already. Counts as a failed attempt at login."
    ),
    TotpErrorCode.TOTP_ENROLMENT_REQUIRED: (
        "login: the password is right, but the user's role requires a TOTP second factor and "
        "none is enrolled. totpEnrolment holds a new secret: add it to an authenticator app, "
        "then log in again with its code as totpCode, which enrols it and signs in."
    ),
    TotpErrorCode.NO_TOTP_ENROLMENT: (
        "confirmTotpEnrolment: no enrolment was started (startTotpEnrolment first)."
    ),
    TotpErrorCode.WRONG_PASSWORD: (
        "confirmTotpEnrolment: the password given is not the signed-in user's; nothing changed."
    ),
    # user administration (the `practice create-user` command; no mutation returns these yet)
    UserErrorCode.USERNAME_TAKEN: "Creating a user: another user has this username.",
    UserErrorCode.WEAK_PASSWORD: "Creating a user: the password has fewer than 12 characters.",
    UserErrorCode.LAST_ADMIN: (
        "setUserRoles: it would leave no active user holding admin, and so nobody able to change "
        "roles or the policy again; grant admin to someone else first."
    ),
}
