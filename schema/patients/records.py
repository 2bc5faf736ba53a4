"""What a patient's record lists: allergies, problems, coverages and clinical notes. Each is a
Node read under its own policy."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.audit import trail
from app.patients import models
from schema.context import Context
from schema.nodes import node_resolver
from schema.patients.enums import (
    AllergyCategory,
    AllergySeverity,
    ClinicalStatus,
    NoteStatus,
    SubscriberRelationship,
)
from schema.permissions import Can, guard, its_patient, who
from schema.users.loaders import staff_name_by_user_id
from schema.users.types import StaffMember

# Clinical free text is guarded on the field itself, with the permission of its record: however a
# record is reached, its text is not read without it (tests/core/test_clinical_text.py lists them).
_ALLERGY = Can("allergy", "read", "AllergyIntolerance", patient=its_patient)
_NOTE = Can("note", "read", "ClinicalNote", patient=its_patient, break_glass=True)


@strawberry.type(
    name="Allergy",
    description="An allergy or intolerance of a patient (FHIR AllergyIntolerance). "
    f"{who('allergy', 'read')} may read it; each read is audited.",
)
class AllergyNode(relay.Node):
    pk: relay.NodeID[int]
    substance: str = strawberry.field(
        extensions=guard(_ALLERGY),
        description="What the patient reacts to, as entered, e.g. Penicillin.",
    )
    category: AllergyCategory = strawberry.field(  # type: ignore[valid-type]
        description="What kind of substance it is."
    )
    reaction: str | None = strawberry.field(
        extensions=guard(_ALLERGY),
        description="The reaction, as entered, e.g. Hives; null when not recorded.",
    )
    severity: AllergySeverity | None = strawberry.field(  # type: ignore[valid-type]
        description="How bad the reaction is; null when not recorded."
    )
    status: ClinicalStatus = strawberry.field(  # type: ignore[valid-type]
        description="ACTIVE when recorded; no operation changes it yet."
    )
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    patient_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Allergy) -> AllergyNode:
        return cls(
            pk=row.id,
            patient_id=row.patient_id,
            substance=row.substance,
            category=row.category,
            reaction=row.reaction,
            severity=row.severity,
            status=row.status,
            recorded_at=row.created_at,
        )

    resolve_nodes = node_resolver(
        "allergy", trail.audited_rows_by_id(models.Allergy, "AllergyIntolerance")
    )  # type: ignore[assignment]


@strawberry.type(
    name="Problem",
    description="An entry of a patient's problem list (FHIR Condition), coded in ICD-10-CM. "
    f"{who('problem', 'read')} may read it; each read is audited.",
)
class ProblemNode(relay.Node):
    pk: relay.NodeID[int]
    icd10_code: str = strawberry.field(
        description="The ICD-10-CM code, upper case with its dot, e.g. E11.9 (a three-character "
        "category such as E11 has none)."
    )
    description: str = strawberry.field(
        description="The code's title in the CMS ICD-10-CM code set, e.g. Type 2 diabetes "
        "mellitus without complications."
    )
    status: ClinicalStatus = strawberry.field(  # type: ignore[valid-type]
        description="ACTIVE until resolveProblem makes it RESOLVED."
    )
    onset_date: date | None = strawberry.field(
        description="When it began, as given; null when not known."
    )
    resolved_date: date | None = strawberry.field(
        description="When it resolved (set by resolveProblem); null while it is not resolved."
    )
    recorded_at: datetime = strawberry.field(description="When it was put on the list.")

    @classmethod
    def from_model(cls, row: models.Problem) -> ProblemNode:
        return cls(
            pk=row.id,
            icd10_code=row.icd10_code,
            description=row.description,
            status=row.status,
            onset_date=row.onset_date,
            resolved_date=row.resolved_date,
            recorded_at=row.created_at,
        )

    resolve_nodes = node_resolver("problem", trail.audited_rows_by_id(models.Problem, "Condition"))  # type: ignore[assignment]


@strawberry.type(
    name="Coverage",
    description="A patient's health insurance (FHIR Coverage). "
    f"{who('coverage', 'read')} may read it; each read is audited.",
)
class CoverageNode(relay.Node):
    pk: relay.NodeID[int]
    payer_name: str = strawberry.field(description="The insurer's name, e.g. Aetna.")
    payer_id: str = strawberry.field(
        description="The payer's electronic id for claims (X12 NM109), as entered."
    )
    member_id: str = strawberry.field(description="The member id on the insurance card.")
    group_number: str | None = strawberry.field(
        description="The group number on the card; null when none."
    )
    plan_name: str | None = strawberry.field(description="The plan's name; null when not given.")
    relationship: SubscriberRelationship = strawberry.field(  # type: ignore[valid-type]
        description="How the patient relates to the subscriber (the policy holder)."
    )
    subscriber_name: str | None = strawberry.field(
        description="The subscriber's name; always given unless relationship is SELF."
    )
    subscriber_birth_date: date | None = strawberry.field(
        description="The subscriber's birth date; null when not given."
    )
    priority: int = strawberry.field(
        description="Order of billing: 1 primary, 2 secondary, 3 tertiary."
    )
    period_start: date = strawberry.field(description="The first day of coverage.")
    period_end: date | None = strawberry.field(
        description="The last day of coverage; null when open-ended."
    )

    @classmethod
    def from_model(cls, row: models.Coverage) -> CoverageNode:
        return cls(
            pk=row.id,
            payer_name=row.payer_name,
            payer_id=row.payer_id,
            member_id=row.member_id,
            group_number=row.group_number,
            plan_name=row.plan_name,
            relationship=row.relationship,
            subscriber_name=row.subscriber_name,
            subscriber_birth_date=row.subscriber_birth_date,
            priority=row.priority,
            period_start=row.period_start,
            period_end=row.period_end,
        )

    resolve_nodes = node_resolver("coverage", trail.audited_rows_by_id(models.Coverage, "Coverage"))  # type: ignore[assignment]


@strawberry.type(
    name="ClinicalNote",
    description="A clinical note: a draft its author may change, then signed and never changed "
    "again; an addendum (a note of its own) corrects a signed note. "
    f"{who('note', 'read')} may read notes; other roles only through Patient.notes under a "
    "breakGlass grant. Each read is audited.",
)
class NoteNode(relay.Node):
    pk: relay.NodeID[int]
    title: str = strawberry.field(
        extensions=guard(_NOTE),
        description="The title; an addendum's is \"Addendum to: \" and the original's title.",
    )
    body: str = strawberry.field(
        extensions=guard(_NOTE), description="The note's text, as written (plain text)."
    )
    status: NoteStatus = strawberry.field(  # type: ignore[valid-type]
        description="DRAFT or SIGNED."
    )
    created_at: datetime = strawberry.field(description="When it was started.")
    signed_at: datetime | None = strawberry.field(
        description="When its author signed it; null while a draft."
    )
    amends_note_id: relay.GlobalID | None = strawberry.field(
        description="For an addendum, the signed note it amends (a ClinicalNote id); else null."
    )
    author_id: strawberry.Private[int]
    patient_id: strawberry.Private[int]

    @strawberry.field(description="Who wrote it; null if that user no longer exists.")
    async def author(self, info: Info[Context, Any]) -> StaffMember | None:
        user = await staff_name_by_user_id(info).load(self.author_id)
        return StaffMember.from_model(user) if user else None

    @classmethod
    def from_model(cls, row: models.Note) -> NoteNode:
        amends = (
            relay.GlobalID("ClinicalNote", str(row.amends_note_id)) if row.amends_note_id else None
        )
        return cls(
            pk=row.id,
            title=row.title,
            body=row.body,
            status=row.status,
            created_at=row.created_at,
            signed_at=row.signed_at,
            amends_note_id=amends,
            author_id=row.author_id,
            patient_id=row.patient_id,
        )

    resolve_nodes = node_resolver("note", trail.audited_rows_by_id(models.Note, "ClinicalNote"))  # type: ignore[assignment]


# What a refused non-null field of a patient does to the response
