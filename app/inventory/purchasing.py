"""Purchase orders (draft -> ordered -> partly or fully received -> closed), receiving against
their lines, and reorder suggestions up to par level from recent use."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import text
from app.audit import trail
from app.authz import Actor
from app.db import get_or_not_found, utcnow
from app.errors import CommonErrorCode, DomainError, NotFound
from app.inventory import queries
from app.inventory.errors import InventoryErrorCode
from app.inventory.models import (
    Item,
    MovementKind,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    StockMovement,
    Supplier,
)

S = PurchaseOrderStatus
OPEN = (S.ORDERED, S.PARTLY_RECEIVED)
NEXT = {"order": (S.DRAFT,), "close": (S.DRAFT, S.ORDERED, S.PARTLY_RECEIVED, S.RECEIVED)}


@dataclass(frozen=True)
class LineInput:
    item_id: int
    quantity: int
    unit_cost_cents: int | None = None


async def create_purchase_order(
    session: AsyncSession,
    actor: Actor,
    *,
    supplier_id: int,
    lines: Sequence[LineInput],
    note: str | None = None,
) -> PurchaseOrder:
    await get_or_not_found(session, Supplier, supplier_id, "Supplier", "supplier_id")
    if not lines:
        raise DomainError(CommonErrorCode.REQUIRED, "An order has at least one line.", ["lines"])
    order = PurchaseOrder(
        supplier_id=supplier_id,
        status=S.DRAFT,
        created_by_id=actor.user_id,
        note=text.required(note, "note") if note and note.strip() else None,
    )
    await trail.add_created(session, actor, order, "PurchaseOrder")
    for index, line in enumerate(lines):
        item = await session.get(Item, line.item_id)
        if item is None:
            raise NotFound("Item", ["lines", str(index), "item_id"])
        cost = item.unit_cost_cents if line.unit_cost_cents is None else line.unit_cost_cents
        if line.quantity <= 0 or cost < 0:
            raise DomainError(
                InventoryErrorCode.INVALID_STOCK_QUANTITY,
                "A line orders a positive quantity at a cost of zero or more.",
                ["lines", str(index), "quantity" if line.quantity <= 0 else "unit_cost_cents"],
            )
        session.add(
            PurchaseOrderLine(
                purchase_order_id=order.id,
                item_id=item.id,
                quantity_ordered=line.quantity,
                quantity_received=0,
                unit_cost_cents=cost,
            )
        )
    await session.flush()
    return order


async def _locked_order(session: AsyncSession, order_id: int, field: str) -> PurchaseOrder:
    order = await session.scalar(
        select(PurchaseOrder)
        .where(PurchaseOrder.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound("Purchase order", [field])
    return order


async def change_status(
    session: AsyncSession, actor: Actor, order_id: int, step: str
) -> PurchaseOrder:
    """`order` a draft (it is sent), or `close` an order (received, closed short, or called
    off while a draft)."""
    order = await _locked_order(session, order_id, "purchase_order_id")
    if order.status not in NEXT[step]:
        raise DomainError(
            InventoryErrorCode.PURCHASE_ORDER_STATE,
            f"A purchase order that is {order.status.value.replace('_', ' ')} cannot be {step}ed.",
            ["purchase_order_id"],
        )
    if step == "order":
        order.status, order.ordered_at = S.ORDERED, utcnow()
    else:
        order.status, order.closed_at = S.CLOSED, utcnow()
    await session.flush()
    trail.record(session, actor, step, "PurchaseOrder", order.id)
    return order


@dataclass(frozen=True)
class Receivable:
    supplier_id: int
    unit_cost_cents: int


async def receive_on_line(
    session: AsyncSession, line_id: int, item_id: int, quantity: int
) -> Receivable:
    """Count `quantity` received on the line (its order locked: concurrent receipts queue) and
    move the order to partly or fully received."""
    line = await session.get(PurchaseOrderLine, line_id)
    if line is None:
        raise NotFound("Purchase order line", ["purchase_order_line_id"])
    order = await _locked_order(session, line.purchase_order_id, "purchase_order_line_id")
    await session.refresh(line)
    if order.status not in OPEN:
        raise DomainError(
            InventoryErrorCode.PURCHASE_ORDER_STATE,
            "Only an ordered, not yet fully received purchase order is received against.",
            ["purchase_order_line_id"],
        )
    if line.item_id != item_id:
        raise DomainError(
            InventoryErrorCode.WRONG_ITEM,
            "The purchase order line is for another item.",
            ["purchase_order_line_id"],
        )
    remaining = line.quantity_ordered - line.quantity_received
    if quantity > remaining:
        raise DomainError(
            InventoryErrorCode.OVER_RECEIPT,
            f"The line has {remaining} still to come.",
            ["quantity"],
        )
    line.quantity_received += quantity
    await session.flush()
    outstanding = await session.scalar(
        select(func.count())
        .select_from(PurchaseOrderLine)
        .where(
            PurchaseOrderLine.purchase_order_id == order.id,
            PurchaseOrderLine.quantity_received < PurchaseOrderLine.quantity_ordered,
        )
    )
    order.status = S.PARTLY_RECEIVED if outstanding else S.RECEIVED
    await session.flush()
    return Receivable(order.supplier_id, line.unit_cost_cents)


@dataclass(frozen=True)
class Suggestion:
    item_id: int
    supplier_id: int | None
    on_hand: int
    on_order: int
    average_daily_use: float
    quantity: int


async def suggest_reorder(
    session: AsyncSession, today: date, now: datetime, days: int, lead_days: int
) -> list[Suggestion]:
    """For each active item at or below its reorder point: enough to reach its par level after
    what is on order arrives and what `lead_days` of average use (over the last `days`) takes."""
    low = await queries.low_stock(session, today)
    if not low:
        return []
    ids = [alert.item_id for alert in low]
    used: dict[int, int] = {
        item_id: total
        for item_id, total in (
            await session.execute(
                select(StockMovement.item_id, -func.sum(StockMovement.quantity))
                .where(
                    StockMovement.item_id.in_(ids),
                    StockMovement.kind == MovementKind.CONSUME,
                    StockMovement.created_at >= now - timedelta(days=days),
                )
                .group_by(StockMovement.item_id)
            )
        ).all()
    }
    on_order: dict[int, int] = {
        item_id: total
        for item_id, total in (
            await session.execute(
                select(
                    PurchaseOrderLine.item_id,
                    func.sum(
                        PurchaseOrderLine.quantity_ordered - PurchaseOrderLine.quantity_received
                    ),
                )
                .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
                .where(PurchaseOrderLine.item_id.in_(ids), PurchaseOrder.status.in_(OPEN))
                .group_by(PurchaseOrderLine.item_id)
            )
        ).all()
    }
    items = {i.id: i for i in (await session.scalars(select(Item).where(Item.id.in_(ids)))).all()}
    found = []
    for alert in low:
        item = items[alert.item_id]
        average = int(used.get(item.id) or 0) / days
        coming = int(on_order.get(item.id) or 0)
        quantity = item.par_level + math.ceil(average * lead_days) - alert.on_hand - coming
        if quantity > 0:
            found.append(
                Suggestion(
                    item.id, item.preferred_supplier_id, alert.on_hand, coming, average, quantity
                )
            )
    return found
