"""Billing queries: set-up lists, encounters and claims (by id and in pages), a patient's
balance. Every read of a patient's billing record is audited."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.billing import fee_schedules, ledger, queries, setup
from schema.billing.enums import ClaimState
from schema.billing.setup_types import BillingProvider, FeeScheduleNode, Money, PayerNode
from schema.billing.types import ClaimNode, EncounterNode, PatientBalance
from schema.context import Context
from schema.errors import query_errors
from schema.ids import optional_pk, pk, pk_or_none
from schema.pagination import Connection, First, connection, page
from schema.permissions import can, who

_AFTER = Annotated[
    str | None,
    strawberry.argument(description="The previous page's endCursor, with the same filter."),
]


@strawberry.input(description="Which encounters to list; every part optional.")
class EncounterFilter:
    patient_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only this patient's (a Patient id)."
    )
    service_from: date | None = strawberry.field(
        default=None, description="Dates of service from this day on."
    )
    service_to: date | None = strawberry.field(
        default=None, description="Dates of service up to this day (inclusive)."
    )


@strawberry.type
class BillingQueries:
    @strawberry.field(
        extensions=can("billing_setup", "read"),
        description=f"Every payer, by name. {who('billing_setup', 'read')}.",
    )
    async def payers(self, info: Info[Context, Any]) -> list[PayerNode]:
        async with info.context.op.db() as session:
            return [PayerNode.from_model(p) for p in await setup.payers(session)]

    @strawberry.field(
        extensions=can("billing_setup", "read"),
        description="The practice as it bills; null until updateBillingProvider sets it. "
        f"{who('billing_setup', 'read')}.",
    )
    async def billing_provider(self, info: Info[Context, Any]) -> BillingProvider | None:
        async with info.context.op.db() as session:
            row = await setup.billing_provider(session)
        return BillingProvider.from_model(row) if row else None

    @strawberry.field(
        extensions=can("billing_setup", "read"),
        description="Every fee schedule: the default ones first, then by payer, newest first. "
        f"{who('billing_setup', 'read')}.",
    )
    async def fee_schedules(self, info: Info[Context, Any]) -> list[FeeScheduleNode]:
        async with info.context.op.db() as session:
            return [
                FeeScheduleNode.from_model(f) for f in await fee_schedules.fee_schedules(session)
            ]

    @strawberry.field(
        extensions=can("encounter", "read"),
        description=f"One encounter; null when none has this id. {who('encounter', 'read')}; "
        "the read is audited.",
    )
    async def encounter(
        self,
        info: Info[Context, Any],
        id: Annotated[relay.GlobalID, strawberry.argument(description="An Encounter id.")],
    ) -> EncounterNode | None:
        key = pk_or_none(id, "Encounter")
        if key is None:
            return None
        op = info.context.op
        async with op.db() as session:
            found = await queries.encounters_by_id(session, op.staff, [key])
        return EncounterNode.from_model(found[0]) if found else None

    @strawberry.field(
        extensions=can("encounter", "read"),
        description="Encounters, newest date of service first. "
        f"{who('encounter', 'read')}; each read is audited.",
    )
    async def encounters(
        self,
        info: Info[Context, Any],
        filter: Annotated[
            EncounterFilter | None, strawberry.argument(description="Which; null: all.")
        ] = None,
        first: First = None,
        after: _AFTER = None,
    ) -> Connection[EncounterNode]:
        op = info.context.op
        window = page(first, after, info.context.runtime.settings.max_page_size)
        wanted = filter or EncounterFilter()
        with query_errors():
            patient = (
                pk(wanted.patient_id, "Patient", "filter", "patientId")
                if wanted.patient_id
                else None
            )
        async with op.db() as session:
            rows, total = await queries.search_encounters(
                session,
                op.staff,
                patient_id=patient,
                service_from=wanted.service_from,
                service_to=wanted.service_to,
                offset=window.offset,
                limit=window.limit,
            )
        return connection([EncounterNode.from_model(r) for r in rows], total, window)

    @strawberry.field(
        extensions=can("claim", "read"),
        description=f"One claim; null when none has this id. {who('claim', 'read')}; audited.",
    )
    async def claim(
        self,
        info: Info[Context, Any],
        id: Annotated[relay.GlobalID, strawberry.argument(description="A Claim id.")],
    ) -> ClaimNode | None:
        key = pk_or_none(id, "Claim")
        if key is None:
            return None
        op = info.context.op
        async with op.db() as session:
            found = await queries.claims_by_id(session, op.staff, [key])
        return ClaimNode.from_model(found[0]) if found else None

    @strawberry.field(
        extensions=can("claim", "read"),
        description=f"Claims, newest first. {who('claim', 'read')}; each read is audited.",
    )
    async def claims(
        self,
        info: Info[Context, Any],
        states: Annotated[
            list[ClaimState] | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only claims in these states; null or empty: all."),
        ] = None,
        patient_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Only this patient's (a Patient id)."),
        ] = None,
        first: First = None,
        after: _AFTER = None,
    ) -> Connection[ClaimNode]:
        op = info.context.op
        window = page(first, after, info.context.runtime.settings.max_page_size)
        with query_errors():
            patient = optional_pk(patient_id, "Patient", "patientId")
        async with op.db() as session:
            rows, total = await queries.search_claims(
                session,
                op.staff,
                states=list(states or []),
                patient_id=patient,
                offset=window.offset,
                limit=window.limit,
            )
        return connection([ClaimNode.from_model(r) for r in rows], total, window)

    @strawberry.field(
        extensions=can("ledger", "read"),
        description="What a patient owes: sums over the ledger's rows (charges, payments, "
        f"adjustments...), never a stored number. {who('ledger', 'read')}; audited.",
    )
    async def patient_balance(
        self,
        info: Info[Context, Any],
        patient_id: Annotated[relay.GlobalID, strawberry.argument(description="A Patient id.")],
    ) -> PatientBalance:
        op = info.context.op
        with query_errors():
            key = pk(patient_id, "Patient", "patientId")
        async with op.db() as session:
            found = (await ledger.balances(session, op.staff, [key]))[key]
        return PatientBalance(
            insurance=Money.of(found.insurance_cents),
            patient_responsibility=Money.of(found.patient_cents),
            total=Money.of(found.total_cents),
        )
