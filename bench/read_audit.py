"""Benchmark: what auditing reads costs, on SQLite and PostgreSQL.

A provider lists 100 patients (`patients(first: 100)` with each one's allergies) on the demo
data grown to 300 patients; the script reports, per request, the median time and how many rows
the audit trail gained (events, and patient links where the trail has them). Then the audit
alone: the day view's 2,000 reads (1,000 appointments, their 1,000 patients) recorded and
committed with no request around them, the median of 21 (what the trail itself costs, less
exposed to the machine's load than a whole request).

    python -m bench.read_audit
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from sqlalchemy import inspect, text

from app import migrate
from app.audit import trail
from app.authz import Actor
from app.main import create_app
from app.patients.models import Patient
from app.seed import seed_demo
from app.transaction import unit_of_work
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


async def day_view_audit(runtime: Any) -> float:
    """Median seconds to record and commit the day view's reads."""
    actor = Actor(user_id=1, username="front_desk", roles=("front_desk",), request_id="bench")
    visits = [SimpleNamespace(id=10_000 + n, patient_id=5_000 + n) for n in range(1000)]
    patients = [SimpleNamespace(id=5_000 + n) for n in range(1000)]
    times = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        async with unit_of_work(runtime.sessions) as session:
            trail.record_reads(session, actor, "Appointment", visits)
            trail.record_reads(session, actor, "Patient", patients, patient_of=lambda p: p.id)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


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
    audit_s = await day_view_audit(app.state.runtime)
    await app.state.runtime.close()
    events, links = ((a - b) / ROUNDS for a, b in zip(after, before, strict=True))
    print(
        f"{name}: patient list (100 + allergies) {statistics.median(times) * 1000:.1f} ms "
        f"median; audit rows per request: {events:.0f} events, {links:.0f} patient links; "
        f"the day view's 2,000 reads audited in {audit_s * 1000:.1f} ms"
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
