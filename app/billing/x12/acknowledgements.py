"""Read the acknowledgements of a submitted 837P: the 999 and the 277CA, with no database.

A 999 (005010X231A1) says whether each transaction set (ST02) of our batch was syntactically
accepted; a 277CA (005010X214) says, claim by claim, whether the payer's front end took the
claim into adjudication. `importAcknowledgement` moves claims to ACCEPTED or REJECTED from
these values. pyx12 ships maps for both, so both are validated before they are read and an
invalid file raises `InvalidX12File` with pyx12's problems.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.billing.x12.remittance_segments import (
    Segment,
    cents,
    date,
    read_segments,
    split_transactions,
)

VERSION_999 = "005010X231A1"
VERSION_277CA = "005010X214"


class AckStatus(StrEnum):
    """The outcome, from IK501/AK901 (999) or from the STC categories (277CA)."""

    ACCEPTED = "accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"  # 999 E: accepted, errors noted
    PARTIALLY_ACCEPTED = "partially_accepted"  # 999 AK901 P: some transaction sets rejected
    REJECTED = "rejected"

    @property
    def accepted(self) -> bool:
        return self in (AckStatus.ACCEPTED, AckStatus.ACCEPTED_WITH_ERRORS)


_999_CODES = {
    "A": AckStatus.ACCEPTED,
    "E": AckStatus.ACCEPTED_WITH_ERRORS,
    "P": AckStatus.PARTIALLY_ACCEPTED,
}  # R, M, W and X all reject
# 277CA STC01-1: A3 returned as unprocessable, A4 not found, A6 missing information,
# A7 invalid information, A8 relational field in error. A0/A1/A2/A5 are acknowledgements.
_REJECTING_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8"})


@dataclass(frozen=True, slots=True)
class ElementError:
    """IK4: an element of the segment in error."""

    position: int  # IK401-1, the element's position in the segment
    component: int | None  # IK401-2, the component's position within a composite
    reference: str  # IK402, the data element reference number
    code: str  # IK403, e.g. 1 required element missing, 7 invalid code value
    bad_value: str  # IK404, a copy of the bad data


@dataclass(frozen=True, slots=True)
class SegmentError:
    """IK3: a segment in error and its element errors."""

    segment_id: str  # IK301
    position: int  # IK302, the segment's position in the transaction set (ST = 1)
    loop: str  # IK303
    code: str  # IK304, e.g. 3 required segment missing, 8 segment has data element errors
    elements: tuple[ElementError, ...]


@dataclass(frozen=True, slots=True)
class TransactionAcknowledgement:
    """AK2..IK5: one of our transaction sets as the receiver saw it."""

    transaction_type: str  # AK201, 837
    control_number: str  # AK202, the ST02 of our 837
    status: AckStatus  # from IK501
    code: str  # IK501 itself
    error_codes: tuple[str, ...]  # IK502-IK506
    segment_errors: tuple[SegmentError, ...]


@dataclass(frozen=True, slots=True)
class GroupAcknowledgement:
    """AK1..AK9: one of our functional groups (GS06) and its transaction sets."""

    functional_id: str  # AK101, HC for 837 claims
    group_control_number: str  # AK102, the GS06 of our batch
    version: str  # AK103
    status: AckStatus  # from AK901
    code: str  # AK901 itself
    error_codes: tuple[str, ...]  # AK905-AK909
    transactions: tuple[TransactionAcknowledgement, ...]


@dataclass(frozen=True, slots=True)
class ClaimStatusCode:
    """An STC01/STC10/STC11 composite: category (A1...), status code, entity code."""

    category: str
    code: str
    entity: str


@dataclass(frozen=True, slots=True)
class ClaimAcknowledgement:
    """A 277CA 2200D loop: one of our claims, accepted into adjudication or rejected."""

    patient_control_number: str  # TRN02, our CLM01
    payer_claim_number: str  # REF*1K, "" when the payer assigned none (typically on reject)
    clearinghouse_trace: str  # REF*D9
    batch_reference: str  # 2200B TRN02, the BHT03 of our 837
    payer_name: str  # 2100A NM103
    payer_id: str  # 2100A NM109
    billing_provider_id: str  # 2100C NM109, our NPI
    patient_last_name: str
    patient_first_name: str
    member_id: str  # 2100D NM109
    status: AckStatus  # ACCEPTED or REJECTED
    statuses: tuple[ClaimStatusCode, ...]  # every claim-level STC composite, in file order
    action_code: str  # STC03 of the first STC: WQ accepted, U rejected
    effective_date: dt.date | None  # STC02
    charge_cents: int  # STC04, the total charge as received


def read_999(text: str) -> tuple[GroupAcknowledgement, ...]:
    """Each acknowledged functional group of a 999; raises `InvalidX12File` if invalid."""
    segments = read_segments(text, "999", VERSION_999)
    return tuple(_group(transaction) for transaction in split_transactions(segments))


def read_277ca(text: str) -> tuple[ClaimAcknowledgement, ...]:
    """Each claim a 277CA reports on; raises `InvalidX12File` if invalid."""
    segments = read_segments(text, "277", VERSION_277CA)
    return tuple(
        claim for transaction in split_transactions(segments) for claim in _claims(transaction)
    )


def _group(transaction: Sequence[Segment]) -> GroupAcknowledgement:
    ak1 = next(s for s in transaction if s.id == "AK1")  # required, pyx12 checked
    ak9 = next(s for s in transaction if s.id == "AK9")
    transactions: list[TransactionAcknowledgement] = []
    ak2: Segment | None = None
    errors: list[SegmentError] = []
    for segment in transaction:
        if segment.id == "AK2":
            ak2, errors = segment, []
        elif segment.id == "IK3":
            errors.append(SegmentError(segment[1], int(segment[2]), segment[3], segment[4], ()))
        elif segment.id == "IK4" and errors:
            component = segment.component(1, 2)
            element = ElementError(
                int(segment.component(1, 1)),
                int(component) if component else None,
                segment[2],
                segment[3],
                segment[4],
            )
            last = errors[-1]
            errors[-1] = SegmentError(
                last.segment_id, last.position, last.loop, last.code, (*last.elements, element)
            )
        elif segment.id == "IK5" and ak2 is not None:
            transactions.append(
                TransactionAcknowledgement(
                    ak2[1],
                    ak2[2],
                    _status(segment[1]),
                    segment[1],
                    _codes(segment, 2, 6),
                    tuple(errors),
                )
            )
    return GroupAcknowledgement(
        ak1[1], ak1[2], ak1[3], _status(ak9[1]), ak9[1], _codes(ak9, 5, 9), tuple(transactions)
    )


def _status(code: str) -> AckStatus:
    return _999_CODES.get(code, AckStatus.REJECTED)


def _codes(segment: Segment, first: int, last: int) -> tuple[str, ...]:
    return tuple(segment[i] for i in range(first, last + 1) if segment[i])


def _claims(transaction: Sequence[Segment]) -> list[ClaimAcknowledgement]:
    """Walk the HL levels (20 payer, 21 receiver, 19 provider, PT patient), keeping the
    context each claim's 2200D loop inherits; service-line (2220D) STCs are not claim status."""
    context: dict[str, str] = {}
    found: list[ClaimAcknowledgement] = []
    claim: list[Segment] = []
    for segment in transaction:  # the last one is SE, which closes the last claim
        if claim and segment.id in ("HL", "TRN", "SE"):
            found.append(_claim(claim, context))
            claim = []
        if segment.id == "HL":
            context["level"] = segment[3]
        elif segment.id == "NM1":
            context[segment[1]] = segment[3]
            context[f"{segment[1]}_first"] = segment[4]
            context[f"{segment[1]}_id"] = segment[9]
        elif segment.id == "TRN" and context.get("level") == "21":
            context["batch"] = segment[2]
        if claim or (segment.id == "TRN" and context.get("level") == "PT"):
            claim.append(segment)
    return found


def _claim(segments: Sequence[Segment], context: dict[str, str]) -> ClaimAcknowledgement:
    own = segments[: next((i for i, s in enumerate(segments) if s.id == "SVC"), len(segments))]
    stcs = [s for s in own if s.id == "STC"]
    statuses = tuple(
        ClaimStatusCode(stc.component(i, 1), stc.component(i, 2), stc.component(i, 3))
        for stc in stcs
        for i in (1, 10, 11)
        if stc[i]
    )
    rejected = any(s.category in _REJECTING_CATEGORIES for s in statuses) or any(
        stc[3] == "U" for stc in stcs
    )
    refs = {s[1]: s[2] for s in own if s.id == "REF"}
    first = stcs[0] if stcs else None
    return ClaimAcknowledgement(
        patient_control_number=segments[0][2],
        payer_claim_number=refs.get("1K", ""),
        clearinghouse_trace=refs.get("D9", ""),
        batch_reference=context.get("batch", ""),
        payer_name=context.get("PR", context.get("AY", "")),
        payer_id=context.get("PR_id", context.get("AY_id", "")),
        billing_provider_id=context.get("85_id", ""),
        patient_last_name=context.get("QC", ""),
        patient_first_name=context.get("QC_first", ""),
        member_id=context.get("QC_id", ""),
        status=AckStatus.REJECTED if rejected else AckStatus.ACCEPTED,
        statuses=statuses,
        action_code=first[3] if first else "",
        effective_date=date(first, 2) if first else None,
        charge_cents=cents(first, 4) if first else 0,
    )
