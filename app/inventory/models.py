"""Inventory tables: the catalog (items, stock locations, lots, suppliers), the stock ledger
(`stock_movements`, one row per movement, never changed) and the running balances.

On hand is the ledger's sum per item, location and lot; `stock_balances` keeps that sum, updated
in the same transaction as each ledger row, so reading levels does not grow with history. Its
CHECK (quantity >= 0) is the last line against negative stock: the services lock the balance
rows first (FOR UPDATE on PostgreSQL; SQLite's write transactions BEGIN IMMEDIATE).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, RowScope, Timestamped, str_enum, utcnow
from app.text import LINE, MACHINE, NAME


class ItemCategory(enum.StrEnum):
    SUPPLY = "supply"
    MEDICATION = "medication"
    VACCINE = "vaccine"
    EQUIPMENT = "equipment"


NDC_CATEGORIES = (ItemCategory.MEDICATION, ItemCategory.VACCINE)


class ControlledSchedule(enum.StrEnum):
    """DEA schedules a practice may stock (schedule I substances have no accepted medical use)."""

    II = "II"
    III = "III"
    IV = "IV"
    V = "V"


class MovementKind(enum.StrEnum):
    RECEIVE = "receive"
    CONSUME = "consume"
    ADJUST = "adjust"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    WASTE = "waste"
    EXPIRE = "expire"
    COUNT = "count"


class ReasonCode(enum.StrEnum):
    """Why stock was adjusted or wasted (the ledger's reason_code)."""

    DAMAGED = "damaged"
    CONTAMINATED = "contaminated"
    EXPIRED = "expired"
    RECALLED = "recalled"
    PARTIAL_DOSE_DISCARDED = "partial_dose_discarded"
    LOST = "lost"
    FOUND = "found"
    DATA_ENTRY_ERROR = "data_entry_error"
    RETURNED_TO_SUPPLIER = "returned_to_supplier"
    OTHER = "other"  # the note says what


class PurchaseOrderStatus(enum.StrEnum):
    DRAFT = "draft"
    ORDERED = "ordered"
    PARTLY_RECEIVED = "partly_received"
    RECEIVED = "received"
    CLOSED = "closed"  # done: fully received, closed short, or a draft called off


class Item(Timestamped, Base):
    __tablename__ = "inventory_items"
    __row_scope__ = RowScope.STAFF
    __table_args__ = (
        CheckConstraint("reorder_point >= 0", name="reorder_point_not_negative"),
        CheckConstraint("par_level >= 0", name="par_level_not_negative"),
        CheckConstraint("unit_cost_cents >= 0", name="unit_cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True, info=NAME)
    name: Mapped[str] = mapped_column(String(200), index=True, info=NAME)
    category: Mapped[ItemCategory] = mapped_column(str_enum(ItemCategory))
    unit: Mapped[str] = mapped_column(String(32), info=NAME)  # each, box, mL, dose...
    ndc: Mapped[str | None] = mapped_column(String(11), info=MACHINE)  # 11 digits, 5-4-2
    reorder_point: Mapped[int] = mapped_column(default=0)
    par_level: Mapped[int] = mapped_column(default=0)
    unit_cost_cents: Mapped[int] = mapped_column(default=0)
    billing_code: Mapped[str | None] = mapped_column(String(5), info=LINE)  # HCPCS/CPT
    controlled_schedule: Mapped[ControlledSchedule | None] = mapped_column(
        str_enum(ControlledSchedule)
    )
    active: Mapped[bool] = mapped_column(default=True)
    # Where it is usually ordered from (suggestReorder groups its proposals by this).
    preferred_supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))


class StockLocation(Timestamped, Base):
    """A place stock is kept (a cabinet, a room, the back store) at one practice location."""

    __tablename__ = "stock_locations"
    __row_scope__ = RowScope.STAFF
    __table_args__ = (UniqueConstraint("location_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), info=NAME)
    active: Mapped[bool] = mapped_column(default=True)


class Lot(Timestamped, Base):
    """A manufacturer's lot of an item. Stock received without a lot number is kept in the
    item's lot whose number is empty (it has no expiry)."""

    __tablename__ = "stock_lots"
    __row_scope__ = RowScope.STAFF
    __table_args__ = (UniqueConstraint("item_id", "lot_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id"), index=True)
    lot_number: Mapped[str] = mapped_column(String(64), info=LINE)
    expiry_date: Mapped[date | None]


class Supplier(Timestamped, Base):
    __tablename__ = "suppliers"
    __row_scope__ = RowScope.STAFF

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, info=NAME)
    phone: Mapped[str | None] = mapped_column(String(32), info=LINE)
    email: Mapped[str | None] = mapped_column(String(200), info=LINE)
    account_number: Mapped[str | None] = mapped_column(String(64), info=LINE)


class PurchaseOrder(Timestamped, Base):
    __tablename__ = "purchase_orders"
    __row_scope__ = RowScope.STAFF

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    status: Mapped[PurchaseOrderStatus] = mapped_column(str_enum(PurchaseOrderStatus))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ordered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(400), info=LINE)


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    __row_scope__ = RowScope.STAFF
    __table_args__ = (
        CheckConstraint("quantity_ordered > 0", name="quantity_ordered_positive"),
        CheckConstraint(
            "quantity_received >= 0 AND quantity_received <= quantity_ordered",
            name="received_within_ordered",
        ),
        CheckConstraint("unit_cost_cents >= 0", name="unit_cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id"), index=True)
    quantity_ordered: Mapped[int]
    quantity_received: Mapped[int] = mapped_column(default=0)
    unit_cost_cents: Mapped[int]


class StockCount(Timestamped, Base):
    """A stock take of one stock location: lines snapshot what the ledger expected at the start;
    finishing posts each counted line's variance as a COUNT row."""

    __tablename__ = "stock_counts"
    __row_scope__ = RowScope.STAFF

    id: Mapped[int] = mapped_column(primary_key=True)
    stock_location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"), index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finished_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finished_at: Mapped[datetime | None]


class StockCountLine(Base):
    __tablename__ = "stock_count_lines"
    __row_scope__ = RowScope.STAFF
    __table_args__ = (
        UniqueConstraint("stock_count_id", "lot_id"),
        CheckConstraint("counted IS NULL OR counted >= 0", name="counted_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stock_count_id: Mapped[int] = mapped_column(ForeignKey("stock_counts.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("stock_lots.id"))
    expected: Mapped[int]  # on hand when the count started
    counted: Mapped[int | None]  # null: not counted (left as it is)
    variance: Mapped[int | None]  # posted at finish: counted less on hand then


class StockMovement(Base):
    """One movement of stock: the ledger is append-only, so it has no updated_at.

    `batch_id` groups the rows one request wrote (a consumption over two lots, a transfer's out
    and in)."""

    __tablename__ = "stock_movements"
    __row_scope__ = RowScope.STAFF
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        CheckConstraint("unit_cost_cents >= 0", name="unit_cost_not_negative"),
        Index("ix_stock_movements_item_id_created_at", "item_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(32), index=True, info=MACHINE)
    kind: Mapped[MovementKind] = mapped_column(str_enum(MovementKind))
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("stock_lots.id"), index=True)
    stock_location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"), index=True)
    quantity: Mapped[int]  # signed: into the location > 0, out of it < 0
    unit_cost_cents: Mapped[int] = mapped_column(default=0)
    reason_code: Mapped[str | None] = mapped_column(String(32), info=MACHINE)
    note: Mapped[str | None] = mapped_column(String(400), info=LINE)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    purchase_order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchase_order_lines.id"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    witness_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class StockBalance(Base):
    """On hand of one lot of an item at one stock location: the sum of its ledger rows."""

    __tablename__ = "stock_balances"
    __row_scope__ = RowScope.STAFF
    __table_args__ = (
        UniqueConstraint("item_id", "stock_location_id", "lot_id"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id"))
    stock_location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("stock_lots.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
