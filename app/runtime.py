"""What one process shares across requests: settings, engine, sessions, policies, keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import app.transaction  # noqa: F401  (its listener refuses commits that leave work behind)
from app.access.authorizer import Authorizer
from app.access.watcher import PolicyWatcher
from app.auth import Authenticator
from app.config import Settings
from app.db import create_engine, create_sessionmaker, read_only
from app.events import SETTINGS_KEY
from app.fanout import FanoutHub
from app.live import EventBus, bus_info


@dataclass
class Runtime:
    """`sessions` write (on SQLite they BEGIN IMMEDIATE) and commit through
    `app.transaction.unit_of_work`; `reads` only read, and never commit."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    reads: async_sessionmaker[AsyncSession]
    authorizer: Authorizer
    policy: PolicyWatcher
    authenticator: Authenticator
    bus: EventBus
    hub: FanoutHub

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        engine = create_engine(settings)
        listen_url = settings.database_url if engine.dialect.name == "postgresql" else None
        bus = EventBus(listen_url)
        sessions = create_sessionmaker(engine, info={**bus_info(bus), SETTINGS_KEY: settings})
        reads = create_sessionmaker(read_only(engine))
        authorizer = Authorizer()
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            reads=reads,
            authorizer=authorizer,
            policy=PolicyWatcher(authorizer, reads, settings.policy_refresh_seconds),
            authenticator=Authenticator(settings),
            bus=bus,
            hub=FanoutHub(sessions, reads),
        )

    async def start(self) -> None:
        """What a serving process runs: the access policy loaded, and watched for changes."""
        await self.policy.start()

    async def close(self) -> None:
        await self.policy.stop()
        await self.bus.close()
        await self.engine.dispose()
