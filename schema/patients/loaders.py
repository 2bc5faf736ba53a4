"""DataLoaders for the lists under a patient: one query per list per operation level."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from app.authz import Actor
from app.patients import break_glass, demographics, records
from app.patients.models import Allergy, Coverage, Note, Patient, Problem
from schema.context import Context

R = TypeVar("R")
Fetch = Callable[[AsyncSession, Actor, Sequence[int]], Awaitable[dict[int, list[R]]]]


def _grouped(info: Info[Context, Any], name: str, fetch: Fetch[R]) -> DataLoader[int, list[R]]:
    op = info.context.op

    async def load(patient_ids: list[int]) -> list[list[R]]:
        async with op.db() as session:
            grouped = await fetch(session, op.staff, patient_ids)
        return [grouped.get(pid, []) for pid in patient_ids]

    return op.loader(name, load)


def allergies_by_patient_id(info: Info[Context, Any]) -> DataLoader[int, list[Allergy]]:
    return _grouped(info, "allergies", records.allergies_by_patient)


def problems_by_patient_id(info: Info[Context, Any]) -> DataLoader[int, list[Problem]]:
    return _grouped(info, "problems", records.problems_by_patient)


def coverages_by_patient_id(info: Info[Context, Any]) -> DataLoader[int, list[Coverage]]:
    return _grouped(info, "coverages", records.coverages_by_patient)


def notes_by_patient_id(info: Info[Context, Any]) -> DataLoader[tuple[int, bool], list[Note]]:
    """Keyed by (patient id, read under break-glass) so such reads are flagged in the audit."""
    op = info.context.op

    async def load(keys: list[tuple[int, bool]]) -> list[list[Note]]:
        patient_ids = sorted({pid for pid, _ in keys})
        flagged = {pid for pid, via_break_glass in keys if via_break_glass}
        async with op.db() as session:
            grouped = await records.notes_by_patient(session, op.staff, patient_ids, flagged)
        return [grouped.get(pid, []) for pid, _ in keys]

    return op.loader("notes", load)


def break_glass_by_patient_id(info: Info[Context, Any]) -> DataLoader[int, bool]:
    op = info.context.op

    async def load(patient_ids: list[int]) -> list[bool]:
        async with op.db() as session:
            granted = await break_glass.granted_patient_ids(session, op.staff.user_id, patient_ids)
        return [pid in granted for pid in patient_ids]

    return op.loader("break_glass", load)


def patient_by_id(info: Info[Context, Any]) -> DataLoader[int, Patient | None]:
    """Patients of appointments, loaded together; each read audited."""
    op = info.context.op

    async def load(ids: list[int]) -> list[Patient | None]:
        async with op.db() as session:
            found = {p.id: p for p in await demographics.get_patients(session, op.staff, ids)}
        return [found.get(i) for i in ids]

    return op.loader("patients", load)
