"""Staff disable and re-enable a patient's portal login.

A disabled login's access tokens are refused from their next request (app/sessions.py reads
`is_active` per operation); its sessions are ended too, so re-enabling it later does not bring
back a token that may have been stolen meanwhile: the patient signs in again.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import trail
from app.authz import PATIENT_ROLE, Actor
from app.errors import DomainError, NotFound
from app.portal.errors import PortalErrorCode
from app.portal.password_reset import end_sessions
from app.users.models import User


async def patient_login(session: AsyncSession, username: str) -> User:
    """The portal login of this username (staff accounts are administered elsewhere)."""
    user = await session.scalar(
        select(User).options(selectinload(User.roles)).where(User.username == username)
    )
    if user is None:
        raise NotFound("User", ["username"])
    if PATIENT_ROLE not in user.role_names:
        raise DomainError(PortalErrorCode.NOT_A_PATIENT_LOGIN, "Not a portal login.", ["username"])
    return user


async def set_active(session: AsyncSession, actor: Actor, username: str, active: bool) -> User:
    user = await patient_login(session, username)
    if user.is_active != active:
        user.is_active = active
        if not active:
            await end_sessions(session, user.id)
        trail.record(session, actor, "enable" if active else "disable", "User", user.id)
    return user
