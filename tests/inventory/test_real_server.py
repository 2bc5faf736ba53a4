"""Against a real server: concurrent consumption never takes stock below zero, and alerts are
pushed over the WebSocket after the commit that caused them."""

import asyncio
import json
from contextlib import asynccontextmanager

import httpx
from sqlalchemy import func, select

from app.inventory.models import StockBalance, StockMovement
from tests.fixtures.graphql import GraphQLClient, pk_of
from tests.fixtures.scheduling import runtime_for
from tests.inventory.support import (
    CONSUME,
    ledger_and_balances,
    make_item,
    make_stockroom,
    receive,
)

REQUESTS, UNITS = 20, 5
WAIT = 15  # seconds: the most any expected message may take
ALERT = "subscription { inventoryAlert { kind onHand item { name } } }"


async def test_twenty_concurrent_consumptions_of_the_last_five_units(inventory_server):
    async with runtime_for(inventory_server.database_url) as runtime:
        async with httpx.AsyncClient(base_url=inventory_server.base_url, timeout=120) as http:
            # given the last 5 units of an item, in two lots
            room = await make_stockroom(runtime, GraphQLClient(http))
            item = await make_item(room.manager, name="Last syringes")
            await receive(room.manager, item, room.cabinet, 3, lotNumber="L1")
            await receive(room.manager, item, room.cabinet, 2, lotNumber="L2")
            nurses = [await GraphQLClient(http).login(u) for u in ("nurse", "provider")]
            use = {"itemId": item["id"], "stockLocationId": room.cabinet, "quantity": 1}
            # when twenty requests each consume one unit at once
            responses = await asyncio.gather(
                *(nurses[i % 2].post(CONSUME, {"input": use}) for i in range(REQUESTS))
            )
        # then exactly five succeed and fifteen are told the stock is insufficient
        bodies = [r.json() for r in responses]
        assert [b for b in bodies if b.get("errors")] == []
        payloads = [b["data"]["consumeStock"] for b in bodies]
        assert sum(1 for p in payloads if p["movements"]) == UNITS
        assert sorted(e["code"] for p in payloads for e in p["userErrors"]) == [
            "INSUFFICIENT_STOCK"
        ] * (REQUESTS - UNITS)
        # and the item's ledger sums to zero, as does its balance, none below zero
        item_pk = pk_of(item["id"])
        async with runtime.reads() as session:
            total = await session.scalar(
                select(func.sum(StockMovement.quantity)).where(StockMovement.item_id == item_pk)
            )
            balances = (
                await session.scalars(
                    select(StockBalance.quantity).where(StockBalance.item_id == item_pk)
                )
            ).all()
        assert total == 0
        assert balances == [0, 0]
        sums, held = await ledger_and_balances(runtime)
        assert sums == held


@asynccontextmanager
async def alerts(ws_url, token):
    import websockets

    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": ALERT}}))
        yield ws


async def next_alert(ws, wait=WAIT):
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), wait))
        if message["type"] == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        assert message["type"] == "next", message
        return message["payload"]["data"]["inventoryAlert"]


async def test_falling_to_the_reorder_point_pushes_a_low_stock_alert(inventory_server):
    async with (
        runtime_for(inventory_server.database_url) as runtime,
        httpx.AsyncClient(base_url=inventory_server.base_url, timeout=60) as http,
    ):
        room = await make_stockroom(runtime, GraphQLClient(http))
        probe = await make_item(room.manager, name="Probe", reorderPoint=1000, parLevel=1000)
        await receive(room.manager, probe, room.cabinet, 100)
        gauze = await make_item(room.manager, name="Gauze pads", reorderPoint=3, parLevel=10)
        await receive(room.manager, gauze, room.cabinet, 5)
        nurse = await GraphQLClient(http).login("nurse")
        async with alerts(inventory_server.ws_url, room.manager.token) as ws:
            # consume probes until one's alert arrives: from then on the subscription is live
            for _ in range(16):
                use = {"itemId": probe["id"], "stockLocationId": room.cabinet, "quantity": 1}
                await nurse.data(CONSUME, input=use)
                try:
                    assert (await next_alert(ws, wait=0.5))["item"]["name"] == "Probe"
                    break
                except TimeoutError:
                    continue
            else:
                raise AssertionError("the subscription never delivered an alert")
            while True:  # drain probes still in flight
                try:
                    await next_alert(ws, wait=0.5)
                except TimeoutError:
                    break
            use = {"itemId": gauze["id"], "stockLocationId": room.cabinet, "quantity": 1}
            # when gauze goes from 5 to 4: still above its reorder point, no alert
            await nurse.data(CONSUME, input=use)
            # and then from 4 to 3: at its reorder point
            await nurse.data(CONSUME, input=use)
            # then exactly one alert arrives, about gauze at 3
            assert await next_alert(ws) == {
                "kind": "LOW_STOCK",
                "onHand": 3,
                "item": {"name": "Gauze pads"},
            }
