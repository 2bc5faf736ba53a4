"""Inventory reads: items, stock levels (from the running balances, not the ledger), movements,
expiring lots, alerts and the controlled-substance log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.inventory.events import AlertKind, InventoryAlertRaised
from app.inventory.models import (
    Item,
    ItemCategory,
    Lot,
    MovementKind,
    StockBalance,
    StockLocation,
    StockMovement,
)
from app.scheduling.models import Appointment

MAX_LISTED = 500  # expiring lots, alerts: what one answer lists at most


def unexpired(today: date) -> Any:
    return or_(Lot.expiry_date.is_(None), Lot.expiry_date >= today)


async def _page(session: AsyncSession, query: Any, offset: int, limit: int) -> Any:
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (await session.execute(query.offset(offset).limit(limit))).all()
    return rows, total or 0


async def items(
    session: AsyncSession,
    *,
    search: str | None,
    category: ItemCategory | None,
    active: bool | None,
    offset: int,
    limit: int,
) -> tuple[list[Item], int]:
    query = select(Item).order_by(Item.name, Item.id)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(func.lower(Item.name).like(pattern), func.lower(Item.sku).like(pattern))
        )
    if category is not None:
        query = query.where(Item.category == category)
    if active is not None:
        query = query.where(Item.active == active)
    rows, total = await _page(session, query, offset, limit)
    return [r[0] for r in rows], total


@dataclass(frozen=True)
class Level:
    """On hand of one lot of an item at one stock location."""

    item_id: int
    stock_location_id: int
    lot_id: int
    quantity: int
    expiry_date: date | None


async def stock_levels(
    session: AsyncSession,
    *,
    item_id: int | None,
    stock_location_id: int | None,
    location_id: int | None,
    offset: int,
    limit: int,
) -> tuple[list[Level], int]:
    """Non-empty balances by item name, stock location and expiry: one statement for the page
    and one for the count, whatever the ledger's length."""
    query = (
        select(StockBalance, Lot.expiry_date)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .join(Item, Item.id == StockBalance.item_id)
        .where(StockBalance.quantity > 0)
        .order_by(Item.name, StockBalance.stock_location_id, Lot.expiry_date, StockBalance.id)
    )
    if item_id is not None:
        query = query.where(StockBalance.item_id == item_id)
    if stock_location_id is not None:
        query = query.where(StockBalance.stock_location_id == stock_location_id)
    if location_id is not None:
        query = query.join(StockLocation, StockLocation.id == StockBalance.stock_location_id).where(
            StockLocation.location_id == location_id
        )
    rows, total = await _page(session, query, offset, limit)
    return [
        Level(b.item_id, b.stock_location_id, b.lot_id, b.quantity, expiry) for b, expiry in rows
    ], total


@dataclass(frozen=True)
class MovementFilter:
    item_id: int | None = None
    lot_id: int | None = None
    stock_location_id: int | None = None
    kinds: Sequence[MovementKind] = ()
    starts: datetime | None = None
    ends: datetime | None = None
    controlled_only: bool = False


async def movements(
    session: AsyncSession, actor: Actor, where: MovementFilter, offset: int, limit: int
) -> tuple[list[StockMovement], int]:
    """Newest first. A movement for a visit is a read about its patient: audited so."""
    query = (
        select(StockMovement, Appointment.patient_id)
        .outerjoin(Appointment, Appointment.id == StockMovement.appointment_id)
        .order_by(StockMovement.created_at.desc(), StockMovement.id.desc())
    )
    if where.item_id is not None:
        query = query.where(StockMovement.item_id == where.item_id)
    if where.lot_id is not None:
        query = query.where(StockMovement.lot_id == where.lot_id)
    if where.stock_location_id is not None:
        query = query.where(StockMovement.stock_location_id == where.stock_location_id)
    if where.kinds:
        query = query.where(StockMovement.kind.in_(where.kinds))
    if where.starts is not None:
        query = query.where(StockMovement.created_at >= where.starts)
    if where.ends is not None:
        query = query.where(StockMovement.created_at < where.ends)
    if where.controlled_only:
        query = query.join(Item, Item.id == StockMovement.item_id).where(
            Item.controlled_schedule.is_not(None)
        )
    rows, total = await _page(session, query, offset, limit)
    for movement, patient_id in rows:
        if movement.appointment_id is not None:
            trail.record(
                session, actor, "read", "StockMovement", movement.id, patient_id=patient_id
            )
    return [r[0] for r in rows], total


async def expiring_lots(
    session: AsyncSession, today: date, within_days: int, include_expired: bool = False
) -> list[Level]:
    """Stock of lots expiring from today to `within_days` ahead (or already expired), by
    expiry."""
    until = today + timedelta(days=within_days)
    query = (
        select(StockBalance, Lot.expiry_date)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .where(
            StockBalance.quantity > 0,
            Lot.expiry_date <= until,
            *([] if include_expired else [Lot.expiry_date >= today]),
        )
        .order_by(Lot.expiry_date, StockBalance.id)
        .limit(MAX_LISTED)
    )
    rows = (await session.execute(query)).all()
    return [Level(b.item_id, b.stock_location_id, b.lot_id, b.quantity, e) for b, e in rows]


async def usable_on_hand(
    session: AsyncSession, today: date, item_ids: Sequence[int] | None = None
) -> dict[int, int]:
    """Unexpired on hand per item, every location together."""
    query = (
        select(StockBalance.item_id, func.sum(StockBalance.quantity))
        .join(Lot, Lot.id == StockBalance.lot_id)
        .where(unexpired(today))
        .group_by(StockBalance.item_id)
    )
    if item_ids is not None:
        query = query.where(StockBalance.item_id.in_(item_ids))
    return {item_id: int(total) for item_id, total in (await session.execute(query)).all()}


async def low_stock(
    session: AsyncSession, today: date, item_ids: Sequence[int] | None = None
) -> list[InventoryAlertRaised]:
    """Active items whose usable on hand is at or below their reorder point."""
    query = select(Item.id, Item.reorder_point).where(Item.active.is_(True))
    if item_ids is not None:
        query = query.where(Item.id.in_(item_ids))
    points = {item_id: point for item_id, point in (await session.execute(query)).all()}
    on_hand = await usable_on_hand(session, today, list(points))
    return [
        InventoryAlertRaised(
            kind=AlertKind.LOW_STOCK, item_id=item_id, on_hand=on_hand.get(item_id, 0)
        )
        for item_id, point in sorted(points.items())
        if on_hand.get(item_id, 0) <= point
    ]


async def current_alerts(
    session: AsyncSession, today: date, within_days: int
) -> list[InventoryAlertRaised]:
    """Low stock, then lots with stock expiring within `within_days`."""
    expiring = [
        InventoryAlertRaised(
            kind=AlertKind.EXPIRING,
            item_id=level.item_id,
            on_hand=level.quantity,
            lot_id=level.lot_id,
            stock_location_id=level.stock_location_id,
        )
        for level in await expiring_lots(session, today, within_days)
    ]
    return [*await low_stock(session, today), *expiring][:MAX_LISTED]
