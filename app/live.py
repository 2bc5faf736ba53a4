"""Live updates: domain events sent, only after commit, to subscribers in this and every process.

A handler (the live-update publisher of a domain) calls `publish(session, event)`; the event
waits on the session. On commit:
- PostgreSQL: it is sent with `pg_notify` inside the transaction, which PostgreSQL delivers only
  if and when the transaction commits, to every process LISTENing, this one included;
- SQLite (one process): it is handed to this process's bus right after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.events import DomainEvent, from_message, to_message

logger = logging.getLogger("practice.live")

CHANNEL = "practice_events"
PENDING_KEY = "live_events_pending"
_BUS = "event_bus"


class EventBus:
    """Fans events out to this process's subscribers (each a bounded queue).

    With PostgreSQL (`listen_url`), the first subscriber starts this process's LISTEN
    connection; from then on every committed event of every process arrives through it.
    """

    def __init__(self, listen_url: str | None = None, queue_size: int = 1000) -> None:
        self._listen_url = listen_url
        self._queues: set[asyncio.Queue[DomainEvent]] = set()
        self._queue_size = queue_size
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    def deliver(self, event: DomainEvent) -> None:
        for queue in list(self._queues):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                logger.warning("subscriber too slow; dropped a %s", type(event).__name__)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[DomainEvent]]:
        """A queue of every event from now on (returns once delivery is guaranteed)."""
        queue: asyncio.Queue[DomainEvent] = asyncio.Queue(self._queue_size)
        self._queues.add(queue)
        try:
            if self._listen_url is not None:
                if self._listener is None:
                    self._listener = asyncio.create_task(self._listen_forever(self._listen_url))
                await asyncio.wait_for(self._listening.wait(), timeout=30)
            yield queue
        finally:
            self._queues.discard(queue)

    async def _listen_forever(self, database_url: str) -> None:
        dsn = (
            make_url(database_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        while True:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(dsn)
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _c, lost=lost: lost.set())
                await connection.add_listener(CHANNEL, self._on_notify)
                self._listening.set()
                await lost.wait()
                self._listening.clear()
            except asyncio.CancelledError:
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.close()
                raise
            except Exception:
                logger.exception("event listener lost its connection; reconnecting")
            await asyncio.sleep(1)

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        self.deliver(from_message(json.loads(payload)))

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener


def publish(session: AsyncSession, event: DomainEvent) -> None:
    """Queue an event for after this session's commit (dropped if it rolls back)."""
    session.info.setdefault(PENDING_KEY, []).append(event)


async def send_before_commit(session: AsyncSession) -> list[DomainEvent]:
    """PostgreSQL: NOTIFY inside the transaction. Returns what SQLite must deliver after it."""
    events: list[DomainEvent] = session.info.pop(PENDING_KEY, [])
    if not events or session.get_bind().dialect.name != "postgresql":
        return events
    for event in events:
        message = json.dumps(to_message(event))
        await session.execute(
            text("SELECT pg_notify(:channel, :message)"), {"channel": CHANNEL, "message": message}
        )
    return []


def deliver_after_commit(session: AsyncSession, events: list[DomainEvent]) -> None:
    bus: EventBus | None = session.info.get(_BUS)
    if bus is not None:
        for event in events:
            bus.deliver(event)


def bus_info(bus: EventBus) -> dict[str, Any]:
    """The `info` a session factory gives each session so commits can reach the bus."""
    return {_BUS: bus}
