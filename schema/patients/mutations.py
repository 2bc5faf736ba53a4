"""Patient record mutations: each is one transaction returning a payload with userErrors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from app.patients import break_glass, demographics, notes, records
from schema.context import Context
from schema.errors import UserError, run_mutation
from schema.ids import pk
from schema.patients.inputs import (
    ADDRESS_PATHS,
    AddAllergyInput,
    AddCoverageInput,
    AddNoteAddendumInput,
    AddProblemInput,
    BreakGlassInput,
    CreateNoteInput,
    CreatePatientInput,
    ResolveProblemInput,
    SignNoteInput,
    UpdateNoteInput,
    UpdatePatientInput,
)
from schema.patients.types import AllergyNode, CoverageNode, NoteNode, PatientNode, ProblemNode
from schema.permissions import can


@strawberry.type
class PatientPayload:
    patient: PatientNode | None
    user_errors: list[UserError]


@strawberry.type
class AllergyPayload:
    allergy: AllergyNode | None
    user_errors: list[UserError]


@strawberry.type
class ProblemPayload:
    problem: ProblemNode | None
    user_errors: list[UserError]


@strawberry.type
class CoveragePayload:
    coverage: CoverageNode | None
    user_errors: list[UserError]


@strawberry.type
class NotePayload:
    note: NoteNode | None
    user_errors: list[UserError]


@strawberry.type
class BreakGlassPayload:
    expires_at: datetime | None
    user_errors: list[UserError]


def _settings(info: Info[Context, Any]) -> Any:
    return info.context.runtime.settings


@strawberry.type
class PatientMutations:
    @strawberry.mutation(extensions=can("patient", "write"))
    async def create_patient(
        self, info: Info[Context, Any], input: CreatePatientInput
    ) -> PatientPayload:
        patient, errors = await run_mutation(
            info,
            lambda s, a: demographics.create_patient(
                s,
                a,
                _settings(info),
                fields=input.fields(),
                ssn=input.ssn,
                confirm_duplicate=input.confirm_duplicate,
            ),
            overrides=ADDRESS_PATHS,
        )
        return PatientPayload(
            patient=PatientNode.from_model(patient) if patient else None, user_errors=errors
        )

    @strawberry.mutation(extensions=can("patient", "write"))
    async def update_patient(
        self, info: Info[Context, Any], input: UpdatePatientInput
    ) -> PatientPayload:
        patient, errors = await run_mutation(
            info,
            lambda s, a: demographics.update_patient(
                s,
                a,
                _settings(info),
                pk(input.id, "Patient", "id"),
                fields=input.fields(),
                ssn=input.ssn or None,
                ssn_given=input.ssn is not strawberry.UNSET,
            ),
            overrides={**ADDRESS_PATHS, "patient_id": ["id"]},
        )
        return PatientPayload(
            patient=PatientNode.from_model(patient) if patient else None, user_errors=errors
        )

    @strawberry.mutation(extensions=can("allergy", "write"))
    async def add_allergy(self, info: Info[Context, Any], input: AddAllergyInput) -> AllergyPayload:
        allergy, errors = await run_mutation(
            info,
            lambda s, a: records.add_allergy(
                s,
                a,
                pk(input.patient_id, "Patient", "patientId"),
                fields={
                    "substance": input.substance,
                    "category": input.category,
                    "reaction": input.reaction,
                    "severity": input.severity,
                },
            ),
        )
        return AllergyPayload(
            allergy=AllergyNode.from_model(allergy) if allergy else None, user_errors=errors
        )

    @strawberry.mutation(extensions=can("problem", "write"))
    async def add_problem(self, info: Info[Context, Any], input: AddProblemInput) -> ProblemPayload:
        problem, errors = await run_mutation(
            info,
            lambda s, a: records.add_problem(
                s,
                a,
                pk(input.patient_id, "Patient", "patientId"),
                code=input.icd10_code,
                onset_date=input.onset_date,
            ),
        )
        return ProblemPayload(
            problem=ProblemNode.from_model(problem) if problem else None, user_errors=errors
        )

    @strawberry.mutation(extensions=can("problem", "write"))
    async def resolve_problem(
        self, info: Info[Context, Any], input: ResolveProblemInput
    ) -> ProblemPayload:
        problem, errors = await run_mutation(
            info,
            lambda s, a: records.resolve_problem(
                s,
                a,
                _settings(info),
                pk(input.problem_id, "Problem", "problemId"),
                input.resolved_date,
            ),
        )
        return ProblemPayload(
            problem=ProblemNode.from_model(problem) if problem else None, user_errors=errors
        )

    @strawberry.mutation(extensions=can("coverage", "write"))
    async def add_coverage(
        self, info: Info[Context, Any], input: AddCoverageInput
    ) -> CoveragePayload:
        coverage, errors = await run_mutation(
            info,
            lambda s, a: records.add_coverage(
                s, a, pk(input.patient_id, "Patient", "patientId"), fields=input.fields()
            ),
        )
        return CoveragePayload(
            coverage=CoverageNode.from_model(coverage) if coverage else None, user_errors=errors
        )

    @strawberry.mutation(extensions=can("note", "write"))
    async def create_note(self, info: Info[Context, Any], input: CreateNoteInput) -> NotePayload:
        note, errors = await run_mutation(
            info,
            lambda s, a: notes.create_note(
                s,
                a,
                pk(input.patient_id, "Patient", "patientId"),
                title=input.title,
                body=input.body,
            ),
        )
        return NotePayload(note=NoteNode.from_model(note) if note else None, user_errors=errors)

    @strawberry.mutation(
        extensions=can("note", "write"),
        description="Change a draft; a signed note answers NOTE_SIGNED.",
    )
    async def update_note(self, info: Info[Context, Any], input: UpdateNoteInput) -> NotePayload:
        note, errors = await run_mutation(
            info,
            lambda s, a: notes.update_note(
                s,
                a,
                pk(input.note_id, "ClinicalNote", "noteId"),
                title=input.title,
                body=input.body,
            ),
        )
        return NotePayload(note=NoteNode.from_model(note) if note else None, user_errors=errors)

    @strawberry.mutation(extensions=can("note", "sign"))
    async def sign_note(self, info: Info[Context, Any], input: SignNoteInput) -> NotePayload:
        note, errors = await run_mutation(
            info, lambda s, a: notes.sign_note(s, a, pk(input.note_id, "ClinicalNote", "noteId"))
        )
        return NotePayload(note=NoteNode.from_model(note) if note else None, user_errors=errors)

    @strawberry.mutation(extensions=can("note", "write"))
    async def add_note_addendum(
        self, info: Info[Context, Any], input: AddNoteAddendumInput
    ) -> NotePayload:
        note, errors = await run_mutation(
            info,
            lambda s, a: notes.add_note_addendum(
                s, a, pk(input.note_id, "ClinicalNote", "noteId"), body=input.body
            ),
        )
        return NotePayload(note=NoteNode.from_model(note) if note else None, user_errors=errors)

    @strawberry.mutation(
        extensions=can("patient", "break_glass"),
        description="Temporary read access to one patient's notes, with a stated reason; audited.",
    )
    async def break_glass(
        self, info: Info[Context, Any], input: BreakGlassInput
    ) -> BreakGlassPayload:
        grant, errors = await run_mutation(
            info,
            lambda s, a: break_glass.break_glass(
                s, a, _settings(info), pk(input.patient_id, "Patient", "patientId"), input.reason
            ),
        )
        return BreakGlassPayload(expires_at=grant.expires_at if grant else None, user_errors=errors)
