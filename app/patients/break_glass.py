"""Break-glass: timed, audited access to one patient's notes for a user without the right."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.config import Settings
from app.db import utcnow
from app.errors import DomainError
from app.patients.errors import PatientErrorCode
from app.patients.models import (
    BreakGlassGrant,
)
from app.patients.rules import existing_patient


# break-glass -----------------------------------------------------------------------------------
async def break_glass(
    session: AsyncSession, actor: Actor, settings: Settings, patient_id: int, reason: str
) -> BreakGlassGrant:
    await existing_patient(session, patient_id)
    if len(reason.strip()) < 10:
        raise DomainError(
            PatientErrorCode.BREAK_GLASS_REASON_REQUIRED,
            "State why you need this record (at least 10 characters).",
            ["reason"],
        )
    now = utcnow()
    grant = BreakGlassGrant(
        user_id=actor.user_id,
        patient_id=patient_id,
        reason=reason.strip(),
        granted_at=now,
        expires_at=now + timedelta(minutes=settings.break_glass_minutes),
    )
    session.add(grant)
    await session.flush()
    trail.record(
        session,
        actor,
        "break_glass",
        "Patient",
        patient_id,
        patient_id=patient_id,
        break_glass=True,
        detail={"reason": grant.reason, "expiresAt": grant.expires_at.isoformat()},
    )
    return grant


async def granted_patient_ids(
    session: AsyncSession, user_id: int | None, patient_ids: Sequence[int]
) -> set[int]:
    """Which of these patients the user holds an unexpired break-glass grant for."""
    if user_id is None or not patient_ids:
        return set()
    rows = await session.scalars(
        select(BreakGlassGrant.patient_id).where(
            BreakGlassGrant.user_id == user_id,
            BreakGlassGrant.patient_id.in_(patient_ids),
            BreakGlassGrant.expires_at > utcnow(),
        )
    )
    return set(rows.all())
