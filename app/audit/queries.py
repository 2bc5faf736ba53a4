"""Searching the audit trail (for compliance review)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.audit.models import AuditEvent
from app.authz import Actor


async def search(session: AsyncSession, actor: Actor, *, patient_id: int | None,
                 actor_username: str | None, since: datetime | None, until: datetime | None,
                 break_glass_only: bool, offset: int, limit: int) -> tuple[list[AuditEvent], int]:
    stmt = select(AuditEvent)
    if patient_id is not None:
        stmt = stmt.where(AuditEvent.patient_id == patient_id)
    if actor_username:
        stmt = stmt.where(AuditEvent.actor_username == actor_username)
    if since:
        stmt = stmt.where(AuditEvent.occurred_at >= since)
    if until:
        stmt = stmt.where(AuditEvent.occurred_at < until)
    if break_glass_only:
        stmt = stmt.where(AuditEvent.break_glass.is_(True))
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = (await session.scalars(stmt.order_by(AuditEvent.seq.desc()).offset(offset).limit(limit))).all()
    trail.record(session, actor, "read", "AuditEvent", None, patient_id=patient_id,
                 detail={"count": len(rows)})
    return list(rows), total
