"""An acknowledged commit survives a power cut: the database syncs it before it is acknowledged."""


async def test_every_commit_is_synced_before_it_is_acknowledged(runtime):
    # given a live connection of the server's engine
    async with runtime.engine.connect() as connection:
        dialect = connection.dialect.name
        if dialect == "sqlite":
            # then SQLite syncs the WAL at every commit (NORMAL syncs only at checkpoints)
            synchronous = await connection.exec_driver_sql("PRAGMA synchronous")
            journal = await connection.exec_driver_sql("PRAGMA journal_mode")
            assert (synchronous.scalar(), journal.scalar()) == (2, "wal")  # 2 is FULL
        else:
            # then PostgreSQL flushes its WAL before acknowledging a commit
            settings = {
                name: (await connection.exec_driver_sql(f"SHOW {name}")).scalar()
                for name in ("fsync", "synchronous_commit")
            }
            assert settings == {"fsync": "on", "synchronous_commit": "on"}
