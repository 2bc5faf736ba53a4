"""Moving stock: receive, consume (first-expiring lot first), adjust, transfer, waste.

Each request is one batch of ledger rows written through `ledger.post` (row and balance
together) after the balances it draws on are locked; a broken rule raises before anything is
written, and the transaction rolls back whole. Every movement of a controlled substance needs a
witness (app/inventory/witness.py). Each batch raises `StockMoved` per stock location.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app import text
from app.authz import Actor
from app.db import get_or_not_found
from app.errors import DomainError, NotFound
from app.events import raise_event, settings_of
from app.inventory import ledger, purchasing
from app.inventory.errors import InventoryErrorCode
from app.inventory.events import StockMoved
from app.inventory.ledger import Held, Posting
from app.inventory.models import (
    NDC_CATEGORIES,
    Item,
    Lot,
    MovementKind,
    ReasonCode,
    StockLocation,
    StockMovement,
    Supplier,
)
from app.inventory.witness import Witnesses
from app.patients.rules import today as practice_today
from app.scheduling.models import Appointment


def today(session: AsyncSession) -> date:
    """Today in the practice's time zone: a lot is usable through its expiry date there."""
    return practice_today(settings_of(session))


async def _movable(
    session: AsyncSession, item_id: int, stock_location_id: int, quantity: int, field: str
) -> Item:
    item = await get_or_not_found(session, Item, item_id, "Item", "item_id")
    await get_or_not_found(session, StockLocation, stock_location_id, "Stock location", field)
    if quantity <= 0:
        raise DomainError(
            InventoryErrorCode.INVALID_STOCK_QUANTITY,
            "The quantity must be positive.",
            ["quantity"],
        )
    return item


async def _witness(
    session: AsyncSession, actor: Actor, item: Item, witnesses: Witnesses, token: str | None
) -> int | None:
    if token:
        return await witnesses.confirm(session, actor, token)
    if item.controlled_schedule is not None:
        raise DomainError(
            InventoryErrorCode.WITNESS_REQUIRED,
            f"{item.name} is a schedule {item.controlled_schedule.value} controlled substance: "
            "a second staff member must witness every movement (witnessToken).",
            ["witness_token"],
        )
    return None


def _note(note: str | None) -> str | None:
    return (note or "").strip() or None


async def write_batch(
    session: AsyncSession,
    actor: Actor,
    postings: list[Posting],
    patient_id: int | None = None,
) -> list[StockMovement]:
    """Post a batch and announce it, one StockMoved per item and stock location."""
    batch = ledger.new_batch()
    rows = [await ledger.post(session, actor, batch, p, patient_id) for p in postings]
    by_place: dict[tuple[int, int], list[Posting]] = defaultdict(list)
    for posting in postings:
        by_place[(posting.item_id, posting.stock_location_id)].append(posting)
    for (item_id, location_id), moved in by_place.items():
        raise_event(
            session,
            actor,
            StockMoved(
                batch_id=batch,
                kind=moved[0].kind,
                item_id=item_id,
                stock_location_id=location_id,
                quantity=sum(p.quantity for p in moved),
                lot_ids=tuple(p.lot_id for p in moved),
                appointment_id=moved[0].appointment_id,
            ),
        )
    return rows


async def receive_stock(
    session: AsyncSession,
    actor: Actor,
    witnesses: Witnesses,
    *,
    item_id: int,
    stock_location_id: int,
    quantity: int,
    lot_number: str | None = None,
    expiry_date: date | None = None,
    unit_cost_cents: int | None = None,
    supplier_id: int | None = None,
    purchase_order_line_id: int | None = None,
    witness_token: str | None = None,
    note: str | None = None,
) -> list[StockMovement]:
    """Stock arriving, ad hoc or against a purchase order's line (its supplier and cost are the
    defaults then)."""
    item = await _movable(session, item_id, stock_location_id, quantity, "stock_location_id")
    if not item.active:
        raise DomainError(InventoryErrorCode.ITEM_INACTIVE, "The item is not in use.", ["item_id"])
    if supplier_id is not None:
        await get_or_not_found(session, Supplier, supplier_id, "Supplier", "supplier_id")
    number = (lot_number or "").strip()
    if number:
        text.check(number, text.TextKind.NAME, "lot_number")
    elif item.category in NDC_CATEGORIES:
        raise DomainError(
            InventoryErrorCode.LOT_REQUIRED,
            "Medications and vaccines are received with their lot number.",
            ["lot_number"],
        )
    cost = item.unit_cost_cents if unit_cost_cents is None else unit_cost_cents
    if cost < 0:
        raise DomainError(
            InventoryErrorCode.INVALID_STOCK_QUANTITY,
            "The unit cost is negative.",
            ["unit_cost_cents"],
        )
    if purchase_order_line_id is not None:
        line = await purchasing.receive_on_line(session, purchase_order_line_id, item.id, quantity)
        supplier_id = supplier_id or line.supplier_id
        cost = line.unit_cost_cents if unit_cost_cents is None else cost
    witness_id = await _witness(session, actor, item, witnesses, witness_token)
    lot = await ledger.lot_for(session, item.id, number, expiry_date if number else None)
    posting = Posting(
        kind=MovementKind.RECEIVE,
        item_id=item.id,
        lot_id=lot.id,
        stock_location_id=stock_location_id,
        quantity=quantity,
        unit_cost_cents=cost,
        supplier_id=supplier_id,
        purchase_order_line_id=purchase_order_line_id,
        witness_user_id=witness_id,
        note=_note(note),
    )
    return await write_batch(session, actor, [posting])


def _fefo(held: list[Held], today: date) -> list[Held]:
    """Usable lots with stock, the first to expire first (lots that never expire last)."""
    usable = [h for h in held if h.balance.quantity > 0 and h.usable(today)]
    return sorted(usable, key=lambda h: (h.lot.expiry_date or date.max, h.lot.id))


def _named(held: list[Held], lot_id: int, today: date, allow_expired: bool = False) -> Held:
    for h in held:
        if h.lot.id == lot_id:
            if not allow_expired and not h.usable(today):
                raise DomainError(
                    InventoryErrorCode.LOT_EXPIRED,
                    f"Lot {h.lot.lot_number} expired on {h.lot.expiry_date}.",
                    ["lot_id"],
                )
            return h
    raise NotFound("Lot at this stock location", ["lot_id"])


def _allocate(candidates: list[Held], quantity: int, item: Item) -> list[tuple[Held, int]]:
    """Take `quantity` from the candidates in order, combining lots; all or nothing."""
    taken: list[tuple[Held, int]] = []
    left = quantity
    for h in candidates:
        if left == 0:
            break
        take = min(left, h.balance.quantity)
        if take > 0:
            taken.append((h, take))
            left -= take
    if left:
        raise ledger.insufficient(item.name)
    return taken


async def consume_stock(
    session: AsyncSession,
    actor: Actor,
    witnesses: Witnesses,
    *,
    item_id: int,
    stock_location_id: int,
    quantity: int,
    lot_id: int | None = None,
    appointment_id: int | None = None,
    witness_token: str | None = None,
    note: str | None = None,
) -> list[StockMovement]:
    """Use stock (for a visit, if an appointment is named): FEFO over unexpired lots unless a
    lot is named; an expired named lot is refused, expired stock counts as none."""
    item = await _movable(session, item_id, stock_location_id, quantity, "stock_location_id")
    patient_id = None
    if appointment_id is not None:
        appointment = await get_or_not_found(
            session, Appointment, appointment_id, "Appointment", "appointment_id"
        )
        patient_id = appointment.patient_id
    witness_id = await _witness(session, actor, item, witnesses, witness_token)
    held = await ledger.locked_balances(session, item.id, stock_location_id)
    now = today(session)
    candidates = [_named(held, lot_id, now)] if lot_id is not None else _fefo(held, now)
    postings = [
        Posting(
            kind=MovementKind.CONSUME,
            item_id=item.id,
            lot_id=h.lot.id,
            stock_location_id=stock_location_id,
            quantity=-take,
            unit_cost_cents=item.unit_cost_cents,
            appointment_id=appointment_id,
            witness_user_id=witness_id,
            note=_note(note),
        )
        for h, take in _allocate(candidates, quantity, item)
    ]
    return await write_batch(session, actor, postings, patient_id)


def _reason(reason_code: ReasonCode, note: str | None) -> str | None:
    note = _note(note)
    if reason_code is ReasonCode.OTHER and note is None:
        raise DomainError(
            InventoryErrorCode.REASON_CODE_REQUIRED,
            "With the reason OTHER, the note says what happened.",
            ["note"],
        )
    return note


async def adjust_stock(
    session: AsyncSession,
    actor: Actor,
    witnesses: Witnesses,
    *,
    item_id: int,
    stock_location_id: int,
    lot_id: int,
    quantity_change: int,
    reason_code: ReasonCode,
    witness_token: str | None = None,
    note: str | None = None,
) -> list[StockMovement]:
    """Correct a lot's on hand by a signed quantity, saying why."""
    item = await _movable(
        session, item_id, stock_location_id, abs(quantity_change), "stock_location_id"
    )
    note = _reason(reason_code, note)
    witness_id = await _witness(session, actor, item, witnesses, witness_token)
    held = await ledger.locked_balances(session, item.id, stock_location_id)
    if quantity_change < 0:
        h = _named(held, lot_id, today(session), allow_expired=True)
        if h.balance.quantity < -quantity_change:
            raise ledger.insufficient(item.name)
    else:
        await get_lot(session, item.id, lot_id)
    posting = Posting(
        kind=MovementKind.ADJUST,
        item_id=item.id,
        lot_id=lot_id,
        stock_location_id=stock_location_id,
        quantity=quantity_change,
        unit_cost_cents=item.unit_cost_cents,
        reason_code=reason_code.value,
        witness_user_id=witness_id,
        note=note,
    )
    return await write_batch(session, actor, [posting])


async def get_lot(session: AsyncSession, item_id: int, lot_id: int) -> None:
    lot = await session.get(Lot, lot_id)
    if lot is None or lot.item_id != item_id:
        raise NotFound("Lot of this item", ["lot_id"])


async def waste_stock(
    session: AsyncSession,
    actor: Actor,
    witnesses: Witnesses,
    *,
    item_id: int,
    stock_location_id: int,
    lot_id: int,
    quantity: int,
    reason_code: ReasonCode,
    witness_token: str | None = None,
    note: str | None = None,
) -> list[StockMovement]:
    """Take stock out of use (broken, contaminated, a discarded partial dose); an expired lot
    leaves as EXPIRE."""
    item = await _movable(session, item_id, stock_location_id, quantity, "stock_location_id")
    note = _reason(reason_code, note)
    witness_id = await _witness(session, actor, item, witnesses, witness_token)
    held = await ledger.locked_balances(session, item.id, stock_location_id)
    h = _named(held, lot_id, today(session), allow_expired=True)
    if h.balance.quantity < quantity:
        raise ledger.insufficient(item.name)
    kind = MovementKind.EXPIRE if reason_code is ReasonCode.EXPIRED else MovementKind.WASTE
    posting = Posting(
        kind=kind,
        item_id=item.id,
        lot_id=lot_id,
        stock_location_id=stock_location_id,
        quantity=-quantity,
        unit_cost_cents=item.unit_cost_cents,
        reason_code=reason_code.value,
        witness_user_id=witness_id,
        note=note,
    )
    return await write_batch(session, actor, [posting])


async def transfer_stock(
    session: AsyncSession,
    actor: Actor,
    witnesses: Witnesses,
    *,
    item_id: int,
    from_stock_location_id: int,
    to_stock_location_id: int,
    quantity: int,
    lot_id: int | None = None,
    witness_token: str | None = None,
    note: str | None = None,
) -> list[StockMovement]:
    """Move unexpired stock between stock locations: out and in rows, one transaction."""
    item = await _movable(
        session, item_id, from_stock_location_id, quantity, "from_stock_location_id"
    )
    await get_or_not_found(
        session, StockLocation, to_stock_location_id, "Stock location", "to_stock_location_id"
    )
    if from_stock_location_id == to_stock_location_id:
        raise DomainError(
            InventoryErrorCode.SAME_LOCATION,
            "Stock moves between two different stock locations.",
            ["to_stock_location_id"],
        )
    witness_id = await _witness(session, actor, item, witnesses, witness_token)
    # Both locations' rows, in location order: two opposite transfers cannot deadlock.
    locked = {
        loc: await ledger.locked_balances(session, item.id, loc)
        for loc in sorted((from_stock_location_id, to_stock_location_id))
    }
    held, now = locked[from_stock_location_id], today(session)
    candidates = [_named(held, lot_id, now)] if lot_id is not None else _fefo(held, now)
    postings: list[Posting] = []
    for h, take in _allocate(candidates, quantity, item):
        for kind, location, signed in (
            (MovementKind.TRANSFER_OUT, from_stock_location_id, -take),
            (MovementKind.TRANSFER_IN, to_stock_location_id, take),
        ):
            postings.append(
                Posting(
                    kind=kind,
                    item_id=item.id,
                    lot_id=h.lot.id,
                    stock_location_id=location,
                    quantity=signed,
                    unit_cost_cents=item.unit_cost_cents,
                    witness_user_id=witness_id,
                    note=_note(note),
                )
            )
    return await write_batch(session, actor, postings)
