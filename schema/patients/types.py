"""Patient record types: lists under a patient load through DataLoaders; sensitive fields are
guarded."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.patients import demographics, models
from schema.context import Context
from schema.nodes import node_resolver
from schema.patients import loaders
from schema.patients.enums import Sex
from schema.patients.records import AllergyNode, CoverageNode, NoteNode, ProblemNode
from schema.permissions import Can, guard, itself, who


@strawberry.type(description="A US postal address. Each part is null when not recorded.")
class Address:
    line1: str | None = strawberry.field(description="Street and number.")
    line2: str | None = strawberry.field(description="Apartment, suite, unit.")
    city: str | None = strawberry.field(description="City or town.")
    state: str | None = strawberry.field(description="Two-letter state code, upper case (NY).")
    postal_code: str | None = strawberry.field(description="ZIP code: 12345 or 12345-6789.")


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
