"""Break-glass: timed, audited access to one patient's notes for a user without the right.

A grant needs a stated reason of bounded length, and one user may open only so many different
patients a day (`Settings.break_glass_daily_limit`); each grant is announced
(`BreakGlassGranted`) and waits for a compliance officer's review (break_glass_review.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import ALL_ROWS, Actor
from app.config import Settings
from app.db import utcnow
from app.errors import CommonErrorCode, DomainError
from app.events import raise_event
from app.patients.errors import PatientErrorCode
from app.patients.events import BreakGlassGranted
from app.patients.models import BreakGlassGrant
from app.patients.rules import existing_patient
from app.users.models import User

REASON_MIN = 10
REASON_MAX = 500  # the reason is kept in the append-only trail for good: bounded


@dataclass(frozen=True)
class BreakGlassOutcome:
    """A grant, or the refusal of one that is itself recorded (so the caller commits either)."""

    grant: BreakGlassGrant | None = None
    refusal: DomainError | None = None


def checked_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < REASON_MIN:
        raise DomainError(
            PatientErrorCode.BREAK_GLASS_REASON_REQUIRED,
            f"State why you need this record (at least {REASON_MIN} characters).",
            ["reason"],
        )
    if len(reason) > REASON_MAX:
        raise DomainError(
            CommonErrorCode.INVALID_INPUT,
            f"Reason is longer than {REASON_MAX} characters.",
            ["reason"],
        )
    return reason


def local_day(settings: Settings, now: datetime) -> tuple[datetime, datetime]:
    """The practice-local day holding `now`, as a half-open span of instants (DST-correct)."""
    zone = settings.timezone
    day = now.astimezone(zone).date()
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return start, end


async def patients_opened(
    session: AsyncSession, user_id: int, span: tuple[datetime, datetime]
) -> set[int]:
    """The patients this user was granted break-glass access to within `span`."""
    rows = await session.scalars(
        select(BreakGlassGrant.patient_id)
        .where(
            BreakGlassGrant.user_id == user_id,
            BreakGlassGrant.granted_at >= span[0],
            BreakGlassGrant.granted_at < span[1],
        )
        .distinct()
        .execution_options(**ALL_ROWS)  # counted, not disclosed
    )
    return set(rows.all())


async def break_glass(
    session: AsyncSession, actor: Actor, settings: Settings, patient_id: int, reason: str
) -> BreakGlassOutcome:
    """Grant the actor `break_glass_minutes` of access to the patient's notes.

    Over the daily limit the refusal is recorded (outcome `limit_reached`) and returned, not
    raised, so that it commits: repeated attempts are what a review looks for.
    """
    reason = checked_reason(reason)
    await existing_patient(session, patient_id)
    if actor.user_id is None:
        raise DomainError(CommonErrorCode.INVALID_INPUT, "Break-glass is for staff users.")
    # The user's row lock serializes this user's concurrent requests until commit, so two of
    # them cannot both pass the limit (on SQLite, BEGIN IMMEDIATE serializes every writer).
    await session.execute(
        select(User.id)
        .where(User.id == actor.user_id)
        .with_for_update()
        .execution_options(**ALL_ROWS)
    )
    now = utcnow()  # after the wait for the lock
    opened = await patients_opened(session, actor.user_id, local_day(settings, now))
    limit = settings.break_glass_daily_limit
    if patient_id not in opened and len(opened) >= limit:
        trail.record(
            session,
            actor,
            "break_glass",
            "Patient",
            patient_id,
            patient_id=patient_id,
            outcome="limit_reached",
            break_glass=True,
            detail={"reason": reason, "limit": limit},
        )
        return BreakGlassOutcome(
            refusal=DomainError(
                PatientErrorCode.BREAK_GLASS_LIMIT_REACHED,
                f"You have opened {len(opened)} patients by break-glass today, the most "
                f"allowed ({limit}); ask a provider or a compliance officer.",
                ["patient_id"],
            )
        )
    grant = BreakGlassGrant(
        user_id=actor.user_id,
        patient_id=patient_id,
        reason=reason,
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
        detail={
            "reason": grant.reason,
            "expiresAt": grant.expires_at.isoformat(),
            "grantId": grant.id,
        },
    )
    raise_event(
        session,
        actor,
        BreakGlassGranted(
            grant_id=grant.id, user_id=grant.user_id, patient_id=patient_id, granted_at=now
        ),
    )
    return BreakGlassOutcome(grant=grant)


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
