"""Committing a unit of work: its audit events join the chain and its domain events go out.

Every writer commits through `commit`, so no write lands without its audit trail and no event
is published for a write that did not land.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.audit import trail


async def commit(session: AsyncSession) -> None:
    await trail.flush(session)
    deliver_locally = await events.send_before_commit(session)
    await session.commit()
    events.deliver_after_commit(session, deliver_locally)


async def rollback(session: AsyncSession) -> None:
    await session.rollback()
    events.discard(session)
