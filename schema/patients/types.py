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
from schema.enums import described_enum
from schema.nodes import node_resolver
from schema.patients import loaders
from schema.permissions import Can, guard, itself, who
from schema.users.loaders import staff_name_by_user_id
from schema.users.types import StaffMember

Sex = described_enum(
    models.Sex,
    "Administrative sex, as recorded for identity matching and billing (FHIR "
    "AdministrativeGender); gender identity is a field of its own.",
    {
        models.Sex.FEMALE: "Female.",
        models.Sex.MALE: "Male.",
        models.Sex.OTHER: "Other than female, male or unknown.",
        models.Sex.UNKNOWN: "Not known.",
    },
)
AllergyCategory = described_enum(
    models.AllergyCategory,
    "What kind of substance an allergy is to (FHIR allergy-intolerance-category).",
    {
        models.AllergyCategory.FOOD: "A food or food ingredient.",
        models.AllergyCategory.MEDICATION: "A drug or other medication.",
        models.AllergyCategory.ENVIRONMENT: "Something in the surroundings: pollen, dust, "
        "latex, animals, insect stings.",
        models.AllergyCategory.BIOLOGIC: "A biological product: a vaccine, blood product or "
        "antibody.",
    },
)
AllergySeverity = described_enum(
    models.AllergySeverity,
    "How bad the reaction is (FHIR reaction severity).",
    {
        models.AllergySeverity.MILD: "Mild physiological effects.",
        models.AllergySeverity.MODERATE: "Moderate physiological effects.",
        models.AllergySeverity.SEVERE: "Severe physiological effects.",
    },
)
ClinicalStatus = described_enum(
    models.ClinicalStatus,
    "Whether an allergy or problem is current (FHIR clinical status).",
    {
        models.ClinicalStatus.ACTIVE: "Current.",
        models.ClinicalStatus.INACTIVE: "Not present now, but may come back.",
        models.ClinicalStatus.RESOLVED: "Over.",
    },
)
SubscriberRelationship = described_enum(
    models.SubscriberRelationship,
    "How the patient relates to the coverage's subscriber, the policy holder (FHIR "
    "subscriber-relationship).",
    {
        models.SubscriberRelationship.SELF: "The patient is the subscriber.",
        models.SubscriberRelationship.SPOUSE: "The patient is the subscriber's spouse or partner.",
        models.SubscriberRelationship.CHILD: "The patient is the subscriber's child.",
        models.SubscriberRelationship.OTHER: "Any other relationship.",
    },
)
NoteStatus = described_enum(
    models.NoteStatus,
    "Where a clinical note is in its life.",
    {
        models.NoteStatus.DRAFT: "Being written: its author may change or sign it.",
        models.NoteStatus.SIGNED: "Signed by its author; it never changes again (addenda "
        "correct it).",
    },
)

N = TypeVar("N")
Row = TypeVar("Row")


@strawberry.type(description="A US postal address. Each part is null when not recorded.")
class Address:
    line1: str | None = strawberry.field(description="Street and number.")
    line2: str | None = strawberry.field(description="Apartment, suite, unit.")
    city: str | None = strawberry.field(description="City or town.")
    state: str | None = strawberry.field(description="Two-letter state code, upper case (NY).")
    postal_code: str | None = strawberry.field(description="ZIP code: 12345 or 12345-6789.")


@strawberry.type(
    name="Allergy",
    description="An allergy or intolerance of a patient (FHIR AllergyIntolerance). "
    f"{who('allergy', 'read')} may read it; each read is audited.",
)
class AllergyNode(relay.Node):
    pk: relay.NodeID[int]
    substance: str = strawberry.field(
        description="What the patient reacts to, as entered, e.g. Penicillin."
    )
    category: AllergyCategory = strawberry.field(  # type: ignore[valid-type]
        description="What kind of substance it is."
    )
    reaction: str | None = strawberry.field(
        description="The reaction, as entered, e.g. Hives; null when not recorded."
    )
    severity: AllergySeverity | None = strawberry.field(  # type: ignore[valid-type]
        description="How bad the reaction is; null when not recorded."
    )
    status: ClinicalStatus = strawberry.field(  # type: ignore[valid-type]
        description="ACTIVE when recorded; no operation changes it yet."
    )
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

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
        description="The title; an addendum's is \"Addendum to: \" and the original's title."
    )
    body: str = strawberry.field(description="The note's text, as written (plain text).")
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
        )

    resolve_nodes = node_resolver("note", trail.audited_rows_by_id(models.Note, "ClinicalNote"))  # type: ignore[assignment]


# What a refused non-null field of a patient does to the response
_REFUSED = (
    "the field fails with FORBIDDEN and the patient (or the nearest nullable field above it) "
    "comes back null, so select it only for roles that may read it."
)


@strawberry.type(
    name="Patient",
    description="A patient of the practice: demographics, and the clinical lists below. "
    f"{who('patient', 'read')} may read patients; each read is recorded in the audit trail. "
    "Text is stored trimmed; an optional field is null when not recorded.",
)
class PatientNode(relay.Node):
    pk: relay.NodeID[int]
    mrn: str = strawberry.field(
        description="Medical record number, assigned at registration and never changed: 8 "
        "digits, 7 of sequence then a Luhn check digit, e.g. 00000018."
    )
    family_name: str = strawberry.field(description="Family (last) name.")
    given_name: str = strawberry.field(description="Given (first) name.")
    middle_name: str | None = strawberry.field(description="Middle name(s).")
    preferred_name: str | None = strawberry.field(
        description="The name the patient goes by, when it is not the given name."
    )
    birth_date: date = strawberry.field(description="Date of birth.")
    sex: Sex = strawberry.field(description="Administrative sex.")  # type: ignore[valid-type]
    gender_identity: str | None = strawberry.field(
        description="Gender identity in the patient's words (free text)."
    )
    email: str | None = strawberry.field(description="Email address, to contact the patient.")
    phone: str | None = strawberry.field(
        description="Phone number as entered (10 to 15 digits, with any punctuation)."
    )
    address: Address = strawberry.field(
        description="Postal address; never null, its parts are null when not recorded."
    )
    language: str | None = strawberry.field(
        description="Preferred language, as entered (free text, at most 35 characters; a BCP 47 "
        "tag such as es or en-US fits)."
    )
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
        description="Social security number: masked as ***-**-1234 for anyone who may read "
        f"the patient, in full (123-45-6789) for {who('patient_ssn', 'read').lower()}, each "
        "such read audited; null when none is recorded.",
    )
    async def ssn(self, info: Info[Context, Any]) -> str | None:
        op = info.context.op
        async with op.db() as session:
            return demographics.full_ssn(
                session, op.staff, self.model, info.context.runtime.settings
            )

    @strawberry.field(
        extensions=guard(Can("allergy", "read", "AllergyIntolerance", patient=itself)),
        description=f"Allergies and intolerances, in the order recorded. {who('allergy', 'read')}"
        f" only; for other roles {_REFUSED}",
    )
    async def allergies(self, info: Info[Context, Any]) -> list[AllergyNode]:
        rows = await loaders.allergies_by_patient_id(info).load(self.pk)
        return [AllergyNode.from_model(r) for r in rows]

    @strawberry.field(
        extensions=guard(Can("problem", "read", "Condition", patient=itself)),
        description=f"The problem list, resolved problems included, in the order recorded. "
        f"{who('problem', 'read')} only; for other roles {_REFUSED}",
    )
    async def problems(self, info: Info[Context, Any]) -> list[ProblemNode]:
        rows = await loaders.problems_by_patient_id(info).load(self.pk)
        return [ProblemNode.from_model(r) for r in rows]

    @strawberry.field(
        extensions=guard(Can("coverage", "read", "Coverage", patient=itself)),
        description=f"Insurance coverages, primary first (by priority). "
        f"{who('coverage', 'read')} only; for other roles {_REFUSED}",
    )
    async def coverages(self, info: Info[Context, Any]) -> list[CoverageNode]:
        rows = await loaders.coverages_by_patient_id(info).load(self.pk)
        return [CoverageNode.from_model(r) for r in rows]

    @strawberry.field(
        extensions=guard(Can("note", "read", "ClinicalNote", patient=itself, break_glass=True)),
        description=f"Clinical notes and addenda, oldest first. {who('note', 'read')}, and any "
        "other role while it holds an unexpired breakGlass grant for this patient (those reads "
        f"are flagged in the audit trail); for anyone else {_REFUSED}",
    )
    async def notes(self, info: Info[Context, Any]) -> list[NoteNode]:
        op = info.context.op
        via_break_glass = not info.context.runtime.authorizer.can(op.actor, "note", "read")
        rows = await loaders.notes_by_patient_id(info).load((self.pk, via_break_glass))
        return [NoteNode.from_model(r) for r in rows]
