"""What happens to stock, as typed domain events: raised by the stock services, handled by the
alerts (app/inventory/handlers.py), later by billing (a consumed billable supply's charge)."""

from __future__ import annotations

import dataclasses
import enum

from app.events import DomainEvent
from app.inventory.models import MovementKind


@dataclasses.dataclass(frozen=True, kw_only=True)
class StockMoved(DomainEvent):
    """One request's movements of one item at one stock location (a transfer raises two)."""

    batch_id: str
    kind: MovementKind
    item_id: int
    stock_location_id: int
    quantity: int  # the net change at the location, signed
    lot_ids: tuple[int, ...]
    appointment_id: int | None = None


class AlertKind(enum.StrEnum):
    LOW_STOCK = "LOW_STOCK"  # usable on hand at or below the item's reorder point
    EXPIRING = "EXPIRING"  # a lot with stock expires within the alert window


@dataclasses.dataclass(frozen=True, kw_only=True)
class InventoryAlertRaised(DomainEvent):
    """Published live after the commit that caused it (never handled in a transaction)."""

    kind: AlertKind
    item_id: int
    on_hand: int  # LOW_STOCK: usable on hand of the item, all locations; EXPIRING: of the lot
    lot_id: int | None = None
    stock_location_id: int | None = None
