"""Live-update fan-out: the work one event costs is done once per process, not per subscriber.

With hundreds of subscribers, each resolving an event on its own (its own read, its own audit
commit through the chain's lock, its own session check) made delivery grow linearly. Here:
- `Batcher` runs, as one call, every request made while the previous call was running, so a
  burst of N requests costs a few calls, with no waiting when there is no burst;
- `FanoutHub.check` asks for all recipients' sessions, users and roles in one statement;
- `FanoutHub.commit_reads` writes all recipients' read audit events in one transaction (one
  event per recipient and read, as before; the chain is extended under its lock, once);
- `FanoutHub.shared` resolves what an event needs once per (event, row scope) and hands every
  subscriber of that scope the same result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.authz import Actor, ActorKind, act_as
from app.sessions import Bearer, current_actors
from app.transaction import commit_buffers, pop_buffers

T = TypeVar("T")
SHARED_FOR_SECONDS = 5.0
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """Submit items; `work` runs on every item waiting, as one call, one call at a time."""

    def __init__(self, work: Callable[[list[T]], Awaitable[list[R]]]) -> None:
        self._work = work
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                results = await self._work([item for item, _ in batch])
            except BaseException as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)


def scope_key(actor: Actor) -> tuple[Any, ...]:
    """What decides which rows an actor may see: the roles, and a patient user's own links."""
    user = actor.user_id if actor.kind is ActorKind.PATIENT else None
    return (actor.roles, user)


class FanoutHub:
    """One per process (Runtime): the shared work of delivering events to many subscribers."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        reads: async_sessionmaker[AsyncSession],
    ) -> None:
        self._sessions = sessions
        self._reads = reads
        self._checks: Batcher[tuple[Bearer, str | None], Actor | None] = Batcher(self._check_all)
        self._commits: Batcher[dict[str, Any], None] = Batcher(self._commit_all)
        self._shared: dict[Hashable, tuple[object, asyncio.Task[Any]]] = {}

    async def check(self, bearer: Bearer, ip: str | None) -> Actor | None:
        """Whom `bearer` speaks for now (app.sessions), asked together with everyone else's."""
        return await self._checks.submit((bearer, ip))

    async def _check_all(self, items: list[tuple[Bearer, str | None]]) -> list[Actor | None]:
        async with self._reads() as session:
            return await current_actors(session, items)

    async def commit_reads(self, session: AsyncSession) -> None:
        """Commit what a read session buffered, in one transaction with everyone else's."""
        buffered = pop_buffers(session)
        if buffered:
            await self._commits.submit(buffered)

    async def _commit_all(self, buffers: list[dict[str, Any]]) -> list[None]:
        await commit_buffers(self._sessions, buffers)
        return [None] * len(buffers)

    async def shared(
        self,
        anchor: object,
        key: Hashable,
        actor: Actor,
        resolve: Callable[[AsyncSession], Awaitable[T]],
    ) -> T:
        """`resolve` run once per `anchor` (an event), `key` and row scope, in a read session
        of that scope: the first caller starts it, the others get the same result. The entry
        is kept a few seconds after it is done, for subscribers still catching up."""
        full_key = (id(anchor), key, scope_key(actor))
        entry = self._shared.get(full_key)
        if entry is None:
            task = asyncio.create_task(self._resolve(actor, resolve))
            # the anchor is held with the entry: its id cannot be reused while the entry lives
            self._shared[full_key] = (anchor, task)
            task.add_done_callback(
                lambda _t: asyncio.get_running_loop().call_later(
                    SHARED_FOR_SECONDS, self._shared.pop, full_key, None
                )
            )
        else:
            task = entry[1]
        return await asyncio.shield(task)

    async def _resolve(self, actor: Actor, resolve: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with self._reads() as session:
            return await resolve(act_as(session, actor))
