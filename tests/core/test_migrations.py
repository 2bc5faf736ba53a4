"""Migrations are the only schema source: they must match the models, and go down and up."""

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app import migrate
from app.db import create_engine
from app.models import Base


async def _diff_and_tables(settings):
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:

            def inspect_db(sync_connection):
                context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
                return (
                    compare_metadata(context, Base.metadata),
                    set(inspect(sync_connection).get_table_names()),
                )

            return await connection.run_sync(inspect_db)
    finally:
        await engine.dispose()


async def test_models_and_migrations_agree(settings):
    # given a database migrated to head (the test template)
    # when the models are compared with it
    diff, tables = await _diff_and_tables(settings)
    # then nothing differs
    assert diff == []
    assert set(Base.metadata.tables) <= tables


async def test_downgrade_to_base_and_upgrade_again(settings):
    # when
    await asyncio.to_thread(migrate.downgrade, settings, "base")
    _, tables_at_base = await _diff_and_tables(settings)
    await asyncio.to_thread(migrate.upgrade, settings, "head")
    diff, tables_at_head = await _diff_and_tables(settings)
    # then
    assert tables_at_base <= {"alembic_version"}
    assert diff == []
    assert set(Base.metadata.tables) <= tables_at_head
