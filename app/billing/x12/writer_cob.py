"""Coordination of benefits: what earlier payers did with the claim (2320, 2330A/B, 2430).

A secondary payer pays from the primary's figures, and clearinghouses reject a COB claim whose
figures do not add up, so the guide's balancing rules (TR3 1.4.4) are checked before anything
is written: for each earlier payer the claim's charge equals its paid amount plus every claim
and line adjustment, a line's charge equals the line's paid amount plus its adjustments, and
when lines were adjudicated, their paid amounts less the claim adjustments are the claim's.

The remaining patient liability (AMT*EAF), which the guide wants whenever an earlier payer has
adjudicated, even when zero, is that payer's patient-responsibility (PR) adjustments; it goes
on the lines when the payer adjudicated lines, else on the claim, never both (X12 RFI 1391).
"""

from __future__ import annotations

from collections.abc import Iterable

from app.billing.x12.documents import Adjustment, ClaimDocument, LineAdjudication, OtherPayer
from app.billing.x12.segments import code, count, date8, money, optional_text, segment, text
from app.billing.x12.writer_codes import procedure
from app.billing.x12.writer_parties import address, payer_name, person_name

MAX_OTHER_PAYERS = 10  # 2320 repeats at most 10 times
_MAX_LINE_ADJUDICATIONS = 15  # 2430 repeats at most 15 times
_MAX_CAS = 5  # CAS segments per 2320 or 2430
_TRIPLES_PER_CAS = 6  # reason/amount/quantity triples per CAS segment
_GROUPS = "CO|CR|OA|PI|PR"
RESPONSIBILITY = "[A-HPSTU]"  # SBR01: P primary, S secondary, T tertiary, A-H beyond
_RELATIONSHIP = "01|18|19|20|21|39|40|53|G8"


def check_balances(claim: ClaimDocument, path: str) -> None:
    """Refuse COB figures that do not add up, naming the payer (and line) that does not."""
    if len(claim.other_payers) > MAX_OTHER_PAYERS:
        raise ValueError(f"{path}.other_payers has {len(claim.other_payers)}; at most 10")
    known = {other.payer.payer_id for other in claim.other_payers}
    for index, line in enumerate(claim.lines):
        line_path = f"{path}.lines[{index}]"
        if len(line.other_payers) > _MAX_LINE_ADJUDICATIONS:
            raise ValueError(f"{line_path}.other_payers has {len(line.other_payers)}; at most 15")
        for adjudication in line.other_payers:
            if adjudication.payer_id not in known:
                raise ValueError(
                    f"{line_path} was adjudicated by payer {adjudication.payer_id!r}, "
                    "which is not among the claim's other_payers"
                )
            adjusted = _sum(adjudication.adjustments)
            if line.charge_cents - adjudication.paid_cents != adjusted:
                raise ValueError(
                    f"{line_path}: payer {adjudication.payer_id!r} paid "
                    f"{money(adjudication.paid_cents)} and adjusted {money(adjusted)}, "
                    f"which does not add up to the charge {money(line.charge_cents)}"
                )
    for index, other in enumerate(claim.other_payers):
        _check_claim_balance(claim, other, f"{path}.other_payers[{index}]")


def other_payer_loops(claim: ClaimDocument, path: str) -> list[str]:
    """2320 (SBR, CAS, AMT, OI), 2330A (the other subscriber), 2330B (the other payer)."""
    segments: list[str] = []
    for index, other in enumerate(claim.other_payers):
        other_path = f"{path}.other_payers[{index}]"
        payer_path = f"{other_path}.payer"
        by_line = bool(_adjudicated_lines(claim, other))
        relationship = code(
            other.relationship, f"{other_path}.relationship", _RELATIONSHIP, "a relationship code"
        )
        segments += [
            segment(
                "SBR",
                code(other.responsibility, f"{other_path}.responsibility", RESPONSIBILITY, "P/S/T"),
                relationship,
                optional_text(other.group_number, f"{other_path}.group_number", 50),
                "",
                "",
                "",
                "",
                "",
                filing_indicator(other.payer.filing_indicator, payer_path),
            ),
            *adjustments(other.adjustments, f"{other_path}.adjustments"),
            segment("AMT", "D", money(other.paid_cents)),
            *([] if by_line else [_remaining_patient_liability(other.adjustments)]),
            segment("OI", "", "", "Y", "", "", "Y"),
            person_name("IL", other.subscriber, f"{other_path}.subscriber", member_id=True),
        ]
        if other.subscriber.address is not None:
            segments += address(other.subscriber.address, f"{other_path}.subscriber.address")
        segments += payer_name(other.payer, payer_path)
        # The claim-level date only when this payer's lines carry none (2430 DTP*573).
        if not by_line:
            segments.append(segment("DTP", "573", "D8", date8(other.adjudicated_on)))
    return segments


def line_adjudications(adjudications: Iterable[LineAdjudication], path: str) -> list[str]:
    """2430 for one line: SVD (payer, paid, procedure, units), its CAS, DTP*573, AMT*EAF."""
    segments: list[str] = []
    for index, adjudication in enumerate(adjudications):
        adjudication_path = f"{path}.other_payers[{index}]"
        segments += [
            segment(
                "SVD",
                text(adjudication.payer_id, f"{adjudication_path}.payer_id", 80, min_len=2),
                money(adjudication.paid_cents),
                procedure(adjudication.procedure_code, adjudication.modifiers, adjudication_path),
                "",
                count(adjudication.units, f"{adjudication_path}.units", least=0),
            ),
            *adjustments(adjudication.adjustments, f"{adjudication_path}.adjustments"),
            segment("DTP", "573", "D8", date8(adjudication.adjudicated_on)),
            _remaining_patient_liability(adjudication.adjustments),
        ]
    return segments


def adjustments(items: Iterable[Adjustment], path: str) -> list[str]:
    """CAS segments: one per group code (in order of first use), six triples each at most.

    Zero amounts are left out, as the guide asks (they change no balance).
    """
    by_group: dict[str, list[Adjustment]] = {}
    for index, item in enumerate(items):
        group = code(item.group, f"{path}[{index}].group", _GROUPS, "a CAS group code")
        code(item.reason, f"{path}[{index}].reason", "[A-Z0-9]{1,5}", "a CARC reason code")
        if item.amount_cents != 0:
            by_group.setdefault(group, []).append(item)
    segments: list[str] = []
    for group, members in by_group.items():
        for start in range(0, len(members), _TRIPLES_PER_CAS):
            triples = members[start : start + _TRIPLES_PER_CAS]
            elements = [e for a in triples for e in (a.reason, money(a.amount_cents), "")]
            segments.append(segment("CAS", group, *elements))
    if len(segments) > _MAX_CAS:
        raise ValueError(f"{path} needs {len(segments)} CAS segments; a loop takes at most 5")
    return segments


def filing_indicator(indicator: str, path: str) -> str:
    """SBR09, the claim filing indicator (CI commercial, MB Medicare Part B...)."""
    return code(indicator, f"{path}.filing_indicator", "[0-9A-Z]{2}", "a filing indicator code")


def _check_claim_balance(claim: ClaimDocument, other: OtherPayer, path: str) -> None:
    """Charge = paid + claim adjustments + line adjustments, for one earlier payer."""
    lines = _adjudicated_lines(claim, other)
    claim_adjusted = _sum(other.adjustments)
    line_paid = sum(adjudication.paid_cents for adjudication in lines)
    if lines and line_paid - claim_adjusted != other.paid_cents:
        raise ValueError(
            f"{path}: the lines' paid amounts ({money(line_paid)}) less the claim adjustments "
            f"({money(claim_adjusted)}) are not the claim's paid amount {money(other.paid_cents)}"
        )
    adjusted = claim_adjusted + sum(_sum(item.adjustments) for item in lines)
    if claim.total_cents - other.paid_cents != adjusted:
        raise ValueError(
            f"{path}: paid {money(other.paid_cents)} and adjusted {money(adjusted)}, "
            f"which does not add up to the claim's charge {money(claim.total_cents)}"
        )


def _adjudicated_lines(claim: ClaimDocument, other: OtherPayer) -> list[LineAdjudication]:
    """The 2430 adjudications this earlier payer made on the claim's lines."""
    payer_id = other.payer.payer_id
    return [item for line in claim.lines for item in line.other_payers if item.payer_id == payer_id]


def _sum(items: Iterable[Adjustment]) -> int:
    """The adjustments' total in cents."""
    return sum(item.amount_cents for item in items)


def _remaining_patient_liability(items: Iterable[Adjustment]) -> str:
    """AMT*EAF: what the patient still owes after this payer, its PR adjustments."""
    return segment(
        "AMT", "EAF", money(sum(item.amount_cents for item in items if item.group == "PR"))
    )
