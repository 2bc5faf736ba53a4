"""A real uvicorn server per backend for the inventory tests that need one (concurrent
consumption, live alerts), on a database of its own copied from the migrated template."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, TEMPLATE, PostgresServer
from tests.fixtures.server import running_server
from tests.fixtures.shared_server import Server


@pytest.fixture(scope="session", params=BACKENDS)
def inventory_server(request: pytest.FixtureRequest, workdir: Path) -> Iterator[Server]:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = workdir / "inventory_server.db"
        shutil.copy(template, path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        postgres: PostgresServer = request.getfixturevalue("postgres")
        postgres.psql(f"CREATE DATABASE inventory_server TEMPLATE {TEMPLATE}")
        url = postgres.url("inventory_server")
    with running_server(url) as base_url:
        yield Server(request.param, url, base_url)
    if request.param == "postgres":
        postgres.psql("DROP DATABASE inventory_server WITH (FORCE)")
