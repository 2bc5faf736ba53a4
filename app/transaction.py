"""The unit of work: every writer commits through `unit_of_work`: its domain events are handled,
its audit events join the chain and its live updates go out, or none of it happens.

Work waiting on a session for its commit lives in `session.info` under the keys of
`PENDING_BUFFERS`. A commit that would leave any of them behind (a bare `session.commit()`)
fails instead of silently dropping audit events or domain events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from app import events, live
from app.audit import trail

# session.info key -> what waits there for the commit. `_commit` empties each one.
PENDING_BUFFERS: dict[str, str] = {
    events.PENDING_KEY: "domain events",
    trail.PENDING_KEY: "audit events",
    live.PENDING_KEY: "live updates",
}


class UncommittedWork(RuntimeError):
    """A session was committed around the unit of work, with work still waiting on it."""


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A write session whose work commits when the block ends, or all rolls back if it raises."""
    async with sessions() as session:
        try:
            yield session
        except BaseException:
            await _rollback(session)
            raise
        await _commit(session)


async def commit_reads(session: AsyncSession, sessions: async_sessionmaker[AsyncSession]) -> None:
    """Commit what a read session buffered (its reads' audit events, a guard's refusals) in a
    short write transaction of its own: read sessions never commit, nor hold the write lock."""
    buffered = pop_buffers(session)
    if buffered:
        await commit_buffers(sessions, [buffered])


def pop_buffers(session: AsyncSession) -> dict[str, Any]:
    """Take what waits on a read session for a commit (see `commit_buffers`)."""
    return {key: session.info.pop(key) for key in PENDING_BUFFERS if session.info.get(key)}


async def commit_buffers(
    sessions: async_sessionmaker[AsyncSession], buffers: list[dict[str, Any]]
) -> None:
    """Commit several read sessions' buffers in one write transaction (and one extension of
    the audit chain). A keyed buffer's entries are keyed by their session too: two sessions'
    identical reads are two events, each with its own actor and request."""
    merged: dict[str, Any] = {}
    for index, buffered in enumerate(buffers):
        for key, value in buffered.items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update({(index, k): v for k, v in value.items()})
            else:
                merged.setdefault(key, []).extend(value)
    async with unit_of_work(sessions) as writer:
        writer.info.update(merged)


async def _commit(session: AsyncSession) -> None:
    # Handlers first: whatever they write and record joins this same transaction and chain.
    await events.dispatch(session)
    await trail.flush(session)
    deliver_locally = await live.send_before_commit(session)
    await session.commit()
    live.deliver_after_commit(session, deliver_locally)


async def _rollback(session: AsyncSession) -> None:
    await session.rollback()
    for key in PENDING_BUFFERS:
        session.info.pop(key, None)


@event.listens_for(Session, "before_commit")
def _refuse_to_leave_work_behind(session: Session) -> None:
    if session.in_nested_transaction():  # releasing a savepoint commits nothing yet
        return
    waiting = [what for key, what in PENDING_BUFFERS.items() if session.info.get(key)]
    if waiting:
        raise UncommittedWork(
            f"commit with {' and '.join(waiting)} not yet sent: commit through "
            "app.transaction.unit_of_work"
        )
