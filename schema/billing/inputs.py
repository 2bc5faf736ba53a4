"""Inputs of the billing mutations."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from schema.patients.inputs import AddressInput

_CLAIM_ID = "The claim (a Claim id)."
_ENCOUNTER_ID = "The encounter (an Encounter id)."
_CODE = "A CPT code (5 digits, or 4 and F, T or U) or HCPCS code (a letter and 4 digits), any case."
_MODIFIERS = "Up to 4 modifiers of two letters or digits each, in order, any case."


@strawberry.input(description="A new payer.")
class CreatePayerInput:
    name: str = strawberry.field(description="The payer's name; required.")
    payer_id: str = strawberry.field(
        description="Its X12 payer id, as coverages name it; unique (else PAYER_ID_TAKEN)."
    )
    filing_indicator: str = strawberry.field(
        description="Claim filing indicator code (SBR09): CI, MB, MC, BL, HM, ..."
    )
    address: AddressInput | None = strawberry.field(
        default=None, description="Its address, if known (ZIP 12345 or 12345-6789)."
    )


@strawberry.input(
    description="The practice as it bills; replaces the whole record (a part left out is cleared)."
)
class UpdateBillingProviderInput:
    name: str = strawberry.field(description="Billing name; at most 60 characters.")
    npi: str = strawberry.field(description="Organisation NPI: 10 digits with a valid check digit.")
    tax_id: str = strawberry.field(description="EIN: 9 digits, dash allowed (12-3456789).")
    address: AddressInput = strawberry.field(
        description="Street, city, state, ZIP. Claims need the ZIP+4 (the scrubber says so)."
    )
    contact_name: str | None = strawberry.field(default=None, description="Who payers call.")
    contact_phone: str | None = strawberry.field(
        default=None, description="10 digits, any punctuation."
    )


@strawberry.input(description="A new fee schedule.")
class CreateFeeScheduleInput:
    name: str = strawberry.field(description="Its name; unique.")
    payer_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The payer whose contract it is (a Payer id); null: default."
    )
    valid_from: date = strawberry.field(description="First date of service it prices.")
    valid_until: date | None = strawberry.field(
        default=None, description="Last date of service it prices; null: open-ended."
    )


@strawberry.input(description="A price in a fee schedule (added, or changed if there).")
class SetFeeScheduleEntryInput:
    fee_schedule_id: relay.GlobalID = strawberry.field(description="The schedule.")
    code: str = strawberry.field(description=_CODE)
    modifiers: list[str] = strawberry.field(default_factory=list, description=_MODIFIERS)
    price_cents: int = strawberry.field(description="Price of one unit, in cents (0 or more).")


@strawberry.input(description="An encounter made directly (not from a completed visit).")
class CreateEncounterInput:
    patient_id: relay.GlobalID = strawberry.field(description="The patient (a Patient id).")
    provider_id: relay.GlobalID = strawberry.field(description="The provider seen.")
    location_id: relay.GlobalID = strawberry.field(description="Where.")
    service_date: date = strawberry.field(description="Date of service.")


@strawberry.input(description="An encounter's diagnoses, replacing the ones it has.")
class SetEncounterDiagnosesInput:
    encounter_id: relay.GlobalID = strawberry.field(description=_ENCOUNTER_ID)
    diagnoses: list[str] = strawberry.field(
        description="Up to 12 ICD-10-CM codes, principal first, with or without the dot."
    )


@strawberry.input(description="A charge line to add to an encounter.")
class AddChargeLineInput:
    encounter_id: relay.GlobalID = strawberry.field(description=_ENCOUNTER_ID)
    code: str = strawberry.field(description=_CODE)
    modifiers: list[str] = strawberry.field(default_factory=list, description=_MODIFIERS)
    units: int = strawberry.field(default=1, description="Units of service, 1 to 999.")
    diagnosis_pointers: list[int] = strawberry.field(
        default_factory=list,
        description="Up to 4 positions (from 1) in the encounter's diagnoses.",
    )
    rendering_provider_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Who performed it; null: the encounter's provider."
    )


@strawberry.input(description="A charge line to take off its encounter.")
class RemoveChargeLineInput:
    charge_line_id: relay.GlobalID = strawberry.field(description="The line (a ChargeLine id).")


@strawberry.input(description="An encounter to bill to a coverage.")
class CreateClaimInput:
    encounter_id: relay.GlobalID = strawberry.field(description=_ENCOUNTER_ID)
    coverage_id: relay.GlobalID = strawberry.field(
        description="The patient's coverage to bill (a Coverage id); its payer id must name a "
        "Payer."
    )


@strawberry.input(description="A claim.")
class ClaimIdInput:
    claim_id: relay.GlobalID = strawberry.field(description=_CLAIM_ID)


@strawberry.input(description="A claim and why it changes.")
class ClaimReasonInput:
    claim_id: relay.GlobalID = strawberry.field(description=_CLAIM_ID)
    reason: str = strawberry.field(description="Why; required, kept in the claim's history.")
