"""importAcknowledgement: a 999 or a 277CA moves the claims it speaks of.

A 999 rejecting one of our transaction sets (AK202 = the batch's ST02) rejects the claims that
batch carried; a 277CA accepts or rejects each claim it names (TRN02 = our CLM01) with the
payer's status codes as the reason, and gives the payer's claim number (REF*1K). Importing a
file again changes nothing: a claim already where the file puts it is reported unchanged, and
an acknowledgement of an earlier batch no longer moves a claim sent again since.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.billing import batches, states
from app.billing.claims import locked_claim, move_claim, set_payer_claim_number
from app.billing.errors import BillingErrorCode
from app.billing.models import Claim
from app.billing.x12.acknowledgements import (
    ClaimAcknowledgement,
    TransactionAcknowledgement,
    read_277ca,
    read_999,
)
from app.billing.x12.remittance_segments import InvalidX12File
from app.billing.x12.validation import X12Problem, validate
from app.errors import DomainError, DomainErrors

_FIELD = ["file"]


class AckKind(enum.StrEnum):
    FUNCTIONAL = "999"
    CLAIM_STATUS = "277CA"


class Outcome(enum.StrEnum):
    MOVED = "moved"
    UNCHANGED = "unchanged"
    UNKNOWN = "unknown"  # names no claim (or batch) of ours


@dataclass
class AckResult:
    """What the file did to one claim (or, UNKNOWN, which number it named)."""

    control_number: str  # the claim's CLM01, or a 999's ST02 naming no batch of ours
    outcome: Outcome
    claim: Claim | None
    reason: str


@dataclass
class ImportedAcknowledgement:
    kind: AckKind
    results: list[AckResult]


def transaction_type(text: str) -> str:
    """ST01 of the first transaction set, read with the ISA's own delimiters; "" if none."""
    body = text.lstrip()
    if not body.startswith("ISA") or len(body) < 106:
        return ""
    element, terminator = body[3], body[105]
    for raw in body.split(terminator):
        parts = raw.strip().split(element)
        if parts[0] == "ST" and len(parts) > 1:
            return parts[1]
    return ""


def _refused(problems: tuple[X12Problem, ...] | list[X12Problem]) -> DomainErrors:
    errors = [
        DomainError(
            BillingErrorCode.ACKNOWLEDGEMENT_INVALID,
            f"{p.segment or '?'} (line {p.line}): {p.message}",
            _FIELD,
        )
        for p in problems[: batches.MAX_PROBLEMS]
    ] or [DomainError(BillingErrorCode.ACKNOWLEDGEMENT_INVALID, "Not an X12 file.", _FIELD)]
    return DomainErrors(errors)


async def import_acknowledgement(
    session: AsyncSession, actor: Actor, text: str
) -> ImportedAcknowledgement:
    kind = transaction_type(text)
    try:
        if kind == "999":
            result = ImportedAcknowledgement(
                AckKind.FUNCTIONAL, await _import_999(session, actor, text)
            )
        elif kind == "277":
            result = ImportedAcknowledgement(
                AckKind.CLAIM_STATUS, await _import_277ca(session, actor, text)
            )
        else:
            problems = validate(text)
            if problems:
                raise _refused(problems)
            raise DomainError(
                BillingErrorCode.ACKNOWLEDGEMENT_KIND_UNKNOWN,
                f"A {kind or 'file without ST'} is neither a 999 nor a 277CA.",
                _FIELD,
            )
    except InvalidX12File as error:
        raise _refused(error.problems) from error
    moved = sum(r.outcome == Outcome.MOVED for r in result.results)
    trail.record(
        session,
        actor,
        "import",
        "Acknowledgement",
        detail={"kind": result.kind.value, "moved": moved, "results": len(result.results)},
    )
    return result


async def _import_999(session: AsyncSession, actor: Actor, text: str) -> list[AckResult]:
    results: list[AckResult] = []
    for group in read_999(text):
        for transaction in group.transactions:
            if transaction.transaction_type == "837":
                results += await _transaction(session, actor, transaction)
    return results


def _999_reason(transaction: TransactionAcknowledgement) -> str:
    codes = ",".join(transaction.error_codes) or "-"
    segments = "; ".join(
        f"{e.segment_id} at {e.position} (loop {e.loop or '-'}): error {e.code}"
        + "".join(f", element {el.position} error {el.code}" for el in e.elements)
        for e in transaction.segment_errors
    )
    reason = f"999 rejected transaction set {transaction.control_number} (IK5 {codes})"
    return (f"{reason}: {segments}" if segments else reason)[:400]


async def _transaction(
    session: AsyncSession, actor: Actor, transaction: TransactionAcknowledgement
) -> list[AckResult]:
    """A rejected transaction set rejects its batch's claims; an accepted one moves none
    (a 999 only says the file was readable: the 277CA says whether each claim was taken)."""
    batch = await batches.batch_by_st_control(session, transaction.control_number)
    if batch is None:
        return [AckResult(transaction.control_number, Outcome.UNKNOWN, None, "")]
    accepted = transaction.status.accepted
    reason = "999 accepted the transaction set" if accepted else _999_reason(transaction)
    results = []
    for claim in await batches.claims_of_batch(session, batch.id):
        claim = await locked_claim(session, claim.id)
        current = await batches.latest_batch_of(session, claim.id) == batch.id
        if accepted or not current or claim.state != states.S.SUBMITTED:
            results.append(AckResult(claim.control_number, Outcome.UNCHANGED, claim, reason))
            continue
        claim = await move_claim(session, actor, claim.id, "reject", reason)
        results.append(AckResult(claim.control_number, Outcome.MOVED, claim, reason))
    return results


async def _import_277ca(session: AsyncSession, actor: Actor, text: str) -> list[AckResult]:
    return [await _claim_status(session, actor, ack) for ack in read_277ca(text)]


async def _claim_status(
    session: AsyncSession, actor: Actor, ack: ClaimAcknowledgement
) -> AckResult:
    number = ack.patient_control_number
    found = await session.scalar(select(Claim.id).where(Claim.control_number == number))
    if found is None:
        return AckResult(number, Outcome.UNKNOWN, None, "")
    claim = await locked_claim(session, found)
    codes = " ".join(
        ":".join(part for part in (s.category, s.code, s.entity) if part) for s in ack.statuses
    )
    step = "accept" if ack.status.accepted else "reject"
    reason = f"277CA {'accepted' if step == 'accept' else 'rejected'}: {codes}"[:400]
    batch = await batches.batch_by_st_control(session, ack.batch_reference)
    stale = batch is not None and await batches.latest_batch_of(session, claim.id) != batch.id
    target = states.TRANSITIONS[step][1]
    if stale or claim.state == target or states.next_state(step, claim.state) is None:
        return AckResult(number, Outcome.UNCHANGED, claim, reason)
    if ack.payer_claim_number and ack.payer_claim_number != claim.payer_claim_number:
        await set_payer_claim_number(session, actor, claim.id, ack.payer_claim_number)
    claim = await move_claim(session, actor, claim.id, step, reason)
    return AckResult(number, Outcome.MOVED, claim, reason)
