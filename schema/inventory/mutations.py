"""Inventory mutations: the catalog (inventory managers) and stock movements."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.inventory import catalog, stock
from app.inventory.witness import Witnesses
from schema.context import Context
from schema.errors import UserError, run_mutation
from schema.ids import optional_pk, pk
from schema.inventory import inputs
from schema.inventory.types import (
    ItemNode,
    StockLocationNode,
    StockMovementNode,
    SupplierNode,
)
from schema.permissions import can

USER_ERRORS = "Why nothing was changed; empty on success."
WRITE = can("inventory", "write")


def witnesses_of(info: Info[Context, Any]) -> Witnesses:
    runtime = info.context.runtime
    return Witnesses(runtime.authenticator, runtime.authorizer)


def _set(value: Any, nullable: bool = False) -> Any:
    """An update's value; left out (or null for a field that cannot be null) keeps it."""
    if value is strawberry.UNSET or (value is None and not nullable):
        return catalog.UNSET
    return value


@strawberry.type(description="The result of createItem or updateItem.")
class ItemPayload:
    item: ItemNode | None = strawberry.field(description="The item as saved.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="The result of createStockLocation.")
class StockLocationPayload:
    stock_location: StockLocationNode | None = strawberry.field(description="The new location.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="The result of createSupplier.")
class SupplierPayload:
    supplier: SupplierNode | None = strawberry.field(description="The new supplier.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="The result of a stock movement: the ledger rows it wrote.")
class StockMovementsPayload:
    movements: list[StockMovementNode] = strawberry.field(
        description="The rows written, in order (several when lots were combined or for a "
        "transfer's out and in); empty on failure."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _moved(rows: Any, errors: list[UserError]) -> StockMovementsPayload:
    return StockMovementsPayload(
        movements=[StockMovementNode.from_model(r) for r in rows or []], user_errors=errors
    )


@strawberry.type
class InventoryMutations:
    @strawberry.mutation(extensions=WRITE, description="Add an item (SKU_TAKEN if its SKU is).")
    async def create_item(
        self,
        info: Info[Context, Any],
        input: Annotated[inputs.CreateItemInput, strawberry.argument(description="The item.")],
    ) -> ItemPayload:
        def fields() -> catalog.ItemFields:
            return catalog.ItemFields(
                name=input.name,
                unit=input.unit,
                ndc=input.ndc,
                reorder_point=input.reorder_point,
                par_level=input.par_level,
                unit_cost_cents=input.unit_cost_cents,
                billing_code=input.billing_code,
                controlled_schedule=input.controlled_schedule,  # type: ignore[arg-type]
                preferred_supplier_id=optional_pk(
                    input.preferred_supplier_id, "Supplier", "preferredSupplierId"
                ),
            )

        row, errors = await run_mutation(
            info,
            lambda s, a: catalog.create_item(
                s,
                a,
                sku=input.sku,
                category=input.category,  # type: ignore[arg-type]
                fields=fields(),
            ),
        )
        return ItemPayload(item=ItemNode.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(extensions=WRITE, description="Change an item's settings.")
    async def update_item(
        self,
        info: Info[Context, Any],
        input: Annotated[inputs.UpdateItemInput, strawberry.argument(description="Changes.")],
    ) -> ItemPayload:
        def fields() -> catalog.ItemFields:
            supplier = input.preferred_supplier_id
            return catalog.ItemFields(
                name=_set(input.name),
                unit=_set(input.unit),
                ndc=_set(input.ndc, nullable=True),
                reorder_point=_set(input.reorder_point),
                par_level=_set(input.par_level),
                unit_cost_cents=_set(input.unit_cost_cents),
                billing_code=_set(input.billing_code, nullable=True),
                active=_set(input.active),
                preferred_supplier_id=(
                    _set(supplier, nullable=True)
                    if supplier is strawberry.UNSET or supplier is None
                    else pk(supplier, "Supplier", "preferredSupplierId")
                ),
            )

        row, errors = await run_mutation(
            info,
            lambda s, a: catalog.update_item(s, a, pk(input.item_id, "Item", "itemId"), fields()),
        )
        return ItemPayload(item=ItemNode.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(extensions=WRITE, description="Add a stock location at a location.")
    async def create_stock_location(
        self,
        info: Info[Context, Any],
        input: Annotated[
            inputs.CreateStockLocationInput, strawberry.argument(description="The location.")
        ],
    ) -> StockLocationPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: catalog.create_stock_location(
                s, a, location_id=pk(input.location_id, "Location", "locationId"), name=input.name
            ),
        )
        return StockLocationPayload(
            stock_location=StockLocationNode.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(extensions=WRITE, description="Add a supplier.")
    async def create_supplier(
        self,
        info: Info[Context, Any],
        input: Annotated[inputs.CreateSupplierInput, strawberry.argument(description="Who.")],
    ) -> SupplierPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: catalog.create_supplier(
                s,
                a,
                name=input.name,
                phone=input.phone,
                email=input.email,
                account_number=input.account_number,
            ),
        )
        return SupplierPayload(
            supplier=SupplierNode.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(extensions=WRITE, description="Record stock arriving (ad hoc).")
    async def receive_stock(
        self,
        info: Info[Context, Any],
        input: Annotated[inputs.ReceiveStockInput, strawberry.argument(description="What.")],
    ) -> StockMovementsPayload:
        rows, errors = await run_mutation(
            info,
            lambda s, a: stock.receive_stock(
                s,
                a,
                witnesses_of(info),
                item_id=pk(input.item_id, "Item", "itemId"),
                stock_location_id=pk(input.stock_location_id, "StockLocation", "stockLocationId"),
                quantity=input.quantity,
                lot_number=input.lot_number,
                expiry_date=input.expiry_date,
                unit_cost_cents=input.unit_cost_cents,
                supplier_id=optional_pk(input.supplier_id, "Supplier", "supplierId"),
                purchase_order_line_id=optional_pk(
                    input.purchase_order_line_id, "PurchaseOrderLine", "purchaseOrderLineId"
                ),
                witness_token=input.witness_token,
                note=input.note,
            ),
        )
        return _moved(rows, errors)

    @strawberry.mutation(
        extensions=can("stock", "consume"),
        description="Use stock: first-expiring unexpired lots first (combined if needed) unless "
        "a lot is named. INSUFFICIENT_STOCK, with nothing written, when unexpired stock falls "
        "short. Inventory managers and clinicians.",
    )
    async def consume_stock(
        self,
        info: Info[Context, Any],
        input: Annotated[inputs.ConsumeStockInput, strawberry.argument(description="What.")],
    ) -> StockMovementsPayload:
        rows, errors = await run_mutation(
            info,
            lambda s, a: stock.consume_stock(
                s,
                a,
                witnesses_of(info),
                item_id=pk(input.item_id, "Item", "itemId"),
                stock_location_id=pk(input.stock_location_id, "StockLocation", "stockLocationId"),
                quantity=input.quantity,
                lot_id=optional_pk(input.lot_id, "Lot", "lotId"),
                appointment_id=optional_pk(input.appointment_id, "Appointment", "appointmentId"),
                witness_token=input.witness_token,
                note=input.note,
            ),
        )
        return _moved(rows, errors)

    @strawberry.mutation(extensions=WRITE, description="Correct a lot's on hand, with a reason.")
    async def adjust_stock(
        self,
        info: Info[Context, Any],
        input: Annotated[inputs.AdjustStockInput, strawberry.argument(description="What.")],
    ) -> StockMovementsPayload:
        rows, errors = await run_mutation(
            info,
            lambda s, a: stock.adjust_stock(
                s,
                a,
                witnesses_of(info),
                item_id=pk(input.item_id, "Item", "itemId"),
                stock_location_id=pk(input.stock_location_id, "StockLocation", "stockLocationId"),
                lot_id=pk(input.lot_id, "Lot", "lotId"),
                quantity_change=input.quantity_change,
                reason_code=input.reason_code,  # type: ignore[arg-type]
                witness_token=input.witness_token,
                note=input.note,
            ),
            {"quantity": ["quantityChange"]},
        )
        return _moved(rows, errors)

    @strawberry.mutation(extensions=WRITE, description="Take stock out of use, with a reason.")
    async def waste_stock(
        self,
        info: Info[Context, Any],
        input: Annotated[inputs.WasteStockInput, strawberry.argument(description="What.")],
    ) -> StockMovementsPayload:
        rows, errors = await run_mutation(
            info,
            lambda s, a: stock.waste_stock(
                s,
                a,
                witnesses_of(info),
                item_id=pk(input.item_id, "Item", "itemId"),
                stock_location_id=pk(input.stock_location_id, "StockLocation", "stockLocationId"),
                lot_id=pk(input.lot_id, "Lot", "lotId"),
                quantity=input.quantity,
                reason_code=input.reason_code,  # type: ignore[arg-type]
                witness_token=input.witness_token,
                note=input.note,
            ),
        )
        return _moved(rows, errors)

    @strawberry.mutation(
        extensions=WRITE,
        description="Move stock between stock locations: a TRANSFER_OUT and a TRANSFER_IN row "
        "per lot, in one transaction.",
    )
    async def transfer_stock(
        self,
        info: Info[Context, Any],
        input: Annotated[inputs.TransferStockInput, strawberry.argument(description="What.")],
    ) -> StockMovementsPayload:
        rows, errors = await run_mutation(
            info,
            lambda s, a: stock.transfer_stock(
                s,
                a,
                witnesses_of(info),
                item_id=pk(input.item_id, "Item", "itemId"),
                from_stock_location_id=pk(
                    input.from_stock_location_id, "StockLocation", "fromStockLocationId"
                ),
                to_stock_location_id=pk(
                    input.to_stock_location_id, "StockLocation", "toStockLocationId"
                ),
                quantity=input.quantity,
                lot_id=optional_pk(input.lot_id, "Lot", "lotId"),
                witness_token=input.witness_token,
                note=input.note,
            ),
        )
        return _moved(rows, errors)
