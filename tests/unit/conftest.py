"""The unit layer: pure functions only, no database, no server, no network.

Every database-backed fixture in tests/conftest.py (`database_url`, parametrized per backend, and
`settings`, `app`, `runtime`, `client`, ... built on it) depends on one of these; a unit test
that pulled one in would start SQLite copies or an embedded PostgreSQL server, so it fails at
set-up instead (this hook runs before any fixture is set up).
"""

from __future__ import annotations

import pytest

DATABASE_FIXTURES = frozenset({"workdir", "sqlite_template", "postgres", "database_url"})


def pytest_runtest_setup(item: pytest.Item) -> None:
    pulled_in = sorted(DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())))
    if pulled_in:
        pytest.fail(f"unit tests run without a database; {item.name} asks for {pulled_in}")
