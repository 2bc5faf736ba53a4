"""accountsReceivable: the aging report (app/billing/aging.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.billing import aging
from schema.billing.setup_types import Money
from schema.context import Context
from schema.ids import to_global
from schema.permissions import can, who


@strawberry.type(
    description="An amount owed split by age (days since the date of service; for rows tied "
    "to no claim, since they were posted). Negative amounts are credits."
)
class AgingBuckets:
    days_0_to_30: Money = strawberry.field(description="0 to 30 days.")
    days_31_to_60: Money = strawberry.field(description="31 to 60 days.")
    days_61_to_90: Money = strawberry.field(description="61 to 90 days.")
    days_91_to_120: Money = strawberry.field(description="91 to 120 days.")
    over_120_days: Money = strawberry.field(description="More than 120 days.")
    total: Money = strawberry.field(description="All buckets together.")

    @classmethod
    def of(cls, found: aging.Aging) -> AgingBuckets:
        c = [Money.of(cents) for cents in found.cents]
        return cls(
            days_0_to_30=c[0],
            days_31_to_60=c[1],
            days_61_to_90=c[2],
            days_91_to_120=c[3],
            over_120_days=c[4],
            total=Money.of(found.total_cents),
        )


@strawberry.type(description="What one payer owes, by age.")
class PayerAging:
    payer_id: relay.GlobalID = strawberry.field(description="The payer (a Payer id).")
    aging: AgingBuckets = strawberry.field(description="Its insurance receivables by age.")


@strawberry.type(description="What one patient's account holds, by age and responsibility.")
class PatientAging:
    patient_id: relay.GlobalID = strawberry.field(description="The patient (a Patient id).")
    insurance: AgingBuckets = strawberry.field(description="Expected from payers.")
    patient_responsibility: AgingBuckets = strawberry.field(
        description="Expected from the patient (negative: a credit)."
    )


@strawberry.type(description="Accounts receivable on a day, aged.")
class AccountsReceivable:
    as_of: date = strawberry.field(description="The day (rows posted up to its end, UTC).")
    total: AgingBuckets = strawberry.field(description="Everything owed.")
    insurance: AgingBuckets = strawberry.field(description="Owed by payers.")
    patient_responsibility: AgingBuckets = strawberry.field(description="Owed by patients.")
    by_payer: list[PayerAging] = strawberry.field(description="Insurance owed, per payer.")
    by_patient: list[PatientAging] = strawberry.field(
        description="Per patient with a non-zero amount in some bucket."
    )
    days_in_ar: float | None = strawberry.field(
        description="Total A/R divided by the average daily charges of the 90 days up to asOf; "
        "null when nothing was charged in them."
    )


@strawberry.type
class AgingQueries:
    @strawberry.field(
        extensions=can("ledger", "read"),
        description="The aging report: 0-30/31-60/61-90/91-120/120+ days from the date of "
        f"service, by payer and by patient. {who('ledger', 'read')}; each patient's account "
        "read is audited.",
    )
    async def accounts_receivable(
        self,
        info: Info[Context, Any],
        as_of: Annotated[date, strawberry.argument(description="The day to age on.")],
    ) -> AccountsReceivable:
        op = info.context.op
        async with op.db() as session:
            found = await aging.receivables(session, op.staff, as_of)
        return AccountsReceivable(
            as_of=found.as_of,
            total=AgingBuckets.of(found.total),
            insurance=AgingBuckets.of(found.insurance),
            patient_responsibility=AgingBuckets.of(found.patient),
            by_payer=[
                PayerAging(payer_id=to_global("Payer", pid), aging=AgingBuckets.of(a))
                for pid, a in sorted(found.by_payer.items())
            ],
            by_patient=[
                PatientAging(
                    patient_id=to_global("Patient", pid),
                    insurance=AgingBuckets.of(a.insurance),
                    patient_responsibility=AgingBuckets.of(a.patient),
                )
                for pid, a in sorted(found.by_patient.items())
            ],
            days_in_ar=found.days_in_ar,
        )
