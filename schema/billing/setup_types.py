"""Billing set-up as GraphQL types: money, payers, the billing provider, fee schedules."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.billing import models
from schema.billing import loaders
from schema.context import Context
from schema.nodes import node_resolver, plain_rows
from schema.patients.types import Address
from schema.permissions import who

CURRENCY = "USD"


@strawberry.type(description="An amount of money, in integer cents (never a float).")
class Money:
    amount_cents: int = strawberry.field(description="The amount in cents; negative for credits.")
    currency: str = strawberry.field(description="ISO 4217 currency code; always USD.")

    @classmethod
    def of(cls, cents: int) -> Money:
        return cls(amount_cents=cents, currency=CURRENCY)


def _address(row: Any) -> Address:
    return Address(
        line1=row.address_line1,
        line2=row.address_line2,
        city=row.city,
        state=row.state,
        postal_code=row.postal_code,
    )


@strawberry.type(
    name="Payer",
    description=f"An insurer claims go to. {who('billing_setup', 'read')} may read payers.",
)
class PayerNode(relay.Node):
    pk: relay.NodeID[int]
    name: str = strawberry.field(description="The payer's name.")
    payer_id: str = strawberry.field(
        description="Its X12 payer id (2010BB NM109); coverages name their payer by it."
    )
    filing_indicator: str = strawberry.field(
        description="Claim filing indicator code (SBR09): CI commercial, MB Medicare part B, MC "
        "Medicaid, BL Blue Cross/Blue Shield, ..."
    )
    address: Address = strawberry.field(
        description="Where claims on paper would go; parts are null when not recorded."
    )

    @classmethod
    def from_model(cls, row: models.Payer) -> PayerNode:
        return cls(
            pk=row.id,
            name=row.name,
            payer_id=row.payer_id,
            filing_indicator=row.filing_indicator,
            address=_address(row),
        )

    resolve_nodes = node_resolver("billing_setup", plain_rows(models.Payer))  # type: ignore[assignment]


@strawberry.type(description="The practice as it bills (the 837P's billing provider, 2010AA).")
class BillingProvider:
    name: str = strawberry.field(description="The practice's billing name.")
    npi: str = strawberry.field(description="Its organisation NPI (10 digits).")
    tax_id: str = strawberry.field(description="Its tax id (EIN), 9 digits.")
    address: Address = strawberry.field(
        description="Its street address; postalCode is 9 digits (ZIP+4) once complete."
    )
    contact_name: str | None = strawberry.field(description="Who payers call; null if unset.")
    contact_phone: str | None = strawberry.field(description="10 digits; null if unset.")

    @classmethod
    def from_model(cls, row: models.BillingProvider) -> BillingProvider:
        return cls(
            name=row.name,
            npi=row.npi,
            tax_id=row.tax_id,
            address=_address(row),
            contact_name=row.contact_name,
            contact_phone=row.contact_phone,
        )


@strawberry.type(description="One price of a fee schedule.")
class FeeScheduleEntry:
    code: str = strawberry.field(description="CPT or HCPCS code.")
    modifiers: list[str] = strawberry.field(
        description="The modifiers this price is for; empty: the code's price without any "
        "(used too when no entry has a line's exact modifiers)."
    )
    price: Money = strawberry.field(description="Price of one unit.")

    @classmethod
    def from_model(cls, row: models.FeeScheduleEntry) -> FeeScheduleEntry:
        return cls(
            code=row.code, modifiers=models.split(row.modifiers), price=Money.of(row.price_cents)
        )


@strawberry.type(
    name="FeeSchedule",
    description="Prices in force for a period: the practice's default (no payer) or a payer's "
    "contracted schedule. A charge takes the price of its payer's schedule in force on the "
    f"date of service, else the default's. {who('billing_setup', 'read')} may read them.",
)
class FeeScheduleNode(relay.Node):
    pk: relay.NodeID[int]
    name: str = strawberry.field(description="The schedule's name (unique).")
    valid_from: date = strawberry.field(description="First date of service it prices.")
    valid_until: date | None = strawberry.field(
        description="Last date of service it prices; null: open-ended."
    )
    payer_pk: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.FeeSchedule) -> FeeScheduleNode:
        return cls(
            pk=row.id,
            name=row.name,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            payer_pk=row.payer_id,
        )

    resolve_nodes = node_resolver("billing_setup", plain_rows(models.FeeSchedule))  # type: ignore[assignment]

    @strawberry.field(description="Whose contract it is; null for the practice's default.")
    async def payer(self, info: Info[Context, Any]) -> PayerNode | None:
        from schema.loaders import by_id

        if self.payer_pk is None:
            return None
        row = await by_id(info, models.Payer).load(self.payer_pk)
        return PayerNode.from_model(row) if row else None

    @strawberry.field(description="Its prices, by code then modifiers.")
    async def entries(self, info: Info[Context, Any]) -> list[FeeScheduleEntry]:
        rows = await loaders.entries_by_schedule_id(info).load(self.pk)
        return [FeeScheduleEntry.from_model(r) for r in rows]
