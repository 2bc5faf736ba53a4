"""Money a patient pays, refunds of it, and write-offs.

Each is an `AccountTransaction` (who, how, why) plus ledger rows of patient responsibility
(source "txn:<id>"): a payment posts - rows (one per allocation to a claim or charge line, the
rest as unallocated credit), a refund a + row, a write-off a - row. A patient's balance can go
below zero: that is a credit the practice holds.

A payment carries the client's idempotency key, unique in the table: the same key returns the
first payment and posts nothing again. Two requests with one key at once both try the insert;
the database lets one through and the other finds the winner's row after its savepoint fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.billing import ledger
from app.billing.errors import BillingErrorCode
from app.billing.models import (
    AccountTransaction,
    AccountTransactionKind,
    ChargeLine,
    Claim,
    LedgerKind,
    PaymentMethod,
    Responsibility,
)
from app.db import get_or_not_found
from app.errors import DomainError, NotFound
from app.patients.models import Patient

Kind = AccountTransactionKind


@dataclass(frozen=True)
class Allocation:
    """Part of a payment applied to one claim or one charge line of the patient."""

    amount_cents: int
    claim_id: int | None = None
    charge_line_id: int | None = None


def _positive(amount_cents: int, *field: str) -> None:
    if amount_cents <= 0:
        raise DomainError(BillingErrorCode.INVALID_AMOUNT, "The amount must be above zero.", field)


def _source(row: AccountTransaction) -> str:
    return f"txn:{row.id}"


async def record_payment(
    session: AsyncSession,
    actor: Actor,
    *,
    patient_id: int,
    amount_cents: int,
    method: PaymentMethod,
    reference: str | None,
    idempotency_key: str,
    allocations: Sequence[Allocation] = (),
) -> AccountTransaction:
    """Record a payment once per idempotency key (a repeat returns the first, unchanged)."""
    key = idempotency_key.strip()
    if not key:
        raise DomainError(
            BillingErrorCode.IDEMPOTENCY_KEY_REQUIRED,
            "An idempotency key is required.",
            ["idempotency_key"],
        )
    earlier = await _by_key(session, key)
    if earlier is not None:
        return _same_payment(earlier, patient_id, amount_cents)
    await get_or_not_found(session, Patient, patient_id, "Patient", "patient_id")
    _positive(amount_cents, "amount_cents")
    await _check_allocations(session, patient_id, amount_cents, allocations)
    payment = AccountTransaction(
        kind=Kind.PAYMENT,
        patient_id=patient_id,
        amount_cents=amount_cents,
        method=method,
        reference=(reference or "").strip() or None,
        idempotency_key=key,
        created_by_id=actor.user_id,
    )
    try:
        async with session.begin_nested():
            session.add(payment)
            await session.flush()
    except IntegrityError:  # the same key, committed by a concurrent request meanwhile
        winner = await _by_key(session, key)
        if winner is None:
            raise
        return _same_payment(winner, patient_id, amount_cents)
    trail.record(session, actor, "create", "AccountTransaction", payment.id, patient_id=patient_id)
    rest = amount_cents
    for part in allocations:
        rest -= part.amount_cents
        await _post(session, actor, payment, LedgerKind.PAYMENT, -part.amount_cents, part)
    if rest:
        await _post(session, actor, payment, LedgerKind.PAYMENT, -rest)
    return payment


async def refund_payment(
    session: AsyncSession, actor: Actor, *, payment_id: int, amount_cents: int, reason: str
) -> AccountTransaction:
    """Give back part or all of a payment: never more than it brought, less earlier refunds."""
    payment = await session.scalar(
        select(AccountTransaction)
        .where(AccountTransaction.id == payment_id, AccountTransaction.kind == Kind.PAYMENT)
        .with_for_update()  # PostgreSQL: refunds of one payment wait for each other
    )
    if payment is None:
        raise NotFound("Payment", ["payment_id"])
    _positive(amount_cents, "amount_cents")
    reason = _reason(reason)
    refunded = await session.scalar(
        select(func.coalesce(func.sum(AccountTransaction.amount_cents), 0)).where(
            AccountTransaction.payment_id == payment.id
        )
    )
    left = payment.amount_cents - int(refunded or 0)
    if amount_cents > left:
        raise DomainError(
            BillingErrorCode.REFUND_EXCEEDS_PAYMENT,
            f"At most {left} cents of this payment are left to refund.",
            ["amount_cents"],
        )
    refund = await trail.add_created(
        session,
        actor,
        AccountTransaction(
            kind=Kind.REFUND,
            patient_id=payment.patient_id,
            amount_cents=amount_cents,
            reason=reason,
            payment_id=payment.id,
            method=payment.method,
            created_by_id=actor.user_id,
        ),
        "AccountTransaction",
        patient_id=payment.patient_id,
    )
    await _post(session, actor, refund, LedgerKind.REFUND, amount_cents)
    return refund


async def write_off(
    session: AsyncSession,
    actor: Actor,
    *,
    patient_id: int,
    claim_id: int | None,
    amount_cents: int,
    reason: str,
) -> AccountTransaction:
    """Forgive part of what the patient owes (on one claim, or on the account): never more
    than the patient's own balance, so a write-off never makes a credit. The patient's row is
    locked (PostgreSQL) so two write-offs at once cannot both pass the check."""
    locked = select(Patient).where(Patient.id == patient_id).with_for_update()
    if await session.scalar(locked) is None:
        raise NotFound("Patient", ["patient_id"])
    if claim_id is not None:
        claim = await session.get(Claim, claim_id)
        if claim is None or claim.patient_id != patient_id:
            raise NotFound("Claim", ["claim_id"])
    _positive(amount_cents, "amount_cents")
    reason = _reason(reason)
    owed = (await ledger.balances(session, actor, [patient_id]))[patient_id].patient_cents
    if amount_cents > owed:
        raise DomainError(
            BillingErrorCode.WRITE_OFF_EXCEEDS_BALANCE,
            f"The patient owes {max(owed, 0)} cents; a write-off cannot exceed it.",
            ["amount_cents"],
        )
    row = await trail.add_created(
        session,
        actor,
        AccountTransaction(
            kind=Kind.WRITE_OFF,
            patient_id=patient_id,
            amount_cents=amount_cents,
            reason=reason,
            claim_id=claim_id,
            created_by_id=actor.user_id,
        ),
        "AccountTransaction",
        patient_id=patient_id,
    )
    await _post(session, actor, row, LedgerKind.WRITE_OFF, -amount_cents, Allocation(0, claim_id))
    return row


async def transactions_by_id(
    session: AsyncSession, actor: Actor, ids: Sequence[int]
) -> list[AccountTransaction]:
    rows = list(
        (
            await session.scalars(select(AccountTransaction).where(AccountTransaction.id.in_(ids)))
        ).all()
    )
    trail.record_reads(session, actor, "AccountTransaction", rows)
    return rows


async def _by_key(session: AsyncSession, key: str) -> AccountTransaction | None:
    return await session.scalar(
        select(AccountTransaction).where(AccountTransaction.idempotency_key == key)
    )


def _same_payment(
    earlier: AccountTransaction, patient_id: int, amount_cents: int
) -> AccountTransaction:
    """A repeat must be the same payment: a key reused for another is refused, not ignored."""
    if earlier.patient_id != patient_id or earlier.amount_cents != amount_cents:
        raise DomainError(
            BillingErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for another payment.",
            ["idempotency_key"],
        )
    return earlier


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise DomainError(BillingErrorCode.ACCOUNT_REASON_REQUIRED, "Say why.", ["reason"])
    return text


async def _check_allocations(
    session: AsyncSession, patient_id: int, amount_cents: int, allocations: Sequence[Allocation]
) -> None:
    for index, part in enumerate(allocations):
        field = ("allocations", str(index))
        _positive(part.amount_cents, *field, "amount_cents")
        if (part.claim_id is None) == (part.charge_line_id is None):
            raise DomainError(
                BillingErrorCode.INVALID_ALLOCATION,
                "Name either a claim or a charge line.",
                list(field),
            )
        row: Claim | ChargeLine | None
        if part.claim_id is not None:
            row, what, name = await session.get(Claim, part.claim_id), "Claim", "claim_id"
        else:
            row = await session.get(ChargeLine, part.charge_line_id)
            what, name = "ChargeLine", "charge_line_id"
        if row is None or row.patient_id != patient_id:
            raise NotFound(what, [*field, name])
    if sum(part.amount_cents for part in allocations) > amount_cents:
        raise DomainError(
            BillingErrorCode.ALLOCATIONS_EXCEED_PAYMENT,
            "The allocations add up to more than the payment.",
            ["allocations"],
        )


async def _post(
    session: AsyncSession,
    actor: Actor,
    row: AccountTransaction,
    kind: LedgerKind,
    cents: int,
    part: Allocation | None = None,
) -> None:
    await ledger.post(
        session,
        actor,
        kind=kind,
        amount_cents=cents,
        patient_id=row.patient_id,
        responsibility=Responsibility.PATIENT,
        source=_source(row),
        claim_id=part.claim_id if part else None,
        charge_line_id=part.charge_line_id if part else None,
    )
