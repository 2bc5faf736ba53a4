"""importRemittance: read an 835, refuse it whole when invalid or unbalanced, post each claim
payment it can match, queue the rest, keep the PLB amounts in the provider ledger.

A remittance is the same remittance when its payer (N1*PR), TRN02 trace number and content hash
(the transaction's values, ST02 aside) are the same: that one is skipped and said so; a payer
reusing a trace number for a different payment is imported. Claims and lines of a whole
transaction load in a fixed number of statements and everything posts in bulk inserts, so the
statement count does not grow with the number of claims.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.billing import states
from app.billing.errors import BillingErrorCode
from app.billing.models import ChargeLine, Claim, ClaimEvent, ClaimState, LedgerEntry, Payer
from app.billing.remittance_models import (
    ProviderAdjustmentEntry,
    Remittance,
    RemittanceClaim,
    RemittanceWorkItem,
    WorkItemState,
)
from app.billing.remittance_posting import (
    NET_KEY,
    REVERSAL,
    SOURCE_PREFIX,
    encode,
    match_lines,
    reversal_rows,
    rows_for,
    step_of,
)
from app.billing.x12 import remittance as x12
from app.db import utcnow
from app.errors import DomainError, DomainErrors

# Why a claim payment was queued instead of posted
UNMATCHED_CLAIM = "unmatched_claim"
UNMATCHED_LINE = "unmatched_line"
CLAIM_STATE = "claim_state"  # the claim's state does not allow what the payer decided


@dataclass(frozen=True)
class ImportedRemittance:
    """One transaction of the file: its row, whether it was there already, what it did."""

    remittance: Remittance
    already_imported: bool
    posted_claims: int
    queued_claims: int


@dataclass
class _Item:
    """A claim payment to post, with its claim and charge lines when matched."""

    payment: x12.ClaimPayment
    claim: Claim | None
    lines: Sequence[ChargeLine]
    any_line: bool = False  # resolved by a biller: lines that match nothing post to the claim
    problem: str | None = None


async def import_remittance(
    session: AsyncSession, actor: Actor, text: str
) -> list[ImportedRemittance]:
    """Every transaction of `text`, imported (or found imported already), in file order."""
    try:
        parsed = x12.read_remittances(text)
    except x12.InvalidX12File as error:
        raise DomainErrors(
            [
                DomainError(
                    BillingErrorCode.INVALID_X12_FILE,
                    f"{p.segment or '?'} (segment {p.line}): {p.message}",
                    ["file"],
                )
                for p in error.problems
            ]
            or [DomainError(BillingErrorCode.INVALID_X12_FILE, "Not an 835.", ["file"])]
        ) from error
    for remittance in parsed:
        if off := x12.unbalanced_cents(remittance):
            raise DomainError(
                BillingErrorCode.REMITTANCE_UNBALANCED,
                f"Trace {remittance.trace_number}: the claim payments less the provider "
                f"adjustments differ from the payment (BPR02) by {off} cents.",
                ["file"],
            )
    file_hash = hashlib.sha256(text.encode()).hexdigest()
    codes = {r.payer_id for r in parsed}
    payers = {
        p.payer_id: p for p in await session.scalars(select(Payer).where(Payer.payer_id.in_(codes)))
    }
    return [await _import_one(session, actor, r, payers.get(r.payer_id), file_hash) for r in parsed]


def content_hash(remittance: x12.Remittance) -> str:
    """The transaction's values (all but its ST02 control number), hashed."""
    plain = repr(dataclasses.replace(remittance, control_number=""))
    return hashlib.sha256(plain.encode()).hexdigest()


async def _import_one(
    session: AsyncSession,
    actor: Actor,
    parsed: x12.Remittance,
    payer: Payer | None,
    file_hash: str,
) -> ImportedRemittance:
    digest = content_hash(parsed)
    existing = await session.scalar(
        select(Remittance).where(
            Remittance.payer_code == parsed.payer_id[:80],
            Remittance.trace_number == parsed.trace_number[:80],
            Remittance.content_hash == digest,
        )
    )
    if existing is not None:
        return ImportedRemittance(existing, True, 0, 0)
    row = Remittance(
        payer_code=parsed.payer_id[:80],
        payer_id=payer.id if payer else None,
        trace_number=parsed.trace_number[:80],
        content_hash=digest,
        file_hash=file_hash,
        payment_cents=parsed.payment_cents,
        payment_method=parsed.payment_method[:3],
        payment_date=parsed.payment_date,
        production_date=parsed.production_date,
        imported_by_id=actor.user_id,
    )
    await trail.add_created(session, actor, row, "Remittance")
    items = await _match(session, parsed.claims, payer)
    now = utcnow()
    await post(session, actor, row, items, now)
    if items:
        await session.execute(
            insert(RemittanceClaim).execution_options(render_nulls=True),
            [
                {
                    "remittance_id": row.id,
                    "claim_id": item.claim.id if item.claim and not item.problem else None,
                    "control_number": item.payment.patient_control_number[:80],
                    "status": item.payment.status[:2],
                    "charge_cents": item.payment.charge_cents,
                    "paid_cents": item.payment.paid_cents,
                    "patient_responsibility_cents": item.payment.patient_responsibility_cents,
                    "payer_claim_number": item.payment.payer_claim_control_number[:50],
                    "detail": encode(item.payment),
                    "posted_at": None if item.problem else now,
                }
                for item in items
            ],
        )
    # one executemany inserts in order, so the ids ascend in the items' order
    ids = (
        await session.scalars(
            select(RemittanceClaim.id)
            .where(RemittanceClaim.remittance_id == row.id)
            .order_by(RemittanceClaim.id)
        )
    ).all()
    queued = [
        {"remittance_claim_id": rc_id, "problem": item.problem, "state": WorkItemState.OPEN}
        for rc_id, item in zip(ids, items, strict=True)
        if item.problem
    ]
    if queued:
        await session.execute(insert(RemittanceWorkItem), queued)
    if parsed.provider_adjustments:
        await session.execute(
            insert(ProviderAdjustmentEntry),
            [
                {
                    "remittance_id": row.id,
                    "provider_code": a.provider_id[:80],
                    "fiscal_period_end": a.fiscal_period_end,
                    "reason": a.reason[:2],
                    "reference": a.reference[:80],
                    "amount_cents": a.amount_cents,
                    "posted_at": now,
                }
                for a in parsed.provider_adjustments
            ],
        )
    return ImportedRemittance(row, False, len(items) - len(queued), len(queued))


async def _match(
    session: AsyncSession, payments: Sequence[x12.ClaimPayment], payer: Payer | None
) -> list[_Item]:
    """Each payment's claim (CLP01 = our control number, of this payer) and its claim's charge
    lines: two statements for the whole transaction."""
    numbers = {p.patient_control_number for p in payments}
    claims: dict[str, Claim] = {}
    if payer is not None and numbers:
        found = await session.scalars(
            select(Claim)
            .where(Claim.control_number.in_(numbers), Claim.payer_id == payer.id)
            .with_for_update()
        )
        claims = {c.control_number: c for c in found}
    lines = await lines_of(session, [c.encounter_id for c in claims.values()])
    return [
        _Item(p, c, lines.get(c.encounter_id, []) if c else [])
        for p in payments
        for c in [claims.get(p.patient_control_number)]
    ]


async def lines_of(
    session: AsyncSession, encounter_ids: Sequence[int]
) -> dict[int, list[ChargeLine]]:
    if not encounter_ids:
        return {}
    found = await session.scalars(
        select(ChargeLine).where(ChargeLine.encounter_id.in_(set(encounter_ids)))
    )
    by_encounter: dict[int, list[ChargeLine]] = defaultdict(list)
    for line in found:
        by_encounter[line.encounter_id].append(line)
    return by_encounter


async def post(
    session: AsyncSession, actor: Actor, remittance: Remittance, items: list[_Item], now: datetime
) -> None:
    """Post every matched item (in order: a file may reverse a claim and pay it again), set
    `problem` on the others; moves the claims and records their events in bulk."""
    source = f"{SOURCE_PREFIX}{remittance.trace_number}"[:100]
    reversed_ids = {i.claim.id for i in items if i.claim and i.payment.status == REVERSAL}
    earlier = await _earlier_rows(session, reversed_ids)
    current: dict[int, ClaimState] = {i.claim.id: i.claim.state for i in items if i.claim}
    rows: list[dict[str, Any]] = []
    moves: dict[int, dict[str, Any]] = {}
    events: list[dict[str, Any]] = []
    for item in items:
        claim = item.claim
        if claim is None:
            item.problem = UNMATCHED_CLAIM
            continue
        step = step_of(item.payment)
        target = states.next_state(step, current[claim.id])
        if target is None:
            item.problem = CLAIM_STATE
            continue
        if item.payment.status == REVERSAL:
            posted = reversal_rows(earlier[claim.id], source, now, actor.user_id)
        else:
            matched = match_lines(item.payment, item.lines)
            if matched is None and not item.any_line:
                item.problem = UNMATCHED_LINE
                continue
            line_of = matched or [
                next(
                    (c for c in item.lines if c.line_control_number == p.line_control_number), None
                )
                for p in item.payment.lines
            ]
            posted = rows_for(claim, item.payment, line_of, source, now, actor.user_id)
        rows += posted
        earlier[claim.id] += posted
        events.append(
            {
                "claim_id": claim.id,
                "patient_id": claim.patient_id,
                "from_state": current[claim.id],
                "to_state": target,
                "actor_user_id": actor.user_id,
                "actor_username": actor.username[:64],
                "occurred_at": now,
                "reason": f"835 trace {remittance.trace_number}"[:400],
            }
        )
        current[claim.id] = target
        moves[claim.id] = {"id": claim.id, "state": target, "updated_at": now}
        if item.payment.payer_claim_control_number:
            moves[claim.id]["payer_claim_number"] = item.payment.payer_claim_control_number[:50]
        trail.record(
            session,
            actor,
            "update",
            "Claim",
            claim.id,
            patient_id=claim.patient_id,
            detail={"state": target.name, "remittance": remittance.id},
        )
    await _write(session, actor, rows, list(moves.values()), events)


async def _earlier_rows(
    session: AsyncSession, claim_ids: set[int]
) -> defaultdict[int, list[dict[str, Any]]]:
    """What earlier 835s posted for these claims (one statement)."""
    found: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    if not claim_ids:
        return found
    columns = [
        getattr(LedgerEntry, n)
        for n in (*NET_KEY, "amount_cents", "patient_id", "payer_id", "remark_codes", "claim_id")
    ]
    result = await session.execute(
        select(*columns).where(
            LedgerEntry.claim_id.in_(claim_ids), LedgerEntry.source.startswith(SOURCE_PREFIX)
        )
    )
    for row in result.mappings():
        found[row["claim_id"]].append(dict(row))
    return found


async def _write(
    session: AsyncSession,
    actor: Actor,
    rows: list[dict[str, Any]],
    moves: list[dict[str, Any]],
    events: list[dict[str, Any]],
) -> None:
    """A few bulk statements: the ledger rows (read back for the audit), the claims' new
    states, their events."""
    if rows:
        await session.execute(insert(LedgerEntry).execution_options(render_nulls=True), rows)
        posted = await session.execute(
            select(LedgerEntry.id, LedgerEntry.patient_id).where(
                LedgerEntry.source == rows[0]["source"],
                LedgerEntry.posted_at == rows[0]["posted_at"],
            )
        )
        for entry_id, patient_id in posted:
            trail.record(session, actor, "create", "LedgerEntry", entry_id, patient_id=patient_id)
    for keys in {tuple(sorted(m)) for m in moves}:  # one executemany per shape
        await session.execute(update(Claim), [m for m in moves if tuple(sorted(m)) == keys])
    if events:
        await session.execute(insert(ClaimEvent), events)
