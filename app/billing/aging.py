"""Accounts receivable aging: what is owed on a day, by age, payer, patient and responsibility.

Age is counted from the date of service (the encounter of the row's claim or charge line), as
payers' timely-filing rules and most practice reports do; a row tied to no claim or line (an
unallocated payment, an account write-off, a balance brought over) ages from the day it was
posted. Buckets: 0-30, 31-60, 61-90, 91-120 and over 120 days. Each bucket is a CASE in one
grouped query, so the report costs two statements whatever the number of rows.

Days in A/R = total A/R / (charges posted in the 90 days up to asOf / 90); null without charges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.billing.models import ChargeLine, Claim, Encounter, LedgerEntry, LedgerKind, Responsibility

BUCKETS = (30, 60, 90, 120)  # upper bounds in days; beyond the last: "over 120"
CHARGE_WINDOW_DAYS = 90


@dataclass
class Aging:
    """Cents per bucket: [0-30, 31-60, 61-90, 91-120, 120+]."""

    cents: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))

    @property
    def total_cents(self) -> int:
        return sum(self.cents)

    def add(self, bucket: int, amount: int) -> None:
        self.cents[bucket] += amount


@dataclass
class PatientAging:
    insurance: Aging = field(default_factory=Aging)
    patient: Aging = field(default_factory=Aging)


@dataclass
class Receivables:
    as_of: date
    total: Aging = field(default_factory=Aging)
    insurance: Aging = field(default_factory=Aging)
    patient: Aging = field(default_factory=Aging)
    by_payer: dict[int, Aging] = field(default_factory=dict)  # insurance, by payer pk
    by_patient: dict[int, PatientAging] = field(default_factory=dict)
    days_in_ar: float | None = None


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


async def receivables(session: AsyncSession, actor: Actor, as_of: date) -> Receivables:
    """The aging report as of the end of `as_of` (UTC); each patient's account read audited."""
    until = _end_of(as_of)
    service = Encounter.service_date
    # the first bucket whose bound the age stays within: service date on or after as_of - N
    by_service = [(service >= as_of - timedelta(days=days), i) for i, days in enumerate(BUCKETS)]
    by_posting = [
        (LedgerEntry.posted_at >= until - timedelta(days=days + 1), i)
        for i, days in enumerate(BUCKETS)
    ]
    bucket = case(
        *[(and_(Encounter.id.is_not(None), test), literal(i)) for test, i in by_service],
        *[(and_(Encounter.id.is_(None), test), literal(i)) for test, i in by_posting],
        else_=literal(len(BUCKETS)),
    ).label("bucket")
    payer = func.coalesce(LedgerEntry.payer_id, Claim.payer_id).label("payer")
    line_claim = select(ChargeLine.encounter_id).where(ChargeLine.id == LedgerEntry.charge_line_id)
    encounter_id = func.coalesce(Claim.encounter_id, line_claim.scalar_subquery())
    rows = await session.execute(
        select(
            LedgerEntry.patient_id,
            LedgerEntry.responsibility,
            payer,
            bucket,
            func.sum(LedgerEntry.amount_cents),
        )
        .select_from(LedgerEntry)
        .outerjoin(Claim, Claim.id == LedgerEntry.claim_id)
        .outerjoin(Encounter, Encounter.id == encounter_id)
        .where(LedgerEntry.posted_at < until)
        .group_by(LedgerEntry.patient_id, LedgerEntry.responsibility, payer, bucket)
    )
    report = Receivables(as_of=as_of)
    for patient_id, responsibility, payer_id, index, cents in rows:
        amount, index = int(cents or 0), int(index)
        if not amount:
            continue
        account = report.by_patient.setdefault(patient_id, PatientAging())
        report.total.add(index, amount)
        if Responsibility(responsibility) is Responsibility.INSURANCE:
            report.insurance.add(index, amount)
            account.insurance.add(index, amount)
            if payer_id is not None:
                report.by_payer.setdefault(payer_id, Aging()).add(index, amount)
        else:
            report.patient.add(index, amount)
            account.patient.add(index, amount)
    charged = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.kind == LedgerKind.CHARGE,
            LedgerEntry.posted_at >= until - timedelta(days=CHARGE_WINDOW_DAYS),
            LedgerEntry.posted_at < until,
        )
    )
    if charged and int(charged) > 0:
        report.days_in_ar = round(report.total.total_cents / (int(charged) / CHARGE_WINDOW_DAYS), 1)
    for patient_id in report.by_patient:
        trail.record(session, actor, "read", "Account", patient_id, patient_id=patient_id)
    return report
