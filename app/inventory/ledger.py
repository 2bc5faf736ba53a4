"""The stock ledger's one write path: a movement row and its balance change, together.

Every service that moves stock calls `post`, which appends the ledger row and adds its quantity
to the running balance in the same transaction. Balances about to be drawn down are read with
`locked_balances` first: FOR UPDATE on PostgreSQL, so concurrent consumers of one item queue
on its rows and each sees what the previous one left; on SQLite the write transaction (BEGIN
IMMEDIATE) already holds the database's one write lock. The CHECK (quantity >= 0) on
stock_balances is the last line: a drawdown it refuses is INSUFFICIENT_STOCK, never a 500.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.db import utcnow
from app.errors import DomainError
from app.inventory.errors import InventoryErrorCode
from app.inventory.models import Lot, MovementKind, StockBalance, StockMovement

CHECK_VIOLATION = "23514"


@dataclass(frozen=True)
class Held:
    """A balance row (locked) and its lot."""

    balance: StockBalance
    lot: Lot

    def usable(self, today: date) -> bool:
        """Unexpired: a lot may be used through its expiry date."""
        return self.lot.expiry_date is None or self.lot.expiry_date >= today


def new_batch() -> str:
    return uuid.uuid4().hex


def _insert(session: AsyncSession, model: type) -> sqlite.Insert | postgresql.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


async def lot_for(
    session: AsyncSession, item_id: int, lot_number: str, expiry_date: date | None
) -> Lot:
    """The item's lot of this number, made if new (a concurrent receipt of the same new lot
    makes it once). A known lot keeps its expiry: another one given is a mistake."""
    await session.execute(
        _insert(session, Lot)
        .values(
            item_id=item_id,
            lot_number=lot_number,
            expiry_date=expiry_date,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["item_id", "lot_number"])
    )
    lot = await session.scalar(
        select(Lot)
        .where(Lot.item_id == item_id, Lot.lot_number == lot_number)
        .execution_options(populate_existing=True)
    )
    assert lot is not None
    if expiry_date is not None and lot.expiry_date != expiry_date:
        raise DomainError(
            InventoryErrorCode.LOT_EXPIRY_MISMATCH,
            f"Lot {lot_number!r} is recorded as expiring {lot.expiry_date or 'never'}.",
            ["expiry_date"],
        )
    return lot


async def locked_balances(
    session: AsyncSession, item_id: int, stock_location_id: int
) -> list[Held]:
    """The item's balances at the location with their lots, locked for this transaction, in
    id order (one order for every locker: no deadlocks between them)."""
    rows = await session.execute(
        select(StockBalance, Lot)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .where(StockBalance.item_id == item_id, StockBalance.stock_location_id == stock_location_id)
        .order_by(StockBalance.id)
        .with_for_update(of=StockBalance)
        .execution_options(populate_existing=True)
    )
    return [Held(balance, lot) for balance, lot in rows.all()]


@dataclass(frozen=True)
class Posting:
    kind: MovementKind
    item_id: int
    lot_id: int
    stock_location_id: int
    quantity: int  # signed
    unit_cost_cents: int = 0
    reason_code: str | None = None
    note: str | None = None
    appointment_id: int | None = None
    supplier_id: int | None = None
    purchase_order_line_id: int | None = None
    witness_user_id: int | None = None


async def post(
    session: AsyncSession,
    actor: Actor,
    batch_id: str,
    posting: Posting,
    patient_id: int | None = None,
) -> StockMovement:
    """Append one ledger row and move its balance by the same quantity (made if new)."""
    await session.execute(
        _insert(session, StockBalance)
        .values(
            item_id=posting.item_id,
            stock_location_id=posting.stock_location_id,
            lot_id=posting.lot_id,
            quantity=0,
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["item_id", "stock_location_id", "lot_id"])
    )
    try:
        async with session.begin_nested():
            await session.execute(
                update(StockBalance)
                .where(
                    StockBalance.item_id == posting.item_id,
                    StockBalance.stock_location_id == posting.stock_location_id,
                    StockBalance.lot_id == posting.lot_id,
                )
                .values(quantity=StockBalance.quantity + posting.quantity, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
    except IntegrityError as exc:  # the CHECK: a drawdown no lock check caught
        if _is_check_violation(exc):
            raise insufficient() from exc
        raise
    movement = StockMovement(
        batch_id=batch_id,
        kind=posting.kind,
        item_id=posting.item_id,
        lot_id=posting.lot_id,
        stock_location_id=posting.stock_location_id,
        quantity=posting.quantity,
        unit_cost_cents=posting.unit_cost_cents,
        reason_code=posting.reason_code,
        note=posting.note,
        appointment_id=posting.appointment_id,
        supplier_id=posting.supplier_id,
        purchase_order_line_id=posting.purchase_order_line_id,
        user_id=actor.user_id,
        witness_user_id=posting.witness_user_id,
    )
    return await trail.add_created(session, actor, movement, "StockMovement", patient_id=patient_id)


def insufficient(what: str = "the item") -> DomainError:
    return DomainError(
        InventoryErrorCode.INSUFFICIENT_STOCK,
        f"Not enough unexpired stock of {what} at this stock location.",
        ["quantity"],
    )


def _is_check_violation(exc: IntegrityError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate == CHECK_VIOLATION or "CHECK constraint failed" in str(exc.orig)
