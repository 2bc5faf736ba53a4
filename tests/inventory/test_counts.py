"""Stock takes: a count snapshots what is on hand, records what was counted, and on finishing
posts the variances as COUNT rows; the count's lines are the variance report."""

from tests.inventory.support import (
    CONSUME,
    LEVELS,
    ledger_and_balances,
    make_item,
    make_stockroom,
    receive,
)

LINES = "stockCount { id finishedAt lines { expected counted variance lot { lotNumber } } }"
START = f"""
mutation($input: StartStockCountInput!) {{
  startStockCount(input: $input) {{ {LINES} userErrors {{ field code }} }}
}}
"""
RECORD = f"""
mutation($input: RecordStockCountInput!) {{
  recordStockCount(input: $input) {{ {LINES} userErrors {{ field code }} }}
}}
"""
FINISH = f"""
mutation($input: FinishStockCountInput!) {{
  finishStockCount(input: $input) {{ {LINES} userErrors {{ field code }} }}
}}
"""
MOVEMENTS = """
query($item: ID) { stockMovements(filter: {itemId: $item, kinds: [COUNT]}) {
  edges { node { kind quantity movedBy lot { lotNumber } } } } }
"""


async def test_a_count_posts_its_variances(runtime, client):
    room = await make_stockroom(runtime, client)
    gauze = await make_item(room.manager, name="Gauze")
    a = await receive(room.manager, gauze, room.cabinet, 10, lotNumber="A")
    b = await receive(room.manager, gauze, room.cabinet, 5, lotNumber="B")
    lot_a, lot_b = a["movements"][0]["lot"]["id"], b["movements"][0]["lot"]["id"]
    started = await room.manager.data(START, input={"stockLocationId": room.cabinet})
    count = started["startStockCount"]["stockCount"]
    assert [(ln["lot"]["lotNumber"], ln["expected"]) for ln in count["lines"]] == [
        ("A", 10),
        ("B", 5),
    ]
    twice = await room.manager.data(START, input={"stockLocationId": room.cabinet})
    assert [e["code"] for e in twice["startStockCount"]["userErrors"]] == ["COUNT_IN_PROGRESS"]
    # lot A counted 8 (2 missing); lot B left uncounted; meanwhile a nurse uses 1 of A
    await room.manager.data(
        RECORD, input={"stockCountId": count["id"], "counts": [{"lotId": lot_a, "quantity": 8}]}
    )
    nurse = await client.login("nurse")
    use = {"itemId": gauze["id"], "stockLocationId": room.cabinet, "quantity": 1, "lotId": lot_a}
    await nurse.data(CONSUME, input=use)
    finished = (await room.manager.data(FINISH, input={"stockCountId": count["id"]}))[
        "finishStockCount"
    ]
    assert finished["userErrors"] == []
    # then A's variance is against what was on hand at the finish (9): -1; B is untouched
    assert [(ln["counted"], ln["variance"]) for ln in finished["stockCount"]["lines"]] == [
        (8, -1),
        (None, None),
    ]
    rows = (await room.manager.data(MOVEMENTS, item=gauze["id"]))["stockMovements"]["edges"]
    assert [(r["node"]["quantity"], r["node"]["lot"]["lotNumber"]) for r in rows] == [(-1, "A")]
    assert rows[0]["node"]["movedBy"] == "Inventory Manager"
    levels = (await room.manager.data(LEVELS, item=gauze["id"]))["stockLevels"]["edges"]
    assert [e["node"]["quantity"] for e in levels] == [8, 5]
    again = (
        await room.manager.data(
            RECORD,
            input={"stockCountId": count["id"], "counts": [{"lotId": lot_b, "quantity": 1}]},
        )
    )["recordStockCount"]
    assert [e["code"] for e in again["userErrors"]] == ["COUNT_FINISHED"]
    sums, balances = await ledger_and_balances(runtime)
    assert sums == balances
