"""Reading billing records: by id, in pages, and the lists under them, for many parents at
once. Every read of a patient's billing record is audited against the patient."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.billing.models import ChargeLine, Claim, ClaimEvent, ClaimState, Encounter

M = TypeVar("M")


async def _audited(session: AsyncSession, actor: Actor, resource: str, statement: Any) -> list[Any]:
    rows = list((await session.scalars(statement)).all())
    trail.record_reads(session, actor, resource, rows)
    return rows


def _grouped(rows: Sequence[Any], key: str, parents: Sequence[int]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return {parent: grouped.get(parent, []) for parent in parents}


async def encounters_by_id(
    session: AsyncSession, actor: Actor, ids: Sequence[int]
) -> list[Encounter]:
    return await _audited(
        session, actor, "Encounter", select(Encounter).where(Encounter.id.in_(ids))
    )


async def search_encounters(
    session: AsyncSession,
    actor: Actor,
    *,
    patient_id: int | None,
    service_from: date | None,
    service_to: date | None,
    offset: int,
    limit: int,
) -> tuple[list[Encounter], int]:
    """Newest date of service first."""
    conditions: list[ColumnElement[bool]] = []
    if patient_id is not None:
        conditions.append(Encounter.patient_id == patient_id)
    if service_from is not None:
        conditions.append(Encounter.service_date >= service_from)
    if service_to is not None:
        conditions.append(Encounter.service_date <= service_to)
    total = await session.scalar(select(func.count()).select_from(Encounter).where(*conditions))
    rows = await _audited(
        session,
        actor,
        "Encounter",
        select(Encounter)
        .where(*conditions)
        .order_by(Encounter.service_date.desc(), Encounter.id.desc())
        .offset(offset)
        .limit(limit),
    )
    return rows, total or 0


async def claims_by_id(session: AsyncSession, actor: Actor, ids: Sequence[int]) -> list[Claim]:
    return await _audited(session, actor, "Claim", select(Claim).where(Claim.id.in_(ids)))


async def search_claims(
    session: AsyncSession,
    actor: Actor,
    *,
    states: Sequence[ClaimState],
    patient_id: int | None,
    offset: int,
    limit: int,
) -> tuple[list[Claim], int]:
    """Newest first."""
    conditions: list[ColumnElement[bool]] = []
    if states:
        conditions.append(Claim.state.in_(states))
    if patient_id is not None:
        conditions.append(Claim.patient_id == patient_id)
    total = await session.scalar(select(func.count()).select_from(Claim).where(*conditions))
    rows = await _audited(
        session,
        actor,
        "Claim",
        select(Claim).where(*conditions).order_by(Claim.id.desc()).offset(offset).limit(limit),
    )
    return rows, total or 0


async def lines_by_id(session: AsyncSession, actor: Actor, ids: Sequence[int]) -> list[ChargeLine]:
    return await _audited(
        session, actor, "ChargeLine", select(ChargeLine).where(ChargeLine.id.in_(ids))
    )


async def lines_by_encounter(
    session: AsyncSession, actor: Actor, encounter_ids: Sequence[int]
) -> dict[int, list[ChargeLine]]:
    """The current (not removed) lines of each encounter, in the order added."""
    rows = await _audited(
        session,
        actor,
        "ChargeLine",
        select(ChargeLine)
        .where(ChargeLine.encounter_id.in_(encounter_ids), ChargeLine.removed_at.is_(None))
        .order_by(ChargeLine.id),
    )
    return _grouped(rows, "encounter_id", encounter_ids)


async def claims_by_encounter(
    session: AsyncSession, actor: Actor, encounter_ids: Sequence[int]
) -> dict[int, list[Claim]]:
    rows = await _audited(
        session,
        actor,
        "Claim",
        select(Claim).where(Claim.encounter_id.in_(encounter_ids)).order_by(Claim.id),
    )
    return _grouped(rows, "encounter_id", encounter_ids)


async def events_by_claim(
    session: AsyncSession, actor: Actor, claim_ids: Sequence[int]
) -> dict[int, list[ClaimEvent]]:
    """Each claim's history, oldest first."""
    rows = await _audited(
        session,
        actor,
        "ClaimEvent",
        select(ClaimEvent)
        .where(ClaimEvent.claim_id.in_(claim_ids))
        .order_by(ClaimEvent.occurred_at, ClaimEvent.id),
    )
    return _grouped(rows, "claim_id", claim_ids)
