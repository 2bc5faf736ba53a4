"""Compliance review of break-glass grants: who reviewed each, when, and what they found.

A finding of APPROPRIATE or INAPPROPRIATE closes the review; NEEDS_FOLLOW_UP leaves it open to
a later finding. Each review is recorded in the audit trail (the row keeps only the latest).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, and_, cast, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.audit import trail
from app.audit.models import AuditEvent, AuditEventPatient
from app.authz import Actor
from app.db import utcnow
from app.errors import CommonErrorCode, DomainError, NotFound
from app.patients.errors import PatientErrorCode
from app.patients.models import BreakGlassFinding, BreakGlassGrant

NOTE_MAX = 2000
RESOURCE = "BreakGlassGrant"


@dataclass(frozen=True)
class GrantPage:
    grants: list[BreakGlassGrant]
    total: int
    has_more: bool


async def grants_by_id(
    session: AsyncSession, actor: Actor, ids: Sequence[int]
) -> list[BreakGlassGrant]:
    """Grants by id; each read is audited against its patient (a reason may say much)."""
    rows = list(
        (await session.scalars(select(BreakGlassGrant).where(BreakGlassGrant.id.in_(ids)))).all()
    )
    trail.record_reads(session, actor, RESOURCE, rows)
    return rows


async def list_grants(
    session: AsyncSession,
    actor: Actor,
    *,
    reviewed: bool | None,
    finding: BreakGlassFinding | None,
    before_id: int | None,
    limit: int,
) -> GrantPage:
    """Grants newest first, keyed by id (grants keep arriving while a list is read)."""
    stmt = select(BreakGlassGrant)
    if reviewed is not None:
        column = BreakGlassGrant.reviewed_at
        stmt = stmt.where(column.is_not(None) if reviewed else column.is_(None))
    if finding is not None:
        stmt = stmt.where(BreakGlassGrant.finding == finding)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if before_id is not None:
        stmt = stmt.where(BreakGlassGrant.id < before_id)
    rows = list(
        (await session.scalars(stmt.order_by(BreakGlassGrant.id.desc()).limit(limit + 1))).all()
    )
    grants = rows[:limit]
    trail.record_reads(session, actor, RESOURCE, grants)
    return GrantPage(grants, total, len(rows) > limit)


async def review(
    session: AsyncSession,
    actor: Actor,
    grant_id: int,
    finding: BreakGlassFinding,
    note: str | None,
) -> BreakGlassGrant:
    note = (note or "").strip() or None
    if note is None and finding != BreakGlassFinding.APPROPRIATE:
        raise DomainError(
            CommonErrorCode.REQUIRED, "Say what was found and what follows from it.", ["note"]
        )
    if note is not None and len(note) > NOTE_MAX:
        raise DomainError(
            CommonErrorCode.INVALID_INPUT, f"Note is longer than {NOTE_MAX} characters.", ["note"]
        )
    # Locked: two officers reviewing at once cannot both close it (SQLite: BEGIN IMMEDIATE).
    grant = await session.get(BreakGlassGrant, grant_id, with_for_update=True)
    if grant is None:
        raise NotFound("Break-glass grant", ["grant_id"])
    if grant.user_id == actor.user_id:
        raise DomainError(
            PatientErrorCode.BREAK_GLASS_SELF_REVIEW,
            "Another compliance officer must review your own break-glass access.",
            ["grant_id"],
        )
    if grant.finding not in (None, BreakGlassFinding.NEEDS_FOLLOW_UP):
        raise DomainError(
            PatientErrorCode.BREAK_GLASS_ALREADY_REVIEWED,
            f"This grant was reviewed already ({grant.finding}).",
            ["grant_id"],
        )
    previous = grant.finding
    grant.reviewed_by_id = actor.user_id
    grant.reviewed_at = utcnow()
    grant.finding = finding
    grant.review_note = note
    await session.flush()
    trail.record(
        session,
        actor,
        "review",
        RESOURCE,
        grant.id,
        patient_id=grant.patient_id,
        break_glass=True,
        detail={
            "finding": finding.value,
            "note": note,
            "previousFinding": previous.value if previous else None,
            "grantedTo": grant.user_id,
        },
    )
    return grant


@dataclass(frozen=True)
class GrantFilter:
    """Which grants' audit events to list: reviewed or not, by finding, or one grant."""

    reviewed: bool | None = None
    finding: BreakGlassFinding | None = None
    grant_id: int | None = None


def events_of_grants(grants: GrantFilter) -> ColumnElement[bool]:
    """Audit events belonging to a matching grant: its own event, every read its holder made
    under break-glass of that patient while it ran, and its reviews. (Reads made while two
    grants of one user for one patient overlapped belong to both.)

    Both parts are uncorrelated subqueries: the grants are walked once, each finding its
    events by time (the trail's occurred_at index), never the trail once per grant. A read
    folded over several patients names the grant's patient in a link, not in patient_id."""
    g, e = aliased(BreakGlassGrant), aliased(AuditEvent)
    link = aliased(AuditEventPatient)
    matching: list[ColumnElement[bool]] = []
    if grants.reviewed is not None:
        matching.append(g.reviewed_at.is_not(None) if grants.reviewed else g.reviewed_at.is_(None))
    if grants.finding is not None:
        matching.append(g.finding == grants.finding)
    if grants.grant_id is not None:
        matching.append(g.id == grants.grant_id)
    while_it_ran = and_(
        e.occurred_at >= g.granted_at,
        e.occurred_at < g.expires_at,
        e.actor_user_id == g.user_id,
    )
    held = (e.break_glass.is_(True), e.outcome == "success", *matching)
    under_grant = union(
        select(e.seq).join(g, and_(while_it_ran, e.patient_id == g.patient_id)).where(*held),
        select(e.seq)
        .join(link, link.event_seq == e.seq)
        .join(g, and_(while_it_ran, link.patient_id == g.patient_id))
        .where(*held),
    )
    reviews = select(cast(g.id, String)).where(*matching)
    return or_(
        AuditEvent.seq.in_(under_grant),
        and_(
            AuditEvent.break_glass.is_(True),  # its reviews, not the reads of it
            AuditEvent.resource_type == RESOURCE,
            AuditEvent.resource_id.in_(reviews),
        ),
    )
