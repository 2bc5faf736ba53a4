"""Inventory object types. Related rows load through DataLoaders (schema/loaders.by_id), so a
page of levels or movements costs one statement per kind of related row, not one per row."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.inventory import models, queries
from app.inventory.events import InventoryAlertRaised
from app.inventory.ndc import format_ndc
from app.patients.rules import today as practice_today
from schema.context import Context
from schema.inventory.enums import (
    AlertKind,
    ControlledSchedule,
    ItemCategory,
    MovementKind,
    ReasonCode,
)
from schema.loaders import by_id
from schema.nodes import node_resolver, plain_rows
from schema.scheduling.setup_types import LocationNode
from schema.users.loaders import staff_name_by_user_id

READ = "inventory"


async def item_of(info: Info[Context, Any], item_id: int) -> ItemNode:
    row = await by_id(info, models.Item).load(item_id)
    assert row is not None
    return ItemNode.from_model(row)


async def lot_of(info: Info[Context, Any], lot_id: int) -> LotNode:
    row = await by_id(info, models.Lot).load(lot_id)
    assert row is not None
    return LotNode.from_model(row)


async def stock_location_of(info: Info[Context, Any], stock_location_id: int) -> StockLocationNode:
    row = await by_id(info, models.StockLocation).load(stock_location_id)
    assert row is not None
    return StockLocationNode.from_model(row)


def on_hand_loader(info: Info[Context, Any]) -> Any:
    op = info.context.op
    today = practice_today(info.context.runtime.settings)

    async def load(ids: list[int]) -> list[int]:
        async with op.db() as session:
            found = await queries.usable_on_hand(session, today, ids)
        return [found.get(i, 0) for i in ids]

    return op.loader("usable_on_hand", load)


@strawberry.type(
    name="Item",
    description="Something the practice stocks: a supply, a drug, a "
    "vaccine or a piece of equipment.",
)
class ItemNode(relay.Node):
    pk: relay.NodeID[int]
    sku: str = strawberry.field(description="Stock-keeping unit: the practice's code, unique.")
    name: str = strawberry.field(description="Display name.")
    category: ItemCategory = strawberry.field(description="What kind of thing it is.")  # type: ignore[valid-type]
    unit: str = strawberry.field(description="The unit quantities count (each, box, dose, mL).")
    ndc: str | None = strawberry.field(
        description="National Drug Code, 11 digits as 5-4-2 with hyphens (medications and "
        "vaccines only)."
    )
    reorder_point: int = strawberry.field(
        description="At or below this many units on hand (unexpired, all locations), the item "
        "is low: a LOW_STOCK alert."
    )
    par_level: int = strawberry.field(description="The quantity to restock up to.")
    unit_cost_cents: int = strawberry.field(description="What one unit costs, in US cents.")
    billing_code: str | None = strawberry.field(
        description="The HCPCS Level II or CPT code it is billed under, if it is billable."
    )
    controlled_schedule: ControlledSchedule | None = strawberry.field(  # type: ignore[valid-type]
        description="Its DEA schedule if it is a controlled substance (its movements need a "
        "witness and appear in controlledSubstanceLog)."
    )
    active: bool = strawberry.field(description="Whether it is still stocked and received.")

    @strawberry.field(description="Unexpired units on hand, every stock location together.")
    async def on_hand(self, info: Info[Context, Any]) -> int:
        return int(await on_hand_loader(info).load(self.pk))

    @classmethod
    def from_model(cls, row: models.Item) -> ItemNode:
        return cls(
            pk=row.id,
            sku=row.sku,
            name=row.name,
            category=row.category,
            unit=row.unit,
            ndc=format_ndc(row.ndc) if row.ndc else None,
            reorder_point=row.reorder_point,
            par_level=row.par_level,
            unit_cost_cents=row.unit_cost_cents,
            billing_code=row.billing_code,
            controlled_schedule=row.controlled_schedule,
            active=row.active,
        )

    resolve_nodes = node_resolver(READ, plain_rows(models.Item))  # type: ignore[assignment]


@strawberry.type(
    name="StockLocation",
    description="A place stock is kept (a cabinet, a room, "
    "the back store) at one of the practice's locations.",
)
class StockLocationNode(relay.Node):
    pk: relay.NodeID[int]
    name: str = strawberry.field(description="Display name, unique within its location.")
    active: bool = strawberry.field(description="Whether stock is still kept there.")
    location_id: strawberry.Private[int]

    @strawberry.field(description="The practice location it is at.")
    async def location(self, info: Info[Context, Any]) -> LocationNode:
        from app.scheduling.models import Location

        row = await by_id(info, Location).load(self.location_id)
        assert row is not None
        return LocationNode.from_model(row)

    @classmethod
    def from_model(cls, row: models.StockLocation) -> StockLocationNode:
        return cls(pk=row.id, name=row.name, active=row.active, location_id=row.location_id)

    resolve_nodes = node_resolver(READ, plain_rows(models.StockLocation))  # type: ignore[assignment]


@strawberry.type(name="Lot", description="A manufacturer's lot of an item, with its expiry.")
class LotNode(relay.Node):
    pk: relay.NodeID[int]
    lot_number: str | None = strawberry.field(
        description="The manufacturer's lot number; null for stock received without one."
    )
    expiry_date: date | None = strawberry.field(
        description="Usable through this date (in the practice's time zone); null: no expiry."
    )
    item_id: strawberry.Private[int]

    @strawberry.field(description="The item this is a lot of.")
    async def item(self, info: Info[Context, Any]) -> ItemNode:
        return await item_of(info, self.item_id)

    @classmethod
    def from_model(cls, row: models.Lot) -> LotNode:
        return cls(
            pk=row.id,
            lot_number=row.lot_number or None,
            expiry_date=row.expiry_date,
            item_id=row.item_id,
        )

    resolve_nodes = node_resolver(READ, plain_rows(models.Lot))  # type: ignore[assignment]


@strawberry.type(name="Supplier", description="Where the practice buys stock.")
class SupplierNode(relay.Node):
    pk: relay.NodeID[int]
    name: str = strawberry.field(description="Display name, unique.")
    phone: str | None = strawberry.field(description="Phone number for orders.")
    email: str | None = strawberry.field(description="Email address for orders.")
    account_number: str | None = strawberry.field(
        description="The practice's account number with the supplier."
    )

    @classmethod
    def from_model(cls, row: models.Supplier) -> SupplierNode:
        return cls(
            pk=row.id,
            name=row.name,
            phone=row.phone,
            email=row.email,
            account_number=row.account_number,
        )

    resolve_nodes = node_resolver(READ, plain_rows(models.Supplier))  # type: ignore[assignment]


@strawberry.type(description="On hand of one lot of an item at one stock location.")
class StockLevel:
    quantity: int = strawberry.field(description="Units on hand (never negative).")
    expiry_date: date | None = strawberry.field(description="The lot's expiry date, if any.")
    expired: bool = strawberry.field(
        description="Whether the lot is past its expiry date: such stock is never consumed."
    )
    item_id: strawberry.Private[int]
    lot_id: strawberry.Private[int]
    stock_location_id: strawberry.Private[int]

    @strawberry.field(description="The item.")
    async def item(self, info: Info[Context, Any]) -> ItemNode:
        return await item_of(info, self.item_id)

    @strawberry.field(description="The lot.")
    async def lot(self, info: Info[Context, Any]) -> LotNode:
        return await lot_of(info, self.lot_id)

    @strawberry.field(description="Where it is kept.")
    async def stock_location(self, info: Info[Context, Any]) -> StockLocationNode:
        return await stock_location_of(info, self.stock_location_id)

    @classmethod
    def of(cls, level: queries.Level, today: date) -> StockLevel:
        return cls(
            quantity=level.quantity,
            expiry_date=level.expiry_date,
            expired=level.expiry_date is not None and level.expiry_date < today,
            item_id=level.item_id,
            lot_id=level.lot_id,
            stock_location_id=level.stock_location_id,
        )


@strawberry.type(name="StockMovement", description="One row of the stock ledger, never changed.")
class StockMovementNode:
    id: relay.GlobalID = strawberry.field(description="The movement's global id.")
    kind: MovementKind = strawberry.field(description="What happened.")  # type: ignore[valid-type]
    quantity: int = strawberry.field(
        description="Units, signed: positive into the stock location, negative out of it."
    )
    unit_cost_cents: int = strawberry.field(description="The cost of one unit, in US cents.")
    reason_code: ReasonCode | None = strawberry.field(description="Why (adjustments and waste).")  # type: ignore[valid-type]
    note: str | None = strawberry.field(description="What the person who moved it added.")
    created_at: datetime = strawberry.field(description="When it was recorded.")
    batch_id: str = strawberry.field(
        description="Shared by the rows one request wrote (lots combined, a transfer's out and in)."
    )
    appointment_id: relay.GlobalID | None = strawberry.field(
        description="The appointment the stock was used for, if any."
    )
    item_id: strawberry.Private[int]
    lot_id: strawberry.Private[int]
    stock_location_id: strawberry.Private[int]
    user_id: strawberry.Private[int | None]
    witness_user_id: strawberry.Private[int | None]

    @strawberry.field(description="The item.")
    async def item(self, info: Info[Context, Any]) -> ItemNode:
        return await item_of(info, self.item_id)

    @strawberry.field(description="The lot.")
    async def lot(self, info: Info[Context, Any]) -> LotNode:
        return await lot_of(info, self.lot_id)

    @strawberry.field(description="The stock location it moved into or out of.")
    async def stock_location(self, info: Info[Context, Any]) -> StockLocationNode:
        return await stock_location_of(info, self.stock_location_id)

    @strawberry.field(description="The full name of who moved it (null: the system).")
    async def moved_by(self, info: Info[Context, Any]) -> str | None:
        if self.user_id is None:
            return None
        name = await staff_name_by_user_id(info).load(self.user_id)
        return name.full_name if name else None

    @strawberry.field(description="The full name of the witness, for a controlled substance.")
    async def witnessed_by(self, info: Info[Context, Any]) -> str | None:
        if self.witness_user_id is None:
            return None
        name = await staff_name_by_user_id(info).load(self.witness_user_id)
        return name.full_name if name else None

    @classmethod
    def from_model(cls, row: models.StockMovement) -> StockMovementNode:
        return cls(
            id=relay.GlobalID("StockMovement", str(row.id)),
            kind=row.kind,
            quantity=row.quantity,
            unit_cost_cents=row.unit_cost_cents,
            reason_code=ReasonCode(row.reason_code) if row.reason_code else None,
            note=row.note,
            created_at=row.created_at,
            batch_id=row.batch_id,
            appointment_id=(
                relay.GlobalID("Appointment", str(row.appointment_id))
                if row.appointment_id
                else None
            ),
            item_id=row.item_id,
            lot_id=row.lot_id,
            stock_location_id=row.stock_location_id,
            user_id=row.user_id,
            witness_user_id=row.witness_user_id,
        )


@strawberry.type(description="Low stock of an item, or a lot about to expire.")
class InventoryAlert:
    kind: AlertKind = strawberry.field(description="What the alert is about.")  # type: ignore[valid-type]
    on_hand: int = strawberry.field(
        description="LOW_STOCK: unexpired units of the item, all locations; EXPIRING: units of "
        "the lot at the stock location."
    )
    item_id: strawberry.Private[int]
    lot_id: strawberry.Private[int | None]
    stock_location_id: strawberry.Private[int | None]

    @strawberry.field(description="The item.")
    async def item(self, info: Info[Context, Any]) -> ItemNode:
        return await item_of(info, self.item_id)

    @strawberry.field(description="EXPIRING: the lot; null for LOW_STOCK.")
    async def lot(self, info: Info[Context, Any]) -> LotNode | None:
        return await lot_of(info, self.lot_id) if self.lot_id else None

    @strawberry.field(description="EXPIRING: where the lot's stock is; null for LOW_STOCK.")
    async def stock_location(self, info: Info[Context, Any]) -> StockLocationNode | None:
        if self.stock_location_id is None:
            return None
        return await stock_location_of(info, self.stock_location_id)

    @classmethod
    def of(cls, alert: InventoryAlertRaised) -> InventoryAlert:
        return cls(
            kind=alert.kind,
            on_hand=alert.on_hand,
            item_id=alert.item_id,
            lot_id=alert.lot_id,
            stock_location_id=alert.stock_location_id,
        )
