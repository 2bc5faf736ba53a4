"""Benchmark: free-slot search and the day view as the window and the schedule grow.

Prints, for windows of 1, 7 and 31 days over the demo clinic, the SQL statements per search and
the time per day searched, each as a ratio to the 1-day search: statements should stay flat
(one load per table, whatever the window) and time per day near 1 (linear in the window).

    python -m bench.slots
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import event

from app.scheduling import availability as av
from app.seed import seed_demo
from bench._support import migrated_app
from schema.ids import to_global

SLOTS = """
query($type: ID!, $location: ID!, $from: DateTime!, $to: DateTime!) {
  availableSlots(appointmentTypeId: $type, locationId: $location, from: $from, to: $to) {
    slots { startsAt provider { id } room { id } }
  }
}
"""
LOGIN = 'mutation { login(input: {username: "front_desk", password: "demo"}) { accessToken } }'
ROUNDS = 5


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
    start = datetime.now(av.zone("America/New_York")).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        token = (await http.post("/graphql", json={"query": LOGIN})).json()["data"]["login"]
        headers = {"Authorization": f"Bearer {token['accessToken']}"}
        rows = []
        for days in (1, 7, 31):
            variables = {
                "type": str(to_global("AppointmentType", 2)),
                "location": str(to_global("Location", 1)),
                "from": start.isoformat(),
                "to": (start + timedelta(days=days)).isoformat(),
            }
            statements.clear()
            began = time.perf_counter()
            for _ in range(ROUNDS):
                body = (
                    await http.post(
                        "/graphql", headers=headers, json={"query": SLOTS, "variables": variables}
                    )
                ).json()
                assert not body.get("errors"), body["errors"]
            per_day = (time.perf_counter() - began) / ROUNDS / days
            rows.append(
                (
                    days,
                    len(statements) // ROUNDS,
                    per_day,
                    len(body["data"]["availableSlots"]["slots"]),
                )
            )
    await runtime.close()
    base = rows[0]
    print(f"{'days':>5} {'slots':>6} {'statements':>11} {'ratio':>6} {'ms/day':>8} {'ratio':>6}")
    for days, count, per_day, slots in rows:
        print(
            f"{days:>5} {slots:>6} {count:>11} {count / base[1]:>6.2f} {per_day * 1000:>8.2f} "
            f"{per_day / base[2]:>6.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
