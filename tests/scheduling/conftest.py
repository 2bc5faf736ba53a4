"""A real uvicorn server per backend, shared by the scheduling tests that need one.

Starting a server takes seconds on this machine, so the concurrency and live-update tests share
one per backend, on a database of their own copied from the same migrated template as
`database_url`'s. Each test sets up its own clinic (unique names), so they do not see each
other's appointments.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, TEMPLATE, PostgresServer
from tests.fixtures.server import running_server


@dataclass(frozen=True)
class Server:
    backend: str
    database_url: str
    base_url: str

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http", "ws", 1) + "/graphql"


@pytest.fixture(scope="session", params=BACKENDS)
def server_database_url(request: pytest.FixtureRequest, workdir: Path) -> Iterator[str]:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = workdir / "scheduling_server.db"
        shutil.copy(template, path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        postgres: PostgresServer = request.getfixturevalue("postgres")
        postgres.psql(f"CREATE DATABASE scheduling_server TEMPLATE {TEMPLATE}")
        yield postgres.url("scheduling_server")
        postgres.psql("DROP DATABASE scheduling_server WITH (FORCE)")


@pytest.fixture(scope="session")
def server(request: pytest.FixtureRequest, server_database_url: str) -> Iterator[Server]:
    backend = "sqlite" if server_database_url.startswith("sqlite") else "postgres"
    with running_server(server_database_url) as base_url:
        yield Server(backend, server_database_url, base_url)
