"""Purchase orders and reorder suggestions as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from sqlalchemy import select
from strawberry import relay
from strawberry.types import Info

from app.inventory import models, purchasing
from schema.context import Context
from schema.enums import described_enum
from schema.errors import UserError, run_mutation
from schema.ids import pk
from schema.inventory.types import ItemNode, SupplierNode, item_of
from schema.loaders import by_id
from schema.nodes import node_resolver, plain_rows
from schema.permissions import can

USER_ERRORS = "Why nothing was changed; empty on success."
S = models.PurchaseOrderStatus
PurchaseOrderStatus = described_enum(
    S,
    "Where a purchase order stands.",
    {
        S.DRAFT: "Being prepared; not sent to the supplier.",
        S.ORDERED: "Sent to the supplier; nothing received yet.",
        S.PARTLY_RECEIVED: "Some of it received.",
        S.RECEIVED: "Everything ordered received.",
        S.CLOSED: "Done: received, closed short, or a draft called off.",
    },
)


async def supplier_of(info: Info[Context, Any], supplier_id: int | None) -> SupplierNode | None:
    if supplier_id is None:
        return None
    row = await by_id(info, models.Supplier).load(supplier_id)
    return SupplierNode.from_model(row) if row else None


def lines_loader(info: Info[Context, Any]) -> Any:
    op = info.context.op

    async def load(ids: list[int]) -> list[list[models.PurchaseOrderLine]]:
        async with op.db() as session:
            rows = await session.scalars(
                select(models.PurchaseOrderLine)
                .where(models.PurchaseOrderLine.purchase_order_id.in_(ids))
                .order_by(models.PurchaseOrderLine.id)
            )
            found: dict[int, list[models.PurchaseOrderLine]] = {i: [] for i in ids}
            for row in rows.all():
                found[row.purchase_order_id].append(row)
        return [found[i] for i in ids]

    return op.loader("purchase_order_lines", load)


@strawberry.type(description="One item ordered, and how much of it has arrived.")
class PurchaseOrderLine:
    id: relay.GlobalID = strawberry.field(
        description="The line's id: receiveStock's purchaseOrderLineId."
    )
    quantity_ordered: int = strawberry.field(description="Units ordered.")
    quantity_received: int = strawberry.field(description="Units received so far.")
    unit_cost_cents: int = strawberry.field(description="Agreed cost of one unit, in US cents.")
    item_id: strawberry.Private[int]

    @strawberry.field(description="The item ordered.")
    async def item(self, info: Info[Context, Any]) -> ItemNode:
        return await item_of(info, self.item_id)


@strawberry.type(name="PurchaseOrder", description="An order of stock from one supplier.")
class PurchaseOrderNode(relay.Node):
    pk: relay.NodeID[int]
    status: PurchaseOrderStatus = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]
    ordered_at: datetime | None = strawberry.field(description="When it was sent.")
    closed_at: datetime | None = strawberry.field(description="When it was closed.")
    note: str | None = strawberry.field(description="A remark, one line.")
    supplier_id: strawberry.Private[int]

    @strawberry.field(description="Who it is ordered from.")
    async def supplier(self, info: Info[Context, Any]) -> SupplierNode | None:
        return await supplier_of(info, self.supplier_id)

    @strawberry.field(description="What is ordered, in the order it was entered.")
    async def lines(self, info: Info[Context, Any]) -> list[PurchaseOrderLine]:
        return [
            PurchaseOrderLine(
                id=relay.GlobalID("PurchaseOrderLine", str(r.id)),
                quantity_ordered=r.quantity_ordered,
                quantity_received=r.quantity_received,
                unit_cost_cents=r.unit_cost_cents,
                item_id=r.item_id,
            )
            for r in await lines_loader(info).load(self.pk)
        ]

    @classmethod
    def from_model(cls, row: models.PurchaseOrder) -> PurchaseOrderNode:
        return cls(
            pk=row.id,
            status=row.status,
            ordered_at=row.ordered_at,
            closed_at=row.closed_at,
            note=row.note,
            supplier_id=row.supplier_id,
        )

    resolve_nodes = node_resolver("inventory", plain_rows(models.PurchaseOrder))  # type: ignore[assignment]


@strawberry.type(description="A proposed order of one item.")
class ReorderSuggestion:
    on_hand: int = strawberry.field(description="Unexpired units on hand, all locations.")
    on_order: int = strawberry.field(description="Units on open purchase orders still to come.")
    average_daily_use: float = strawberry.field(description="Units consumed per day, lately.")
    quantity: int = strawberry.field(
        description="Units to order: up to par level, plus the use expected until delivery, "
        "less what is on hand and on order."
    )
    item_id: strawberry.Private[int]

    @strawberry.field(description="The item.")
    async def item(self, info: Info[Context, Any]) -> ItemNode:
        return await item_of(info, self.item_id)


@strawberry.type(description="Suggestions for one supplier (the items' preferred supplier).")
class ReorderGroup:
    supplier_id: strawberry.Private[int | None]
    suggestions: list[ReorderSuggestion] = strawberry.field(description="What to order.")

    @strawberry.field(description="The supplier; null for items with no preferred supplier.")
    async def supplier(self, info: Info[Context, Any]) -> SupplierNode | None:
        return await supplier_of(info, self.supplier_id)


@strawberry.input(description="One line of a new purchase order.")
class PurchaseOrderLineInput:
    item_id: relay.GlobalID = strawberry.field(description="The item.")
    quantity: int = strawberry.field(description="Units to order (positive).")
    unit_cost_cents: int | None = strawberry.field(
        default=None, description="Agreed unit cost (default: the item's unit cost)."
    )


@strawberry.input(description="A new purchase order, as a draft.")
class CreatePurchaseOrderInput:
    supplier_id: relay.GlobalID = strawberry.field(description="Who it is ordered from.")
    lines: list[PurchaseOrderLineInput] = strawberry.field(description="What (at least one).")
    note: str | None = strawberry.field(default=None, description="A remark, one line.")


@strawberry.input(description="A purchase order to move on.")
class PurchaseOrderIdInput:
    purchase_order_id: relay.GlobalID = strawberry.field(description="The purchase order.")


@strawberry.type(description="The result of a purchase order mutation.")
class PurchaseOrderPayload:
    purchase_order: PurchaseOrderNode | None = strawberry.field(description="The order now.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _payload(row: models.PurchaseOrder | None, errors: list[UserError]) -> PurchaseOrderPayload:
    return PurchaseOrderPayload(
        purchase_order=PurchaseOrderNode.from_model(row) if row else None, user_errors=errors
    )


@strawberry.type
class PurchasingQueries:
    @strawberry.field(
        extensions=can("inventory", "read"),
        description="Purchase orders, newest first (at most 200), optionally of some statuses.",
    )
    async def purchase_orders(
        self,
        info: Info[Context, Any],
        statuses: Annotated[
            list[PurchaseOrderStatus] | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only these statuses (default: all)."),
        ] = None,
    ) -> list[PurchaseOrderNode]:
        query = select(models.PurchaseOrder).order_by(models.PurchaseOrder.id.desc()).limit(200)
        if statuses:
            query = query.where(models.PurchaseOrder.status.in_(statuses))
        async with info.context.op.db() as session:
            return [PurchaseOrderNode.from_model(r) for r in (await session.scalars(query)).all()]

    @strawberry.field(
        extensions=can("inventory", "read"),
        description="What to order for items at or below their reorder point, grouped by "
        "preferred supplier: up to par level plus `leadDays` of average daily use over the "
        "last `days`, less stock on hand and on order.",
    )
    async def suggest_reorder(
        self,
        info: Info[Context, Any],
        days: Annotated[
            int, strawberry.argument(description="Days of use to average (1 to 365).")
        ] = 30,
        lead_days: Annotated[
            int, strawberry.argument(description="Days until an order arrives (0 to 90).")
        ] = 7,
    ) -> list[ReorderGroup]:
        if not (1 <= days <= 365 and 0 <= lead_days <= 90):
            raise GraphQLError(
                "days is 1 to 365 and leadDays 0 to 90.", extensions={"code": "BAD_USER_INPUT"}
            )
        zone = info.context.runtime.settings.timezone
        now = datetime.now(zone)
        async with info.context.op.db() as session:
            found = await purchasing.suggest_reorder(session, now.date(), now, days, lead_days)
        groups: dict[int | None, list[ReorderSuggestion]] = {}
        for s in found:
            groups.setdefault(s.supplier_id, []).append(
                ReorderSuggestion(
                    on_hand=s.on_hand,
                    on_order=s.on_order,
                    average_daily_use=round(s.average_daily_use, 2),
                    quantity=s.quantity,
                    item_id=s.item_id,
                )
            )
        return [ReorderGroup(supplier_id=k, suggestions=v) for k, v in groups.items()]


@strawberry.type
class PurchasingMutations:
    @strawberry.mutation(
        extensions=can("inventory", "write"), description="Start a purchase order (a draft)."
    )
    async def create_purchase_order(
        self,
        info: Info[Context, Any],
        input: Annotated[CreatePurchaseOrderInput, strawberry.argument(description="The order.")],
    ) -> PurchaseOrderPayload:
        def lines() -> list[purchasing.LineInput]:
            return [
                purchasing.LineInput(
                    pk(line.item_id, "Item", "lines", str(n), "itemId"),
                    line.quantity,
                    line.unit_cost_cents,
                )
                for n, line in enumerate(input.lines)
            ]

        row, errors = await run_mutation(
            info,
            lambda s, a: purchasing.create_purchase_order(
                s,
                a,
                supplier_id=pk(input.supplier_id, "Supplier", "supplierId"),
                lines=lines(),
                note=input.note,
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        extensions=can("inventory", "write"),
        description="Send a draft purchase order (PURCHASE_ORDER_STATE if it is not a draft).",
    )
    async def order_purchase_order(
        self,
        info: Info[Context, Any],
        input: Annotated[PurchaseOrderIdInput, strawberry.argument(description="Which.")],
    ) -> PurchaseOrderPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: purchasing.change_status(
                s, a, pk(input.purchase_order_id, "PurchaseOrder", "purchaseOrderId"), "order"
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        extensions=can("inventory", "write"),
        description="Close a purchase order: received, closed short, or a draft called off.",
    )
    async def close_purchase_order(
        self,
        info: Info[Context, Any],
        input: Annotated[PurchaseOrderIdInput, strawberry.argument(description="Which.")],
    ) -> PurchaseOrderPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: purchasing.change_status(
                s, a, pk(input.purchase_order_id, "PurchaseOrder", "purchaseOrderId"), "close"
            ),
        )
        return _payload(row, errors)
