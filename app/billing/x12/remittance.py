"""Read an 835 (005010X221A1) remittance into plain values, with no database.

`importRemittance` posts from these values, so the reader refuses rather than guesses: the file
is validated with pyx12 first and `InvalidX12File` carries pyx12's problems when it is not
valid. Money is signed integer cents exactly as the payer wrote it: a reversal (CLP02 = 22)
keeps its negative charge and payment, a PLB amount keeps its sign.

PLB sign convention (the guide's, kept unchanged): a negative PLB amount is money the payer
adds to the payment (e.g. interest), a positive one is money it withholds (e.g. a recovered
overpayment). So a remittance reconciles when the sum of claim payments minus the sum of PLB
amounts equals the payment (BPR02, negative when BPR03 says it is a debit).

A file may carry several ST transactions (one per check or EFT); `read_remittances` returns one
`Remittance` per ST in file order and `read_remittance` is the common single-ST case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.billing.x12.remittance_segments import (
    InvalidX12File,
    Segment,
    cents,
    date,
    quantity,
    read_segments,
    split_transactions,
)
from app.billing.x12.validation import X12Problem

VERSION = "005010X221A1"
_CAS_TRIPLES = range(2, 19, 3)  # CAS02/03/04, CAS05/06/07 ... CAS17/18/19
_PLB_PAIRS = range(3, 14, 2)  # PLB03/04 ... PLB13/14
_CLAIM_END = {"CLP", "LX", "TS3", "TS2", "PLB", "SE"}


@dataclass(frozen=True, slots=True)
class CasAdjustment:
    """One CAS triple: group (CO, PR, OA, PI, CR), CARC reason, signed cents, optional units."""

    group: str
    reason: str
    amount_cents: int
    quantity: Decimal | None


@dataclass(frozen=True, slots=True)
class Procedure:
    """An SVC01/SVC06 composite: qualifier (HC = CPT/HCPCS, AD = dental...), code, modifiers."""

    qualifier: str
    code: str
    modifiers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RemittancePerson:
    """NM1*QC (patient) or NM1*IL (subscriber) as the payer names them."""

    last_name: str
    first_name: str
    id_qualifier: str  # MI member id, HN health insurance claim number, II ...
    identifier: str


@dataclass(frozen=True, slots=True)
class ServiceLinePayment:
    """A 2110 loop: what the payer did with one billed line."""

    procedure: Procedure  # as adjudicated
    submitted_procedure: Procedure | None  # SVC06, only when the payer changed the code
    charge_cents: int
    paid_cents: int
    units: Decimal  # SVC05; the guide says an absent count means 1
    line_control_number: str  # REF*6R, our 837 line control number; "" if not returned
    service_from: dt.date | None  # DTM*472, or DTM*150
    service_to: dt.date | None  # DTM*472, or DTM*151
    allowed_cents: int | None  # AMT*B6
    adjustments: tuple[CasAdjustment, ...]
    remark_codes: tuple[str, ...]  # RARCs from LQ*HE


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    """A 2100 loop (CLP): one claim's adjudication."""

    patient_control_number: str  # CLP01, our CLM01
    status: str  # CLP02: 1/2/3 processed as primary/secondary/tertiary, 4 denied, 22 reversal
    charge_cents: int
    paid_cents: int
    patient_responsibility_cents: int  # CLP05, 0 when absent
    filing_indicator: str  # CLP06
    payer_claim_control_number: str  # CLP07, what a corrected or void claim quotes in REF*F8
    patient: RemittancePerson | None
    subscriber: RemittancePerson | None  # only when the payer reports one (NM1*IL)
    statement_from: dt.date | None  # DTM*232
    statement_to: dt.date | None  # DTM*233
    received_date: dt.date | None  # DTM*050
    adjustments: tuple[CasAdjustment, ...]  # claim-level CAS
    remark_codes: tuple[str, ...]  # RARCs from MOA03-07 and MIA05/20-23
    lines: tuple[ServiceLinePayment, ...]


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """One PLB adjustment: negative pays the provider more, positive withholds (see module)."""

    provider_id: str  # PLB01
    fiscal_period_end: dt.date | None  # PLB02
    reason: str  # PLB03-1, e.g. WO overpayment recovery, L6 interest, CV capital pass-through
    reference: str  # PLB03-2, often the claim the adjustment is about
    amount_cents: int


@dataclass(frozen=True, slots=True)
class Remittance:
    """One 835 transaction set (ST..SE): one payment and the claims it pays."""

    control_number: str  # ST02
    handling: str  # BPR01: C payment with remittance, I remittance only, H notification only
    payment_cents: int  # BPR02, negative when BPR03 = D
    payment_method: str  # BPR04: ACH, CHK, BOP, FWT, NON
    payment_date: dt.date | None  # BPR16
    trace_number: str  # TRN02, check or EFT trace; with trace_originator it names the payment
    trace_originator: str  # TRN03, the payer's "1" + EIN or other id
    production_date: dt.date | None  # DTM*405
    payer_name: str
    payer_id: str  # N1*PR N104, else REF*2U, else TRN03
    payee_name: str
    payee_id_qualifier: str  # N1*PE N103: XX NPI, FI tax id, XV plan id
    payee_id: str
    claims: tuple[ClaimPayment, ...]
    provider_adjustments: tuple[ProviderAdjustment, ...]


def read_remittances(text: str) -> tuple[Remittance, ...]:
    """Every 835 transaction in `text`; raises `InvalidX12File` with pyx12's problems."""
    segments = read_segments(text, "835", VERSION)
    return tuple(_remittance(transaction) for transaction in split_transactions(segments))


def read_remittance(text: str) -> Remittance:
    """The one 835 transaction in `text`; a file with several is refused (use the plural)."""
    remittances = read_remittances(text)
    if len(remittances) != 1:
        count = f"{len(remittances)} ST transactions, expected one"
        raise InvalidX12File([X12Problem("ST", 0, "several_transactions", count)])
    return remittances[0]


def unbalanced_cents(remittance: Remittance) -> int:
    """Claim payments minus PLB amounts minus the payment: 0 when the file adds up."""
    paid = sum(claim.paid_cents for claim in remittance.claims)
    withheld = sum(adjustment.amount_cents for adjustment in remittance.provider_adjustments)
    return paid - withheld - remittance.payment_cents


def reconciles(remittance: Remittance) -> bool:
    """Whether the claims and PLB adjustments add up to the BPR payment, to the cent."""
    return unbalanced_cents(remittance) == 0


def _remittance(transaction: Sequence[Segment]) -> Remittance:
    """pyx12 has checked that BPR, TRN and both N1 loops are there, so they are looked up."""
    header, claims = _split(transaction, {"CLP"}, _CLAIM_END)
    bpr, trn = _required(header, "BPR"), _required(header, "TRN")
    (payer, payer_refs), (payee, _) = _party(header, "PR"), _party(header, "PE")
    production = _first(header, "DTM", "405")
    return Remittance(
        control_number=transaction[0][2],
        handling=bpr[1],
        payment_cents=-cents(bpr, 2) if bpr[3] == "D" else cents(bpr, 2),
        payment_method=bpr[4],
        payment_date=date(bpr, 16),
        trace_number=trn[2],
        trace_originator=trn[3],
        production_date=date(production, 2) if production else None,
        payer_name=payer[2],
        payer_id=payer[4] or payer_refs.get("2U", "") or trn[3],
        payee_name=payee[2],
        payee_id_qualifier=payee[3],
        payee_id=payee[4],
        claims=tuple(_claim(claim) for claim in claims),
        provider_adjustments=tuple(
            adjustment
            for segment in transaction
            if segment.id == "PLB"
            for adjustment in _provider_adjustments(segment)
        ),
    )


def _claim(segments: Sequence[Segment]) -> ClaimPayment:
    clp = segments[0]
    own, lines = _split(segments, {"SVC"}, set())
    return ClaimPayment(
        patient_control_number=clp[1],
        status=clp[2],
        charge_cents=cents(clp, 3),
        paid_cents=cents(clp, 4),
        patient_responsibility_cents=cents(clp, 5),
        filing_indicator=clp[6],
        payer_claim_control_number=clp[7],
        patient=_person(own, "QC"),
        subscriber=_person(own, "IL"),
        statement_from=_date(own, "232"),
        statement_to=_date(own, "233"),
        received_date=_date(own, "050"),
        adjustments=_adjustments(own),
        remark_codes=_claim_remarks(own),
        lines=tuple(_line(line) for line in lines),
    )


def _line(segments: Sequence[Segment]) -> ServiceLinePayment:
    svc = segments[0]
    single = _date(segments, "472")
    allowed = _first(segments, "AMT", "B6")
    line_control = _first(segments, "REF", "6R")
    return ServiceLinePayment(
        procedure=_procedure(svc, 1),
        submitted_procedure=_procedure(svc, 6) if svc[6] else None,
        charge_cents=cents(svc, 2),
        paid_cents=cents(svc, 3),
        units=quantity(svc, 5) or Decimal(1),
        line_control_number=line_control[2] if line_control else "",
        service_from=single or _date(segments, "150"),
        service_to=single or _date(segments, "151"),
        allowed_cents=cents(allowed, 2) if allowed else None,
        adjustments=_adjustments(segments),
        remark_codes=tuple(s[2] for s in segments if s.id == "LQ" and s[1] == "HE"),
    )


def _claim_remarks(segments: Sequence[Segment]) -> tuple[str, ...]:
    """MOA03-07 (outpatient) and MIA05, MIA20-23 (inpatient) carry the claim's RARCs."""
    positions = {"MOA": (3, 4, 5, 6, 7), "MIA": (5, 20, 21, 22, 23)}
    return tuple(s[i] for s in segments for i in positions.get(s.id, ()) if s[i])


def _procedure(svc: Segment, index: int) -> Procedure:
    modifiers = tuple(m for m in svc.components(index)[2:6] if m)
    return Procedure(svc.component(index, 1), svc.component(index, 2), modifiers)


def _adjustments(segments: Sequence[Segment]) -> tuple[CasAdjustment, ...]:
    return tuple(
        CasAdjustment(cas[1], cas[i], cents(cas, i + 1), quantity(cas, i + 2))
        for cas in segments
        if cas.id == "CAS"
        for i in _CAS_TRIPLES
        if cas[i]
    )


def _provider_adjustments(plb: Segment) -> list[ProviderAdjustment]:
    found = []
    for i in _PLB_PAIRS:
        if not plb[i]:
            continue
        reason, reference = plb.component(i, 1), plb.component(i, 2)
        found.append(ProviderAdjustment(plb[1], date(plb, 2), reason, reference, cents(plb, i + 1)))
    return found


def _person(segments: Sequence[Segment], entity: str) -> RemittancePerson | None:
    nm1 = _first(segments, "NM1", entity)
    return RemittancePerson(nm1[3], nm1[4], nm1[8], nm1[9]) if nm1 else None


def _party(header: Sequence[Segment], entity: str) -> tuple[Segment, dict[str, str]]:
    """The N1 of `entity` (PR payer, PE payee) and the REFs of its loop, by qualifier."""
    start = next(i for i, s in enumerate(header) if s.id == "N1" and s[1] == entity)
    refs: dict[str, str] = {}
    for segment in header[start + 1 :]:
        if segment.id == "N1":
            break
        if segment.id == "REF":
            refs.setdefault(segment[1], segment[2])
    return header[start], refs


def _split(
    segments: Sequence[Segment], starts: set[str], ends: set[str]
) -> tuple[list[Segment], list[list[Segment]]]:
    """The segments before the first `starts` segment, and each run from a `starts` segment up
    to the next `starts` or `ends` segment."""
    before: list[Segment] = []
    runs: list[list[Segment]] = []
    current = before
    for segment in segments:
        if segment.id in starts:
            current = []
            runs.append(current)
        elif segment.id in ends:
            current = before if not runs else []
        current.append(segment)
    return before, runs


def _first(segments: Sequence[Segment], segment_id: str, qualifier: str = "") -> Segment | None:
    return next(
        (s for s in segments if s.id == segment_id and (not qualifier or s[1] == qualifier)),
        None,
    )


def _required(segments: Sequence[Segment], segment_id: str) -> Segment:
    return next(s for s in segments if s.id == segment_id)


def _date(segments: Sequence[Segment], qualifier: str) -> dt.date | None:
    dtm = _first(segments, "DTM", qualifier)
    return date(dtm, 2) if dtm else None
