"""Demo inventory: vaccines with NDCs and lots (one lot near expiry), drugs, gloves, syringes,
an ECG machine and a controlled substance; some items below their reorder point.

Stock is received and used through the stock services, so the ledger, balances and audit trail
look as they would in use. The controlled substance is in the catalog with no stock: receiving
it needs a witness's sign-in, which a seed has not got.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.authz import Actor
from app.inventory import catalog, stock
from app.inventory.models import ControlledSchedule, Item, ItemCategory
from app.inventory.witness import Witnesses

C = ItemCategory
# sku, name, category, unit, NDC, reorder point, par level, unit cost, billing code, schedule
ITEMS = [
    (
        "VAC-FLU4",
        "Influenza vaccine, quadrivalent",
        C.VACCINE,
        "dose",
        "49281-423-50",
        20,
        120,
        1850,
        "90686",
        None,
    ),
    ("VAC-TDAP", "Tdap vaccine", C.VACCINE, "dose", "58160-842-52", 5, 20, 4275, "90715", None),
    (
        "VAC-HEPB",
        "Hepatitis B vaccine, adult",
        C.VACCINE,
        "dose",
        "58160-821-52",
        5,
        20,
        6120,
        "90746",
        None,
    ),
    (
        "MED-CEFT500",
        "Ceftriaxone 500 mg vial",
        C.MEDICATION,
        "vial",
        "0409-7332-01",
        5,
        20,
        295,
        "J0696",
        None,
    ),
    (
        "MED-LIDO1",
        "Lidocaine 1% 10 mL vial",
        C.MEDICATION,
        "vial",
        "63323-485-27",
        10,
        40,
        180,
        None,
        None,
    ),
    (
        "MED-LORAZ2",
        "Lorazepam 2 mg/mL vial",
        C.MEDICATION,
        "vial",
        "0641-6044-25",
        2,
        10,
        225,
        "J2060",
        ControlledSchedule.IV,
    ),
    (
        "SUP-GLV-M",
        "Nitrile exam gloves, medium (box of 100)",
        C.SUPPLY,
        "box",
        None,
        10,
        40,
        899,
        None,
        None,
    ),
    ("SUP-SYR3", "Syringe 3 mL with 23G needle", C.SUPPLY, "each", None, 100, 500, 18, None, None),
    ("SUP-GAUZE", "Gauze pads 4x4, sterile", C.SUPPLY, "pack", None, 30, 100, 45, None, None),
    ("EQP-ECG12", "12-lead ECG machine", C.EQUIPMENT, "each", None, 0, 1, 325000, None, None),
]
# sku, stock location, quantity, lot number, days until expiry (None: no lot or no expiry)
RECEIPTS = [
    ("VAC-FLU4", "Vaccine refrigerator", 30, "UT8123BA", 18),  # near expiry
    ("VAC-FLU4", "Vaccine refrigerator", 60, "UT8456CB", 240),
    ("VAC-TDAP", "Vaccine refrigerator", 4, "AC52B219AA", 400),  # below its reorder point
    ("VAC-HEPB", "Vaccine refrigerator", 12, "EH7R2", 300),
    ("MED-CEFT500", "Medication cabinet", 25, "CF23041", 500),
    ("MED-LIDO1", "Medication cabinet", 8, "LD9931", 25),  # low and near expiry
    ("SUP-GLV-M", "Back store", 30, None, None),
    ("SUP-SYR3", "Back store", 400, "SY2611", 900),
    ("SUP-GAUZE", "Back store", 20, "GZ7710", 1200),  # below its reorder point
    ("EQP-ECG12", "Procedure room", 1, None, None),
]
# sku, stock location, quantity used
USES = [("VAC-FLU4", "Vaccine refrigerator", 12), ("SUP-SYR3", "Back store", 40)]
STOCK_LOCATIONS = ["Vaccine refrigerator", "Medication cabinet", "Back store", "Procedure room"]


async def seed_inventory(
    session: AsyncSession, actor: Actor, witnesses: Witnesses, location_id: int, today: date
) -> int:
    """Returns how many items were created (none if the catalog holds any already)."""
    if await session.scalar(select(func.count()).select_from(Item)):
        return 0
    places = {
        name: (
            await catalog.create_stock_location(session, actor, location_id=location_id, name=name)
        ).id
        for name in STOCK_LOCATIONS
    }
    items = {}
    for sku, name, category, unit, ndc, point, par, cost, code, schedule in ITEMS:
        fields = catalog.ItemFields(
            name=name,
            unit=unit,
            ndc=ndc,
            reorder_point=point,
            par_level=par,
            unit_cost_cents=cost,
            billing_code=code,
            controlled_schedule=schedule,
        )
        items[sku] = (
            await catalog.create_item(session, actor, sku=sku, category=category, fields=fields)
        ).id
    for sku, place, quantity, lot, expires_in in RECEIPTS:
        await stock.receive_stock(
            session,
            actor,
            witnesses,
            item_id=items[sku],
            stock_location_id=places[place],
            quantity=quantity,
            lot_number=lot,
            expiry_date=today + timedelta(days=expires_in) if expires_in is not None else None,
        )
    for sku, place, quantity in USES:
        await stock.consume_stock(
            session,
            actor,
            witnesses,
            item_id=items[sku],
            stock_location_id=places[place],
            quantity=quantity,
        )
    return len(items)
