"""What one process shares across requests: settings, engine, sessions, policies, keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.auth import Authenticator
from app.authz import Authorizer
from app.config import Settings
from app.db import create_engine, create_sessionmaker


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    authorizer: Authorizer
    authenticator: Authenticator

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        engine = create_engine(settings)
        return cls(
            settings=settings,
            engine=engine,
            sessions=create_sessionmaker(engine),
            authorizer=Authorizer(),
            authenticator=Authenticator(settings),
        )

    async def close(self) -> None:
        await self.engine.dispose()
