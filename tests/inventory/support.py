"""Inventory test helpers: a stocked practice set up through the API, and ledger checks."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.authz import SYSTEM
from app.inventory.models import StockBalance, StockMovement
from app.runtime import Runtime
from app.scheduling import setup
from app.transaction import unit_of_work
from tests.fixtures.graphql import GraphQLClient, gid

_numbers = itertools.count(1)

CREATE_ITEM = """
mutation($input: CreateItemInput!) {
  createItem(input: $input) {
    item { id sku name category ndc reorderPoint parLevel billingCode controlledSchedule onHand }
    userErrors { field code message }
  }
}
"""
CREATE_STOCK_LOCATION = """
mutation($input: CreateStockLocationInput!) {
  createStockLocation(input: $input) {
    stockLocation { id name location { id } } userErrors { field code }
  }
}
"""
MOVEMENT_FIELDS = """
movements {
  id kind quantity reasonCode batchId movedBy witnessedBy appointmentId
  lot { id lotNumber expiryDate } stockLocation { id }
}
userErrors { field code message }
"""
RECEIVE = f"""
mutation($input: ReceiveStockInput!) {{ receiveStock(input: $input) {{ {MOVEMENT_FIELDS} }} }}
"""
CONSUME = f"""
mutation($input: ConsumeStockInput!) {{ consumeStock(input: $input) {{ {MOVEMENT_FIELDS} }} }}
"""
ADJUST = f"""
mutation($input: AdjustStockInput!) {{ adjustStock(input: $input) {{ {MOVEMENT_FIELDS} }} }}
"""
WASTE = f"""
mutation($input: WasteStockInput!) {{ wasteStock(input: $input) {{ {MOVEMENT_FIELDS} }} }}
"""
TRANSFER = f"""
mutation($input: TransferStockInput!) {{ transferStock(input: $input) {{ {MOVEMENT_FIELDS} }} }}
"""
LEVELS = """
query($item: ID, $stockLocation: ID) {
  stockLevels(itemId: $item, stockLocationId: $stockLocation) {
    totalCount
    edges { node { quantity expiryDate expired item { id name } lot { id lotNumber }
                   stockLocation { id name } } }
  }
}
"""


@dataclass
class Stockroom:
    """A practice location with two stock locations, and the inventory manager's client."""

    manager: GraphQLClient
    location_id: str
    cabinet: str
    back_store: str


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_numbers)}"


async def make_stockroom(runtime: Runtime, client: GraphQLClient) -> Stockroom:
    async with unit_of_work(runtime.sessions) as session:
        location = await setup.create_location(
            session, SYSTEM, name=unique("Clinic"), timezone="America/New_York"
        )
    location_id = gid("Location", location.id)
    manager = await client.login("inventory_manager")
    ids = []
    for name in ("Cabinet", "Back store"):
        body = await manager.data(
            CREATE_STOCK_LOCATION, input={"locationId": location_id, "name": name}
        )
        payload = body["createStockLocation"]
        assert payload["userErrors"] == []
        ids.append(payload["stockLocation"]["id"])
    return Stockroom(manager, location_id, ids[0], ids[1])


async def make_item(manager: GraphQLClient, **fields: Any) -> dict[str, Any]:
    values = {"sku": unique("SKU"), "name": unique("Item"), "category": "SUPPLY", "unit": "each"}
    values.update(fields)
    payload = (await manager.data(CREATE_ITEM, input=values))["createItem"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["item"]


def days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


async def receive(
    manager: GraphQLClient, item: dict[str, Any], location: str, quantity: int, **extra: Any
) -> dict[str, Any]:
    payload = (
        await manager.data(
            RECEIVE,
            input={
                "itemId": item["id"],
                "stockLocationId": location,
                "quantity": quantity,
                **extra,
            },
        )
    )["receiveStock"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def ledger_and_balances(runtime: Runtime) -> tuple[dict[Any, int], dict[Any, int]]:
    """Sums of the ledger and the balances per (item, location, lot), empty ones left out."""
    key = (StockMovement.item_id, StockMovement.stock_location_id, StockMovement.lot_id)
    async with runtime.reads() as session:
        ledger = await session.execute(
            select(*key, func.sum(StockMovement.quantity)).group_by(*key)
        )
        balances = await session.execute(
            select(
                StockBalance.item_id,
                StockBalance.stock_location_id,
                StockBalance.lot_id,
                StockBalance.quantity,
            )
        )
        sums = {(i, s, lot): int(q) for i, s, lot, q in ledger.all() if q}
        held = {(i, s, lot): int(q) for i, s, lot, q in balances.all() if q}
    return sums, held


def now() -> datetime:
    return datetime.now().astimezone()
