"""Billing's enums as GraphQL sees them, each value described."""

from __future__ import annotations

from app.billing import models
from app.billing.scrubber import ScrubProblemCode as _ScrubProblemCode
from app.billing.x12.documents import Frequency
from schema.enums import described_enum

S = models.ClaimState
ClaimState = described_enum(
    models.ClaimState,
    "Where a claim stands. DRAFT -> READY (scrubbed clean) -> SUBMITTED -> ACCEPTED or "
    "REJECTED -> PAID, PARTIALLY_PAID or DENIED; VOID from most states. Every change is in the "
    "claim's events.",
    {
        S.DRAFT: "Being prepared; its encounter's codes and lines may change.",
        S.READY: "Scrubbed clean, waiting to be sent in a batch; its encounter is locked.",
        S.SUBMITTED: "Sent to the payer in an 837P batch.",
        S.ACCEPTED: "Acknowledged and accepted by the payer (999 / 277CA).",
        S.REJECTED: "Rejected by the payer before adjudication; fix it and send it again.",
        S.PAID: "Adjudicated and paid in full.",
        S.PARTIALLY_PAID: "Adjudicated and paid in part.",
        S.DENIED: "Adjudicated and denied.",
        S.VOID: "Cancelled: its charges are reversed; a void claim (frequency 8) is sent when "
        "the payer held it.",
    },
)

ClaimFrequency = described_enum(
    Frequency,
    "The claim frequency code (CLM05-3): an original claim, a replacement of one, or its void.",
    {
        Frequency.ORIGINAL: "An original claim (code 1).",
        Frequency.REPLACEMENT: "A corrected claim replacing the payer's claim (code 7).",
        Frequency.VOID: "Voids the payer's claim (code 8).",
    },
    name="ClaimFrequency",
)

P = _ScrubProblemCode
ScrubProblemCode = described_enum(
    _ScrubProblemCode,
    "What the scrubber found wrong with a claim; a claim with any stays in DRAFT.",
    {
        P.NO_CHARGE_LINES: "The encounter has no charge lines.",
        P.MISSING_DIAGNOSIS: "The encounter has no ICD-10-CM diagnosis.",
        P.INVALID_DIAGNOSIS: "A diagnosis is not a code of the ICD-10-CM code set in use (e.g. "
        "retired since it was entered).",
        P.INVALID_PROCEDURE_CODE: "A line's code is neither CPT (5 digits, or 4 and F, T or U) "
        "nor HCPCS (a letter and 4 digits).",
        P.MODIFIER_NOT_ALLOWED: "A line has more than 4 modifiers, or one that is not two "
        "letters or digits.",
        P.MISSING_POINTER: "A line points at no diagnosis.",
        P.POINTER_OUT_OF_RANGE: "A line points past the encounter's diagnoses (or has more than "
        "4 pointers).",
        P.INVALID_NPI: "The billing or a rendering provider's NPI fails its Luhn check (with "
        "the 80840 prefix).",
        P.MISSING_BILLING_PROVIDER: "The practice's billing provider is not set up.",
        P.MISSING_SUBSCRIBER_DATA: "The coverage lacks the subscriber's member id, name or "
        "birth date, or (the patient being the subscriber) the patient's address.",
        P.MISSING_PATIENT_ADDRESS: "The patient, not the subscriber, has no complete address.",
        P.ZIP_WITHOUT_PLUS4: "The billing provider's ZIP code lacks its +4 (claims need 9 digits).",
        P.SERVICE_DATE_IN_FUTURE: "The date of service is after today in the practice's time zone.",
        P.ZERO_CHARGE: "A line charges nothing (its fee schedule price is 0).",
    },
)
