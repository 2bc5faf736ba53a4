"""Live-update fan-out: the work one event costs is done once per process, not per subscriber.

With hundreds of subscribers, each resolving an event on its own (its own read, its own audit
commit through the chain's lock, its own session check) made delivery grow linearly. Here:
- `Batcher` runs, as one call, every request made while the previous call was running, so a
  burst of N requests costs a few calls, with no waiting when there is no burst;
- `FanoutHub.check` asks for all recipients' sessions, users and roles in one statement;
- `FanoutHub.commit_reads` writes all recipients' read audit events in one transaction (one
  event per recipient and read, as before; the chain is extended under its lock, once);
- `FanoutHub.shared` resolves what an event needs once per (event, row scope) and hands every
  subscriber of that scope the same result;
- `FanoutHub.deliver` resolves a subscription's document once per event and group of identical
  subscribers (document, variables, roles, row scope), checks the group's recipients' sessions
  in one statement, commits one audit of the payload for all of them, and only then hands them
  the payload. A recipient waiting here holds no connection: the group's work holds one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import trail
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


@dataclass(frozen=True)
class Recipient:
    """A subscriber an event is for: its token, and the roles it subscribed under."""

    bearer: Bearer
    ip: str | None
    subscribed_as: Actor
    request_id: str


# Resolves a group's payload as the actor given; returns it with the audit events it recorded
Resolve = Callable[[Actor], Coroutine[Any, Any, tuple[T, list[dict[str, Any]]]]]


class _Group(Generic[T]):
    """The recipients of one event with one key: resolved once, delivered in batches."""

    def __init__(self, anchor: object, resolve: Resolve[T]) -> None:
        self.anchor = anchor  # held: its id cannot be reused while the group lives
        self.resolve = resolve
        self.resolved: asyncio.Task[tuple[T, list[dict[str, Any]]]] | None = None
        self.batches: Batcher[Recipient, tuple[Actor | None, T | None]] | None = None


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
        self._groups: dict[Hashable, _Group[Any]] = {}

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

    async def deliver(
        self, anchor: object, key: Hashable, recipient: Recipient, resolve: Resolve[T]
    ) -> tuple[Actor | None, T | None]:
        """`recipient`'s copy of what `resolve` makes of `anchor` (an event) for `key` (the
        document, its variables, the row scope), with whom its token speaks for now: (None,
        None) when its session has ended or its roles changed. The first recipient's `resolve`
        runs once, as that recipient subscribed (the roles and row scope of every recipient of the
        key), while the sessions are asked for: only recipients still valid get it. Recipients
        waiting together are checked in one statement and audited in one transaction."""
        full_key = (id(anchor), key)
        group = self._groups.get(full_key)
        if group is None:
            group = self._groups[full_key] = _Group(anchor, resolve)
            group.batches = Batcher(lambda batch: self._deliver(group, batch))
            asyncio.get_running_loop().call_later(
                SHARED_FOR_SECONDS, self._groups.pop, full_key, None
            )
        assert group.batches is not None
        return await group.batches.submit(recipient)

    async def _deliver(
        self, group: _Group[T], batch: list[Recipient]
    ) -> list[tuple[Actor | None, T | None]]:
        if group.resolved is None:  # while the sessions are asked for: it goes to the open ones
            group.resolved = asyncio.create_task(group.resolve(batch[0].subscribed_as))
        now = await asyncio.gather(*(self.check(r.bearer, r.ip) for r in batch))
        actors = [  # refused: a session ended, or roles changed since subscribing
            actor.for_request(r.request_id)
            if actor is not None and actor.roles == r.subscribed_as.roles
            else None
            for actor, r in zip(now, batch, strict=True)
        ]
        live = [actor for actor in actors if actor is not None]
        if not live:
            return [(None, None)] * len(batch)
        payload, events = await asyncio.shield(group.resolved)
        if events:  # the payload leaves only once its reads are in the chain
            delivered = trail.delivered(events, live)
            await self._commits.submit({trail.PENDING_KEY: dict(enumerate(delivered))})
        return [(actor, payload if actor is not None else None) for actor in actors]
