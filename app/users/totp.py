"""TOTP second factor (RFC 6238, via pyotp) for staff: enrolment, and the check at sign-in.

Secrets are encrypted at rest with the field cipher, bound to their user. A code is accepted
for its 30-second step or one step either side (clock drift), and never twice: the step of the
last accepted code is kept and only later steps pass.

A user holding a role of `Settings.totp_required_roles` who has not enrolled cannot sign in
without enrolling: login, given the right password, answers TOTP_ENROLMENT_REQUIRED with a
fresh secret, and the next login with a code of that secret confirms it and signs in.
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.config import Settings
from app.crypto import FieldCipher, context_for
from app.errors import DomainError
from app.users.models import TotpCredential, User


class TotpErrorCode(enum.StrEnum):
    """Why a second factor held a sign-in back, or an enrolment was refused."""

    TOTP_REQUIRED = "TOTP_REQUIRED"
    INVALID_TOTP_CODE = "INVALID_TOTP_CODE"
    TOTP_ENROLMENT_REQUIRED = "TOTP_ENROLMENT_REQUIRED"
    NO_TOTP_ENROLMENT = "NO_TOTP_ENROLMENT"
    WRONG_PASSWORD = "WRONG_PASSWORD"


@dataclass(frozen=True)
class Enrolment:
    """A secret awaiting its first code: for the user's authenticator app."""

    secret: str
    uri: str


@dataclass(frozen=True)
class Confirmation:
    """What confirming an enrolment takes: a code of the new secret, the account's password,
    and a code of the factor in force, if one is."""

    code: str
    password: str
    current_code: str | None = None


@dataclass(frozen=True)
class Challenge:
    """What the second factor asks before a sign-in, and the enrolment to finish, if any."""

    code: TotpErrorCode
    enrolment: Enrolment | None = None


def _cipher(settings: Settings) -> FieldCipher:
    return FieldCipher(settings.field_keys)


def _context(user_id: int) -> str:
    """Binds a ciphertext to its user: copied to another user's row it does not decrypt."""
    return context_for(TotpCredential.secret_encrypted, user_id=user_id)


def _matching_step(secret: str, code: str | None, now: datetime, after: int) -> int | None:
    """The time step `code` belongs to (now, or one step either side), if later than `after`."""
    code = (code or "").replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def _credential(session: AsyncSession, user_id: int) -> TotpCredential | None:
    return await session.scalar(
        select(TotpCredential).where(TotpCredential.user_id == user_id).with_for_update()
    )


async def start(session: AsyncSession, settings: Settings, user: User) -> Enrolment:
    """A new secret awaiting confirmation; an enrolled secret stays in force until then."""
    secret = pyotp.random_base32()
    credential = await _credential(session, user.id)
    if credential is None:
        credential = TotpCredential(user_id=user.id, last_step=0)
        session.add(credential)
    credential.pending_encrypted = _cipher(settings).encrypt(secret, _context(user.id))
    uri = pyotp.TOTP(secret).provisioning_uri(
        name=user.username, issuer_name=settings.practice_name
    )
    return Enrolment(secret=secret, uri=uri)


def _confirm(
    settings: Settings, credential: TotpCredential, code: str | None, now: datetime
) -> bool:
    if credential.pending_encrypted is None:
        return False
    cipher = _cipher(settings)
    secret = cipher.decrypt(credential.pending_encrypted, _context(credential.user_id))
    step = _matching_step(secret, code, now, after=0)
    if step is None:
        return False
    credential.secret_encrypted = cipher.encrypt(secret, _context(credential.user_id))
    credential.pending_encrypted = None
    credential.last_step = step  # the confirming code does not sign in again
    return True


async def second_factor(
    session: AsyncSession, settings: Settings, user: User, code: str | None, now: datetime
) -> Challenge | None:
    """None when the sign-in may go on (the user's row is locked by the caller)."""
    credential = await _credential(session, user.id)
    if credential is not None and credential.secret_encrypted is not None:
        if not code:
            return Challenge(TotpErrorCode.TOTP_REQUIRED)
        secret = _cipher(settings).decrypt(credential.secret_encrypted, _context(user.id))
        step = _matching_step(secret, code, now, after=credential.last_step)
        if step is None:
            return Challenge(TotpErrorCode.INVALID_TOTP_CODE)
        credential.last_step = step
        return None
    if not set(user.role_names) & set(settings.totp_required_roles):
        return None
    if code and credential is not None and credential.pending_encrypted is not None:
        if _confirm(settings, credential, code, now):
            return None
        return Challenge(TotpErrorCode.INVALID_TOTP_CODE)
    return Challenge(TotpErrorCode.TOTP_ENROLMENT_REQUIRED, await start(session, settings, user))


# enrolment by a signed-in user ---------------------------------------------------------------


async def _signed_in_user(session: AsyncSession, actor: Actor) -> User:
    user = await session.get(User, actor.user_id or 0)
    if user is None:
        raise DomainError(TotpErrorCode.NO_TOTP_ENROLMENT, "No user is signed in.")
    return user


async def start_enrolment(session: AsyncSession, actor: Actor, settings: Settings) -> Enrolment:
    user = await _signed_in_user(session, actor)
    enrolment = await start(session, settings, user)
    trail.record(session, actor, "start_totp_enrolment", "User", user.id)
    return enrolment


async def confirm_enrolment(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    confirmation: Confirmation,
    password_matches: Callable[[User, str], Awaitable[bool]],
    now: datetime,
) -> None:
    """Put the pending secret in force, given a current code of it.

    A stolen access token must not be enough to put an attacker's device in place of the
    user's: the password is asked too, and a code of the factor in force when one is.
    """
    user = await _signed_in_user(session, actor)
    credential = await _credential(session, user.id)
    if credential is None or credential.pending_encrypted is None:
        raise DomainError(TotpErrorCode.NO_TOTP_ENROLMENT, "Start an enrolment first.", ["code"])
    if not await password_matches(user, confirmation.password):
        raise DomainError(TotpErrorCode.WRONG_PASSWORD, "That is not the password.", ["password"])
    if credential.secret_encrypted is not None:
        secret = _cipher(settings).decrypt(credential.secret_encrypted, _context(user.id))
        step = _matching_step(secret, confirmation.current_code, now, credential.last_step)
        if step is None:
            raise DomainError(
                TotpErrorCode.INVALID_TOTP_CODE,
                "Give a current code of the second factor in force to replace it.",
                ["current_code"],
            )
    if not _confirm(settings, credential, confirmation.code, now):
        raise DomainError(
            TotpErrorCode.INVALID_TOTP_CODE, "That code is not a current one.", ["code"]
        )
    trail.record(session, actor, "confirm_totp_enrolment", "User", user.id)


async def reset(session: AsyncSession, actor: Actor, username: str) -> bool:
    """Remove a user's second factor (a lost device): the next login needs the password only,
    or hands out a new enrolment where the role requires one. False if there was none."""
    user_id = await session.scalar(select(User.id).where(User.username == username))
    credential = await _credential(session, user_id) if user_id is not None else None
    if credential is None:
        return False
    await session.delete(credential)
    trail.record(session, actor, "reset_totp", "User", user_id)
    return True
