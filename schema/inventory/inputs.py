"""Inputs of the inventory mutations."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from schema.inventory.enums import ControlledSchedule, ItemCategory, ReasonCode

WITNESS = (
    "For a controlled substance (required then): the access token of a second staff member "
    "who may consume stock, from their own login (with their password and second factor). "
    "It is spent: their session ends when the movement commits."
)


@strawberry.input(description="A new item.")
class CreateItemInput:
    sku: str = strawberry.field(description="The practice's code for it, unique.")
    name: str = strawberry.field(description="Display name.")
    category: ItemCategory = strawberry.field(description="What kind of thing it is.")  # type: ignore[valid-type]
    unit: str = strawberry.field(description="The unit quantities count (each, box, dose, mL).")
    ndc: str | None = strawberry.field(
        default=None,
        description="National Drug Code (medications and vaccines): 4-4-2, 5-3-2 or 5-4-1 with "
        "hyphens, or 11 digits (5-4-2); stored as 11 digits.",
    )
    reorder_point: int = strawberry.field(default=0, description="Low at or below this.")
    par_level: int = strawberry.field(default=0, description="Restock up to this.")
    unit_cost_cents: int = strawberry.field(default=0, description="Cost of one unit, cents.")
    billing_code: str | None = strawberry.field(
        default=None, description="HCPCS Level II or CPT code, if billable."
    )
    controlled_schedule: ControlledSchedule | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="DEA schedule, if a controlled substance."
    )
    preferred_supplier_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Where it is usually ordered from."
    )


@strawberry.input(description="Changes to an item: fields left out keep their value.")
class UpdateItemInput:
    item_id: relay.GlobalID = strawberry.field(description="The item.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="Display name.")
    unit: str | None = strawberry.field(default=strawberry.UNSET, description="The unit.")
    ndc: str | None = strawberry.field(default=strawberry.UNSET, description="National Drug Code.")
    reorder_point: int | None = strawberry.field(
        default=strawberry.UNSET, description="Reorder point."
    )
    par_level: int | None = strawberry.field(default=strawberry.UNSET, description="Par level.")
    unit_cost_cents: int | None = strawberry.field(
        default=strawberry.UNSET, description="Unit cost, cents."
    )
    billing_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="HCPCS/CPT code."
    )
    active: bool | None = strawberry.field(default=strawberry.UNSET, description="Still stocked?")
    preferred_supplier_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="Where it is usually ordered from."
    )


@strawberry.input(description="A new stock location.")
class CreateStockLocationInput:
    location_id: relay.GlobalID = strawberry.field(description="The practice location.")
    name: str = strawberry.field(description="Display name, unique within the location.")


@strawberry.input(description="A new supplier.")
class CreateSupplierInput:
    name: str = strawberry.field(description="Display name, unique.")
    phone: str | None = strawberry.field(default=None, description="Phone for orders.")
    email: str | None = strawberry.field(default=None, description="Email for orders.")
    account_number: str | None = strawberry.field(
        default=None, description="The practice's account number with the supplier."
    )


@strawberry.input(description="Stock arriving at a stock location.")
class ReceiveStockInput:
    item_id: relay.GlobalID = strawberry.field(description="The item.")
    stock_location_id: relay.GlobalID = strawberry.field(description="Where it goes.")
    quantity: int = strawberry.field(description="Units received (positive).")
    lot_number: str | None = strawberry.field(
        default=None, description="The lot number (required for medications and vaccines)."
    )
    expiry_date: date | None = strawberry.field(default=None, description="The lot's expiry.")
    unit_cost_cents: int | None = strawberry.field(
        default=None, description="What one unit cost (default: the item's unit cost)."
    )
    supplier_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Who supplied it (default: the purchase order's supplier)."
    )
    purchase_order_line_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="The purchase order line it arrives against (the order must be ORDERED or "
        "PARTLY_RECEIVED; its unit cost is the default).",
    )
    witness_token: str | None = strawberry.field(default=None, description=WITNESS)
    note: str | None = strawberry.field(default=None, description="A remark, one line.")


@strawberry.input(description="Stock used, first-expiring lot first unless a lot is named.")
class ConsumeStockInput:
    item_id: relay.GlobalID = strawberry.field(description="The item.")
    stock_location_id: relay.GlobalID = strawberry.field(description="Where it is taken from.")
    quantity: int = strawberry.field(description="Units used (positive).")
    lot_id: relay.GlobalID | None = strawberry.field(
        default=None, description="This lot only (an expired one is refused)."
    )
    appointment_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The visit it was used for."
    )
    witness_token: str | None = strawberry.field(default=None, description=WITNESS)
    note: str | None = strawberry.field(default=None, description="A remark, one line.")


@strawberry.input(description="A correction of one lot's on hand, with a reason.")
class AdjustStockInput:
    item_id: relay.GlobalID = strawberry.field(description="The item.")
    stock_location_id: relay.GlobalID = strawberry.field(description="Where.")
    lot_id: relay.GlobalID = strawberry.field(description="The lot.")
    quantity_change: int = strawberry.field(description="Units to add (positive) or remove.")
    reason_code: ReasonCode = strawberry.field(description="Why.")  # type: ignore[valid-type]
    witness_token: str | None = strawberry.field(default=None, description=WITNESS)
    note: str | None = strawberry.field(default=None, description="Required with OTHER.")


@strawberry.input(description="Stock taken out of use.")
class WasteStockInput:
    item_id: relay.GlobalID = strawberry.field(description="The item.")
    stock_location_id: relay.GlobalID = strawberry.field(description="Where.")
    lot_id: relay.GlobalID = strawberry.field(description="The lot.")
    quantity: int = strawberry.field(description="Units wasted (positive).")
    reason_code: ReasonCode = strawberry.field(description="Why (EXPIRED: an EXPIRE row).")  # type: ignore[valid-type]
    witness_token: str | None = strawberry.field(default=None, description=WITNESS)
    note: str | None = strawberry.field(default=None, description="Required with OTHER.")


@strawberry.input(description="Stock moved between two stock locations.")
class TransferStockInput:
    item_id: relay.GlobalID = strawberry.field(description="The item.")
    from_stock_location_id: relay.GlobalID = strawberry.field(description="From here.")
    to_stock_location_id: relay.GlobalID = strawberry.field(description="To here.")
    quantity: int = strawberry.field(description="Units moved (positive).")
    lot_id: relay.GlobalID | None = strawberry.field(
        default=None, description="This lot only (default: first-expiring unexpired lots)."
    )
    witness_token: str | None = strawberry.field(default=None, description=WITNESS)
    note: str | None = strawberry.field(default=None, description="A remark, one line.")
