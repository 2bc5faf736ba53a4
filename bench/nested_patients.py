"""Benchmark: the nested patient list. Prints SQL statements and time per page size, as ratios.

A fixed statement count whatever the page size is the DataLoader promise; time per patient
should stay flat (ratio near 1) as pages grow. Runs on a temporary SQLite database.

    python -m bench.nested_patients
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import event

from app.seed import seed_demo
from bench._support import migrated_app

QUERY = """
query($first: Int!) { patients(first: $first) { totalCount edges { node {
  mrn ssn allergies { substance } problems { icd10Code } coverages { payerName } notes { title }
} } } }
"""
LOGIN = 'mutation { login(input: {username: "provider", password: "demo"}) { accessToken } }'


async def main() -> None:
    path = Path(tempfile.mkdtemp()) / "bench.db"
    app = await migrated_app(f"sqlite+aiosqlite:///{path}")
    runtime = app.state.runtime
    await seed_demo(runtime)
    statements: list[str] = []
    event.listen(
        runtime.engine.sync_engine,
        "before_cursor_execute",
        lambda *args: statements.append(args[2]),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        token = (await http.post("/graphql", json={"query": LOGIN})).json()["data"]["login"]
        headers = {"Authorization": f"Bearer {token['accessToken']}"}
        rows = []
        for first in (5, 25, 50):
            statements.clear()
            rounds = 5
            started = time.perf_counter()
            for _ in range(rounds):
                body = (
                    await http.post(
                        "/graphql",
                        headers=headers,
                        json={"query": QUERY, "variables": {"first": first}},
                    )
                ).json()
                assert not body.get("errors"), body["errors"]
            per_patient = (time.perf_counter() - started) / rounds / first
            rows.append((first, len(statements) // rounds, per_patient))
    await runtime.close()
    base = rows[0]
    print(f"{'page':>5} {'statements':>11} {'ratio':>6} {'ms/patient':>11} {'ratio':>6}")
    for first, count, per_patient in rows:
        print(
            f"{first:>5} {count:>11} {count / base[1]:>6.2f} {per_patient * 1000:>11.3f} "
            f"{per_patient / base[2]:>6.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
