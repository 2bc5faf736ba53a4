"""What stock on hand is worth at an instant, first in first out: what is left of an item is
taken to be its latest inflows (receipts, and adjustments and counts that added stock), each at
the unit cost it came in at. Transfers move stock within the practice and leave the value as it
is. Read from the ledger up to the instant (a report: its time grows with the ledger)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.inventory.models import MovementKind, StockMovement

TRANSFERS = (MovementKind.TRANSFER_IN, MovementKind.TRANSFER_OUT)


@dataclass(frozen=True)
class ItemValue:
    item_id: int
    on_hand: int
    value_cents: int


def fifo_value(on_hand: int, inflows_newest_first: list[tuple[int, int]]) -> int:
    """The value of `on_hand` units as the newest inflows (quantity, unit cost) cover them."""
    value, left = 0, on_hand
    for quantity, cost in inflows_newest_first:
        if left <= 0:
            break
        take = min(left, quantity)
        value += take * cost
        left -= take
    return value


async def valuation(session: AsyncSession, as_of: datetime) -> list[ItemValue]:
    rows = await session.execute(
        select(StockMovement.item_id, StockMovement.quantity, StockMovement.unit_cost_cents)
        .where(StockMovement.created_at <= as_of, StockMovement.kind.not_in(TRANSFERS))
        .order_by(StockMovement.item_id, StockMovement.created_at.desc(), StockMovement.id.desc())
    )
    on_hand: dict[int, int] = defaultdict(int)
    inflows: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for item_id, quantity, cost in rows.all():
        on_hand[item_id] += quantity
        if quantity > 0:
            inflows[item_id].append((quantity, cost))
    return [
        ItemValue(item_id, units, fifo_value(units, inflows[item_id]))
        for item_id, units in sorted(on_hand.items())
        if units > 0
    ]
