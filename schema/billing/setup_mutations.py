"""Billing set-up mutations: payers, the billing provider, fee schedules and their prices."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.billing import fee_schedules, setup
from schema.billing.inputs import (
    CreateFeeScheduleInput,
    CreatePayerInput,
    SetFeeScheduleEntryInput,
    UpdateBillingProviderInput,
)
from schema.billing.setup_types import BillingProvider, FeeScheduleNode, PayerNode
from schema.context import Context
from schema.errors import UserError, run_mutation
from schema.ids import optional_pk, pk
from schema.patients.inputs import ADDRESS_PATHS
from schema.permissions import can, who

_USER_ERRORS = "Why nothing was saved; empty on success."
_SETUP = ("billing_setup", "write")


@strawberry.type(description="Result of createPayer.")
class PayerPayload:
    payer: PayerNode | None = strawberry.field(description="The payer; null on userErrors.")
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type(description="Result of updateBillingProvider.")
class BillingProviderPayload:
    billing_provider: BillingProvider | None = strawberry.field(
        description="The billing provider as saved; null on userErrors."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type(description="Result of createFeeSchedule or setFeeScheduleEntry.")
class FeeSchedulePayload:
    fee_schedule: FeeScheduleNode | None = strawberry.field(
        description="The schedule as saved; null on userErrors."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type
class BillingSetupMutations:
    @strawberry.mutation(extensions=can(*_SETUP), description=f"Add a payer. {who(*_SETUP)}.")
    async def create_payer(
        self,
        info: Info[Context, Any],
        input: Annotated[CreatePayerInput, strawberry.argument(description="The payer.")],
    ) -> PayerPayload:
        fields = {
            "name": input.name,
            "payer_id": input.payer_id,
            "filing_indicator": input.filing_indicator,
            **(input.address.fields() if input.address else {}),
        }
        row, errors = await run_mutation(
            info, lambda s, a: setup.create_payer(s, a, fields=fields), ADDRESS_PATHS
        )
        return PayerPayload(payer=PayerNode.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        extensions=can(*_SETUP),
        description=f"Set the practice's billing identity (NPI, tax id, address). {who(*_SETUP)}.",
    )
    async def update_billing_provider(
        self,
        info: Info[Context, Any],
        input: Annotated[
            UpdateBillingProviderInput, strawberry.argument(description="The whole record.")
        ],
    ) -> BillingProviderPayload:
        fields = {
            "name": input.name,
            "npi": input.npi,
            "tax_id": input.tax_id,
            "contact_name": input.contact_name,
            "contact_phone": input.contact_phone,
            **input.address.fields(),
        }
        row, errors = await run_mutation(
            info, lambda s, a: setup.update_billing_provider(s, a, fields=fields), ADDRESS_PATHS
        )
        return BillingProviderPayload(
            billing_provider=BillingProvider.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(
        extensions=can(*_SETUP),
        description="Add a fee schedule: the default (no payer) or a payer's, for a period that "
        f"overlaps no other schedule of the same payer (else SCHEDULE_OVERLAP). {who(*_SETUP)}.",
    )
    async def create_fee_schedule(
        self,
        info: Info[Context, Any],
        input: Annotated[CreateFeeScheduleInput, strawberry.argument(description="It.")],
    ) -> FeeSchedulePayload:
        async def work(session: Any, actor: Any) -> Any:
            payer = optional_pk(input.payer_id, "Payer", "payerId")
            return await fee_schedules.create_fee_schedule(
                session,
                actor,
                name=input.name,
                payer_id=payer,
                valid_from=input.valid_from,
                valid_until=input.valid_until,
            )

        row, errors = await run_mutation(info, work)
        return FeeSchedulePayload(
            fee_schedule=FeeScheduleNode.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(
        extensions=can(*_SETUP),
        description=f"Set the price of a code (with modifiers) in a schedule. {who(*_SETUP)}.",
    )
    async def set_fee_schedule_entry(
        self,
        info: Info[Context, Any],
        input: Annotated[SetFeeScheduleEntryInput, strawberry.argument(description="The price.")],
    ) -> FeeSchedulePayload:
        async def work(session: Any, actor: Any) -> Any:
            schedule = pk(input.fee_schedule_id, "FeeSchedule", "feeScheduleId")
            await fee_schedules.set_fee_schedule_entry(
                session,
                actor,
                fee_schedule_id=schedule,
                code=input.code,
                modifiers=input.modifiers,
                price_cents=input.price_cents,
            )
            return await session.get(fee_schedules.FeeSchedule, schedule)

        row, errors = await run_mutation(info, work)
        return FeeSchedulePayload(
            fee_schedule=FeeScheduleNode.from_model(row) if row else None, user_errors=errors
        )
