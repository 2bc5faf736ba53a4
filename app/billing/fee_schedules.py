"""Fee schedules: the practice's default prices and payers' contracted ones, each in force for
a period, and the price a charge takes on its date of service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.billing import codes
from app.billing.errors import BillingErrorCode
from app.billing.models import MAX_MODIFIERS, FeeSchedule, FeeScheduleEntry, Payer, join
from app.db import get_or_not_found
from app.errors import DomainError
from app.text import required

MAX_PRICE_CENTS = 10_000_000  # $100,000 a unit: more is a typing mistake


def check_procedure(code: str, modifiers: list[str], field: str = "code") -> tuple[str, list[str]]:
    """The code and modifiers upper-cased, or INVALID_PROCEDURE_CODE / INVALID_MODIFIER."""
    code, modifiers = code.strip().upper(), [m.strip().upper() for m in modifiers]
    if not codes.procedure_code_is_valid(code):
        raise DomainError(
            BillingErrorCode.INVALID_PROCEDURE_CODE,
            f"{code!r} is not a CPT code (5 digits, or 4 and F, T or U) nor a HCPCS code (a "
            "letter and 4 digits).",
            [field],
        )
    if len(modifiers) > MAX_MODIFIERS or not all(map(codes.modifier_is_valid, modifiers)):
        raise DomainError(
            BillingErrorCode.INVALID_MODIFIER,
            f"At most {MAX_MODIFIERS} modifiers of two letters or digits each.",
            ["modifiers"],
        )
    return code, modifiers


def _in_force(on: date) -> ColumnElement[bool]:
    return and_(
        FeeSchedule.valid_from <= on,
        or_(FeeSchedule.valid_until.is_(None), FeeSchedule.valid_until >= on),
    )


async def create_fee_schedule(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    payer_id: int | None,
    valid_from: date,
    valid_until: date | None,
) -> FeeSchedule:
    """A schedule for one payer (None: the default). Two schedules of one payer may not be in
    force on the same day, so the price of a date of service is never ambiguous."""
    name = required(name, "name")
    if payer_id is not None:
        await get_or_not_found(session, Payer, payer_id, "Payer", "payer_id")
    if valid_until is not None and valid_until < valid_from:
        raise DomainError(
            BillingErrorCode.INVALID_VALIDITY, "It ends before it starts.", ["valid_until"]
        )
    same_payer = (
        FeeSchedule.payer_id.is_(None) if payer_id is None else FeeSchedule.payer_id == payer_id
    )
    ends = valid_until or date.max
    overlapping = await session.scalar(
        select(FeeSchedule.id).where(
            same_payer,
            FeeSchedule.valid_from <= ends,
            or_(FeeSchedule.valid_until.is_(None), FeeSchedule.valid_until >= valid_from),
        )
    )
    if overlapping is not None:
        raise DomainError(
            BillingErrorCode.SCHEDULE_OVERLAP,
            "Another schedule of this payer is in force during this period.",
            ["valid_from"],
        )
    schedule = FeeSchedule(
        name=name, payer_id=payer_id, valid_from=valid_from, valid_until=valid_until
    )
    return await trail.add_created(session, actor, schedule, "FeeSchedule")


async def set_fee_schedule_entry(
    session: AsyncSession,
    actor: Actor,
    *,
    fee_schedule_id: int,
    code: str,
    modifiers: list[str],
    price_cents: int,
) -> FeeScheduleEntry:
    """Add or change the price of (code, modifiers) in a schedule."""
    await get_or_not_found(session, FeeSchedule, fee_schedule_id, "Fee schedule", "fee_schedule_id")
    code, modifiers = check_procedure(code, modifiers)
    if not 0 <= price_cents <= MAX_PRICE_CENTS:
        raise DomainError(
            BillingErrorCode.INVALID_PRICE,
            f"A price is 0 to {MAX_PRICE_CENTS} cents.",
            ["price_cents"],
        )
    joined = join(modifiers)
    entry = await session.scalar(
        select(FeeScheduleEntry).where(
            FeeScheduleEntry.fee_schedule_id == fee_schedule_id,
            FeeScheduleEntry.code == code,
            FeeScheduleEntry.modifiers == joined,
        )
    )
    if entry is None:
        entry = FeeScheduleEntry(
            fee_schedule_id=fee_schedule_id, code=code, modifiers=joined, price_cents=price_cents
        )
        session.add(entry)
    entry.price_cents = price_cents
    await session.flush()
    trail.record(session, actor, "update", "FeeSchedule", fee_schedule_id, detail={"code": code})
    return entry


async def fee_schedules(session: AsyncSession) -> list[FeeSchedule]:
    """Default schedules first, then by payer, newest period first."""
    return list(
        (
            await session.scalars(
                select(FeeSchedule).order_by(
                    FeeSchedule.payer_id.is_not(None),
                    FeeSchedule.payer_id,
                    FeeSchedule.valid_from.desc(),
                )
            )
        ).all()
    )


async def entries_by_schedule(
    session: AsyncSession, schedule_ids: list[int]
) -> dict[int, list[FeeScheduleEntry]]:
    rows = await session.scalars(
        select(FeeScheduleEntry)
        .where(FeeScheduleEntry.fee_schedule_id.in_(schedule_ids))
        .order_by(FeeScheduleEntry.code, FeeScheduleEntry.modifiers)
    )
    grouped: dict[int, list[FeeScheduleEntry]] = {i: [] for i in schedule_ids}
    for row in rows:
        grouped[row.fee_schedule_id].append(row)
    return grouped


@dataclass(frozen=True)
class Price:
    cents: int
    fee_schedule_id: int


async def price_for(
    session: AsyncSession, payer_id: int | None, code: str, modifiers: list[str], on: date
) -> Price | None:
    """The price of (code, modifiers) on a date of service: the payer's schedule in force that
    day, else the default schedule in force; in each, the entry with exactly these modifiers,
    else the code's entry without modifiers. None when no schedule prices it."""
    wanted = [join(modifiers), ""] if modifiers else [""]
    for schedule_payer in ([payer_id] if payer_id is not None else []) + [None]:
        owner = (
            FeeSchedule.payer_id.is_(None)
            if schedule_payer is None
            else FeeSchedule.payer_id == schedule_payer
        )
        rows = (
            await session.execute(
                select(FeeScheduleEntry.modifiers, FeeScheduleEntry.price_cents, FeeSchedule.id)
                .join(FeeSchedule, FeeSchedule.id == FeeScheduleEntry.fee_schedule_id)
                .where(owner, _in_force(on), FeeScheduleEntry.code == code)
                .where(FeeScheduleEntry.modifiers.in_(wanted))
            )
        ).all()
        found = {row.modifiers: row for row in rows}
        for key in wanted:
            if key in found:
                return Price(found[key].price_cents, found[key].id)
    return None
