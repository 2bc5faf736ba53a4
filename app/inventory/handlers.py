"""Inventory's reactions to its own events: alerts for low stock and lots about to expire,
published live after the commit that caused them (app/live.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import live
from app.events import Handling, handles
from app.inventory import queries
from app.inventory.events import AlertKind, InventoryAlertRaised, StockMoved
from app.inventory.models import Lot, MovementKind
from app.patients.rules import today as practice_today


@handles(StockMoved)
async def alert_low_or_expiring(handling: Handling, event: StockMoved) -> None:
    session, settings = handling.session, handling.settings
    today = practice_today(settings)
    if event.quantity < 0:  # stock went down: is the item low now?
        for alert in await queries.low_stock(session, today, [event.item_id]):
            live.publish(session, alert)
    if event.kind in (MovementKind.RECEIVE, MovementKind.TRANSFER_IN):
        until = today + timedelta(days=settings.inventory_expiry_alert_days)
        lots = await session.execute(
            select(Lot.id).where(
                Lot.id.in_(event.lot_ids), Lot.expiry_date >= today, Lot.expiry_date <= until
            )
        )
        for (lot_id,) in lots.all():
            live.publish(
                session,
                InventoryAlertRaised(
                    kind=AlertKind.EXPIRING,
                    item_id=event.item_id,
                    on_hand=event.quantity,
                    lot_id=lot_id,
                    stock_location_id=event.stock_location_id,
                ),
            )
