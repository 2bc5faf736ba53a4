"""What an 837P claim says, as plain values: the contract between the database and the writer.

The billing domain maps its rows into these (app/billing builds them for a claim); the scrubber
checks them and the 837P writer turns them into segments. Neither side sees the other's types.
Money is integer cents; codes are stored without dots (ICD-10-CM `E119`, not `E11.9`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Frequency(StrEnum):
    """CLM05-3, the claim frequency code: an original claim, its replacement or its void."""

    ORIGINAL = "1"
    REPLACEMENT = "7"
    VOID = "8"


@dataclass(frozen=True, slots=True)
class Address:
    """A street address; `postal_code` is 5 or 9 digits (ZIP+4 without the dash)."""

    line1: str
    city: str
    state: str
    postal_code: str
    line2: str = ""


@dataclass(frozen=True, slots=True)
class Party:
    """The submitter, receiver, billing provider or rendering provider of a claim."""

    name: str
    identifier: str  # NPI for providers, the clearinghouse's ids for submitter and receiver
    address: Address | None = None
    tax_id: str = ""  # EIN, billing provider only
    first_name: str = ""  # set for a person (a rendering provider), empty for an organisation
    contact_name: str = ""
    contact_phone: str = ""


@dataclass(frozen=True, slots=True)
class Payer:
    """The payer a claim goes to: X12 payer id and its claim filing indicator (SBR09)."""

    name: str
    payer_id: str
    filing_indicator: str  # CI commercial, MB Medicare part B, MC Medicaid, BL Blue Cross...
    address: Address | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """A subscriber or patient as the claim names them."""

    last_name: str
    first_name: str
    birth_date: dt.date
    sex: str  # M, F or U
    address: Address | None = None
    member_id: str = ""  # the subscriber's id at the payer


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS triple: group (CO, PR, OA, PI, CR), CARC reason code and amount in cents."""

    group: str
    reason: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class LineAdjudication:
    """What another payer did with a line (2430 SVD/CAS/DTP), for a secondary claim."""

    payer_id: str
    paid_cents: int
    procedure_code: str
    modifiers: tuple[str, ...]
    units: int
    adjudicated_on: dt.date
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True, slots=True)
class OtherPayer:
    """A payer that adjudicated the claim before this one (2320/2330 loops of a COB claim)."""

    payer: Payer
    subscriber: Person
    relationship: str  # SBR02 individual relationship code: 18 self, 01 spouse, 19 child...
    responsibility: str  # P primary, S secondary, T tertiary
    paid_cents: int
    adjudicated_on: dt.date
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS
    group_number: str = ""


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """One charge line (2400): code, up to 4 modifiers, units, charge and its diagnoses."""

    control_number: str  # REF*6R, echoed back by the payer in the 835 to match the line
    procedure_code: str  # CPT or HCPCS
    modifiers: tuple[str, ...]
    charge_cents: int
    units: int
    service_date: dt.date
    diagnosis_pointers: tuple[int, ...]  # 1-based positions in ClaimDocument.diagnoses
    rendering_provider: Party | None = None  # only when it differs from the claim's
    place_of_service: str = ""  # only when it differs from the claim's
    other_payers: tuple[LineAdjudication, ...] = ()


@dataclass(frozen=True, slots=True)
class ClaimDocument:
    """One claim of a batch: everything the 837P's 2000B/2000C/2300/2400 loops need."""

    control_number: str  # CLM01, the patient control number we match the 835's CLP01 against
    payer: Payer
    billing_provider: Party
    subscriber: Person
    relationship: str  # patient's relationship to the subscriber; 18 = self
    patient: Person  # the same person as the subscriber when relationship is 18
    responsibility: str  # P, S or T: this payer's place in the order of coverage
    place_of_service: str  # CMS place of service code, 11 = office
    diagnoses: tuple[str, ...]  # up to 12 ICD-10-CM codes, principal first, without dots
    lines: tuple[ServiceLine, ...]
    rendering_provider: Party | None = None
    group_number: str = ""
    frequency: Frequency = Frequency.ORIGINAL
    payer_claim_number: str = ""  # REF*F8, required for replacement and void claims
    other_payers: tuple[OtherPayer, ...] = ()
    onset_date: dt.date | None = None

    @property
    def total_cents(self) -> int:
        """CLM02: the sum of the lines' charges."""
        return sum(line.charge_cents for line in self.lines)


@dataclass(frozen=True, slots=True)
class Interchange:
    """One 837P file: its envelope's parties and control number, and its claims."""

    control_number: int  # ISA13/GS06/ST02 come from it; never repeats (app/counters.py)
    sender_id: str
    receiver_id: str
    submitter: Party
    receiver: Party
    created_at: dt.datetime
    claims: tuple[ClaimDocument, ...] = field(default_factory=tuple)
    production: bool = True  # ISA15 P or T
