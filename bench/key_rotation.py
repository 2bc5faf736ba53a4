"""Benchmark: `practice keys rotate` over many encrypted values.

Fills a fresh database with N patients whose SSNs are under key a, then rotates to key b and
prints values per second and how long each batch's write transaction lasted (on SQLite the
app's writers wait that long at most), then how long `keys status` and a second rotation
(nothing left to do) take.

    python -m bench.key_rotation [N] [DATABASE_URL]   # default 20000, a temporary SQLite file
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from app import key_rotation, migrate
from app.config import Settings
from app.crypto import FieldCipher
from app.patients.demographics import ssn_context
from app.patients.models import Patient, Sex
from app.runtime import Runtime
from app.transaction import unit_of_work

A, B = os.urandom(32), os.urandom(32)


def settings(url: str, current: str, **keys: bytes) -> Settings:
    encoded = {key_id: base64.b64encode(key).decode() for key_id, key in keys.items()}
    return Settings(
        environment="test",
        database_url=url,
        field_encryption_keys=encoded,
        field_encryption_key_id=current,
    )


async def fill(url: str, count: int) -> None:
    runtime = Runtime.build(settings(url, "a", a=A))
    cipher = FieldCipher(runtime.settings.field_keys)
    rows = [
        {
            "mrn": f"B{i:08d}",
            "family_name": "Bench",
            "given_name": "Patient",
            "birth_date": date(1980, 1, 1),
            "sex": Sex.FEMALE,
            "ssn_encrypted": cipher.encrypt("123456789", ssn_context(f"B{i:08d}")),
            "ssn_last4": "6789",
        }
        for i in range(count)
    ]
    async with unit_of_work(runtime.sessions) as session:
        for start in range(0, count, 2000):
            await session.execute(insert(Patient), rows[start : start + 2000])
    await runtime.close()


async def rotate(url: str, count: int) -> None:
    await fill(url, count)
    runtime = Runtime.build(settings(url, "b", a=A, b=B))
    held: list[float] = []
    write_batch = key_rotation._write_batch

    async def timed(*args: Any) -> None:
        started = time.perf_counter()
        await write_batch(*args)
        held.append(time.perf_counter() - started)

    key_rotation._write_batch = timed  # type: ignore[assignment]
    started = time.perf_counter()
    (report,) = await key_rotation.rotate(runtime)
    took = time.perf_counter() - started
    started = time.perf_counter()
    await key_rotation.usage(runtime)
    status = time.perf_counter() - started
    started = time.perf_counter()
    await key_rotation.rotate(runtime)
    again = time.perf_counter() - started
    await runtime.close()
    held.sort()
    print(
        f"{sum(report.rotated.values())} values rotated in {took:.1f} s "
        f"({count / took:.0f}/s, {report.batches} batches); write transaction per batch: "
        f"median {held[len(held) // 2] * 1000:.0f} ms, max {held[-1] * 1000:.0f} ms; "
        f"status {status:.2f} s; a second rotation (nothing to do) {again:.1f} s"
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    url = sys.argv[2] if len(sys.argv) > 2 else None
    if url is None:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    migrate.upgrade(Settings(environment="test", database_url=url))
    asyncio.run(rotate(url, count))


if __name__ == "__main__":
    main()
