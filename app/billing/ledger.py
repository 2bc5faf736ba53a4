"""The money ledger: every movement is a row; a balance is a sum, never a stored number.

Signs: + increases what is owed to the practice (a charge, a refund), - decreases it (a
payment, an adjustment, a write-off). A reversal is a row of the opposite sign; rows are never
changed. A TRANSFER is a pair of rows (one per responsibility) summing to zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.billing.models import LedgerEntry, LedgerKind, Responsibility, join
from app.db import utcnow


async def post(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: LedgerKind,
    amount_cents: int,
    patient_id: int,
    responsibility: Responsibility,
    source: str,
    claim_id: int | None = None,
    charge_line_id: int | None = None,
    payer_id: int | None = None,
    group_code: str | None = None,
    reason_code: str | None = None,
    remark_codes: Sequence[str] = (),
    posted_at: datetime | None = None,
) -> LedgerEntry:
    """Append one row (audited as the creation of a LedgerEntry of the patient)."""
    entry = LedgerEntry(
        kind=kind,
        amount_cents=amount_cents,
        patient_id=patient_id,
        responsibility=responsibility,
        source=source,
        claim_id=claim_id,
        charge_line_id=charge_line_id,
        payer_id=payer_id,
        group_code=group_code,
        reason_code=reason_code,
        remark_codes=join(list(remark_codes)) or None,
        posted_at=posted_at or utcnow(),
        created_by_id=actor.user_id,
    )
    return await trail.add_created(session, actor, entry, "LedgerEntry", patient_id=patient_id)


@dataclass(frozen=True)
class Balance:
    """What a patient's account owes the practice, by who is expected to pay it."""

    insurance_cents: int = 0
    patient_cents: int = 0

    @property
    def total_cents(self) -> int:
        return self.insurance_cents + self.patient_cents


async def balances(
    session: AsyncSession, actor: Actor, patient_ids: Sequence[int]
) -> dict[int, Balance]:
    """Each patient's balance: one grouped sum over the ledger; each read audited."""
    rows = await session.execute(
        select(
            LedgerEntry.patient_id,
            LedgerEntry.responsibility,
            func.coalesce(func.sum(LedgerEntry.amount_cents), 0),
        )
        .where(LedgerEntry.patient_id.in_(patient_ids))
        .group_by(LedgerEntry.patient_id, LedgerEntry.responsibility)
    )
    sums: dict[int, dict[Responsibility, int]] = {pid: {} for pid in patient_ids}
    for patient_id, responsibility, total in rows:
        sums[patient_id][Responsibility(responsibility)] = int(total)
    for patient_id in patient_ids:
        trail.record(session, actor, "read", "Account", patient_id, patient_id=patient_id)
    return {
        pid: Balance(
            insurance_cents=found.get(Responsibility.INSURANCE, 0),
            patient_cents=found.get(Responsibility.PATIENT, 0),
        )
        for pid, found in sums.items()
    }


async def charges_by_line(session: AsyncSession, claim_id: int) -> dict[int, int]:
    """The CHARGE cents each charge line holds on a claim (after any reversals)."""
    rows = await session.execute(
        select(LedgerEntry.charge_line_id, func.sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.claim_id == claim_id, LedgerEntry.kind == LedgerKind.CHARGE)
        .group_by(LedgerEntry.charge_line_id)
    )
    return {line_id: int(total) for line_id, total in rows if line_id is not None and total}
