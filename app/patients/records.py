"""The clinical lists under a patient (allergies, problems coded in ICD-10-CM, coverages):
adding and changing them, and loading them for many patients at once (every read audited)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.config import Settings
from app.db import Base, get_or_not_found
from app.errors import CommonErrorCode, DomainError
from app.patients import icd10
from app.patients.errors import PatientErrorCode
from app.patients.models import (
    Allergy,
    ClinicalStatus,
    Coverage,
    Note,
    Problem,
    SubscriberRelationship,
)
from app.patients.rules import check_lengths, existing_patient, today, trimmed
from app.text import label

# lists under a patient, loaded for many patients at once ---------------------------------------
M = TypeVar("M", bound=Base)


async def _by_patient(
    session: AsyncSession,
    actor: Actor,
    model: type[M],
    resource: str,
    patient_ids: Sequence[int],
    order: Sequence[Any],
    break_glass_ids: set[int] | None = None,
) -> dict[int, list[M]]:
    rows = (
        await session.scalars(
            select(model)
            .where(model.patient_id.in_(patient_ids))  # type: ignore[attr-defined]
            .order_by(*order)
        )
    ).all()
    grouped: dict[int, list[M]] = defaultdict(list)
    for row in rows:
        grouped[row.patient_id].append(row)  # type: ignore[attr-defined]
    for patient_id in patient_ids:
        trail.record(
            session,
            actor,
            "read",
            resource,
            None,
            patient_id=patient_id,
            break_glass=patient_id in (break_glass_ids or ()),
        )
    return grouped


async def allergies_by_patient(
    session: AsyncSession, actor: Actor, patient_ids: Sequence[int]
) -> dict[int, list[Allergy]]:
    return await _by_patient(
        session, actor, Allergy, "AllergyIntolerance", patient_ids, [Allergy.id]
    )


async def problems_by_patient(
    session: AsyncSession, actor: Actor, patient_ids: Sequence[int]
) -> dict[int, list[Problem]]:
    return await _by_patient(session, actor, Problem, "Condition", patient_ids, [Problem.id])


async def coverages_by_patient(
    session: AsyncSession, actor: Actor, patient_ids: Sequence[int]
) -> dict[int, list[Coverage]]:
    return await _by_patient(
        session, actor, Coverage, "Coverage", patient_ids, [Coverage.priority, Coverage.id]
    )


async def notes_by_patient(
    session: AsyncSession, actor: Actor, patient_ids: Sequence[int], break_glass_ids: set[int]
) -> dict[int, list[Note]]:
    """Notes, oldest first; reads under break-glass are flagged in the audit trail."""
    return await _by_patient(
        session,
        actor,
        Note,
        "ClinicalNote",
        patient_ids,
        [Note.created_at, Note.id],
        break_glass_ids,
    )


# clinical lists --------------------------------------------------------------------------------
async def add_allergy(
    session: AsyncSession, actor: Actor, patient_id: int, *, fields: dict[str, Any]
) -> Allergy:
    await existing_patient(session, patient_id)
    clean = trimmed(fields)
    if not clean.get("substance"):
        raise DomainError(CommonErrorCode.REQUIRED, "Substance is required.", ["substance"])
    check_lengths(Allergy, clean)
    allergy = Allergy(patient_id=patient_id, recorded_by_id=actor.user_id, **clean)
    return await trail.add_created(
        session, actor, allergy, "AllergyIntolerance", patient_id=patient_id
    )


async def add_problem(
    session: AsyncSession, actor: Actor, patient_id: int, *, code: str, onset_date: date | None
) -> Problem:
    await existing_patient(session, patient_id)
    found = icd10.lookup(code)
    if found is None:
        raise DomainError(
            PatientErrorCode.INVALID_ICD10_CODE,
            f"{code!r} is not an ICD-10-CM diagnosis code.",
            ["icd10_code"],
        )
    problem = Problem(
        patient_id=patient_id,
        icd10_code=found.code,
        description=found.description,
        onset_date=onset_date,
        recorded_by_id=actor.user_id,
    )
    return await trail.add_created(session, actor, problem, "Condition", patient_id=patient_id)


async def resolve_problem(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    problem_id: int,
    resolved_date: date | None,
) -> Problem:
    problem = await get_or_not_found(session, Problem, problem_id, "Problem", "problem_id")
    if problem.status == ClinicalStatus.RESOLVED:
        raise DomainError(
            PatientErrorCode.PROBLEM_ALREADY_RESOLVED,
            "The problem is already resolved.",
            ["problem_id"],
        )
    resolved_on = resolved_date or today(settings)
    if resolved_on > today(settings) or (problem.onset_date and resolved_on < problem.onset_date):
        raise DomainError(
            PatientErrorCode.INVALID_PERIOD,
            "Resolved date must be between onset and today.",
            ["resolved_date"],
        )
    problem.status, problem.resolved_date = ClinicalStatus.RESOLVED, resolved_on
    await session.flush()
    trail.record(
        session,
        actor,
        "update",
        "Condition",
        problem.id,
        patient_id=problem.patient_id,
        detail={"status": "resolved"},
    )
    return problem


async def add_coverage(
    session: AsyncSession, actor: Actor, patient_id: int, *, fields: dict[str, Any]
) -> Coverage:
    await existing_patient(session, patient_id)
    fields = trimmed(fields)
    for required in ("payer_name", "payer_id", "member_id"):
        if not fields.get(required):
            raise DomainError(
                CommonErrorCode.REQUIRED, f"{label(required)} is required.", [required]
            )
    check_lengths(Coverage, fields)
    if fields["priority"] not in (1, 2, 3):
        raise DomainError(
            PatientErrorCode.INVALID_PRIORITY,
            "Priority is 1 (primary), 2 (secondary) or 3 (tertiary).",
            ["priority"],
        )
    if fields.get("period_end") and fields["period_end"] < fields["period_start"]:
        raise DomainError(
            PatientErrorCode.INVALID_PERIOD, "Coverage ends before it starts.", ["period_end"]
        )
    if fields["relationship"] != SubscriberRelationship.SELF and not fields.get("subscriber_name"):
        raise DomainError(
            PatientErrorCode.SUBSCRIBER_REQUIRED,
            "Name the subscriber when the patient is not the subscriber.",
            ["subscriber_name"],
        )
    coverage = Coverage(patient_id=patient_id, **fields)
    return await trail.add_created(session, actor, coverage, "Coverage", patient_id=patient_id)
