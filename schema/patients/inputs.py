"""Mutation inputs for patient records. Unset fields of an update are left as they are."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry import relay

from schema.patients.enums import (
    AllergyCategory,
    AllergySeverity,
    Sex,
    SubscriberRelationship,
)
from schema.permissions import who

# Field descriptions shared by the create and update inputs
_PATIENT_ID = "The patient (a Patient id)."
_FAMILY_NAME = "Family (last) name; required, at most 100 characters."
_GIVEN_NAME = "Given (first) name; required, at most 100 characters."
_MIDDLE_NAME = "Middle name(s); at most 100 characters."
_PREFERRED_NAME = "The name the patient goes by, if not the given name; at most 100 characters."
_BIRTH_DATE = "Date of birth; required, from 1900-01-01 to today (the practice's time zone)."
_GENDER_IDENTITY = "Gender identity in the patient's words; at most 64 characters."
_EMAIL = "Email address, name@domain.tld; at most 254 characters."
_PHONE = (
    "Phone number with 10 to 15 digits (other characters are not counted, and are kept as "
    "typed); at most 32 characters."
)
_LANGUAGE = "Preferred language, free text (a BCP 47 tag such as es fits); at most 35 characters."
_SSN = (
    "Social security number: 9 digits, dashes and spaces allowed; one the SSA could issue (else "
    f"INVALID_SSN). Stored encrypted; shown in full only to {who('patient_ssn', 'read').lower()}."
)
_NOTE_TITLE = "Not blank; at most 200 characters."


@strawberry.input(
    description="A US postal address. Given in updatePatient, it replaces the whole address: "
    "a part left out or null is cleared."
)
class AddressInput:
    line1: str | None = strawberry.field(
        default=None, description="Street and number; at most 200 characters."
    )
    line2: str | None = strawberry.field(
        default=None, description="Apartment, suite, unit; at most 200 characters."
    )
    city: str | None = strawberry.field(default=None, description="At most 100 characters.")
    state: str | None = strawberry.field(
        default=None, description="Two-letter state code, any case (stored upper case)."
    )
    postal_code: str | None = strawberry.field(
        default=None, description="ZIP code: 12345 or 12345-6789."
    )

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


@strawberry.input(
    description="A new patient. Text is trimmed; blank text counts as not given. Text longer "
    "than its limit is INVALID_INPUT."
)
class CreatePatientInput:
    family_name: str = strawberry.field(description=_FAMILY_NAME)
    given_name: str = strawberry.field(description=_GIVEN_NAME)
    birth_date: date = strawberry.field(description=_BIRTH_DATE)
    sex: Sex = strawberry.field(description="Administrative sex.")  # type: ignore[valid-type]
    middle_name: str | None = strawberry.field(default=None, description=_MIDDLE_NAME)
    preferred_name: str | None = strawberry.field(default=None, description=_PREFERRED_NAME)
    gender_identity: str | None = strawberry.field(default=None, description=_GENDER_IDENTITY)
    email: str | None = strawberry.field(default=None, description=_EMAIL)
    phone: str | None = strawberry.field(default=None, description=_PHONE)
    address: AddressInput | None = strawberry.field(default=None, description="Postal address.")
    language: str | None = strawberry.field(default=None, description=_LANGUAGE)
    ssn: str | None = strawberry.field(default=None, description=_SSN)
    confirm_duplicate: bool = strawberry.field(
        default=False,
        description="Create the patient even though one with the same names and birth date "
        "exists (else POSSIBLE_DUPLICATE): for a different person of the same name.",
    )

    def fields(self) -> dict[str, Any]:
        values = {
            k: v for k, v in vars(self).items() if k not in ("address", "ssn", "confirm_duplicate")
        }
        return {**values, **(self.address.fields() if self.address else {})}


@strawberry.input(
    description="Changes to a patient. Only the fields given change: leave a field out to keep "
    "it, give null to clear it (a required field refuses null with REQUIRED). Same rules as "
    "CreatePatientInput."
)
class UpdatePatientInput:
    id: relay.GlobalID = strawberry.field(description="The patient (a Patient id).")
    family_name: str | None = strawberry.field(default=strawberry.UNSET, description=_FAMILY_NAME)
    given_name: str | None = strawberry.field(default=strawberry.UNSET, description=_GIVEN_NAME)
    birth_date: date | None = strawberry.field(default=strawberry.UNSET, description=_BIRTH_DATE)
    sex: Sex | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="Administrative sex; required, so not null."
    )
    middle_name: str | None = strawberry.field(default=strawberry.UNSET, description=_MIDDLE_NAME)
    preferred_name: str | None = strawberry.field(
        default=strawberry.UNSET, description=_PREFERRED_NAME
    )
    gender_identity: str | None = strawberry.field(
        default=strawberry.UNSET, description=_GENDER_IDENTITY
    )
    email: str | None = strawberry.field(default=strawberry.UNSET, description=_EMAIL)
    phone: str | None = strawberry.field(default=strawberry.UNSET, description=_PHONE)
    address: AddressInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="The whole new address (parts left out are cleared); null clears it all.",
    )
    language: str | None = strawberry.field(default=strawberry.UNSET, description=_LANGUAGE)
    ssn: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"{_SSN} null or blank removes the stored number.",
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


@strawberry.input(description="An allergy or intolerance to add to a patient's list.")
class AddAllergyInput:
    patient_id: relay.GlobalID = strawberry.field(description=_PATIENT_ID)
    substance: str = strawberry.field(
        description="What the patient reacts to, e.g. Penicillin; required, at most 200 characters."
    )
    category: AllergyCategory = strawberry.field(  # type: ignore[valid-type]
        description="What kind of substance it is."
    )
    reaction: str | None = strawberry.field(
        default=None, description="The reaction, e.g. Hives; at most 200 characters."
    )
    severity: AllergySeverity | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="How bad the reaction is, when known."
    )


@strawberry.input(description="A problem to add to a patient's problem list.")
class AddProblemInput:
    patient_id: relay.GlobalID = strawberry.field(description=_PATIENT_ID)
    icd10_code: str = strawberry.field(
        description="An ICD-10-CM diagnosis code, any case, with or without the dot (E11.9, "
        "e119); a three-character category such as E11 will do. Its title is looked up."
    )
    onset_date: date | None = strawberry.field(
        default=None, description="When it began, when known."
    )


@strawberry.input(description="A problem that is over.")
class ResolveProblemInput:
    problem_id: relay.GlobalID = strawberry.field(description="The problem (a Problem id).")
    resolved_date: date | None = strawberry.field(
        default=None,
        description="When it resolved: between its onset and today (the practice's time "
        "zone); null for today.",
    )


@strawberry.input(description="Insurance to add to a patient. Text is trimmed.")
class AddCoverageInput:
    patient_id: relay.GlobalID = strawberry.field(description=_PATIENT_ID)
    payer_name: str = strawberry.field(
        description="The insurer's name; required, at most 200 characters."
    )
    payer_id: str = strawberry.field(
        description="The payer's electronic id for claims (X12 NM109); required, at most 32 "
        "characters."
    )
    member_id: str = strawberry.field(
        description="The member id on the card; required, at most 64 characters."
    )
    relationship: SubscriberRelationship = strawberry.field(  # type: ignore[valid-type]
        description="How the patient relates to the subscriber (the policy holder)."
    )
    priority: int = strawberry.field(
        description="Order of billing: 1 primary, 2 secondary, 3 tertiary (else INVALID_PRIORITY)."
    )
    period_start: date = strawberry.field(description="The first day of coverage.")
    group_number: str | None = strawberry.field(
        default=None, description="The group number on the card; at most 64 characters."
    )
    plan_name: str | None = strawberry.field(
        default=None, description="The plan's name; at most 200 characters."
    )
    subscriber_name: str | None = strawberry.field(
        default=None,
        description="The subscriber's name; required unless relationship is SELF "
        "(SUBSCRIBER_REQUIRED).",
    )
    subscriber_birth_date: date | None = strawberry.field(
        default=None, description="The subscriber's birth date."
    )
    period_end: date | None = strawberry.field(
        default=None,
        description="The last day of coverage, not before periodStart (INVALID_PERIOD); null "
        "when open-ended.",
    )

    def fields(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "patient_id"}


@strawberry.input(description="A new clinical note, started as a draft of the caller's.")
class CreateNoteInput:
    patient_id: relay.GlobalID = strawberry.field(description=_PATIENT_ID)
    title: str = strawberry.field(description=_NOTE_TITLE)
    body: str = strawberry.field(description="The note's text (plain text); not blank.")


@strawberry.input(description="Changes to a draft note; what is null or left out stays.")
class UpdateNoteInput:
    note_id: relay.GlobalID = strawberry.field(
        description="The draft to change (a ClinicalNote id); only its author may."
    )
    title: str | None = strawberry.field(default=None, description=f"New title. {_NOTE_TITLE}")
    body: str | None = strawberry.field(default=None, description="New text; not blank.")


@strawberry.input(description="A draft note to sign.")
class SignNoteInput:
    note_id: relay.GlobalID = strawberry.field(
        description="The draft to sign (a ClinicalNote id); only its author may."
    )


@strawberry.input(description="An addendum to a signed note.")
class AddNoteAddendumInput:
    note_id: relay.GlobalID = strawberry.field(
        description="The signed note to amend (a ClinicalNote id)."
    )
    body: str = strawberry.field(
        description="The addendum's text; not blank. Its title is made from the original's."
    )


@strawberry.input(description="A request for emergency access to a patient's notes.")
class BreakGlassInput:
    patient_id: relay.GlobalID = strawberry.field(description=_PATIENT_ID)
    reason: str = strawberry.field(
        description="Why you need the record now: at least 10 characters once trimmed. It is "
        "kept in the audit trail, where compliance officers review it."
    )
