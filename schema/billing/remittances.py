"""importRemittance, the remittance work queue and its resolution."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.billing import remittance_queue, remittances
from app.billing.remittance_models import Remittance, RemittanceClaim, RemittanceWorkItem
from schema.billing.setup_types import Money
from schema.context import Context
from schema.errors import UserError, run_mutation
from schema.ids import optional_pk, pk, to_global
from schema.permissions import can, who

_USER_ERRORS = "Why nothing was saved; empty on success."
_WRITE = ("remittance", "write")
_READ = ("remittance", "read")
QUEUE_LIMIT = 200  # the queue is worked oldest first; a biller clears it a page at a time


@strawberry.type(name="Remittance", description="One 835 payment (one ST transaction).")
class RemittanceResult:
    id: relay.GlobalID = strawberry.field(description="A Remittance id.")
    payer_code: str = strawberry.field(description="The payer's id as the 835 names it (N1*PR).")
    trace_number: str = strawberry.field(description="The check or EFT trace number (TRN02).")
    payment: Money = strawberry.field(description="The payment (BPR02); negative for a debit.")
    payment_method: str = strawberry.field(description="BPR04: ACH, CHK, BOP, FWT or NON.")
    payment_date: date | None = strawberry.field(description="BPR16, when the money moves.")
    imported_at: datetime = strawberry.field(description="When it was first imported.")
    already_imported: bool = strawberry.field(
        description="True when this import found it imported before and posted nothing."
    )
    posted_claims: int = strawberry.field(description="Claim payments posted by this import.")
    queued_claims: int = strawberry.field(
        description="Claim payments this import put on the work queue."
    )

    @classmethod
    def of(
        cls, row: Remittance, already: bool = False, posted: int = 0, queued: int = 0
    ) -> RemittanceResult:
        return cls(
            id=to_global("Remittance", row.id),
            payer_code=row.payer_code,
            trace_number=row.trace_number,
            payment=Money.of(row.payment_cents),
            payment_method=row.payment_method,
            payment_date=row.payment_date,
            imported_at=row.imported_at,
            already_imported=already,
            posted_claims=posted,
            queued_claims=queued,
        )


@strawberry.type(
    name="RemittanceWorkItem",
    description="A claim payment of an 835 that was not posted on import.",
)
class RemittanceWorkItemNode:
    id: relay.GlobalID = strawberry.field(description="A RemittanceWorkItem id.")
    problem: str = strawberry.field(
        description="unmatched_claim (no claim of the payer has this control number), "
        "unmatched_line (a line matched no charge line) or claim_state (the claim's state "
        "does not allow what the payer decided)."
    )
    state: str = strawberry.field(description="open, resolved or dismissed.")
    claim_control_number: str = strawberry.field(description="CLP01 as the payer sent it.")
    payer_claim_number: str = strawberry.field(description="The payer's claim number (CLP07).")
    claim_status: str = strawberry.field(description="CLP02: 1-3 processed, 4 denied, 22 reversal.")
    charge: Money = strawberry.field(description="The charge the payer quotes (CLP03).")
    paid: Money = strawberry.field(description="What the payer paid (CLP04).")
    trace_number: str = strawberry.field(description="Its remittance's trace number (TRN02).")
    dismiss_reason: str | None = strawberry.field(description="Why it was dismissed.")

    @classmethod
    def of(
        cls, item: RemittanceWorkItem, paid: RemittanceClaim, remittance: Remittance
    ) -> RemittanceWorkItemNode:
        return cls(
            id=to_global("RemittanceWorkItem", item.id),
            problem=item.problem,
            state=item.state.value,
            claim_control_number=paid.control_number,
            payer_claim_number=paid.payer_claim_number,
            claim_status=paid.status,
            charge=Money.of(paid.charge_cents),
            paid=Money.of(paid.paid_cents),
            trace_number=remittance.trace_number,
            dismiss_reason=item.dismiss_reason,
        )


@strawberry.input(description="An 835 file to post.")
class ImportRemittanceInput:
    file: str = strawberry.field(description="The 835 (005010X221A1) text, envelopes included.")


@strawberry.input(description="What to do with a work item: exactly one of the two.")
class ResolveRemittanceItemInput:
    id: relay.GlobalID = strawberry.field(description="A RemittanceWorkItem id.")
    claim_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Post the payment to this claim (a Claim id)."
    )
    dismiss_reason: str | None = strawberry.field(
        default=None, description="Dismiss it (not ours to post), saying why."
    )


@strawberry.type(description="Result of importRemittance.")
class ImportRemittancePayload:
    remittances: list[RemittanceResult] = strawberry.field(
        description="Each transaction of the file, in order; empty on userErrors."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type(description="Result of resolveRemittanceItem.")
class ResolveRemittanceItemPayload:
    item: RemittanceWorkItemNode | None = strawberry.field(
        description="The item as saved; null on userErrors."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type
class RemittanceQueries:
    @strawberry.field(
        extensions=can(*_READ),
        description=f"The open work items, oldest first (at most {QUEUE_LIMIT}). {who(*_READ)}.",
    )
    async def remittance_work_queue(self, info: Info[Context, Any]) -> list[RemittanceWorkItemNode]:
        async with info.context.op.db() as session:
            found = await remittance_queue.open_items(session, QUEUE_LIMIT)
        return [RemittanceWorkItemNode.of(*entry) for entry in found]


@strawberry.type
class RemittanceMutations:
    @strawberry.mutation(
        extensions=can(*_WRITE),
        description="Post an 835: refused whole (INVALID_X12_FILE with pyx12's problems, or "
        "REMITTANCE_UNBALANCED) with nothing posted; a remittance imported before (same payer, "
        "trace number and content) posts nothing again. Matched claims get payment, adjustment "
        "and patient-responsibility rows and move to PAID, PARTIALLY_PAID or DENIED (a reversal "
        "takes the earlier posting back); PLB amounts go to the provider ledger; the rest go to "
        f"the work queue. {who(*_WRITE)}.",
    )
    async def import_remittance(
        self,
        info: Info[Context, Any],
        input: Annotated[ImportRemittanceInput, strawberry.argument(description="The file.")],
    ) -> ImportRemittancePayload:
        async def work(session: Any, actor: Any) -> Any:
            return await remittances.import_remittance(session, actor, input.file)

        done, errors = await run_mutation(info, work)
        return ImportRemittancePayload(
            remittances=[
                RemittanceResult.of(
                    d.remittance, d.already_imported, d.posted_claims, d.queued_claims
                )
                for d in done or []
            ],
            user_errors=errors,
        )

    @strawberry.mutation(
        extensions=can(*_WRITE),
        description=f"Resolve a work item: post it to a claim, or dismiss it. {who(*_WRITE)}.",
    )
    async def resolve_remittance_item(
        self,
        info: Info[Context, Any],
        input: Annotated[ResolveRemittanceItemInput, strawberry.argument(description="It.")],
    ) -> ResolveRemittanceItemPayload:
        async def work(session: Any, actor: Any) -> Any:
            return await remittance_queue.resolve(
                session,
                actor,
                pk(input.id, "RemittanceWorkItem", "id"),
                claim_id=optional_pk(input.claim_id, "Claim", "claimId"),
                dismiss_reason=input.dismiss_reason,
            )

        entry, errors = await run_mutation(info, work)
        return ResolveRemittanceItemPayload(
            item=RemittanceWorkItemNode.of(*entry) if entry else None, user_errors=errors
        )
