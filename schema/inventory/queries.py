"""Inventory queries: the catalog, stock levels, the ledger, expiring lots, alerts and the
controlled-substance log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.types import Info

from app.inventory import models, queries, valuation
from app.patients.rules import today as practice_today
from app.scheduling.availability import aware
from schema.context import Context
from schema.errors import query_errors
from schema.ids import optional_pk
from schema.inventory.enums import ItemCategory, MovementKind
from schema.inventory.types import (
    InventoryAlert,
    ItemNode,
    StockLevel,
    StockLocationNode,
    StockMovementNode,
    SupplierNode,
    item_of,
)
from schema.pagination import Connection, First, connection, page
from schema.permissions import can

After = Annotated[
    str | None, strawberry.argument(description="The endCursor of the previous page.")
]
MAX_EXPIRY_DAYS = 3650


@strawberry.input(description="Which ledger rows to list; every given condition must hold.")
class StockMovementFilter:
    item_id: relay.GlobalID | None = strawberry.field(default=None, description="One item.")
    lot_id: relay.GlobalID | None = strawberry.field(default=None, description="One lot.")
    stock_location_id: relay.GlobalID | None = strawberry.field(
        default=None, description="One stock location."
    )
    kinds: list[MovementKind] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only these kinds (default: all)."
    )
    from_: datetime | None = strawberry.field(
        name="from", default=None, description="Recorded at or after this instant."
    )
    to: datetime | None = strawberry.field(
        default=None, description="Recorded before this instant."
    )


def _movement_filter(where: StockMovementFilter | None, controlled: bool) -> queries.MovementFilter:
    where = where or StockMovementFilter()
    return queries.MovementFilter(
        item_id=optional_pk(where.item_id, "Item", "itemId"),
        lot_id=optional_pk(where.lot_id, "Lot", "lotId"),
        stock_location_id=optional_pk(where.stock_location_id, "StockLocation", "stockLocationId"),
        kinds=list(where.kinds or []),  # type: ignore[arg-type]
        starts=aware(where.from_, "from") if where.from_ else None,
        ends=aware(where.to, "to") if where.to else None,
        controlled_only=controlled,
    )


@strawberry.type(description="One item's stock and its FIFO value.")
class ItemValuation:
    on_hand: int = strawberry.field(description="Units on hand (expired ones too).")
    value_cents: int = strawberry.field(
        description="Their cost, first in first out: the latest inflows at their unit cost."
    )
    item_id: strawberry.Private[int]

    @strawberry.field(description="The item.")
    async def item(self, info: Info[Context, Any]) -> ItemNode:
        return await item_of(info, self.item_id)


@strawberry.type(description="What the stock on hand was worth at an instant.")
class InventoryValuation:
    as_of: datetime = strawberry.field(description="The instant.")
    total_cents: int = strawberry.field(description="All items together, in US cents.")
    items: list[ItemValuation] = strawberry.field(description="Items with stock, by id.")


@strawberry.type
class InventoryQueries:
    @strawberry.field(
        extensions=can("inventory", "read"),
        description="Items by name: search matches name or SKU (case-insensitive). Inventory "
        "managers and clinicians.",
    )
    async def items(
        self,
        info: Info[Context, Any],
        search: Annotated[
            str | None, strawberry.argument(description="Part of the name or SKU.")
        ] = None,
        category: Annotated[
            ItemCategory | None, strawberry.argument(description="Only this category.")  # type: ignore[valid-type]
        ] = None,
        active: Annotated[
            bool | None, strawberry.argument(description="Only active (or inactive) items.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[ItemNode]:
        op = info.context.op
        wanted = page(first, after, info.context.runtime.settings.max_page_size)
        async with op.db() as session:
            rows, total = await queries.items(
                session,
                search=search,
                category=category,  # type: ignore[arg-type]
                active=active,
                offset=wanted.offset,
                limit=wanted.limit,
            )
        return connection([ItemNode.from_model(r) for r in rows], total, wanted)

    @strawberry.field(
        extensions=can("inventory", "read"),
        description="Every stock location, by location and name.",
    )
    async def stock_locations(self, info: Info[Context, Any]) -> list[StockLocationNode]:
        async with info.context.op.db() as session:
            rows = await session.scalars(
                select(models.StockLocation).order_by(
                    models.StockLocation.location_id, models.StockLocation.name
                )
            )
            return [StockLocationNode.from_model(r) for r in rows.all()]

    @strawberry.field(extensions=can("inventory", "read"), description="Every supplier, by name.")
    async def suppliers(self, info: Info[Context, Any]) -> list[SupplierNode]:
        async with info.context.op.db() as session:
            rows = await session.scalars(select(models.Supplier).order_by(models.Supplier.name))
            return [SupplierNode.from_model(r) for r in rows.all()]

    @strawberry.field(
        extensions=can("stock_level", "read"),
        description="What is on hand, per item, stock location and lot (empty lots left out), by "
        "item name, location and expiry. Read from running balances: as fast with a long ledger "
        "as with a short one. Inventory managers, clinicians and the front desk.",
    )
    async def stock_levels(
        self,
        info: Info[Context, Any],
        item_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only this item.")
        ] = None,
        stock_location_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only this stock location.")
        ] = None,
        location_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Only stock locations at this practice location."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[StockLevel]:
        op = info.context.op
        wanted = page(first, after, info.context.runtime.settings.max_page_size)
        with query_errors():
            item = optional_pk(item_id, "Item", "itemId")
            stock_location = optional_pk(stock_location_id, "StockLocation", "stockLocationId")
            location = optional_pk(location_id, "Location", "locationId")
        async with op.db() as session:
            levels, total = await queries.stock_levels(
                session,
                item_id=item,
                stock_location_id=stock_location,
                location_id=location,
                offset=wanted.offset,
                limit=wanted.limit,
            )
        today = practice_today(info.context.runtime.settings)
        return connection([StockLevel.of(x, today) for x in levels], total, wanted)

    @strawberry.field(
        extensions=can("inventory", "read"),
        description="The stock ledger, newest first. Inventory managers and clinicians.",
    )
    async def stock_movements(
        self,
        info: Info[Context, Any],
        filter: Annotated[
            StockMovementFilter | None, strawberry.argument(description="Which rows.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[StockMovementNode]:
        return await _movements(info, filter, first, after, controlled=False)

    @strawberry.field(
        extensions=can("controlled_substance_log", "read"),
        description="Every movement of a controlled substance (schedule II-V) with who moved it "
        "and who witnessed it, newest first. Inventory managers and compliance officers.",
    )
    async def controlled_substance_log(
        self,
        info: Info[Context, Any],
        filter: Annotated[
            StockMovementFilter | None, strawberry.argument(description="Which rows.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[StockMovementNode]:
        return await _movements(info, filter, first, after, controlled=True)

    @strawberry.field(
        extensions=can("stock_level", "read"),
        description="Stock of lots expiring from today through `withinDays` ahead (0 to "
        f"{MAX_EXPIRY_DAYS}), soonest first; at most 500.",
    )
    async def expiring_lots(
        self,
        info: Info[Context, Any],
        within_days: Annotated[int, strawberry.argument(description="How many days ahead.")],
    ) -> list[StockLevel]:
        from graphql import GraphQLError

        if not 0 <= within_days <= MAX_EXPIRY_DAYS:
            raise GraphQLError(
                f"withinDays is 0 to {MAX_EXPIRY_DAYS}.", extensions={"code": "BAD_USER_INPUT"}
            )
        today = practice_today(info.context.runtime.settings)
        async with info.context.op.db() as session:
            levels = await queries.expiring_lots(session, today, within_days)
        return [StockLevel.of(x, today) for x in levels]

    @strawberry.field(
        extensions=can("inventory", "read"),
        description="What needs attention now: items at or below their reorder point, then lots "
        "with stock expiring within the practice's alert window; at most 500.",
    )
    async def inventory_alerts(self, info: Info[Context, Any]) -> list[InventoryAlert]:
        settings = info.context.runtime.settings
        async with info.context.op.db() as session:
            alerts = await queries.current_alerts(
                session, practice_today(settings), settings.inventory_expiry_alert_days
            )
        return [InventoryAlert.of(a) for a in alerts]

    @strawberry.field(
        extensions=can("inventory_valuation", "read"),
        description="What stock on hand was worth at an instant (default: now), first in first "
        "out, from the ledger up to then. Inventory managers and billers.",
    )
    async def inventory_valuation(
        self,
        info: Info[Context, Any],
        as_of: Annotated[
            datetime | None, strawberry.argument(description="The instant, with its offset.")
        ] = None,
    ) -> InventoryValuation:
        return await _valuation(info, as_of)


async def _valuation(info: Info[Context, Any], as_of: datetime | None) -> InventoryValuation:
    with query_errors():
        instant = aware(as_of, "asOf") if as_of else datetime.now(UTC)
    async with info.context.op.db() as session:
        values = await valuation.valuation(session, instant)
    return InventoryValuation(
        as_of=instant,
        total_cents=sum(v.value_cents for v in values),
        items=[
            ItemValuation(on_hand=v.on_hand, value_cents=v.value_cents, item_id=v.item_id)
            for v in values
        ],
    )


async def _movements(
    info: Info[Context, Any],
    where: StockMovementFilter | None,
    first: int | None,
    after: str | None,
    *,
    controlled: bool,
) -> Connection[StockMovementNode]:
    op = info.context.op
    wanted = page(first, after, info.context.runtime.settings.max_page_size)
    with query_errors():
        conditions = _movement_filter(where, controlled)
    async with op.db() as session:
        rows, total = await queries.movements(
            session, op.staff, conditions, wanted.offset, wanted.limit
        )
    return connection([StockMovementNode.from_model(r) for r in rows], total, wanted)
