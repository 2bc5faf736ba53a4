"""Moving stock through the API: FEFO consumption, expiry, adjustments, transfers, waste; the
running balances always equal the ledger's sums, and a refused movement writes nothing."""

from sqlalchemy import func, select

from app.authz import SYSTEM
from app.errors import DomainError
from app.inventory import ledger
from app.inventory.models import MovementKind, StockMovement
from app.transaction import unit_of_work
from tests.fixtures.graphql import pk_of
from tests.inventory.support import (
    ADJUST,
    CONSUME,
    LEVELS,
    RECEIVE,
    TRANSFER,
    WASTE,
    days,
    ledger_and_balances,
    make_item,
    make_stockroom,
    receive,
)


async def _movements(runtime) -> int:
    async with runtime.reads() as session:
        return await session.scalar(select(func.count()).select_from(StockMovement))


async def test_consumption_takes_the_first_expiring_lot_first_and_combines_lots(runtime, client):
    # given three lots of a vaccine in the cabinet, expiring in 90, 10 and 40 days
    room = await make_stockroom(runtime, client)
    flu = await make_item(room.manager, category="VACCINE", ndc="49281-718-10", unit="dose")
    for lot, expiry in (("LATE", days(90)), ("SOON", days(10)), ("MID", days(40))):
        await receive(room.manager, flu, room.cabinet, 3, lotNumber=lot, expiryDate=expiry)
    nurse = await client.login("nurse")
    # when a nurse uses 5 doses without naming a lot
    payload = (
        await nurse.data(
            CONSUME, input={"itemId": flu["id"], "stockLocationId": room.cabinet, "quantity": 5}
        )
    )["consumeStock"]
    # then the lot expiring soonest is emptied first, then the next, in one batch
    assert payload["userErrors"] == []
    taken = [(m["lot"]["lotNumber"], m["quantity"], m["kind"]) for m in payload["movements"]]
    assert taken == [("SOON", -3, "CONSUME"), ("MID", -2, "CONSUME")]
    assert len({m["batchId"] for m in payload["movements"]}) == 1
    assert payload["movements"][0]["movedBy"] == "Nurse"
    levels = (await nurse.data(LEVELS, item=flu["id"]))["stockLevels"]
    assert [(e["node"]["lot"]["lotNumber"], e["node"]["quantity"]) for e in levels["edges"]] == [
        ("MID", 1),
        ("LATE", 3),
    ]
    sums, balances = await ledger_and_balances(runtime)
    assert sums == balances


async def test_expired_stock_is_never_consumed(runtime, client):
    # given an expired lot (4 doses) and a good one (1 dose)
    room = await make_stockroom(runtime, client)
    item = await make_item(room.manager, category="MEDICATION", ndc="0409-4888-02", unit="vial")
    old = await receive(room.manager, item, room.cabinet, 4, lotNumber="OLD", expiryDate=days(-1))
    await receive(room.manager, item, room.cabinet, 1, lotNumber="GOOD", expiryDate=days(1))
    nurse = await client.login("nurse")
    before = await _movements(runtime)
    # when two doses are asked for: only one is usable
    short = (
        await nurse.data(
            CONSUME, input={"itemId": item["id"], "stockLocationId": room.cabinet, "quantity": 2}
        )
    )["consumeStock"]
    # then it is refused and nothing is written
    assert [e["code"] for e in short["userErrors"]] == ["INSUFFICIENT_STOCK"]
    assert short["movements"] == []
    assert await _movements(runtime) == before
    # and naming the expired lot is refused as such
    named = (
        await nurse.data(
            CONSUME,
            input={
                "itemId": item["id"],
                "stockLocationId": room.cabinet,
                "quantity": 1,
                "lotId": old["movements"][0]["lot"]["id"],
            },
        )
    )["consumeStock"]
    assert [(e["code"], e["field"]) for e in named["userErrors"]] == [("LOT_EXPIRED", ["lotId"])]
    # and once the good dose is used, the expired stock counts as out of stock
    await nurse.data(
        CONSUME, input={"itemId": item["id"], "stockLocationId": room.cabinet, "quantity": 1}
    )
    empty = (
        await nurse.data(
            CONSUME, input={"itemId": item["id"], "stockLocationId": room.cabinet, "quantity": 1}
        )
    )["consumeStock"]
    assert [e["code"] for e in empty["userErrors"]] == ["INSUFFICIENT_STOCK"]
    levels = (await nurse.data(LEVELS, item=item["id"]))["stockLevels"]["edges"]
    assert [(e["node"]["quantity"], e["node"]["expired"]) for e in levels] == [(4, True)]


async def test_a_transfer_is_two_rows_in_one_batch(runtime, client):
    room = await make_stockroom(runtime, client)
    gloves = await make_item(room.manager, name="Gloves M")
    await receive(room.manager, gloves, room.back_store, 100)
    payload = (
        await room.manager.data(
            TRANSFER,
            input={
                "itemId": gloves["id"],
                "fromStockLocationId": room.back_store,
                "toStockLocationId": room.cabinet,
                "quantity": 30,
            },
        )
    )["transferStock"]
    assert payload["userErrors"] == []
    rows = [(m["kind"], m["quantity"], m["stockLocation"]["id"]) for m in payload["movements"]]
    assert rows == [("TRANSFER_OUT", -30, room.back_store), ("TRANSFER_IN", 30, room.cabinet)]
    assert payload["movements"][0]["batchId"] == payload["movements"][1]["batchId"]
    # gloves received without a lot number are in the item's lot without one
    assert payload["movements"][0]["lot"]["lotNumber"] is None
    too_many = (
        await room.manager.data(
            TRANSFER,
            input={
                "itemId": gloves["id"],
                "fromStockLocationId": room.cabinet,
                "toStockLocationId": room.cabinet,
                "quantity": 1,
            },
        )
    )["transferStock"]
    assert [e["code"] for e in too_many["userErrors"]] == ["SAME_LOCATION"]
    levels = (await room.manager.data(LEVELS, item=gloves["id"]))["stockLevels"]["edges"]
    assert sorted(e["node"]["quantity"] for e in levels) == [30, 70]
    sums, balances = await ledger_and_balances(runtime)
    assert sums == balances


async def test_adjustments_and_waste_carry_their_reason(runtime, client):
    room = await make_stockroom(runtime, client)
    item = await make_item(room.manager, name="Syringe 3 mL")
    received = await receive(room.manager, item, room.cabinet, 10, lotNumber="S1")
    lot = received["movements"][0]["lot"]["id"]
    base = {"itemId": item["id"], "stockLocationId": room.cabinet, "lotId": lot}
    found = (
        await room.manager.data(ADJUST, input={**base, "quantityChange": 2, "reasonCode": "FOUND"})
    )["adjustStock"]
    assert [(m["kind"], m["quantity"], m["reasonCode"]) for m in found["movements"]] == [
        ("ADJUST", 2, "FOUND")
    ]
    lost = (
        await room.manager.data(ADJUST, input={**base, "quantityChange": -20, "reasonCode": "LOST"})
    )["adjustStock"]
    assert [(e["code"], e["field"]) for e in lost["userErrors"]] == [
        ("INSUFFICIENT_STOCK", ["quantityChange"])
    ]
    other = (
        await room.manager.data(ADJUST, input={**base, "quantityChange": -1, "reasonCode": "OTHER"})
    )["adjustStock"]
    assert [e["code"] for e in other["userErrors"]] == ["REASON_CODE_REQUIRED"]
    wasted = (
        await room.manager.data(WASTE, input={**base, "quantity": 3, "reasonCode": "DAMAGED"})
    )["wasteStock"]
    expired = (
        await room.manager.data(WASTE, input={**base, "quantity": 1, "reasonCode": "EXPIRED"})
    )["wasteStock"]
    assert [(m["kind"], m["quantity"]) for m in wasted["movements"] + expired["movements"]] == [
        ("WASTE", -3),
        ("EXPIRE", -1),
    ]
    levels = (await room.manager.data(LEVELS, item=item["id"]))["stockLevels"]["edges"]
    assert [e["node"]["quantity"] for e in levels] == [8]
    nurse = await client.login("nurse")
    body = await nurse.execute(WASTE, input={**base, "quantity": 1, "reasonCode": "DAMAGED"})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    sums, balances = await ledger_and_balances(runtime)
    assert sums == balances


async def test_receiving_checks_lot_numbers_and_quantities(runtime, client):
    room = await make_stockroom(runtime, client)
    vaccine = await make_item(room.manager, category="VACCINE", ndc="49281-718-10", unit="dose")
    base = {"itemId": vaccine["id"], "stockLocationId": room.cabinet}
    for extra, code, field in (
        ({"quantity": 5}, "LOT_REQUIRED", ["lotNumber"]),
        ({"quantity": 0, "lotNumber": "A"}, "INVALID_STOCK_QUANTITY", ["quantity"]),
    ):
        payload = (await room.manager.data(RECEIVE, input={**base, **extra}))["receiveStock"]
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    await receive(room.manager, vaccine, room.cabinet, 5, lotNumber="A", expiryDate=days(100))
    again = (
        await room.manager.data(
            RECEIVE, input={**base, "quantity": 1, "lotNumber": "A", "expiryDate": days(50)}
        )
    )["receiveStock"]
    assert [e["code"] for e in again["userErrors"]] == ["LOT_EXPIRY_MISMATCH"]


async def test_the_check_constraint_is_the_last_line_against_negative_stock(runtime, client):
    # given one unit on hand
    room = await make_stockroom(runtime, client)
    item = await make_item(room.manager, name="Last one")
    received = await receive(room.manager, item, room.cabinet, 1, lotNumber="X")
    posting = ledger.Posting(
        kind=MovementKind.CONSUME,
        item_id=pk_of(item["id"]),
        lot_id=pk_of(received["movements"][0]["lot"]["id"]),
        stock_location_id=pk_of(room.cabinet),
        quantity=-2,
    )
    # when a drawdown past it is posted without the services' check (as a lost race would be)
    try:
        async with unit_of_work(runtime.sessions) as session:
            await ledger.post(session, SYSTEM, ledger.new_batch(), posting)
        raise AssertionError("posted")
    except DomainError as refused:
        # then the database refuses it as INSUFFICIENT_STOCK, and nothing is written
        assert refused.code == "INSUFFICIENT_STOCK"
    sums, balances = await ledger_and_balances(runtime)
    assert sums == balances
    assert balances[(posting.item_id, posting.stock_location_id, posting.lot_id)] == 1
