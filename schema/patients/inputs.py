"""Mutation inputs for patient records. Unset fields of an update are left as they are."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry import relay

from schema.patients.types import (
    AllergyCategory,
    AllergySeverity,
    Sex,
    SubscriberRelationship,
)


@strawberry.input
class AddressInput:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "address_line1": self.line1,
            "address_line2": self.line2,
            "city": self.city,
            "state": self.state,
            "postal_code": self.postal_code,
        }


# Where those fields sit in a patient input: the userError paths of the address
ADDRESS_PATHS = {
    "address_line1": ["address", "line1"],
    "address_line2": ["address", "line2"],
    "city": ["address", "city"],
    "state": ["address", "state"],
    "postal_code": ["address", "postalCode"],
}


@strawberry.input
class CreatePatientInput:
    family_name: str
    given_name: str
    birth_date: date
    sex: Sex  # type: ignore[valid-type]
    middle_name: str | None = None
    preferred_name: str | None = None
    gender_identity: str | None = None
    email: str | None = None
    phone: str | None = None
    address: AddressInput | None = None
    language: str | None = None
    ssn: str | None = None
    confirm_duplicate: bool = strawberry.field(
        default=False,
        description="Create even though a patient with this name and birth date exists.",
    )

    def fields(self) -> dict[str, Any]:
        values = {
            k: v for k, v in vars(self).items() if k not in ("address", "ssn", "confirm_duplicate")
        }
        return {**values, **(self.address.fields() if self.address else {})}


@strawberry.input
class UpdatePatientInput:
    id: relay.GlobalID
    family_name: str | None = strawberry.UNSET
    given_name: str | None = strawberry.UNSET
    birth_date: date | None = strawberry.UNSET
    sex: Sex | None = strawberry.UNSET  # type: ignore[valid-type]
    middle_name: str | None = strawberry.UNSET
    preferred_name: str | None = strawberry.UNSET
    gender_identity: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    address: AddressInput | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    ssn: str | None = strawberry.field(
        default=strawberry.UNSET, description="null removes the stored number."
    )

    def fields(self) -> dict[str, Any]:
        values = {
            k: v
            for k, v in vars(self).items()
            if k not in ("id", "address", "ssn") and v is not strawberry.UNSET
        }
        if self.address is not strawberry.UNSET:
            values.update((self.address or AddressInput()).fields())
        return values


@strawberry.input
class AddAllergyInput:
    patient_id: relay.GlobalID
    substance: str
    category: AllergyCategory  # type: ignore[valid-type]
    reaction: str | None = None
    severity: AllergySeverity | None = None  # type: ignore[valid-type]


@strawberry.input
class AddProblemInput:
    patient_id: relay.GlobalID
    icd10_code: str = strawberry.field(description="ICD-10-CM, with or without the dot.")
    onset_date: date | None = None


@strawberry.input
class ResolveProblemInput:
    problem_id: relay.GlobalID
    resolved_date: date | None = strawberry.field(default=None, description="Defaults to today.")


@strawberry.input
class AddCoverageInput:
    patient_id: relay.GlobalID
    payer_name: str
    payer_id: str
    member_id: str
    relationship: SubscriberRelationship  # type: ignore[valid-type]
    priority: int = strawberry.field(description="1 primary, 2 secondary, 3 tertiary.")
    period_start: date
    group_number: str | None = None
    plan_name: str | None = None
    subscriber_name: str | None = None
    subscriber_birth_date: date | None = None
    period_end: date | None = None

    def fields(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "patient_id"}


@strawberry.input
class CreateNoteInput:
    patient_id: relay.GlobalID
    title: str
    body: str


@strawberry.input
class UpdateNoteInput:
    note_id: relay.GlobalID
    title: str | None = None
    body: str | None = None


@strawberry.input
class SignNoteInput:
    note_id: relay.GlobalID


@strawberry.input
class AddNoteAddendumInput:
    note_id: relay.GlobalID
    body: str


@strawberry.input
class BreakGlassInput:
    patient_id: relay.GlobalID
    reason: str
