"""Benchmark: what auditing reads costs, on SQLite and PostgreSQL.

A provider lists 100 patients (`patients(first: 100)` with each one's allergies) on the demo
data grown to 300 patients; the script reports, per request, the median time and how many rows
the audit trail gained (events, and patient links where the trail has them).

    python -m bench.read_audit
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import inspect, text

from app import migrate
from app.main import create_app
from app.patients.models import Patient
from app.seed import seed_demo
from bench._support import demo_app, load, postgres, settings

ROUNDS, PATIENTS = 21, 300
LOGIN = 'mutation { login(input: {username: "provider", password: "demo"}) { accessToken } }'
LIST = """
{ patients(first: 100) { totalCount edges { node {
    id mrn familyName givenName birthDate allergies { id substance } } } } }
"""


async def _grow(engine: Any) -> None:
    """Copies of the first patient up to PATIENTS, each with its own MRN."""
    columns = [c.name for c in Patient.__table__.columns if c.name != "id"]
    values = ", ".join("'B' || n.n" if c == "mrn" else f"src.{c}" for c in columns)
    async with engine.begin() as conn:
        have = (await conn.execute(text("SELECT count(*) FROM patients"))).scalar_one()
        await conn.execute(
            text(
                f"WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n "
                f"WHERE n < {PATIENTS - have}) "
                f"INSERT INTO patients ({', '.join(columns)}) SELECT {values} FROM n, "
                f"(SELECT * FROM patients ORDER BY id LIMIT 1) AS src"
            )
        )


async def _rows(engine: Any) -> tuple[int, int]:
    async with engine.connect() as conn:
        events = (await conn.execute(text("SELECT count(*) FROM audit_events"))).scalar_one()
        has_links = await conn.run_sync(lambda c: inspect(c).has_table("audit_event_patients"))
        links = (
            (await conn.execute(text("SELECT count(*) FROM audit_event_patients"))).scalar_one()
            if has_links
            else 0
        )
    return events, links


async def measure(app: Any, name: str) -> None:
    engine = app.state.runtime.engine
    await _grow(engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        token = (await http.post("/graphql", json={"query": LOGIN})).json()["data"]["login"]
        headers = {"Authorization": f"Bearer {token['accessToken']}"}

        async def run() -> None:
            body = (await http.post("/graphql", headers=headers, json={"query": LIST})).json()
            assert not body.get("errors"), body["errors"]
            assert len(body["data"]["patients"]["edges"]) == 100

        await run()
        before = await _rows(engine)
        times = []
        for _ in range(ROUNDS):
            began = time.perf_counter()
            await run()
            times.append(time.perf_counter() - began)
        after = await _rows(engine)
    await app.state.runtime.close()
    events, links = ((a - b) / ROUNDS for a, b in zip(after, before, strict=True))
    print(
        f"{name}: patient list (100 + allergies) {statistics.median(times) * 1000:.1f} ms "
        f"median; audit rows per request: {events:.0f} events, {links:.0f} patient links"
    )


async def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="practice-bench-"))
    try:
        config = settings(f"sqlite+aiosqlite:///{workdir / 'bench.db'}")
        await asyncio.to_thread(migrate.upgrade, config)
        app = create_app(config)
        await seed_demo(app.state.runtime)
        await measure(app, "sqlite")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    with postgres() as server:
        await measure(await demo_app(server, "bench"), "postgresql")
    print(load())


if __name__ == "__main__":
    asyncio.run(main())
