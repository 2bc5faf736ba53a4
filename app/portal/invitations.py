"""Inviting a patient to the portal, and opening their login from the invitation.

An invitation is single-use and expiring; only its token's hash is stored. A new invitation
for a patient supersedes the unused ones before it. Activation spends it with one conditional
UPDATE (`used_at IS NULL`): of two concurrent activations one changes the row, the other finds
it spent (SQLite's writers queue on BEGIN IMMEDIATE; PostgreSQL re-checks the row after the
winner's commit), so one invitation opens at most one login.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.auth import Authenticator
from app.authz import PATIENT_ROLE, Actor
from app.config import Settings
from app.db import get_or_not_found, utcnow
from app.errors import CommonErrorCode, DomainError
from app.outbox.models import MessageKind
from app.patients.models import Patient
from app.portal import emails
from app.portal.errors import PortalErrorCode
from app.portal.models import PatientInvitation
from app.users.models import PatientAccess, User
from app.users.service import create_user

SELF = "self"


def normalized_email(email: str, field: str = "email") -> str:
    """An address as mail servers take it: one @, no spaces; stored in lower case."""
    value = email.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or any(c.isspace() or c in "<>,;@" for c in domain + local):
        raise DomainError(CommonErrorCode.INVALID_INPUT, "Not an email address.", [field])
    if len(value) > 254:
        raise DomainError(CommonErrorCode.INVALID_INPUT, "At most 254 characters.", [field])
    return value


async def _has_login(session: AsyncSession, patient_id: int) -> bool:
    """Whether a login acts for this patient as themselves (disabled or not: re-enable it)."""
    found = await session.scalar(
        select(PatientAccess.id).where(
            PatientAccess.patient_id == patient_id, PatientAccess.relation == SELF
        )
    )
    return found is not None


async def invite(
    session: AsyncSession, actor: Actor, settings: Settings, patient_id: int, email: str | None
) -> PatientInvitation:
    """Queue an invitation email to `email` (else the patient's address on file)."""
    patient = await get_or_not_found(session, Patient, patient_id, "Patient", "patient_id")
    if email is None and not patient.email:
        raise DomainError(PortalErrorCode.NO_EMAIL, "The patient has no email address.", ["email"])
    address = normalized_email(email if email is not None else patient.email or "")
    if await _has_login(session, patient.id):
        raise DomainError(
            PortalErrorCode.PATIENT_HAS_LOGIN, "The patient has a portal login.", ["patient_id"]
        )
    now = utcnow()
    await session.execute(
        update(PatientInvitation)
        .where(PatientInvitation.patient_id == patient.id, PatientInvitation.used_at.is_(None))
        .values(used_at=now)
    )
    token, token_hash = emails.new_token()
    invitation = PatientInvitation(
        patient_id=patient.id,
        email=address,
        token_hash=token_hash,
        expires_at=now + timedelta(hours=settings.portal_invitation_hours),
        invited_by_id=actor.user_id,
    )
    session.add(invitation)
    await session.flush()
    emails.enqueue(
        session,
        MessageKind.PORTAL_INVITATION,
        address,
        emails.invitation(settings, token, invitation.expires_at),
        patient.id,
    )
    trail.record(
        session, actor, "invite", "PatientInvitation", invitation.id, patient_id=patient.id
    )
    return invitation


async def _spend(session: AsyncSession, token: str) -> PatientInvitation:
    invitation = await session.scalar(
        select(PatientInvitation).where(PatientInvitation.token_hash == emails.token_hash(token))
    )
    if invitation is None:
        raise DomainError(PortalErrorCode.INVALID_INVITATION, "No such invitation.", ["token"])
    if invitation.used_at is not None:
        raise DomainError(PortalErrorCode.INVITATION_USED, "Already used.", ["token"])
    now = utcnow()
    if invitation.expires_at <= now:
        raise DomainError(PortalErrorCode.INVITATION_EXPIRED, "Expired.", ["token"])
    spent = await session.execute(
        update(PatientInvitation)
        .where(PatientInvitation.id == invitation.id, PatientInvitation.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError(PortalErrorCode.INVITATION_USED, "Already used.", ["token"])
    return invitation


async def activate(
    session: AsyncSession,
    auth: Authenticator,
    token: str,
    username: str,
    password: str,
    caller: Actor,
) -> User:
    """Open the invited patient's login (the patient role, linked to them as SELF).

    `caller` is the anonymous caller (address, request id): the audit event names the new login.
    """
    invitation = await _spend(session, token)
    if await _has_login(session, invitation.patient_id):
        raise DomainError(PortalErrorCode.PATIENT_HAS_LOGIN, "The patient has a portal login.")
    patient = await get_or_not_found(session, Patient, invitation.patient_id, "Patient")
    newcomer = Actor(None, username, (PATIENT_ROLE,), caller.ip, caller.request_id)
    user = await create_user(
        session,
        newcomer,
        auth,
        username=username,
        password=password,
        full_name=f"{patient.preferred_name or patient.given_name} {patient.family_name}",
        roles=[PATIENT_ROLE],
    )
    user.email = invitation.email
    invitation.user_id = user.id
    session.add(PatientAccess(user_id=user.id, patient_id=patient.id, relation=SELF))
    actor = Actor(user.id, username, (PATIENT_ROLE,), caller.ip, caller.request_id)
    trail.record(
        session, actor, "activate", "PatientInvitation", invitation.id, patient_id=patient.id
    )
    return user
