"""Running Alembic from code: `practice migrate`, tests and the seed all go through here."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from app.access import store
from app.authz import SYSTEM
from app.config import PROJECT_ROOT, Settings
from app.db import create_engine, create_sessionmaker
from app.events import SETTINGS_KEY
from app.transaction import unit_of_work


def alembic_config(settings: Settings) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Migrate, then install the default access policy if the database holds none yet."""
    command.upgrade(alembic_config(settings), revision)
    asyncio.run(_install_default_policy(settings))


def downgrade(settings: Settings, revision: str = "base") -> None:
    command.downgrade(alembic_config(settings), revision)


async def _install_default_policy(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            stored = await connection.run_sync(lambda c: inspect(c).has_table("roles"))
        if not stored:  # migrated to a revision before the policy moved into the database
            return
        sessions = create_sessionmaker(engine, info={SETTINGS_KEY: settings})  # its audit key
        async with unit_of_work(sessions) as session:
            await store.install_defaults(session, SYSTEM)
    finally:
        await engine.dispose()
