"""Encounters, charge lines, claims and their history as GraphQL types. Lists under them load
through DataLoaders (schema/billing/loaders.py); every read is audited against the patient.
Billing types carry codes and money only, never clinical free text."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.billing import models, queries
from app.patients import icd10
from schema.billing import loaders
from schema.billing.enums import ClaimFrequency, ClaimState, ScrubProblemCode
from schema.billing.setup_types import Money, PayerNode
from schema.context import Context
from schema.ids import to_global
from schema.loaders import by_id
from schema.nodes import node_resolver
from schema.patients.loaders import patient_by_id
from schema.permissions import can, who
from schema.scheduling.setup_types import LocationNode, ProviderNode, location_of, provider_of

if TYPE_CHECKING:
    from schema.patients.types import PatientNode

_PATIENT = Annotated["PatientNode", strawberry.lazy("schema.patients.types")]


async def _patient(info: Info[Context, Any], patient_id: int) -> PatientNode | None:
    from schema.patients.types import PatientNode

    row = await patient_by_id(info).load(patient_id)
    return PatientNode.from_model(row) if row else None


@strawberry.type(description="An ICD-10-CM diagnosis of an encounter.")
class Diagnosis:
    code: str = strawberry.field(description="The code with its dot, e.g. E11.9.")
    description: str = strawberry.field(
        description="Its title in the CMS ICD-10-CM code set (empty if the code set in use no "
        "longer has it)."
    )

    @classmethod
    def of(cls, code: str) -> Diagnosis:
        found = icd10.lookup(code)
        return cls(code=code, description=found.description if found else "")


@strawberry.type(
    name="ChargeLine",
    description=f"A service billed on an encounter. {who('encounter', 'read')} may read it.",
)
class ChargeLineNode(relay.Node):
    pk: relay.NodeID[int]
    code: str = strawberry.field(description="CPT or HCPCS code.")
    modifiers: list[str] = strawberry.field(description="Up to 4 modifiers, in order.")
    units: int = strawberry.field(description="Units of service (1 to 999).")
    unit_price: Money = strawberry.field(
        description="Price of one unit, from the fee schedule in force on the date of service."
    )
    charge: Money = strawberry.field(description="units x unitPrice: what the line bills.")
    diagnosis_pointers: list[int] = strawberry.field(
        description="Up to 4 positions (1-based) in the encounter's diagnoses."
    )
    line_control_number: str = strawberry.field(
        description="The line's control number (REF*6R): unique, never reused; remittances "
        "match lines by it."
    )
    rendering_provider_pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.ChargeLine) -> ChargeLineNode:
        return cls(
            pk=row.id,
            code=row.code,
            modifiers=row.modifier_codes,
            units=row.units,
            unit_price=Money.of(row.unit_price_cents),
            charge=Money.of(row.charge_cents),
            diagnosis_pointers=row.pointers,
            line_control_number=row.line_control_number,
            rendering_provider_pk=row.rendering_provider_id,
        )

    resolve_nodes = node_resolver("encounter", queries.lines_by_id)  # type: ignore[assignment]

    @strawberry.field(description="Who performed the service.")
    async def rendering_provider(self, info: Info[Context, Any]) -> ProviderNode:
        return await provider_of(info, self.rendering_provider_pk)


@strawberry.type(description="One change of a claim's state.")
class ClaimEvent:
    from_state: ClaimState | None = strawberry.field(  # type: ignore[valid-type]
        description="The state before; null when the claim was created."
    )
    to_state: ClaimState = strawberry.field(description="The state after.")  # type: ignore[valid-type]
    actor_username: str = strawberry.field(description="Who made the change (a username).")
    occurred_at: datetime = strawberry.field(description="When, UTC.")
    reason: str | None = strawberry.field(
        description="Why, as given (a void's reason, a payer's rejection); null if none."
    )

    @classmethod
    def from_model(cls, row: models.ClaimEvent) -> ClaimEvent:
        return cls(
            from_state=row.from_state,
            to_state=row.to_state,
            actor_username=row.actor_username,
            occurred_at=row.occurred_at,
            reason=row.reason,
        )


@strawberry.type(
    name="Encounter",
    description="A visit as billing sees it: made by itself when a visit is completed, or "
    f"directly. {who('encounter', 'read')} may read it; each read is audited.",
)
class EncounterNode(relay.Node):
    pk: relay.NodeID[int]
    service_date: date = strawberry.field(
        description="Date of service: the visit's local date at its location."
    )
    appointment_id: relay.GlobalID | None = strawberry.field(
        description="The completed visit it was made from; null when made directly."
    )
    diagnoses: list[Diagnosis] = strawberry.field(
        description="Up to 12 ICD-10-CM diagnoses, principal first (pointers count from 1)."
    )
    patient_pk: strawberry.Private[int]
    provider_pk: strawberry.Private[int]
    location_pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Encounter) -> EncounterNode:
        return cls(
            pk=row.id,
            service_date=row.service_date,
            appointment_id=to_global("Appointment", row.appointment_id)
            if row.appointment_id
            else None,
            diagnoses=[Diagnosis.of(c) for c in row.diagnosis_codes],
            patient_pk=row.patient_id,
            provider_pk=row.provider_id,
            location_pk=row.location_id,
        )

    resolve_nodes = node_resolver("encounter", queries.encounters_by_id)  # type: ignore[assignment]

    @strawberry.field(
        extensions=can("patient", "read"),
        description="Whose visit; null, with a FORBIDDEN error, for roles that may not read "
        "patients.",
    )
    async def patient(self, info: Info[Context, Any]) -> _PATIENT | None:
        return await _patient(info, self.patient_pk)

    @strawberry.field(description="The provider seen (the claim's rendering provider).")
    async def provider(self, info: Info[Context, Any]) -> ProviderNode:
        return await provider_of(info, self.provider_pk)

    @strawberry.field(description="Where the visit took place.")
    async def location(self, info: Info[Context, Any]) -> LocationNode:
        return await location_of(info, self.location_pk)

    @strawberry.field(description="Its current charge lines, in the order added.")
    async def charge_lines(self, info: Info[Context, Any]) -> list[ChargeLineNode]:
        rows = await loaders.lines_by_encounter_id(info).load(self.pk)
        return [ChargeLineNode.from_model(r) for r in rows]

    @strawberry.field(
        extensions=can("claim", "read"),
        description=f"Its claims, oldest first. {who('claim', 'read')} only.",
    )
    async def claims(self, info: Info[Context, Any]) -> list[ClaimNode] | None:
        rows = await loaders.claims_by_encounter_id(info).load(self.pk)
        return [ClaimNode.from_model(r) for r in rows]


@strawberry.type(
    name="Claim",
    description="An encounter billed to one coverage's payer. "
    f"{who('claim', 'read')} may read it; each read is audited.",
)
class ClaimNode(relay.Node):
    pk: relay.NodeID[int]
    control_number: str = strawberry.field(
        description="Our claim control number (CLM01): unique, never reused; remittances "
        "match claims by it."
    )
    state: ClaimState = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]
    frequency: ClaimFrequency = strawberry.field(  # type: ignore[valid-type]
        description="Original, replacement (corrected) or void."
    )
    payer_claim_number: str | None = strawberry.field(
        description="The payer's number for it (REF*F8 of a correction); null until known."
    )
    coverage_id: relay.GlobalID = strawberry.field(description="The coverage billed.")
    created_at: datetime = strawberry.field(description="When it was created, UTC.")
    encounter_pk: strawberry.Private[int]
    patient_pk: strawberry.Private[int]
    payer_pk: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Claim) -> ClaimNode:
        return cls(
            pk=row.id,
            control_number=row.control_number,
            state=row.state,
            frequency=row.frequency,
            payer_claim_number=row.payer_claim_number,
            coverage_id=to_global("Coverage", row.coverage_id),
            created_at=row.created_at,
            encounter_pk=row.encounter_id,
            patient_pk=row.patient_id,
            payer_pk=row.payer_id,
            parent_pk=row.parent_claim_id,
        )

    resolve_nodes = node_resolver("claim", queries.claims_by_id)  # type: ignore[assignment]

    @strawberry.field(description="The payer billed.")
    async def payer(self, info: Info[Context, Any]) -> PayerNode:
        row = await by_id(info, models.Payer).load(self.payer_pk)
        assert row is not None
        return PayerNode.from_model(row)

    @strawberry.field(
        extensions=can("patient", "read"),
        description="Whose claim; null, with a FORBIDDEN error, for roles that may not read "
        "patients.",
    )
    async def patient(self, info: Info[Context, Any]) -> _PATIENT | None:
        return await _patient(info, self.patient_pk)

    @strawberry.field(
        extensions=can("encounter", "read"),
        description=f"The encounter billed. {who('encounter', 'read')} only.",
    )
    async def encounter(self, info: Info[Context, Any]) -> EncounterNode | None:
        row = await loaders.encounter_by_id(info).load(self.encounter_pk)
        return EncounterNode.from_model(row) if row else None

    @strawberry.field(
        extensions=can("encounter", "read"),
        description="The lines it bills: its encounter's current charge lines.",
    )
    async def lines(self, info: Info[Context, Any]) -> list[ChargeLineNode] | None:
        rows = await loaders.lines_by_encounter_id(info).load(self.encounter_pk)
        return [ChargeLineNode.from_model(r) for r in rows]

    @strawberry.field(
        extensions=can("encounter", "read"),
        description="What it bills in all: the sum of its lines' charges.",
    )
    async def total_charge(self, info: Info[Context, Any]) -> Money | None:
        rows = await loaders.lines_by_encounter_id(info).load(self.encounter_pk)
        return Money.of(sum(r.charge_cents for r in rows))

    @strawberry.field(description="Its state history, oldest first: from, to, who, when, why.")
    async def events(self, info: Info[Context, Any]) -> list[ClaimEvent]:
        rows = await loaders.events_by_claim_id(info).load(self.pk)
        return [ClaimEvent.from_model(r) for r in rows]

    @strawberry.field(
        description="The claim this one corrects or voids (frequency 7 or 8); null for an original."
    )
    async def parent_claim(self, info: Info[Context, Any]) -> ClaimNode | None:
        if self.parent_pk is None:
            return None
        row = await loaders.claim_by_id(info).load(self.parent_pk)
        return ClaimNode.from_model(row) if row else None


@strawberry.type(description="A problem the scrubber found on a claim.")
class ScrubProblem:
    code: ScrubProblemCode = strawberry.field(description="What is wrong.")  # type: ignore[valid-type]
    message: str = strawberry.field(description="What is wrong, in English, for a person.")
    field: list[str] = strawberry.field(
        description='Where in the claim, e.g. ["lines", "0", "modifiers"] or ["diagnoses"].'
    )
    line_control_number: str | None = strawberry.field(
        description="The charge line at fault; null for a claim-level problem."
    )


@strawberry.type(description="What a patient's account owes: sums over the ledger.")
class PatientBalance:
    insurance: Money = strawberry.field(description="Expected from payers.")
    patient_responsibility: Money = strawberry.field(description="Expected from the patient.")
    total: Money = strawberry.field(description="insurance + patientResponsibility.")
