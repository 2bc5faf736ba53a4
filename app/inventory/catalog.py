"""The inventory catalog: items, stock locations and suppliers (inventory managers)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import text
from app.audit import trail
from app.authz import Actor
from app.db import get_or_not_found
from app.errors import DomainError
from app.inventory.errors import InventoryErrorCode
from app.inventory.models import (
    NDC_CATEGORIES,
    ControlledSchedule,
    Item,
    ItemCategory,
    StockLocation,
    Supplier,
)
from app.inventory.ndc import normalize_ndc
from app.scheduling.models import Location

# HCPCS Level II (a letter A-V and four digits: J1100, A4550) or CPT (five digits, or four and
# F, T or U for category II/III and PLA codes).
_SUPPLY_CODE = re.compile(r"[A-V]\d{4}|\d{5}|\d{4}[FTU]")
UNSET: Any = object()


@dataclass(frozen=True)
class ItemFields:
    """An item's settable fields; on update, `UNSET` ones keep their value."""

    name: str = UNSET
    unit: str = UNSET
    ndc: str | None = UNSET
    reorder_point: int = UNSET
    par_level: int = UNSET
    unit_cost_cents: int = UNSET
    billing_code: str | None = UNSET
    controlled_schedule: ControlledSchedule | None = UNSET
    active: bool = UNSET
    preferred_supplier_id: int | None = UNSET


async def _check_supplier(session: AsyncSession, fields: ItemFields) -> None:
    if fields.preferred_supplier_id not in (UNSET, None):
        await get_or_not_found(
            session, Supplier, fields.preferred_supplier_id, "Supplier", "preferred_supplier_id"
        )


async def _insert_unique(
    session: AsyncSession, actor: Actor, row: Any, resource: str, error: DomainError
) -> Any:
    """Insert; losing a race on a unique value (after the check passed) is `error`, not a 500."""
    try:
        async with session.begin_nested():
            return await trail.add_created(session, actor, row, resource)
    except IntegrityError as exc:
        raise error from exc


def _apply(item: Item, fields: ItemFields) -> None:
    for name in ItemFields.__dataclass_fields__:
        value = getattr(fields, name)
        if value is not UNSET:
            setattr(item, name, value)
    item.name = text.required(item.name, "name")
    item.unit = text.required(item.unit, "unit")
    for name in ("reorder_point", "par_level", "unit_cost_cents"):
        if getattr(item, name) < 0:
            raise DomainError(
                InventoryErrorCode.INVALID_STOCK_QUANTITY,
                f"{text.label(name)} is negative.",
                [name],
            )
    if item.par_level < item.reorder_point:
        raise DomainError(
            InventoryErrorCode.INVALID_STOCK_QUANTITY,
            "The par level (what to reorder up to) is below the reorder point.",
            ["par_level"],
        )
    if item.ndc is not None:
        if item.category not in NDC_CATEGORIES:
            raise DomainError(
                InventoryErrorCode.NDC_NOT_ALLOWED,
                "Only medications and vaccines carry a National Drug Code.",
                ["ndc"],
            )
        normalized = normalize_ndc(item.ndc)
        if normalized is None:
            raise DomainError(
                InventoryErrorCode.INVALID_NDC,
                "An NDC is 4-4-2, 5-3-2 or 5-4-1 digits with hyphens, or 11 digits (5-4-2).",
                ["ndc"],
            )
        item.ndc = normalized
    if item.billing_code is not None:
        item.billing_code = item.billing_code.strip().upper()
        if not _SUPPLY_CODE.fullmatch(item.billing_code):
            raise DomainError(
                InventoryErrorCode.INVALID_SUPPLY_CODE,
                "A billing code is HCPCS Level II (J1100) or CPT (90686).",
                ["billing_code"],
            )


async def create_item(
    session: AsyncSession, actor: Actor, *, sku: str, category: ItemCategory, fields: ItemFields
) -> Item:
    sku = text.required(sku, "sku")
    item = Item(
        sku=sku,
        category=category,
        name="",
        unit="",
        ndc=None,
        reorder_point=0,
        par_level=0,
        unit_cost_cents=0,
        billing_code=None,
        controlled_schedule=None,
        active=True,
        preferred_supplier_id=None,
    )
    await _check_supplier(session, fields)
    _apply(item, fields)
    taken = DomainError(InventoryErrorCode.SKU_TAKEN, f"An item has SKU {sku!r}.", ["sku"])
    if await session.scalar(select(Item.id).where(Item.sku == sku)):
        raise taken
    return await _insert_unique(session, actor, item, "InventoryItem", taken)  # type: ignore[no-any-return]


async def update_item(
    session: AsyncSession, actor: Actor, item_id: int, fields: ItemFields
) -> Item:
    item = await get_or_not_found(session, Item, item_id, "Item", "item_id")
    await _check_supplier(session, fields)
    _apply(item, fields)
    await session.flush()
    trail.record(session, actor, "update", "InventoryItem", item.id)
    return item


async def create_stock_location(
    session: AsyncSession, actor: Actor, *, location_id: int, name: str
) -> StockLocation:
    await get_or_not_found(session, Location, location_id, "Location", "location_id")
    name = text.required(name, "name")
    taken = DomainError(
        InventoryErrorCode.INVENTORY_NAME_TAKEN,
        f"The location has a stock location named {name!r}.",
        ["name"],
    )
    exists = select(StockLocation.id).where(
        StockLocation.location_id == location_id, StockLocation.name == name
    )
    if await session.scalar(exists):
        raise taken
    row = StockLocation(location_id=location_id, name=name, active=True)
    return await _insert_unique(session, actor, row, "StockLocation", taken)  # type: ignore[no-any-return]


async def create_supplier(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    phone: str | None = None,
    email: str | None = None,
    account_number: str | None = None,
) -> Supplier:
    name = text.required(name, "name")
    taken = DomainError(
        InventoryErrorCode.INVENTORY_NAME_TAKEN, f"A supplier named {name!r} exists.", ["name"]
    )
    if await session.scalar(select(Supplier.id).where(Supplier.name == name)):
        raise taken
    row = Supplier(name=name, phone=phone, email=email, account_number=account_number)
    return await _insert_unique(session, actor, row, "Supplier", taken)  # type: ignore[no-any-return]
