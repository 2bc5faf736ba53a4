"""inventoryValuation: stock on hand at its FIFO cost, at an instant; transfers change nothing."""

from datetime import UTC, datetime, timedelta

from tests.fixtures.graphql import error_codes
from tests.inventory.support import CONSUME, TRANSFER, make_item, make_stockroom, receive

VALUATION = """
query($asOf: DateTime) {
  inventoryValuation(asOf: $asOf) { totalCents items { onHand valueCents item { name } } }
}
"""


async def test_what_is_left_is_valued_at_the_latest_receipts_costs(runtime, client):
    room = await make_stockroom(runtime, client)
    before = datetime.now(UTC) - timedelta(seconds=1)
    item = await make_item(room.manager, name="Valued syringes")
    await receive(room.manager, item, room.back_store, 10, lotNumber="A", unitCostCents=100)
    await receive(room.manager, item, room.back_store, 10, lotNumber="B", unitCostCents=150)
    await room.manager.data(
        TRANSFER,
        input={
            "itemId": item["id"],
            "fromStockLocationId": room.back_store,
            "toStockLocationId": room.cabinet,
            "quantity": 5,
        },
    )
    nurse = await client.login("nurse")
    use = {"itemId": item["id"], "stockLocationId": room.cabinet, "quantity": 5}
    assert (await nurse.data(CONSUME, input=use))["consumeStock"]["userErrors"] == []
    # 15 left: the 10 received last at 1.50 and 5 of the first at 1.00
    biller = await client.login("biller")
    now = (await biller.data(VALUATION))["inventoryValuation"]
    mine = [i for i in now["items"] if i["item"]["name"] == "Valued syringes"]
    assert mine == [{"onHand": 15, "valueCents": 1500 + 500, "item": {"name": "Valued syringes"}}]
    earlier = await biller.data(VALUATION, asOf=before.isoformat())
    assert [
        i for i in earlier["inventoryValuation"]["items"] if i["item"]["name"] == "Valued syringes"
    ] == []
    assert error_codes(await nurse.execute(VALUATION)) == ["FORBIDDEN"]
