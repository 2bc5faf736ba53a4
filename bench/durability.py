"""Benchmark: what `synchronous=FULL` costs on SQLite against `NORMAL`, on this machine's disk.

FULL syncs the WAL at every commit, NORMAL only at checkpoints: NORMAL's last commits can
vanish in a power cut. Prints, for each: bare commits/s (the sqlite3 module alone, one small
INSERT per transaction: the bound the disk's sync sets), and patients registered/s through the
GraphQL API (a patient row and its audit event per transaction) from one client and from 8
concurrent ones. The databases live in a temporary directory: run it where the real database
would live (`TMPDIR=/srv/...`) for that disk's numbers.

    python -m bench.durability
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from bench._support import migrated_app

LOGIN = 'mutation { login(input: {username: "front_desk", password: "demo"}) { accessToken } }'
CREATE = """
mutation($input: CreatePatientInput!) { createPatient(input: $input) { userErrors { code } } }
"""
SECONDS = 3.0  # each measurement runs this long
CLIENTS = 8
_names = itertools.count(1)  # every patient a name of its own: no POSSIBLE_DUPLICATE


def _bare_commits(path: Path, mode: str) -> float:
    """Commits/s of the sqlite3 module alone: the bound the disk's sync sets."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={mode}")
    connection.execute("CREATE TABLE bench (n INTEGER)")
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < SECONDS:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO bench VALUES (?)", (count,))
        connection.execute("COMMIT")
        count += 1
    connection.close()
    return count / (time.perf_counter() - started)


async def _registrations(http: httpx.AsyncClient, headers: dict[str, str], clients: int) -> float:
    count, started = 0, time.perf_counter()

    async def client() -> None:
        nonlocal count
        while time.perf_counter() - started < SECONDS:
            patient = {
                "familyName": "Bench",
                "givenName": f"Case{next(_names)}",
                "birthDate": "1980-01-01",
                "sex": "FEMALE",
            }
            response = await http.post(
                "/graphql", headers=headers, json={"query": CREATE, "variables": {"input": patient}}
            )
            body = response.json()
            assert not body.get("errors"), body["errors"]
            assert not body["data"]["createPatient"]["userErrors"], body
            count += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    return count / (time.perf_counter() - started)


async def measure(mode: str) -> tuple[float, float, float]:
    directory = Path(tempfile.mkdtemp())
    bare = _bare_commits(directory / "bare.db", mode)
    path = directory / "bench.db"
    app = await migrated_app(f"sqlite+aiosqlite:///{path}")
    runtime = app.state.runtime

    @event.listens_for(runtime.engine.sync_engine, "connect")
    def _override(dbapi_connection: Any, _record: Any) -> None:  # runs after app.db's listener
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA synchronous={mode}")
        cursor.close()

    await _create_front_desk(runtime)
    async with runtime.engine.connect() as connection:
        level = (await connection.exec_driver_sql("PRAGMA synchronous")).scalar()
    assert level == {"NORMAL": 1, "FULL": 2}[mode], level
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        token = (await http.post("/graphql", json={"query": LOGIN})).json()["data"]["login"]
        headers = {"Authorization": f"Bearer {token['accessToken']}"}
        sequential = await _registrations(http, headers, 1)
        concurrent = await _registrations(http, headers, CLIENTS)
    await runtime.close()
    return bare, sequential, concurrent


async def _create_front_desk(runtime: Any) -> None:
    from app.authz import SYSTEM
    from app.transaction import unit_of_work
    from app.users.service import create_user

    async with unit_of_work(runtime.sessions) as session:
        await create_user(
            session,
            SYSTEM,
            runtime.authenticator,
            username="front_desk",
            password="demo",
            full_name="Front Desk",
            roles=["front_desk"],
            allow_weak_password=True,
        )


async def main() -> None:
    rows = {mode: await measure(mode) for mode in ("NORMAL", "FULL")}
    print(f"{'synchronous':>11} {'commits/s':>10} {'patients/s':>11} {f'x{CLIENTS} clients':>12}")
    for mode, (bare, sequential, concurrent) in rows.items():
        print(f"{mode:>11} {bare:>10.0f} {sequential:>11.1f} {concurrent:>12.1f}")
    normal, full = rows["NORMAL"], rows["FULL"]
    print(
        "FULL/NORMAL: "
        + ", ".join(f"{f / n:.2f}" for f, n in zip(full, normal, strict=True))
        + " (1.00 = free)"
    )


if __name__ == "__main__":
    asyncio.run(main())
