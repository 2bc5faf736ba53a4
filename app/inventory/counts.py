"""Stock takes: start a count of one stock location (its lines snapshot what is on hand),
record what was counted, and finish: each counted line's variance against what is on hand then
is posted as a COUNT row by whoever finished it, and kept on the line for the variance report."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.db import get_or_not_found, utcnow
from app.errors import DomainError, NotFound
from app.inventory import ledger
from app.inventory.errors import InventoryErrorCode
from app.inventory.models import (
    Item,
    Lot,
    MovementKind,
    StockBalance,
    StockCount,
    StockCountLine,
    StockLocation,
)
from app.inventory.stock import write_batch
from app.inventory.witness import Witnesses


async def start_stock_count(
    session: AsyncSession, actor: Actor, stock_location_id: int
) -> StockCount:
    await get_or_not_found(
        session, StockLocation, stock_location_id, "Stock location", "stock_location_id"
    )
    # Serialize starts at one location: its row locked (SQLite: the write lock).
    await session.execute(
        select(StockLocation.id).where(StockLocation.id == stock_location_id).with_for_update()
    )
    if await session.scalar(
        select(StockCount.id).where(
            StockCount.stock_location_id == stock_location_id, StockCount.finished_at.is_(None)
        )
    ):
        raise DomainError(
            InventoryErrorCode.COUNT_IN_PROGRESS,
            "This stock location has a count in progress; finish it first.",
            ["stock_location_id"],
        )
    count = StockCount(stock_location_id=stock_location_id, started_by_id=actor.user_id)
    await trail.add_created(session, actor, count, "StockCount")
    balances = await session.execute(
        select(StockBalance.item_id, StockBalance.lot_id, StockBalance.quantity)
        .where(StockBalance.stock_location_id == stock_location_id, StockBalance.quantity > 0)
        .order_by(StockBalance.id)
    )
    for item_id, lot_id, quantity in balances.all():
        session.add(
            StockCountLine(
                stock_count_id=count.id, item_id=item_id, lot_id=lot_id, expected=quantity
            )
        )
    await session.flush()
    return count


async def _open(session: AsyncSession, count_id: int) -> StockCount:
    count = await session.scalar(
        select(StockCount)
        .where(StockCount.id == count_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if count is None:
        raise NotFound("Stock count", ["stock_count_id"])
    if count.finished_at is not None:
        raise DomainError(
            InventoryErrorCode.COUNT_FINISHED, "The count is finished.", ["stock_count_id"]
        )
    return count


async def record_counts(
    session: AsyncSession, actor: Actor, count_id: int, counted: Sequence[tuple[int, int]]
) -> StockCount:
    """(lot id, units counted) pairs; a lot the count did not expect gets a line of its own."""
    count = await _open(session, count_id)
    lines = {
        line.lot_id: line
        for line in (
            await session.scalars(
                select(StockCountLine).where(StockCountLine.stock_count_id == count.id)
            )
        ).all()
    }
    for index, (lot_id, quantity) in enumerate(counted):
        if quantity < 0:
            raise DomainError(
                InventoryErrorCode.INVALID_STOCK_QUANTITY,
                "A count is zero or more.",
                ["counts", str(index), "quantity"],
            )
        line = lines.get(lot_id)
        if line is None:
            lot = await session.get(Lot, lot_id)
            if lot is None:
                raise NotFound("Lot", ["counts", str(index), "lot_id"])
            line = StockCountLine(
                stock_count_id=count.id, item_id=lot.item_id, lot_id=lot.id, expected=0
            )
            session.add(line)
            lines[lot_id] = line
        line.counted = quantity
    try:
        await session.flush()
    except IntegrityError as exc:  # the same new lot twice in one request
        raise DomainError(
            InventoryErrorCode.INVALID_STOCK_QUANTITY, "A lot is counted twice.", ["counts"]
        ) from exc
    trail.record(session, actor, "record", "StockCount", count.id)
    return count


async def finish_stock_count(
    session: AsyncSession,
    actor: Actor,
    witnesses: Witnesses,
    count_id: int,
    witness_token: str | None = None,
) -> StockCount:
    """Post the variances; a variance of a controlled substance needs the witness."""
    count = await _open(session, count_id)
    lines = (
        await session.scalars(
            select(StockCountLine)
            .where(StockCountLine.stock_count_id == count.id, StockCountLine.counted.is_not(None))
            .order_by(StockCountLine.id)
        )
    ).all()
    items = {
        i.id: i
        for i in (
            await session.scalars(select(Item).where(Item.id.in_({ln.item_id for ln in lines})))
        ).all()
    }
    witness_id = None
    if witness_token:
        witness_id = await witnesses.confirm(session, actor, witness_token)
    postings = []
    for item_id in sorted(items):
        held = {
            h.lot.id: h.balance.quantity
            for h in await ledger.locked_balances(session, item_id, count.stock_location_id)
        }
        for line in (ln for ln in lines if ln.item_id == item_id):
            assert line.counted is not None
            line.variance = line.counted - held.get(line.lot_id, 0)
            if line.variance == 0:
                continue
            if items[item_id].controlled_schedule is not None and witness_id is None:
                raise DomainError(
                    InventoryErrorCode.WITNESS_REQUIRED,
                    f"{items[item_id].name} is a controlled substance: its variance needs a "
                    "witness (witnessToken).",
                    ["witness_token"],
                )
            postings.append(
                ledger.Posting(
                    kind=MovementKind.COUNT,
                    item_id=item_id,
                    lot_id=line.lot_id,
                    stock_location_id=count.stock_location_id,
                    quantity=line.variance,
                    unit_cost_cents=items[item_id].unit_cost_cents,
                    witness_user_id=witness_id,
                )
            )
    count.finished_at, count.finished_by_id = utcnow(), actor.user_id
    if postings:
        await write_batch(session, actor, postings)
    await session.flush()
    trail.record(session, actor, "finish", "StockCount", count.id)
    return count
