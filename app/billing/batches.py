"""Claim batches: READY claims written into one 837P file, checked with pyx12, stored as sent,
and their claims moved to SUBMITTED, all in one transaction (a refusal changes nothing, the
control number's counter included). The stored text is what the download serves."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.billing.batch_models import ClaimBatch, ClaimBatchClaim
from app.billing.claim_documents import claim_document
from app.billing.claims import move_claim
from app.billing.errors import BillingErrorCode
from app.billing.models import Claim, ClaimState
from app.billing.setup import billing_provider
from app.billing.x12.documents import Interchange, Party
from app.billing.x12.validation import X12Problem, validate
from app.billing.x12.writer import MAX_CLAIMS, write_837p
from app.config import Settings
from app.counters import next_value
from app.db import utcnow
from app.errors import DomainError, DomainErrors, NotFound

BATCH_COUNTER = "x12_interchange"  # ISA13/GS06/ST02 of every 837P; row made by its migration
MAX_PROBLEMS = 20  # pyx12 findings returned as userErrors; the rest are summarized
_PYX12 = threading.Lock()  # one validation at a time: pyx12 was not written for threads


def _validate(text: str) -> list[X12Problem]:
    with _PYX12:
        return validate(text)


def envelope_number(control_number: int) -> str:
    """ST02 (and ISA13, GS06) as written in the file: nine digits."""
    return f"{control_number:09d}"


async def _ready_claims(session: AsyncSession, claim_ids: Sequence[int]) -> list[Claim]:
    """The claims, rows locked in id order (two batches cannot both take a claim, nor
    deadlock), each READY, else every fault at once."""
    errors: list[DomainError] = []
    found: list[Claim] = []
    position = {claim_id: index for index, claim_id in enumerate(claim_ids)}
    for claim_id in sorted(position):
        field = ["claim_ids", str(position[claim_id])]
        claim = await session.get(Claim, claim_id, with_for_update=True, populate_existing=True)
        if claim is None:
            errors.append(NotFound("Claim", field))
        elif claim.state != ClaimState.READY:
            errors.append(
                DomainError(
                    BillingErrorCode.CLAIM_NOT_READY,
                    f"Claim {claim.control_number} is {claim.state.name}, not READY.",
                    field,
                )
            )
        else:
            found.append(claim)
    if errors:
        raise DomainErrors(errors)
    return sorted(found, key=lambda c: position[c.id])


async def _interchange(
    session: AsyncSession, settings: Settings, claims: Sequence[Claim], claim_ids: Sequence[int]
) -> Interchange:
    documents = []
    for index, claim in enumerate(claims):
        try:
            documents.append(await claim_document(session, claim))
        except DomainError as error:
            raise DomainError(error.code, error.message, ["claim_ids", str(index)]) from error
    provider = await billing_provider(session)
    assert provider is not None  # claim_document refuses without one
    submitter = Party(
        name=provider.name,
        identifier=settings.x12_sender_id,
        contact_name=provider.contact_name or settings.x12_submitter_contact,
        contact_phone=provider.contact_phone or settings.x12_submitter_phone,
    )
    return Interchange(
        control_number=await next_value(session, BATCH_COUNTER),
        sender_id=settings.x12_sender_id,
        receiver_id=settings.x12_receiver_id,
        submitter=submitter,
        receiver=Party(name=settings.clearinghouse_name, identifier=settings.x12_receiver_id),
        created_at=utcnow(),
        claims=tuple(documents),
        production=settings.x12_production,
    )


async def _checked_text(interchange: Interchange) -> str:
    """The file, or BATCH_NOT_VALID_X12 with what the writer or pyx12 found. pyx12 takes about
    5 ms a claim (5.5 s for 1,000): it runs in a worker thread so other requests go on."""
    field = ["claim_ids"]
    try:
        text = write_837p(interchange)
    except ValueError as error:
        raise DomainError(BillingErrorCode.BATCH_NOT_VALID_X12, str(error), field) from error
    problems = await asyncio.to_thread(_validate, text)
    if problems:
        errors = [
            DomainError(
                BillingErrorCode.BATCH_NOT_VALID_X12,
                f"{p.segment or '?'} (line {p.line}): {p.message}",
                field,
            )
            for p in problems[:MAX_PROBLEMS]
        ]
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            errors.append(
                DomainError(BillingErrorCode.BATCH_NOT_VALID_X12, f"{more} more problems.", field)
            )
        raise DomainErrors(errors)
    return text


async def generate_batch(
    session: AsyncSession, actor: Actor, settings: Settings, claim_ids: Sequence[int]
) -> tuple[ClaimBatch, list[Claim]]:
    """One 837P of the given READY claims (in the order given), stored; the claims SUBMITTED."""
    unique = list(dict.fromkeys(claim_ids))
    if not 1 <= len(unique) <= MAX_CLAIMS:
        raise DomainError(
            BillingErrorCode.BATCH_SIZE,
            f"A batch carries 1 to {MAX_CLAIMS} claims, not {len(unique)}.",
            ["claim_ids"],
        )
    claims = await _ready_claims(session, unique)
    interchange = await _interchange(session, settings, claims, unique)
    text = await _checked_text(interchange)
    batch = ClaimBatch(
        control_number=interchange.control_number,
        created_at=interchange.created_at,
        created_by_id=actor.user_id,
        file_text=text,
        claim_count=len(claims),
        total_cents=sum(d.total_cents for d in interchange.claims),
    )
    session.add(batch)
    await session.flush()
    session.add_all(ClaimBatchClaim(batch_id=batch.id, claim_id=c.id) for c in claims)
    reason = f"Sent in batch {envelope_number(batch.control_number)}"
    moved = [await move_claim(session, actor, c.id, "submit", reason) for c in claims]
    trail.record(session, actor, "create", "ClaimBatch", batch.id, detail={"claims": len(claims)})
    return batch, moved


async def batch_for_download(
    session: AsyncSession, actor: Actor, batch_id: int
) -> ClaimBatch | None:
    """The stored file; its read is audited against every patient whose claim it carries."""
    batch = await session.get(ClaimBatch, batch_id)
    if batch is None:
        return None
    carried = await session.execute(
        select(Claim.id, Claim.patient_id)
        .join(ClaimBatchClaim, ClaimBatchClaim.claim_id == Claim.id)
        .where(ClaimBatchClaim.batch_id == batch.id)
    )
    trail.record(session, actor, "read", "ClaimBatch", batch.id, detail={"download": True})
    for claim_id, patient_id in carried.all():
        trail.record(session, actor, "read", "Claim", claim_id, patient_id=patient_id)
    return batch


async def list_batches(session: AsyncSession, limit: int) -> list[ClaimBatch]:
    """The newest batches first (no patient data: counts and money only)."""
    rows = await session.scalars(select(ClaimBatch).order_by(ClaimBatch.id.desc()).limit(limit))
    return list(rows.all())


async def batch_by_st_control(session: AsyncSession, st02: str) -> ClaimBatch | None:
    """The batch a 999's AK202 (or a 277CA's batch trace) names, if it is one of ours."""
    if not st02.isdigit() or len(st02) > 9:
        return None
    return await session.scalar(select(ClaimBatch).where(ClaimBatch.control_number == int(st02)))


async def latest_batch_of(session: AsyncSession, claim_id: int) -> int | None:
    """The id of the last batch that carried the claim (a claim fixed after a rejection is
    sent again): an acknowledgement of an earlier batch no longer speaks for it."""
    return await session.scalar(
        select(func.max(ClaimBatchClaim.batch_id)).where(ClaimBatchClaim.claim_id == claim_id)
    )


async def claims_of_batch(session: AsyncSession, batch_id: int) -> list[Claim]:
    rows = await session.scalars(
        select(Claim)
        .join(ClaimBatchClaim, ClaimBatchClaim.claim_id == Claim.id)
        .where(ClaimBatchClaim.batch_id == batch_id)
        .order_by(Claim.id)
    )
    return list(rows.all())
