"""Patient record types: lists under a patient load through DataLoaders; sensitive fields are
guarded."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.audit import trail
from app.patients import demographics, models
from schema.context import Context
from schema.nodes import node_resolver
from schema.patients import loaders
from schema.permissions import Can, guard, itself
from schema.users.loaders import staff_name_by_user_id
from schema.users.types import StaffMember

Sex = strawberry.enum(models.Sex, description="Administrative sex (FHIR AdministrativeGender).")
AllergyCategory = strawberry.enum(models.AllergyCategory)
AllergySeverity = strawberry.enum(models.AllergySeverity)
ClinicalStatus = strawberry.enum(models.ClinicalStatus)
SubscriberRelationship = strawberry.enum(models.SubscriberRelationship)
NoteStatus = strawberry.enum(models.NoteStatus)

N = TypeVar("N")
Row = TypeVar("Row")


@strawberry.type
class Address:
    line1: str | None
    line2: str | None
    city: str | None
    state: str | None
    postal_code: str | None


@strawberry.type(name="Allergy", description="FHIR AllergyIntolerance.")
class AllergyNode(relay.Node):
    pk: relay.NodeID[int]
    substance: str
    category: AllergyCategory  # type: ignore[valid-type]
    reaction: str | None
    severity: AllergySeverity | None  # type: ignore[valid-type]
    status: ClinicalStatus  # type: ignore[valid-type]
    recorded_at: datetime

    @classmethod
    def from_model(cls, row: models.Allergy) -> AllergyNode:
        return cls(
            pk=row.id,
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
    name="Problem", description="A problem-list entry (FHIR Condition), ICD-10-CM coded."
)
class ProblemNode(relay.Node):
    pk: relay.NodeID[int]
    icd10_code: str
    description: str
    status: ClinicalStatus  # type: ignore[valid-type]
    onset_date: date | None
    resolved_date: date | None
    recorded_at: datetime

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


@strawberry.type(name="Coverage", description="Insurance coverage (FHIR Coverage).")
class CoverageNode(relay.Node):
    pk: relay.NodeID[int]
    payer_name: str
    payer_id: str
    member_id: str
    group_number: str | None
    plan_name: str | None
    relationship: SubscriberRelationship  # type: ignore[valid-type]
    subscriber_name: str | None
    subscriber_birth_date: date | None
    priority: int
    period_start: date
    period_end: date | None

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
    description="A clinical note: a draft, then signed and immutable; corrected by addenda.",
)
class NoteNode(relay.Node):
    pk: relay.NodeID[int]
    title: str
    body: str
    status: NoteStatus  # type: ignore[valid-type]
    created_at: datetime
    signed_at: datetime | None
    amends_note_id: relay.GlobalID | None
    author_id: strawberry.Private[int]

    @strawberry.field
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
        )

    resolve_nodes = node_resolver("note", trail.audited_rows_by_id(models.Note, "ClinicalNote"))  # type: ignore[assignment]


@strawberry.type(name="Patient")
class PatientNode(relay.Node):
    pk: relay.NodeID[int]
    mrn: str = strawberry.field(
        description="Medical record number (7 digits and a Luhn check digit)."
    )
    family_name: str
    given_name: str
    middle_name: str | None
    preferred_name: str | None
    birth_date: date
    sex: Sex  # type: ignore[valid-type]
    gender_identity: str | None
    email: str | None
    phone: str | None
    address: Address
    language: str | None
    model: strawberry.Private[models.Patient]

    @classmethod
    def from_model(cls, p: models.Patient) -> PatientNode:
        return cls(
            pk=p.id,
            mrn=p.mrn,
            family_name=p.family_name,
            given_name=p.given_name,
            middle_name=p.middle_name,
            preferred_name=p.preferred_name,
            birth_date=p.birth_date,
            sex=p.sex,
            gender_identity=p.gender_identity,
            email=p.email,
            phone=p.phone,
            address=Address(
                line1=p.address_line1,
                line2=p.address_line2,
                city=p.city,
                state=p.state,
                postal_code=p.postal_code,
            ),
            language=p.language,
            model=p,
        )

    resolve_nodes = node_resolver("patient", demographics.get_patients)  # type: ignore[assignment]

    @strawberry.field(
        extensions=guard(
            Can("patient", "read"),
            Can("patient_ssn", "read", masked=lambda p: demographics.masked_ssn(p.model)),
        ),
        description="Masked as ***-**-1234 unless your role may see the full number.",
    )
    async def ssn(self, info: Info[Context, Any]) -> str | None:
        op = info.context.op
        async with op.db() as session:
            return demographics.full_ssn(
                session, op.staff, self.model, info.context.runtime.settings
            )

    @strawberry.field(
        extensions=guard(Can("allergy", "read", "AllergyIntolerance", patient=itself))
    )
    async def allergies(self, info: Info[Context, Any]) -> list[AllergyNode]:
        rows = await loaders.allergies_by_patient_id(info).load(self.pk)
        return [AllergyNode.from_model(r) for r in rows]

    @strawberry.field(extensions=guard(Can("problem", "read", "Condition", patient=itself)))
    async def problems(self, info: Info[Context, Any]) -> list[ProblemNode]:
        rows = await loaders.problems_by_patient_id(info).load(self.pk)
        return [ProblemNode.from_model(r) for r in rows]

    @strawberry.field(extensions=guard(Can("coverage", "read", "Coverage", patient=itself)))
    async def coverages(self, info: Info[Context, Any]) -> list[CoverageNode]:
        rows = await loaders.coverages_by_patient_id(info).load(self.pk)
        return [CoverageNode.from_model(r) for r in rows]

    @strawberry.field(
        extensions=guard(Can("note", "read", "ClinicalNote", patient=itself, break_glass=True)),
        description="Providers and nurses; others only after breakGlass.",
    )
    async def notes(self, info: Info[Context, Any]) -> list[NoteNode]:
        op = info.context.op
        via_break_glass = not info.context.runtime.authorizer.can(op.actor, "note", "read")
        rows = await loaders.notes_by_patient_id(info).load((self.pk, via_break_glass))
        return [NoteNode.from_model(r) for r in rows]
