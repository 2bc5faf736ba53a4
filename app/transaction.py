"""Committing a unit of work: its domain events are handled, its audit events join the chain,
and its live updates go out.

Every writer commits through `commit`, so no write lands without its audit trail and no event
is published for a write that did not land.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app import events, live
from app.audit import trail


async def commit(session: AsyncSession) -> None:
    await events.dispatch(session)
    await trail.flush(session)
    deliver_locally = await live.send_before_commit(session)
    await session.commit()
    live.deliver_after_commit(session, deliver_locally)


async def rollback(session: AsyncSession) -> None:
    await session.rollback()
    events.discard(session)
    live.discard(session)
