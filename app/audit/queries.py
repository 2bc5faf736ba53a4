"""Searching the audit trail (for compliance review)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.audit.models import AuditEvent, AuditEventPatient
from app.authz import Actor
from app.errors import CommonErrorCode, DomainError
from app.patients.break_glass_review import GrantFilter, events_of_grants


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int  # matching events, on every page
    has_more: bool  # older matching events follow this page
    patients: dict[int, list[int]]  # a folded read's patients, by event seq


def about_patient(patient_id: int) -> ColumnElement[bool]:
    """Events about the patient: its own (patient_id) or a read naming it among others."""
    return or_(
        AuditEvent.patient_id == patient_id,
        AuditEvent.seq.in_(
            select(AuditEventPatient.event_seq).where(AuditEventPatient.patient_id == patient_id)
        ),
    )


def _instant(value: datetime | None, field: str) -> datetime | None:
    """A bound of the search as a UTC instant: a time without its UTC offset names none."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise DomainError(
            CommonErrorCode.INVALID_INPUT,
            f"{field} needs a UTC offset, e.g. 2026-01-31T09:00:00+00:00.",
            [field],
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise DomainError(
            CommonErrorCode.INVALID_INPUT, f"{field} is out of range.", [field]
        ) from None


async def search(
    session: AsyncSession,
    actor: Actor,
    *,
    patient_id: int | None,
    actor_username: str | None,
    since: datetime | None,
    until: datetime | None,
    break_glass_only: bool,
    grants: GrantFilter | None = None,
    before_seq: int | None,
    limit: int,
) -> AuditPage:
    """Matching events, newest first, older than `before_seq` when given.

    Pages are keyed by seq, not by offset: the trail grows while it is read (reading it is
    itself recorded), and an offset would repeat events on the next page.
    """
    since, until = _instant(since, "since"), _instant(until, "until")
    stmt = select(AuditEvent)
    if patient_id is not None:
        stmt = stmt.where(about_patient(patient_id))
    if actor_username:
        stmt = stmt.where(AuditEvent.actor_username == actor_username)
    if since:
        stmt = stmt.where(AuditEvent.occurred_at >= since)
    if until:
        stmt = stmt.where(AuditEvent.occurred_at < until)
    if break_glass_only:
        stmt = stmt.where(AuditEvent.break_glass.is_(True))
    if grants is not None:
        stmt = stmt.where(events_of_grants(grants))
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if before_seq is not None:
        stmt = stmt.where(AuditEvent.seq < before_seq)
    rows = list(
        (await session.scalars(stmt.order_by(AuditEvent.seq.desc()).limit(limit + 1))).all()
    )
    events = rows[:limit]
    trail.record(
        session,
        actor,
        "read",
        "AuditEvent",
        None,
        patient_id=patient_id,
        detail={"count": len(events)},
    )
    patients = await trail.patients_of_events(session, [e.seq for e in events])
    return AuditPage(events, total, len(rows) > limit, patients)
