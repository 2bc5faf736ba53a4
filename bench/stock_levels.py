"""Benchmark: `stockLevels` with 1,000 items as the stock ledger grows from 10,000 to 100,000
rows (SQLite). On hand is read from the running balances, so the time should not grow with the
ledger; for contrast, the same on-hand figures summed from the ledger itself.

Each database holds 1,000 items, two lots each in one stock location (2,000 balances), and N
ledger rows spread over those lots, the balances equal to their sums (checked). The last line
is the ratio of the API's time at 100k to its time at 10k (1.0: flat).

    python -m bench.stock_levels
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text

from app.authz import SYSTEM
from app.inventory.models import Item, Lot, StockBalance, StockLocation, StockMovement
from app.scheduling.models import Location
from app.transaction import unit_of_work
from app.users.service import create_user
from bench._support import interleaved, load, migrated_app

ITEMS, LOTS, ROUNDS = 1_000, 2, 7
LEVELS = (
    "query { stockLevels(first: 100) { totalCount edges { node { quantity item { name } } } } }"
)
LOGIN = 'mutation { login(input: {username: "bench", password: "bench-password"}) { accessToken } }'
LEDGER_SUM = text(
    "SELECT item_id, lot_id, SUM(quantity) FROM stock_movements GROUP BY item_id, lot_id "
    "HAVING SUM(quantity) > 0 ORDER BY item_id LIMIT 100"
)


async def _build(rows: int) -> Any:
    path = Path(tempfile.mkdtemp()) / f"stock_{rows}.db"
    app = await migrated_app(f"sqlite+aiosqlite:///{path}")
    runtime = app.state.runtime
    now = datetime.now(UTC)
    stamps = {"created_at": now, "updated_at": now}
    async with unit_of_work(runtime.sessions) as session:
        await create_user(
            session,
            SYSTEM,
            runtime.authenticator,
            username="bench",
            password="bench-password",
            full_name="Bench",
            roles=["inventory_manager"],
        )
        location = Location(name="Bench clinic", timezone="America/New_York")
        session.add(location)
        await session.flush()
        place = StockLocation(location_id=location.id, name="Store", active=True)
        session.add(place)
        await session.flush()
        await session.execute(
            insert(Item),
            [
                {
                    "sku": f"B{i:05}",
                    "name": f"Item {i:05}",
                    "category": "supply",
                    "unit": "each",
                    "reorder_point": 0,
                    "par_level": 0,
                    "unit_cost_cents": 100,
                    "active": True,
                    **stamps,
                }
                for i in range(ITEMS)
            ],
        )
        item_ids = list((await session.scalars(select(Item.id).order_by(Item.id))).all())
        await session.execute(
            insert(Lot),
            [
                {"item_id": i, "lot_number": f"L{n}", **stamps}
                for i in item_ids
                for n in range(LOTS)
            ],
        )
        lots = (await session.execute(select(Lot.item_id, Lot.id).order_by(Lot.id))).all()
        per_lot = rows // len(lots)
        movements, balances = [], []
        for item_id, lot_id in lots:
            # alternate receipts of 3 and consumptions of 1: the balance is their sum
            quantities = [3 if k % 2 == 0 else -1 for k in range(per_lot)]
            movements += [
                {
                    "batch_id": f"b{item_id}x{lot_id}x{k}",
                    "kind": "receive" if q > 0 else "consume",
                    "item_id": item_id,
                    "lot_id": lot_id,
                    "stock_location_id": place.id,
                    "quantity": q,
                    "unit_cost_cents": 100,
                    "created_at": now,
                }
                for k, q in enumerate(quantities)
            ]
            balances.append(
                {
                    "item_id": item_id,
                    "stock_location_id": place.id,
                    "lot_id": lot_id,
                    "quantity": sum(quantities),
                    "updated_at": now,
                }
            )
        for start in range(0, len(movements), 20_000):
            await session.execute(insert(StockMovement), movements[start : start + 20_000])
        await session.execute(insert(StockBalance), balances)
    async with runtime.reads() as session:
        count = await session.scalar(select(func.count()).select_from(StockMovement))
        ledger = dict(
            ((i, lot), int(q))
            for i, lot, q in (
                await session.execute(
                    select(
                        StockMovement.item_id,
                        StockMovement.lot_id,
                        func.sum(StockMovement.quantity),
                    ).group_by(StockMovement.item_id, StockMovement.lot_id)
                )
            ).all()
        )
        held = dict(
            ((i, lot), q)
            for i, lot, q in (
                await session.execute(
                    select(StockBalance.item_id, StockBalance.lot_id, StockBalance.quantity)
                )
            ).all()
        )
    assert count == rows and ledger == held, "balances must equal the ledger's sums"
    return app


async def _timer(app: Any) -> tuple[Any, Any, httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    token = (await http.post("/graphql", json={"query": LOGIN})).json()["data"]["login"]
    headers = {"Authorization": f"Bearer {token['accessToken']}"}

    async def api() -> None:
        body = (await http.post("/graphql", json={"query": LEVELS}, headers=headers)).json()
        assert body["data"]["stockLevels"]["totalCount"] == ITEMS * LOTS, body

    async def ledger() -> None:
        async with app.state.runtime.reads() as session:
            assert len((await session.execute(LEDGER_SUM)).all()) == 100

    return api, ledger, http


async def main() -> None:
    small, large = await _build(10_000), await _build(100_000)
    (api_small, ledger_small, h1), (api_large, ledger_large, h2) = (
        await _timer(small),
        await _timer(large),
    )
    await api_small(), await api_large()  # warm caches
    t_small, t_large = await interleaved(ROUNDS, api_small, api_large)
    l_small, l_large = await interleaved(ROUNDS, ledger_small, ledger_large)
    await h1.aclose(), await h2.aclose()
    print(load())
    print(f"stockLevels (first 100 of {ITEMS * LOTS}), 10k ledger rows: {t_small * 1000:.1f} ms")
    print(f"stockLevels (first 100 of {ITEMS * LOTS}), 100k ledger rows: {t_large * 1000:.1f} ms")
    print(
        f"on hand summed from the ledger instead, 10k: {l_small * 1000:.1f} ms, "
        f"100k: {l_large * 1000:.1f} ms ({l_large / l_small:.2f}x)"
    )
    print(f"stockLevels 100k/10k ratio: {t_large / t_small:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
