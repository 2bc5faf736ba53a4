"""The remittance work queue: claim payments no claim (or no line of it) matched, or that the
claim's state did not allow. A biller resolves one to a claim, which posts it then, or
dismisses it with a reason."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.billing.errors import BillingErrorCode
from app.billing.models import Claim
from app.billing.remittance_models import (
    Remittance,
    RemittanceClaim,
    RemittanceWorkItem,
    WorkItemState,
)
from app.billing.remittance_posting import decode
from app.billing.remittances import _Item, lines_of, post
from app.db import get_or_not_found, utcnow
from app.errors import DomainError, NotFound
from app.text import check_column

QueueEntry = tuple[RemittanceWorkItem, RemittanceClaim, Remittance]


async def open_items(session: AsyncSession, limit: int) -> list[QueueEntry]:
    """The open items, oldest first, with their claim payment and remittance."""
    rows = await session.execute(
        select(RemittanceWorkItem, RemittanceClaim, Remittance)
        .join(RemittanceClaim, RemittanceWorkItem.remittance_claim_id == RemittanceClaim.id)
        .join(Remittance, RemittanceClaim.remittance_id == Remittance.id)
        .where(RemittanceWorkItem.state == WorkItemState.OPEN)
        .order_by(RemittanceWorkItem.id)
        .limit(limit)
    )
    return [(item, claim, remittance) for item, claim, remittance in rows]


async def resolve(
    session: AsyncSession,
    actor: Actor,
    item_id: int,
    *,
    claim_id: int | None,
    dismiss_reason: str | None,
) -> QueueEntry:
    """Post the item's payment to `claim_id` (its lines matched as at import; lines that match
    none post to the claim without a line), or dismiss it with `dismiss_reason`."""
    reason = (dismiss_reason or "").strip()
    if (claim_id is None) == (not reason):
        raise DomainError(
            BillingErrorCode.RESOLUTION_REQUIRED,
            "Name a claim to post it to, or say why it is dismissed.",
            ["claim_id"],
        )
    item = await session.get(RemittanceWorkItem, item_id, with_for_update=True)
    if item is None:
        raise NotFound("RemittanceWorkItem", ["id"])
    if item.state != WorkItemState.OPEN:
        raise DomainError(BillingErrorCode.WORK_ITEM_CLOSED, "It is closed already.", ["id"])
    paid = await session.get_one(RemittanceClaim, item.remittance_claim_id)
    remittance = await session.get_one(Remittance, paid.remittance_id)
    now = utcnow()
    if claim_id is None:
        check_column(RemittanceWorkItem.__table__.c.dismiss_reason, reason, "dismiss_reason")
        item.state, item.dismiss_reason = WorkItemState.DISMISSED, reason
    else:
        claim = await get_or_not_found(session, Claim, claim_id, "Claim", "claim_id")
        lines = (await lines_of(session, [claim.encounter_id])).get(claim.encounter_id, [])
        entry = _Item(decode(paid.detail), claim, lines, any_line=True)
        await post(session, actor, remittance, [entry], now)
        if entry.problem:
            raise DomainError(
                BillingErrorCode.INVALID_CLAIM_TRANSITION,
                f"A {claim.state.name} claim cannot take this payment.",
                ["claim_id"],
            )
        item.state = WorkItemState.RESOLVED
        paid.claim_id, paid.posted_at = claim.id, now
    item.resolved_by_id, item.resolved_at = actor.user_id, now
    await session.flush()
    trail.record(
        session, actor, "update", "RemittanceWorkItem", item.id, detail={"state": item.state.name}
    )
    return item, paid, remittance
