"""Patient record mutations: each is one transaction returning a payload with userErrors."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.patients import demographics, notes, records
from schema.context import Context
from schema.errors import UserError, run_mutation
from schema.ids import pk
from schema.patients.inputs import (
    ADDRESS_PATHS,
    AddAllergyInput,
    AddCoverageInput,
    AddNoteAddendumInput,
    AddProblemInput,
    CreateNoteInput,
    CreatePatientInput,
    ResolveProblemInput,
    SignNoteInput,
    UpdateNoteInput,
    UpdatePatientInput,
)
from schema.patients.records import AllergyNode, CoverageNode, NoteNode, ProblemNode
from schema.patients.types import PatientNode
from schema.permissions import can, who

_USER_ERRORS = "Why nothing was saved; empty on success."


@strawberry.type(description="Result of createPatient or updatePatient.")
class PatientPayload:
    patient: PatientNode | None = strawberry.field(
        description="The patient as saved; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type(description="Result of addAllergy.")
class AllergyPayload:
    allergy: AllergyNode | None = strawberry.field(
        description="The allergy as saved; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type(description="Result of addProblem or resolveProblem.")
class ProblemPayload:
    problem: ProblemNode | None = strawberry.field(
        description="The problem as saved; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type(description="Result of addCoverage.")
class CoveragePayload:
    coverage: CoverageNode | None = strawberry.field(
        description="The coverage as saved; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type(description="Result of createNote, updateNote, signNote or addNoteAddendum.")
class NotePayload:
    note: NoteNode | None = strawberry.field(
        description="The note as saved (for addNoteAddendum, the new addendum); null when "
        "userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


def _settings(info: Info[Context, Any]) -> Any:
    return info.context.runtime.settings


@strawberry.type
class PatientMutations:
    @strawberry.mutation(
        extensions=can("patient", "write"),
        description="Register a patient; the MRN is assigned. "
        f"{who('patient', 'write')}. A patient with the same names and birth date answers "
        "POSSIBLE_DUPLICATE unless confirmDuplicate is true.",
    )
    async def create_patient(
        self,
        info: Info[Context, Any],
        input: Annotated[CreatePatientInput, strawberry.argument(description="The new patient.")],
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

    @strawberry.mutation(
        extensions=can("patient", "write"),
        description="Change a patient's demographics: only the fields given. "
        f"{who('patient', 'write')}.",
    )
    async def update_patient(
        self,
        info: Info[Context, Any],
        input: Annotated[
            UpdatePatientInput, strawberry.argument(description="The patient and the changes.")
        ],
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

    @strawberry.mutation(
        extensions=can("allergy", "write"),
        description="Add an allergy or intolerance to a patient, ACTIVE. "
        f"{who('allergy', 'write')}.",
    )
    async def add_allergy(
        self,
        info: Info[Context, Any],
        input: Annotated[
            AddAllergyInput, strawberry.argument(description="The patient and the allergy.")
        ],
    ) -> AllergyPayload:
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

    @strawberry.mutation(
        extensions=can("problem", "write"),
        description=f"Add a problem to a patient's list by its ICD-10-CM code, ACTIVE. "
        f"{who('problem', 'write')}.",
    )
    async def add_problem(
        self,
        info: Info[Context, Any],
        input: Annotated[
            AddProblemInput, strawberry.argument(description="The patient and the code.")
        ],
    ) -> ProblemPayload:
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

    @strawberry.mutation(
        extensions=can("problem", "write"),
        description=f"Mark a problem RESOLVED as of a date. {who('problem', 'write')}.",
    )
    async def resolve_problem(
        self,
        info: Info[Context, Any],
        input: Annotated[
            ResolveProblemInput,
            strawberry.argument(description="The problem and when it resolved."),
        ],
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

    @strawberry.mutation(
        extensions=can("coverage", "write"),
        description=f"Add insurance coverage to a patient. {who('coverage', 'write')}.",
    )
    async def add_coverage(
        self,
        info: Info[Context, Any],
        input: Annotated[
            AddCoverageInput, strawberry.argument(description="The patient and the coverage.")
        ],
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

    @strawberry.mutation(
        extensions=can("note", "write"),
        description=f"Start a clinical note for a patient, as a DRAFT whose author is the caller. "
        f"{who('note', 'write')}.",
    )
    async def create_note(
        self,
        info: Info[Context, Any],
        input: Annotated[
            CreateNoteInput, strawberry.argument(description="The patient and the note.")
        ],
    ) -> NotePayload:
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
        description="Change a draft's title or text. Its author only, among "
        f"{who('note', 'write').lower()}; a signed note answers NOTE_SIGNED.",
    )
    async def update_note(
        self,
        info: Info[Context, Any],
        input: Annotated[
            UpdateNoteInput, strawberry.argument(description="The draft and changes.")
        ],
    ) -> NotePayload:
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

    @strawberry.mutation(
        extensions=can("note", "sign"),
        description=f"Sign a draft: it is SIGNED and never changes again. Its author only, among "
        f"{who('note', 'sign').lower()}.",
    )
    async def sign_note(
        self,
        info: Info[Context, Any],
        input: Annotated[SignNoteInput, strawberry.argument(description="The draft.")],
    ) -> NotePayload:
        note, errors = await run_mutation(
            info, lambda s, a: notes.sign_note(s, a, pk(input.note_id, "ClinicalNote", "noteId"))
        )
        return NotePayload(note=NoteNode.from_model(note) if note else None, user_errors=errors)

    @strawberry.mutation(
        extensions=can("note", "write"),
        description="Correct or add to a signed note: a new DRAFT note of the caller's, titled "
        '"Addendum to: " and the original\'s title, whose amendsNoteId names the original '
        f"(sign it like any draft). {who('note', 'write')}.",
    )
    async def add_note_addendum(
        self,
        info: Info[Context, Any],
        input: Annotated[
            AddNoteAddendumInput,
            strawberry.argument(description="The signed note and the addendum's text."),
        ],
    ) -> NotePayload:
        note, errors = await run_mutation(
            info,
            lambda s, a: notes.add_note_addendum(
                s, a, pk(input.note_id, "ClinicalNote", "noteId"), body=input.body
            ),
        )
        return NotePayload(note=NoteNode.from_model(note) if note else None, user_errors=errors)
