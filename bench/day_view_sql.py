"""Benchmark: the day view's appointments statement as the appointments table grows.

On an embedded PostgreSQL, one day of 60 visits (three providers x 20) sits after 10,000 and
then 1,000,000 earlier appointments. The statement the day view sends (the app's own
`Appointment.overlapping`, bounded below by the longest visit) should take the same time at
both sizes: ratio near 1. The unbounded form it replaced (`starts_at < end AND ends_at > start`)
is timed too: it reads every earlier appointment. Loading the million takes about a minute
(three on a loaded machine); `BENCH_ROWS=10000,100000` sets smaller sizes.

    python -m bench.day_view_sql
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from app.scheduling import availability as av
from app.scheduling.models import Appointment
from bench._support import demo_app, load, postgres

SIZES = [int(n) for n in os.environ.get("BENCH_ROWS", "10000,1000000").split(",")]
DAY = date(2030, 1, 15)  # after every demo appointment; the history is before it
VISITS_EACH = 20
ROUNDS = 21

# History: a provider's n-th earlier appointment starts n + 1 half-hours before DAY begins.
HISTORY = """
INSERT INTO appointments (patient_id, provider_id, location_id, appointment_type_id,
                          starts_at, ends_at, status, created_at, updated_at)
SELECT (SELECT min(id) FROM patients) + n % 50, pr.id, $1, $2,
       $3::timestamptz - (n + $4) * interval '30 minutes',
       $3::timestamptz - (n + $4) * interval '30 minutes' + interval '20 minutes',
       'fulfilled', now(), now()
FROM generate_series(0, $5 - 1) AS n
CROSS JOIN (SELECT id FROM providers) AS pr
"""
THE_DAY = """
INSERT INTO appointments (patient_id, provider_id, location_id, appointment_type_id,
                          starts_at, ends_at, status, created_at, updated_at)
SELECT (SELECT min(id) FROM patients) + n, pr.id, $1, $2,
       $3::timestamptz + n * interval '20 minutes',
       $3::timestamptz + (n + 1) * interval '20 minutes',
       'booked', now(), now()
FROM generate_series(0, $4 - 1) AS n CROSS JOIN (SELECT id FROM providers) AS pr
"""


def _statement(query: Any) -> tuple[str, list[Any]]:
    compiled = query.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[attr-defined]
    return str(compiled), [compiled.params[name] for name in compiled.positiontup or ()]


async def _median(conn: asyncpg.Connection, sql: str, args: list[Any]) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(ROUNDS):
        began = time.perf_counter()
        found = len(await conn.fetch(sql, *args))
        times.append(time.perf_counter() - began)
    return statistics.median(times), found


async def _plan(conn: asyncpg.Connection, sql: str, args: list[Any]) -> str:
    rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
    lines = [r[0].strip() for r in rows]
    scan = next((line for line in lines if "Scan" in line), lines[0])
    removed = next((line for line in lines if "Rows Removed" in line), "")
    return f"{scan.split('  (')[0]} {removed}".strip()


async def main() -> None:
    with postgres() as server:
        app = await demo_app(server, "bench")
        await app.state.runtime.close()
        conn = await asyncpg.connect(server.url("bench", "postgresql"))
        location = await conn.fetchval("SELECT min(id) FROM locations")
        kind = await conn.fetchval("SELECT min(id) FROM appointment_types")
        providers = await conn.fetchval("SELECT count(*) FROM providers")
        tz = av.zone(await conn.fetchval("SELECT timezone FROM locations WHERE id = $1", location))
        start = av.instant(DAY, datetime.min.time(), tz).astimezone(UTC)
        end = start + timedelta(days=1)
        first_visit = start + timedelta(hours=13)  # 08:00 in New York
        await conn.execute(THE_DAY, location, kind, first_visit, VISITS_EACH)
        bounded = _statement(
            select(Appointment)
            .where(Appointment.location_id == location, Appointment.overlapping(start, end))
            .order_by(Appointment.starts_at, Appointment.id)
        )
        unbounded = _statement(
            select(Appointment)
            .where(
                Appointment.location_id == location,
                Appointment.starts_at < end,
                Appointment.ends_at > start,
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
        results = []
        have = 0
        for size in SIZES:
            per_provider = (size - have) // providers
            began = time.perf_counter()
            await conn.execute(HISTORY, location, kind, start, have // providers + 1, per_provider)
            await conn.execute("ANALYZE appointments")
            have += per_provider * providers
            loaded = time.perf_counter() - began
            row = [size, loaded]
            for sql, args in (bounded, unbounded):
                seconds, found = await _median(conn, sql, args)
                row += [seconds, found, await _plan(conn, sql, args)]
            results.append(row)
            print(
                f"{size:>9} earlier appointments (loaded in {loaded:.0f} s): "
                f"bounded {row[2] * 1000:.2f} ms, {row[3]} rows [{row[4]}]; "
                f"unbounded {row[5] * 1000:.2f} ms [{row[7]}]",
                flush=True,
            )
        await conn.close()
    small, large = results[0], results[-1]
    print(
        f"day-view SQL {large[0]}/{small[0]} appointments: bounded ratio "
        f"{large[2] / small[2]:.2f} (target ~1), unbounded {large[5] / small[5]:.2f}; {load()}"
    )


if __name__ == "__main__":
    asyncio.run(main())
