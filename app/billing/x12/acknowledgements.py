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
    """AK1, then per AK2 its IK3 loops (each with its IK4s) up to IK5, then AK9; pyx12 has
    checked that order, so each segment is taken where the guide puts it."""
    ak1, ak9 = transaction[1], transaction[-2]
    transactions: list[TransactionAcknowledgement] = []
    ak2 = ak1  # every IK5 follows its AK2 (pyx12 checked), so this is always replaced
    errors: list[tuple[Segment, list[Segment]]] = []
    for segment in transaction:
        if segment.id == "AK2":
            ak2, errors = segment, []
        elif segment.id == "IK3":
            errors.append((segment, []))
        elif segment.id == "IK4":
            errors[-1][1].append(segment)
        elif segment.id == "IK5":
            transactions.append(
                TransactionAcknowledgement(
                    transaction_type=ak2[1],
                    control_number=ak2[2],
                    status=_status(segment[1]),
                    code=segment[1],
                    error_codes=_codes(segment, 2, 6),
                    segment_errors=tuple(_segment_error(ik3, ik4s) for ik3, ik4s in errors),
                )
            )
    return GroupAcknowledgement(
        ak1[1], ak1[2], ak1[3], _status(ak9[1]), ak9[1], _codes(ak9, 5, 9), tuple(transactions)
    )


def _segment_error(ik3: Segment, ik4s: Sequence[Segment]) -> SegmentError:
    elements = tuple(
        ElementError(
            position=int(ik4.component(1, 1)),
            component=int(ik4.component(1, 2)) if ik4.component(1, 2) else None,
            reference=ik4[2],
            code=ik4[3],
            bad_value=ik4[4],
        )
        for ik4 in ik4s
    )
    return SegmentError(ik3[1], int(ik3[2]), ik3[3], ik3[4], elements)


def _status(code: str) -> AckStatus:
    return _999_CODES.get(code, AckStatus.REJECTED)


def _codes(segment: Segment, first: int, last: int) -> tuple[str, ...]:
    return tuple(segment[i] for i in range(first, last + 1) if segment[i])


def _claims(transaction: Sequence[Segment]) -> list[ClaimAcknowledgement]:
    """Walk the HL levels (20 payer, 21 receiver, 19 provider, PT patient), keeping the names
    and batch trace each claim's 2200D loop (TRN*2 up to the next HL or TRN) inherits."""
    names: dict[str, Segment] = {}  # the latest NM1 per entity code: PR, 41, 85, QC
    level = batch = ""
    found: list[ClaimAcknowledgement] = []
    claim: list[Segment] = []
    for segment in transaction:  # the last one is SE, which closes the last claim
        if claim and segment.id in ("HL", "TRN", "SE"):
            found.append(_claim(claim, names, batch))
            claim = []
        if segment.id == "HL":
            level = segment[3]
        elif segment.id == "NM1":
            names[segment[1]] = segment
        elif segment.id == "TRN" and level == "21":
            batch = segment[2]
        if claim or (segment.id == "TRN" and level == "PT"):
            claim.append(segment)
    return found


def _claim(
    segments: Sequence[Segment], names: dict[str, Segment], batch: str
) -> ClaimAcknowledgement:
    """One 2200D loop; the STCs of its service lines (2220D, after SVC) are not claim status."""
    own = segments[: next((i for i, s in enumerate(segments) if s.id == "SVC"), len(segments))]
    stcs = [s for s in own if s.id == "STC"]  # at least one, pyx12 checked
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
    payer = names.get("PR") or names["AY"]
    patient = names["QC"]
    return ClaimAcknowledgement(
        patient_control_number=segments[0][2],
        payer_claim_number=refs.get("1K", ""),
        clearinghouse_trace=refs.get("D9", ""),
        batch_reference=batch,
        payer_name=payer[3],
        payer_id=payer[9],
        billing_provider_id=names["85"][9],
        patient_last_name=patient[3],
        patient_first_name=patient[4],
        member_id=patient[9],
        status=AckStatus.REJECTED if rejected else AckStatus.ACCEPTED,
        statuses=statuses,
        action_code=stcs[0][3],
        effective_date=date(stcs[0], 2),
        charge_cents=cents(stcs[0], 4),
    )
