"""Request context (per HTTP request or WebSocket connection) and per-operation state.

A WebSocket connection builds its context once but runs many operations, possibly at once, so
what belongs to one operation (request id, session, DataLoaders) lives in a context variable
set by the `OperationScope` extension: each operation runs in its own task and sees its own.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket
from strawberry import relay
from strawberry.dataloader import DataLoader

from app import transaction
from app.authz import Actor, ActorKind, act_as
from app.runtime import Runtime
from app.sessions import Bearer, current_actor
from schema.ids import pk_or_none

L = TypeVar("L", bound=DataLoader[Any, Any])


class Context:
    """What a request or connection presented: its validly signed bearer token, if any. Whom
    that token speaks for is looked up per operation (`Operation.authenticate`)."""

    def __init__(
        self, runtime: Runtime, connection: HTTPConnection, bearer: Bearer | None = None
    ) -> None:
        self.runtime = runtime
        self.connection = connection
        self.bearer = bearer
        self.connection_params: dict[str, Any] | None = None  # set by graphql-transport-ws

    @property
    def ip(self) -> str | None:
        return self.connection.client.host if self.connection.client else None

    @property
    def acting_for(self) -> int | None:
        """The patient a portal login chose for this request: the `X-Acting-For` header (a
        Patient's global id), or `actingFor` in a WebSocket's `connection_init` payload. An id
        that names no patient narrows the scope to nothing (0), never widens it."""
        if self.connection_params is not None:
            chosen = self.connection_params.get("actingFor")
        else:
            chosen = self.connection.headers.get("x-acting-for")
        if chosen is None:
            return None
        try:
            return pk_or_none(relay.GlobalID.from_id(chosen), "Patient") or 0
        except (ValueError, TypeError):
            return 0

    @property
    def token_expires_at(self) -> datetime | None:
        return self.bearer.expires_at if self.bearer else None

    async def end_connection(self, reason: str) -> None:
        """Close a WebSocket whose session has ended (4401, as when its token expires)."""
        if isinstance(self.connection, WebSocket):
            await self.connection.close(code=4401, reason=reason)

    @property
    def op(self) -> Operation:
        return _operation.get()


class Operation:
    """One GraphQL operation: its request id, its read session (used by one task at a time),
    its loaders, and a write session per `transaction()`.

    Sibling fields resolve as concurrent tasks; they take turns on the read session through
    `db()`. Reads never commit: what they record in the audit trail is committed by `finish`
    (or `renew`) in a short write transaction of its own.
    """

    def __init__(self, context: Context) -> None:
        self.context = context
        state = getattr(context.connection, "scope", {}).get("state", {})
        self.request_id: str = state.get("request_id") or uuid.uuid4().hex
        self.actor: Actor | None = None  # anonymous until `authenticate` finds otherwise
        self._reads: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._loaders: dict[Any, DataLoader[Any, Any]] = {}
        # guards' role decisions, made once per operation (schema/fast_fields.py)
        self.field_decisions: dict[tuple[tuple[str, str], ...], tuple[bool, ...] | None] = {}
        # set when a subscription event was delivered through the hub (schema/live_events.py),
        # which asked for the caller then: whether its session had ended
        self.event_ended: bool | None = None
        # resolving one payload for a group of subscribers (schema/live_events.py): what one
        # user's own break-glass grant opens is not shared with the others
        self.shared = False

    @property
    def read_session(self) -> AsyncSession:
        if self._reads is None:
            self._reads = act_as(self.context.runtime.reads(), self.actor)
        return self._reads

    async def authenticate(self) -> None:
        """Who the caller is now: the bearer token's session still open, its user active and
        unlocked, with the roles held now (app/sessions.py); else anonymous (a guarded field
        answers UNAUTHENTICATED). Run before the operation executes, and before each event of
        a subscription leaves."""
        bearer = self.context.bearer
        if bearer is None:
            return
        async with self._lock:
            session = self.read_session
            actor = await current_actor(session, bearer, self.context.ip)
            if actor is not None and actor.kind is ActorKind.PATIENT:
                actor = replace(actor, acting_for=self.context.acting_for)
            self.actor = actor.for_request(self.request_id) if actor else None
            act_as(session, self.actor)

    async def recheck(self) -> None:
        """`authenticate` before an event of a subscription leaves: asked together with every
        other recipient of the event, in one statement (app.fanout)."""
        bearer = self.context.bearer
        if bearer is None:
            return
        actor = await self.context.runtime.hub.check(bearer, self.context.ip)
        self.actor = actor.for_request(self.request_id) if actor else None
        if self._reads is not None:
            act_as(self._reads, self.actor)

    @property
    def staff(self) -> Actor:
        """The actor of a guarded field (guards have refused anonymous callers already)."""
        assert self.actor is not None
        return self.actor

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            yield self.read_session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A mutation's unit of work: commits with its audit events, or rolls all of it back.

        The operation starts afresh first: an open SQLite read keeps the snapshot it began
        with, and the reads after this write must see it."""
        async with self._lock:
            await self._renew_unlocked()
            async with transaction.unit_of_work(self.context.runtime.sessions) as session:
                yield act_as(session, self.actor)

    def loader(self, key: Any, load_fn: Callable[[list[Any]], Any]) -> DataLoader[Any, Any]:
        if key not in self._loaders:
            self._loaders[key] = DataLoader(load_fn=load_fn)
        return self._loaders[key]

    async def renew(self) -> None:
        """Start afresh within a long operation (each event of a subscription): commit what was
        read so far, then a new read session and new loaders, so nothing stale is served."""
        async with self._lock:
            await self._renew_unlocked()

    async def finish(self) -> None:
        """Commit what reads recorded in the audit trail; the response may not leave without it.

        Takes the lock: a sibling field's loader may still be using the session."""
        async with self._lock:
            await self._finish_unlocked()

    async def abandon(self) -> None:
        """Let go of the read session without committing: nothing more leaves (the client went
        away). Left open, it would keep its connection until the garbage collector came by."""
        async with self._lock:
            reads, self._reads = self._reads, None
            if reads is not None:
                await reads.close()

    async def detach(self) -> dict[str, Any]:
        """Let go of the read session and hand over what it buffered for a commit, instead of
        committing it: a subscription event resolved once for many (schema/live_events.py)
        is audited for each recipient."""
        async with self._lock:
            reads, self._reads = self._reads, None
            if reads is None:
                return {}
            await reads.close()
            return transaction.pop_buffers(reads)

    async def _renew_unlocked(self) -> None:
        await self._finish_unlocked()
        self._loaders.clear()
        self.field_decisions.clear()  # the policy may have been reloaded since

    async def _finish_unlocked(self) -> None:
        if self._reads is None:
            return
        reads, self._reads = self._reads, None
        await reads.close()
        # with every other operation's committing now, in one transaction (app.fanout)
        await self.context.runtime.hub.commit_reads(reads)


_operation: ContextVar[Operation] = ContextVar("operation")


def begin_operation(context: Context, operation: Operation | None = None) -> None:
    """Each operation runs in a task of its own (an HTTP request, a WebSocket operation), so the
    value lives as long as that task; it is left set for error logging after the operation."""
    _operation.set(operation or Operation(context))
