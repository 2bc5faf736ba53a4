"""Patient payments, refunds and write-offs (app/billing/payments.py).

Front desk collects copays at check-in, so it may record a payment; giving money back or
forgiving it is for billers and admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.billing import models, payments
from schema.billing.setup_types import Money
from schema.context import Context
from schema.enums import described_enum
from schema.errors import UserError, run_mutation
from schema.ids import optional_pk, pk, to_global
from schema.nodes import node_resolver
from schema.permissions import can, who

_USER_ERRORS = "Why nothing was saved; empty on success."
_PAYMENT = ("payment", "write")
_ADJUST = ("account_adjustment", "write")

M = models.PaymentMethod
PaymentMethod = described_enum(
    models.PaymentMethod,
    "How a patient paid.",
    {M.CASH: "Cash.", M.CHECK: "A check.", M.CARD: "A debit or credit card.", M.OTHER: "Other."},
)
K = models.AccountTransactionKind
AccountTransactionKind = described_enum(
    models.AccountTransactionKind,
    "What an account transaction did to the patient's balance.",
    {
        K.PAYMENT: "Money the patient paid (lowers the balance).",
        K.REFUND: "Money given back of a payment (raises the balance).",
        K.WRITE_OFF: "An amount the practice forgave (lowers the balance).",
    },
)


@strawberry.type(
    name="AccountTransaction",
    description="A patient payment, a refund of one, or a write-off. "
    f"{who('ledger', 'read')} may read them; each read is audited.",
)
class AccountTransactionNode(relay.Node):
    pk: relay.NodeID[int]
    kind: AccountTransactionKind = strawberry.field(  # type: ignore[valid-type]
        description="Payment, refund or write-off."
    )
    amount: Money = strawberry.field(description="How much (always above zero).")
    method: PaymentMethod | None = strawberry.field(  # type: ignore[valid-type]
        description="How it was paid (a refund: how the payment came); null for write-offs."
    )
    reference: str | None = strawberry.field(
        description="A check number or card reference; null when none was given."
    )
    reason: str | None = strawberry.field(description="Why (refunds and write-offs).")
    patient_id: relay.GlobalID = strawberry.field(description="Whose account (a Patient id).")
    payment_id: relay.GlobalID | None = strawberry.field(
        description="For a refund, the payment it gives back; else null."
    )
    claim_id: relay.GlobalID | None = strawberry.field(
        description="For a write-off of one claim, the claim; else null."
    )
    created_at: datetime = strawberry.field(description="When it was recorded, UTC.")

    @classmethod
    def from_model(cls, row: models.AccountTransaction) -> AccountTransactionNode:
        return cls(
            pk=row.id,
            kind=row.kind,
            amount=Money.of(row.amount_cents),
            method=row.method,
            reference=row.reference,
            reason=row.reason,
            patient_id=to_global("Patient", row.patient_id),
            payment_id=to_global("AccountTransaction", row.payment_id) if row.payment_id else None,
            claim_id=to_global("Claim", row.claim_id) if row.claim_id else None,
            created_at=row.created_at,
        )

    resolve_nodes = node_resolver("ledger", payments.transactions_by_id)  # type: ignore[assignment]


@strawberry.input(description="Part of a payment applied to one claim or one charge line.")
class PaymentAllocationInput:
    amount_cents: int = strawberry.field(description="How much, in cents (above zero).")
    claim_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A Claim id of the patient; or give chargeLineId."
    )
    charge_line_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A ChargeLine id of the patient; or give claimId."
    )


@strawberry.input(description="A payment taken from a patient.")
class RecordPaymentInput:
    patient_id: relay.GlobalID = strawberry.field(description="Who paid (a Patient id).")
    amount_cents: int = strawberry.field(description="How much, in cents (above zero).")
    method: PaymentMethod = strawberry.field(  # type: ignore[valid-type]
        description="How it was paid."
    )
    idempotency_key: str = strawberry.field(
        description="A key the client makes once per payment (e.g. a UUID) and sends again on "
        "a retry: the same key returns the first payment and records nothing more."
    )
    reference: str | None = strawberry.field(
        default=None, description="A check number or card reference (at most 80 characters)."
    )
    allocations: list[PaymentAllocationInput] | None = strawberry.field(
        default=None,
        description="Where the money goes; they may add up to less than the amount (the rest "
        "is unallocated credit), never more. Null or empty: all unallocated.",
    )


@strawberry.input(description="A refund of (part of) a payment.")
class RefundPaymentInput:
    payment_id: relay.GlobalID = strawberry.field(
        description="The payment (an AccountTransaction id of kind PAYMENT)."
    )
    amount_cents: int = strawberry.field(
        description="How much, in cents: above zero, at most what the payment brought less "
        "its earlier refunds."
    )
    reason: str = strawberry.field(description="Why; required.")


@strawberry.input(description="An amount of the patient's balance the practice forgives.")
class WriteOffInput:
    patient_id: relay.GlobalID = strawberry.field(description="Whose (a Patient id).")
    amount_cents: int = strawberry.field(
        description="How much, in cents: above zero, at most what the patient owes."
    )
    reason: str = strawberry.field(description="Why; required.")
    claim_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The claim it is for (a Claim id of the patient); optional."
    )


@strawberry.type(description="Result of recordPayment, refundPayment or writeOff.")
class AccountTransactionPayload:
    transaction: AccountTransactionNode | None = strawberry.field(
        description="What was recorded (for a repeated recordPayment, the first payment); null "
        "on userErrors."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


async def _run(info: Info[Context, Any], work: Any) -> AccountTransactionPayload:
    row, errors = await run_mutation(info, work)
    node = AccountTransactionNode.from_model(row) if row else None
    return AccountTransactionPayload(transaction=node, user_errors=errors)


def _allocation(index: int, part: PaymentAllocationInput) -> payments.Allocation:
    field = ("allocations", str(index))
    return payments.Allocation(
        amount_cents=part.amount_cents,
        claim_id=optional_pk(part.claim_id, "Claim", *field, "claimId"),
        charge_line_id=(
            pk(part.charge_line_id, "ChargeLine", *field, "chargeLineId")
            if part.charge_line_id
            else None
        ),
    )


@strawberry.type
class PaymentMutations:
    @strawberry.mutation(
        extensions=can(*_PAYMENT),
        description="Record a patient's payment; a retry with the same idempotencyKey returns "
        f"the first and posts nothing again. {who(*_PAYMENT)}.",
    )
    async def record_payment(
        self,
        info: Info[Context, Any],
        input: Annotated[RecordPaymentInput, strawberry.argument(description="The payment.")],
    ) -> AccountTransactionPayload:
        async def work(session: Any, actor: Any) -> Any:
            parts = [_allocation(i, part) for i, part in enumerate(input.allocations or [])]
            return await payments.record_payment(
                session,
                actor,
                patient_id=pk(input.patient_id, "Patient", "patientId"),
                amount_cents=input.amount_cents,
                method=input.method,
                reference=input.reference,
                idempotency_key=input.idempotency_key,
                allocations=parts,
            )

        return await _run(info, work)

    @strawberry.mutation(
        extensions=can(*_ADJUST),
        description="Give back part or all of a payment (REFUND_EXCEEDS_PAYMENT beyond what "
        f"is left of it). {who(*_ADJUST)}.",
    )
    async def refund_payment(
        self,
        info: Info[Context, Any],
        input: Annotated[RefundPaymentInput, strawberry.argument(description="The refund.")],
    ) -> AccountTransactionPayload:
        async def work(session: Any, actor: Any) -> Any:
            return await payments.refund_payment(
                session,
                actor,
                payment_id=pk(input.payment_id, "AccountTransaction", "paymentId"),
                amount_cents=input.amount_cents,
                reason=input.reason,
            )

        return await _run(info, work)

    @strawberry.mutation(
        extensions=can(*_ADJUST),
        description="Forgive part of what a patient owes (WRITE_OFF_EXCEEDS_BALANCE beyond "
        f"it). {who(*_ADJUST)}.",
    )
    async def write_off(
        self,
        info: Info[Context, Any],
        input: Annotated[WriteOffInput, strawberry.argument(description="The write-off.")],
    ) -> AccountTransactionPayload:
        async def work(session: Any, actor: Any) -> Any:
            return await payments.write_off(
                session,
                actor,
                patient_id=pk(input.patient_id, "Patient", "patientId"),
                claim_id=optional_pk(input.claim_id, "Claim", "claimId"),
                amount_cents=input.amount_cents,
                reason=input.reason,
            )

        return await _run(info, work)
