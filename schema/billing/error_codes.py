"""What each of this domain's error codes tells a caller: its part of the ErrorCode enum's
descriptions (assembled in schema/error_codes.py), keyed by the domain's own members so that
app/ stays free of GraphQL."""

from __future__ import annotations

import enum

from app.billing.errors import BillingErrorCode

DESCRIPTIONS: dict[enum.StrEnum, str] = {
    # billing
    BillingErrorCode.PAYER_ID_TAKEN: "createPayer: another payer has this X12 payer id.",
    BillingErrorCode.INVALID_FILING_INDICATOR: (
        "createPayer: not an X12 claim filing indicator code (SBR09: CI, MB, MC, BL, HM, ...)."
    ),
    BillingErrorCode.INVALID_BILLING_NPI: (
        "updateBillingProvider: the NPI is not 10 digits ending in its Luhn check digit "
        "(computed with the 80840 prefix)."
    ),
    BillingErrorCode.INVALID_TAX_ID: (
        "updateBillingProvider: a tax id (EIN) is 9 digits (12-3456789)."
    ),
    BillingErrorCode.INVALID_ZIP_CODE: "A billing address's ZIP code is not 12345 or 12345-6789.",
    BillingErrorCode.INVALID_STATE_CODE: (
        "A billing address's state is not a two-letter US state code."
    ),
    BillingErrorCode.INVALID_CONTACT_PHONE: (
        "updateBillingProvider: the contact phone is not 10 digits."
    ),
    BillingErrorCode.INVALID_VALIDITY: "createFeeSchedule: validUntil is before validFrom.",
    BillingErrorCode.SCHEDULE_OVERLAP: (
        "createFeeSchedule: another schedule of the same payer (or another default schedule) "
        "is in force during part of this period; a date of service must have one price."
    ),
    BillingErrorCode.INVALID_PRICE: "setFeeScheduleEntry: a price is 0 to 10,000,000 cents.",
    BillingErrorCode.INVALID_PROCEDURE_CODE: (
        "Not a CPT code (5 digits, or 4 digits and F, T or U) nor a HCPCS Level II code (a "
        "letter and 4 digits)."
    ),
    BillingErrorCode.INVALID_MODIFIER: (
        "More than 4 modifiers, or one that is not two letters or digits."
    ),
    BillingErrorCode.INVALID_DIAGNOSIS_CODE: (
        "setEncounterDiagnoses: not an ICD-10-CM diagnosis code (`field` names its position)."
    ),
    BillingErrorCode.TOO_MANY_DIAGNOSES: (
        "setEncounterDiagnoses: a claim carries at most 12 diagnoses."
    ),
    BillingErrorCode.DUPLICATE_DIAGNOSIS: "setEncounterDiagnoses: the same code is listed twice.",
    BillingErrorCode.INVALID_POINTER: (
        "addChargeLine: more than 4 diagnosis pointers, or one that is not the position (from "
        "1) of one of the encounter's diagnoses."
    ),
    BillingErrorCode.INVALID_UNITS: "addChargeLine: units are 1 to 999.",
    BillingErrorCode.NO_PRICE: (
        "addChargeLine: neither the primary payer's fee schedule nor the default one in force "
        "on the date of service prices this code."
    ),
    BillingErrorCode.ENCOUNTER_LOCKED: (
        "A claim of the encounter is READY, SUBMITTED or ACCEPTED: its codes and lines are what "
        "was sent. Void or correct the claim instead."
    ),
    BillingErrorCode.LINE_REMOVED: "removeChargeLine: the line is removed already.",
    BillingErrorCode.COVERAGE_NOT_OF_PATIENT: "createClaim: the coverage is another patient's.",
    BillingErrorCode.COVERAGE_NOT_IN_FORCE: (
        "createClaim: the coverage's period does not hold the date of service."
    ),
    BillingErrorCode.UNKNOWN_PAYER: (
        "createClaim: no payer has the coverage's payer id; create the payer first."
    ),
    BillingErrorCode.CLAIM_EXISTS: (
        "createClaim: the encounter is billed to this coverage already (a claim that is not "
        "VOID); createCorrectedClaim: the claim is replaced already."
    ),
    BillingErrorCode.CLAIM_NOT_CLEAN: (
        "markClaimReady: the scrubber found a problem (one userError each; the message starts "
        "with its ScrubProblemCode). The claim stays DRAFT; scrubClaim lists them in detail."
    ),
    BillingErrorCode.CLAIM_INCOMPLETE: (
        "The claim lacks what every claim must carry (the billing provider, or the subscriber's "
        "name and birth date): scrub it."
    ),
    BillingErrorCode.INVALID_CLAIM_TRANSITION: (
        "The claim's state does not allow this step, e.g. marking a VOID claim ready, voiding a "
        "SUBMITTED one, or correcting a DRAFT one. Nothing changed."
    ),
    BillingErrorCode.PAYER_CLAIM_NUMBER_REQUIRED: (
        "voidClaim or createCorrectedClaim: the payer holds the claim but its claim number (from "
        "the acknowledgement or remittance) is not known yet."
    ),
    BillingErrorCode.CLAIM_REASON_REQUIRED: "voidClaim or createCorrectedClaim: say why (reason).",
    BillingErrorCode.CLAIM_NOT_READY: (
        "generateClaimBatch: a claim is not READY (scrub it and mark it ready first); `field` "
        "names its position in claimIds."
    ),
    BillingErrorCode.BATCH_SIZE: "generateClaimBatch: a batch carries 1 to 5,000 claims.",
    BillingErrorCode.BATCH_NOT_VALID_X12: (
        "generateClaimBatch: the 837P written fails pyx12's validation (one error per "
        "problem found) or the claims hold what an 837P cannot carry; nothing was sent."
    ),
    BillingErrorCode.ACKNOWLEDGEMENT_INVALID: (
        "importAcknowledgement: the file fails pyx12's validation (one error per problem "
        "found); nothing was changed."
    ),
    BillingErrorCode.ACKNOWLEDGEMENT_KIND_UNKNOWN: (
        "importAcknowledgement: the file is neither a 999 nor a 277CA (its ST01)."
    ),
    BillingErrorCode.INVALID_X12_FILE: (
        "importRemittance: the file is not a valid 835 (005010X221A1); one error per problem "
        "pyx12 found. Nothing was posted."
    ),
    BillingErrorCode.REMITTANCE_UNBALANCED: (
        "importRemittance: the claim payments less the provider adjustments (PLB) do not add up "
        "to the payment (BPR02). Nothing was posted."
    ),
    BillingErrorCode.WORK_ITEM_CLOSED: (
        "resolveRemittanceItem: the item is resolved or dismissed already."
    ),
    BillingErrorCode.RESOLUTION_REQUIRED: (
        "resolveRemittanceItem: name exactly one of claimId (post it to that claim) or "
        "dismissReason."
    ),
    BillingErrorCode.INVALID_AMOUNT: "An amount of money must be above zero cents.",
    BillingErrorCode.IDEMPOTENCY_KEY_REQUIRED: "recordPayment: send an idempotency key.",
    BillingErrorCode.IDEMPOTENCY_KEY_REUSED: (
        "recordPayment: this idempotency key was used for another payment (another patient or "
        "amount); a repeat of the same payment returns the first."
    ),
    BillingErrorCode.INVALID_ALLOCATION: (
        "recordPayment: an allocation names either a claim or a charge line, not both or neither."
    ),
    BillingErrorCode.ALLOCATIONS_EXCEED_PAYMENT: (
        "recordPayment: the allocations add up to more than the payment."
    ),
    BillingErrorCode.REFUND_EXCEEDS_PAYMENT: (
        "refundPayment: more than the payment brought, less what was refunded of it already."
    ),
    BillingErrorCode.WRITE_OFF_EXCEEDS_BALANCE: (
        "writeOff: more than the patient owes (a write-off never makes a credit)."
    ),
    BillingErrorCode.ACCOUNT_REASON_REQUIRED: "refundPayment or writeOff: say why (reason).",
}
