"""Benchmark: importRemittance of an 835 paying 100 and then 1,000 claims (SQLite). Claims and
lines load in a fixed number of statements and post in bulk, so statements per claim should
fall with the file's size and time per claim stay flat.

Each database holds the demo data plus N SUBMITTED claims of one demo patient (one line each,
cloned in bulk); the 835 pays every line 60 %, 30 % contractual (CO 45), 10 % coinsurance
(PR 2). Statements are counted on the engine for the whole import transaction. The last line
is the ratio of time per claim at 1,000 to time per claim at 100 (1.0: linear).

    python -m bench.remittance
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select

from app.authz import SYSTEM
from app.billing import remittances
from app.billing.models import ChargeLine, Claim, ClaimState, Encounter, LedgerEntry, Payer
from app.seed import seed_demo
from app.transaction import unit_of_work
from bench._support import load, migrated_app
from tests.billing.remittance_835 import ClaimPaid, Line, remittance_835

SIZES = (100, 1_000)
CHARGE = 10_000


async def _build(size: int) -> tuple[Any, str]:
    path = Path(tempfile.mkdtemp()) / f"remit_{size}.db"
    app = await migrated_app(f"sqlite+aiosqlite:///{path}")
    runtime = app.state.runtime
    await seed_demo(runtime)
    now = datetime.now(UTC)
    stamps = {"created_at": now, "updated_at": now}
    async with unit_of_work(runtime.sessions) as session:
        model = (await session.scalars(select(Claim).order_by(Claim.id).limit(1))).one()
        visit = await session.get_one(Encounter, model.encounter_id)
        payer = await session.get_one(Payer, model.payer_id)
        await session.execute(
            insert(Encounter),
            [
                {
                    "patient_id": visit.patient_id,
                    "provider_id": visit.provider_id,
                    "location_id": visit.location_id,
                    "service_date": visit.service_date,
                    "diagnoses": visit.diagnoses,
                    **stamps,
                }
                for _ in range(size)
            ],
        )
        encounter_ids = (
            await session.scalars(select(Encounter.id).order_by(Encounter.id.desc()).limit(size))
        ).all()
        lines, claims = [], []
        for n, encounter_id in enumerate(encounter_ids):
            lines.append(
                {
                    "encounter_id": encounter_id,
                    "patient_id": visit.patient_id,
                    "code": "99213",
                    "modifiers": "",
                    "units": 1,
                    "unit_price_cents": CHARGE,
                    "charge_cents": CHARGE,
                    "diagnosis_pointers": "1",
                    "rendering_provider_id": visit.provider_id,
                    "line_control_number": f"BL{n}",
                    **stamps,
                }
            )
            claims.append(
                {
                    "encounter_id": encounter_id,
                    "coverage_id": model.coverage_id,
                    "patient_id": visit.patient_id,
                    "payer_id": payer.id,
                    "state": ClaimState.SUBMITTED,
                    "control_number": f"BC{n}",
                    **stamps,
                }
            )
        await session.execute(insert(ChargeLine), lines)
        await session.execute(insert(Claim), claims)
        claim_ids = dict(
            (
                await session.execute(
                    select(Claim.control_number, Claim.id).where(Claim.control_number.like("BC%"))
                )
            ).all()
        )
        line_ids = dict(
            (
                await session.execute(
                    select(ChargeLine.line_control_number, ChargeLine.id).where(
                        ChargeLine.line_control_number.like("BL%")
                    )
                )
            ).all()
        )
        await session.execute(
            insert(LedgerEntry),
            [
                {
                    "kind": "charge",
                    "amount_cents": CHARGE,
                    "patient_id": visit.patient_id,
                    "claim_id": claim_ids[f"BC{n}"],
                    "charge_line_id": line_ids[f"BL{n}"],
                    "responsibility": "insurance",
                    "payer_id": payer.id,
                    "source": "bench",
                    "posted_at": now,
                }
                for n in range(size)
            ],
        )
    paid = [
        ClaimPaid(
            f"BC{n}",
            "1",
            [Line("99213", f"BL{n}", CHARGE, 6_000, [("CO", "45", 3_000), ("PR", "2", 1_000)])],
            payer_claim_number=f"P{n}",
        )
        for n in range(size)
    ]
    return app, remittance_835(paid, trace=f"BENCH{size}", payer_id=payer.payer_id)


async def _measure(app: Any, text: str, size: int) -> tuple[float, float]:
    """Seconds per claim and statements per claim of one import."""
    runtime = app.state.runtime
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", count)
    began = time.perf_counter()
    async with unit_of_work(runtime.sessions) as session:
        done = await remittances.import_remittance(session, SYSTEM, text)
    elapsed = time.perf_counter() - began
    event.remove(runtime.engine.sync_engine, "before_cursor_execute", count)
    assert [(d.posted_claims, d.queued_claims) for d in done] == [(size, 0)], done
    return elapsed / size, statements / size


async def main() -> None:
    results = {}
    for size in SIZES:
        app, text = await _build(size)
        results[size] = await _measure(app, text, size)
        per_claim, per_statement = results[size]
        print(
            f"{size} claims: {per_claim * 1000:.2f} ms per claim, "
            f"{per_statement:.3f} SQL statements per claim"
        )
    small, large = results[SIZES[0]][0], results[SIZES[1]][0]
    print(f"time per claim 1000/100 ratio: {large / small:.2f} ({load()})")


if __name__ == "__main__":
    asyncio.run(main())
