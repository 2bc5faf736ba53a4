"""Keeping each process's Authorizer in step with the stored policy.

Every change bumps the policy version in its own transaction (`store.begin_change`); each
process polls that one row every `policy_refresh_seconds` and reloads the rules when it moved,
so all instances agree within seconds without a restart (and without a message bus, which
SQLite would not have).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.access import store
from app.access.authorizer import Authorizer

logger = logging.getLogger(__name__)


class PolicyNotInstalled(RuntimeError):
    pass


class PolicyWatcher:
    def __init__(
        self,
        authorizer: Authorizer,
        sessions: async_sessionmaker[AsyncSession],
        interval: float,
    ) -> None:
        self.authorizer = authorizer
        self.sessions = sessions
        self.interval = interval
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def refresh(self) -> bool:
        """Reload the rules when the stored version is not the loaded one; whether it did.

        The version is read before the rules: rules newer than it only cause one more reload,
        while the other order could pair a new version with old rules and keep them.
        """
        async with self._lock:
            async with self.sessions() as session:
                version = await store.version(session)
                if not version:
                    raise PolicyNotInstalled("no access policy stored: run `practice migrate`")
                if version == self.authorizer.version:
                    return False
                policy = await store.read_policy(session)
            self.authorizer.load(policy, version)
        logger.info("access policy version %s loaded", version)
        return True

    async def ensure_loaded(self) -> None:
        """Before a first decision in a process whose lifespan did not run (tests, scripts)."""
        if self.authorizer.version is None:
            await self.refresh()

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.get_running_loop().create_task(self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.refresh()
            except Exception:  # the database may be away for a while: keep the last policy
                logger.exception("could not refresh the access policy")
