"""Builds 835 remittances for tests and bench/remittance.py: one BPR/TRN payment of claims
(CLP) with their service lines (SVC, REF*6R), CAS adjustments, RARCs and PLB amounts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Line:
    code: str
    control_number: str  # REF*6R
    charge: int  # cents
    paid: int
    adjustments: list[tuple[str, str, int]] = field(default_factory=list)  # group, CARC, cents
    modifiers: tuple[str, ...] = ()
    remarks: tuple[str, ...] = ()


@dataclass
class ClaimPaid:
    control_number: str  # CLP01
    status: str
    lines: list[Line]
    payer_claim_number: str = "PCN1"
    adjustments: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def charge(self) -> int:
        return sum(line.charge for line in self.lines)

    @property
    def paid(self) -> int:
        return sum(line.paid for line in self.lines)

    @property
    def patient_share(self) -> int:
        return sum(c for line in self.lines for g, _, c in line.adjustments if g == "PR")


def amount(cents: int) -> str:
    sign, cents = ("-" if cents < 0 else ""), abs(cents)
    text = f"{cents // 100}.{cents % 100:02d}".rstrip("0").rstrip(".")
    return sign + (text or "0")


def _cas(adjustments: list[tuple[str, str, int]]) -> list[str]:
    return [f"CAS*{group}*{reason}*{amount(cents)}" for group, reason, cents in adjustments]


def remittance_835(
    claims: list[ClaimPaid],
    trace: str = "TRACE1",
    payer_id: str = "60054",
    plb: list[tuple[str, str, int]] = (),  # type: ignore[assignment]
    payment: int | None = None,
) -> str:
    """The 835; the payment (BPR02) is what the claims and PLB add up to unless given."""
    total = sum(c.paid for c in claims) - sum(cents for _, _, cents in plb)
    payment = total if payment is None else payment
    body = [
        f"BPR*I*{amount(abs(payment))}*{'D' if payment < 0 else 'C'}*ACH*CCP*01*888999777*DA"
        "*24681012*1935665544**01*111333555*DA*144444*20261130",
        f"TRN*1*{trace}*1935665544",
        "DTM*405*20261129",
        "N1*PR*ACME HEALTH",
        "N3*10 SOUTH AVENUE",
        "N4*RAPID CITY*SD*55111",
        f"REF*2U*{payer_id}",
        "PER*BL*JOHN WAYNE*TE*8005551212",
        "N1*PE*DEMO FAMILY PRACTICE*XX*1234567893",
        "LX*1",
    ]
    for claim in claims:
        body.append(
            f"CLP*{claim.control_number}*{claim.status}*{amount(claim.charge)}*"
            f"{amount(claim.paid)}*{amount(claim.patient_share)}*12*{claim.payer_claim_number}"
        )
        body += _cas(claim.adjustments)
        body.append("NM1*QC*1*DOE*JANE****MI*123456789")
        for line in claim.lines:
            procedure = ":".join(("HC", line.code, *line.modifiers))
            body.append(f"SVC*{procedure}*{amount(line.charge)}*{amount(line.paid)}")
            body.append("DTM*472*20261126")
            body += _cas(line.adjustments)
            body.append(f"REF*6R*{line.control_number}")
            body += [f"LQ*HE*{remark}" for remark in line.remarks]
    for reason, reference, cents in plb:
        body.append(f"PLB*1234567893*20261231*{reason}:{reference}*{amount(cents)}")
    transaction = ["ST*835*0001", *body]
    transaction.append(f"SE*{len(transaction) + 1}*0001")
    segments = [
        "ISA*00*          *00*          *ZZ*PAYER          *ZZ*PRACTICE       "
        "*261130*1200*^*00501*000000901*0*T*:",
        "GS*HP*PAYER*PRACTICE*20261130*1200*901*X*005010X221A1",
        *transaction,
        "GE*1*901",
        "IEA*1*000000901",
    ]
    return "~\n".join(segments) + "~\n"
