"""What one 835 claim payment posts to the ledger, computed in memory (no statements here).

Per service line: a PAYMENT row (insurance) for what the payer paid; per CAS adjustment an
ADJUSTMENT row (insurance) with its group, CARC and the line's RARCs, except the patient
responsibility (group PR), which is a TRANSFER pair moving the amount from the insurance to the
patient responsibility (the pair sums to zero, so the balance's total is unchanged). Claim-level
CAS rows carry no line. A reversal (CLP02 = 22) posts the negation of what earlier 835s posted
for the claim, not the file's own numbers.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.billing.models import ChargeLine, Claim, LedgerKind, Responsibility
from app.billing.x12.remittance import (
    CasAdjustment,
    ClaimPayment,
    Procedure,
    ServiceLinePayment,
)

REVERSAL = "22"
DENIED = "4"
SOURCE_PREFIX = "835:"
# The ledger columns that identify what a row is about; a reversal nets earlier rows by them
NET_KEY = ("charge_line_id", "kind", "responsibility", "group_code", "reason_code")


def match_lines(
    payment: ClaimPayment, lines: Sequence[ChargeLine]
) -> list[ChargeLine | None] | None:
    """Each paid line's charge line: by REF*6R, else by code and modifiers when exactly one
    current line has them. None when some line matches nothing."""
    by_control = {line.line_control_number: line for line in lines}
    found: list[ChargeLine | None] = []
    for paid in payment.lines:
        line = by_control.get(paid.line_control_number) if paid.line_control_number else None
        if line is None:
            procedure = paid.submitted_procedure or paid.procedure
            same = [
                c
                for c in lines
                if c.removed_at is None
                and c.code == procedure.code
                and tuple(c.modifier_codes) == procedure.modifiers
            ]
            line = same[0] if len(same) == 1 else None
        if line is None:
            return None
        found.append(line)
    return found


def step_of(payment: ClaimPayment) -> str:
    """The claim's state-machine step: PAID when the payer paid all but the contractual
    adjustments (group CO), PARTIALLY_PAID when less; DENIED for 4; a reversal goes back."""
    if payment.status == REVERSAL:
        return "reverse"
    if payment.status == DENIED:
        return "deny"
    adjustments = [*payment.adjustments, *(a for line in payment.lines for a in line.adjustments)]
    contractual = sum(a.amount_cents for a in adjustments if a.group == "CO")
    return "pay" if payment.paid_cents >= payment.charge_cents - contractual else "pay_partially"


def rows_for(
    claim: Claim,
    payment: ClaimPayment,
    lines: Sequence[ChargeLine | None],
    source: str,
    posted_at: datetime,
    user_id: int | None,
) -> list[dict[str, Any]]:
    """The ledger rows (insert values) one processed or denied claim payment posts."""
    rows: list[dict[str, Any]] = []

    def add(
        line: ChargeLine | None, kind: LedgerKind, who: Responsibility, cents: int, **codes: Any
    ) -> None:
        if cents:
            rows.append(
                {
                    "kind": kind,
                    "amount_cents": cents,
                    "patient_id": claim.patient_id,
                    "claim_id": claim.id,
                    "charge_line_id": line.id if line else None,
                    "responsibility": who,
                    "payer_id": claim.payer_id,
                    "group_code": codes.get("group_code"),
                    "reason_code": codes.get("reason_code"),
                    "remark_codes": codes.get("remark_codes"),
                    "source": source,
                    "posted_at": posted_at,
                    "created_by_id": user_id,
                }
            )

    def adjust(line: ChargeLine | None, cas: CasAdjustment, remarks: Sequence[str]) -> None:
        codes = {
            "group_code": cas.group,
            "reason_code": cas.reason,
            "remark_codes": ",".join(remarks)[:100] or None,
        }
        if cas.group == "PR":
            add(line, LedgerKind.TRANSFER, Responsibility.INSURANCE, -cas.amount_cents, **codes)
            add(line, LedgerKind.TRANSFER, Responsibility.PATIENT, cas.amount_cents, **codes)
        else:
            add(line, LedgerKind.ADJUSTMENT, Responsibility.INSURANCE, -cas.amount_cents, **codes)

    for paid, line in zip(payment.lines, lines, strict=True):
        add(line, LedgerKind.PAYMENT, Responsibility.INSURANCE, -paid.paid_cents)
        for cas in paid.adjustments:
            adjust(line, cas, paid.remark_codes)
    if not payment.lines:
        add(None, LedgerKind.PAYMENT, Responsibility.INSURANCE, -payment.paid_cents)
    for cas in payment.adjustments:
        adjust(None, cas, payment.remark_codes)
    return rows


def reversal_rows(
    earlier: Sequence[dict[str, Any]], source: str, posted_at: datetime, user_id: int | None
) -> list[dict[str, Any]]:
    """The negation of the net of a claim's earlier 835 rows (each `NET_KEY` group)."""
    nets: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in earlier:
        key = tuple(row[name] for name in NET_KEY)
        net = nets.setdefault(key, {**row, "amount_cents": 0})
        net["amount_cents"] += row["amount_cents"]
    return [
        {
            **net,
            "amount_cents": -net["amount_cents"],
            "source": source,
            "posted_at": posted_at,
            "created_by_id": user_id,
        }
        for net in nets.values()
        if net["amount_cents"]
    ]


def encode(payment: ClaimPayment) -> str:
    """The payment's codes and money as JSON, without the names the payer sent."""
    plain = dataclasses.asdict(dataclasses.replace(payment, patient=None, subscriber=None))
    return json.dumps(plain, default=str, sort_keys=True)


def decode(detail: str) -> ClaimPayment:
    """`encode`'s inverse."""
    values = json.loads(detail)

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    def cas(items: list[dict[str, Any]]) -> tuple[CasAdjustment, ...]:
        return tuple(
            CasAdjustment(
                a["group"],
                a["reason"],
                a["amount_cents"],
                Decimal(a["quantity"]) if a["quantity"] is not None else None,
            )
            for a in items
        )

    def procedure(value: dict[str, Any] | None) -> Procedure | None:
        if value is None:
            return None
        return Procedure(value["qualifier"], value["code"], tuple(value["modifiers"]))

    lines = tuple(
        ServiceLinePayment(
            procedure=procedure(line["procedure"]),  # type: ignore[arg-type]
            submitted_procedure=procedure(line["submitted_procedure"]),
            charge_cents=line["charge_cents"],
            paid_cents=line["paid_cents"],
            units=Decimal(line["units"]),
            line_control_number=line["line_control_number"],
            service_from=day(line["service_from"]),
            service_to=day(line["service_to"]),
            allowed_cents=line["allowed_cents"],
            adjustments=cas(line["adjustments"]),
            remark_codes=tuple(line["remark_codes"]),
        )
        for line in values["lines"]
    )
    return ClaimPayment(
        **{
            **values,
            "statement_from": day(values["statement_from"]),
            "statement_to": day(values["statement_to"]),
            "received_date": day(values["received_date"]),
            "adjustments": cas(values["adjustments"]),
            "remark_codes": tuple(values["remark_codes"]),
            "lines": lines,
        }
    )
