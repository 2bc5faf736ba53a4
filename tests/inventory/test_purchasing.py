"""Purchase orders: draft -> ordered -> partly or fully received -> closed, receiving against a
line; reorder suggestions up to par level from recent use, grouped by supplier."""

from tests.inventory.support import (
    CONSUME,
    RECEIVE,
    make_item,
    make_stockroom,
    receive,
)

CREATE_SUPPLIER = """
mutation($input: CreateSupplierInput!) {
  createSupplier(input: $input) { supplier { id name } userErrors { code } }
}
"""
PO_FIELDS = """
purchaseOrder { id status supplier { name }
  lines { id quantityOrdered quantityReceived unitCostCents item { id } } }
userErrors { field code message }
"""
CREATE_PO = f"""
mutation($input: CreatePurchaseOrderInput!) {{
  createPurchaseOrder(input: $input) {{ {PO_FIELDS} }}
}}
"""
ORDER_PO = f"""
mutation($input: PurchaseOrderIdInput!) {{ orderPurchaseOrder(input: $input) {{ {PO_FIELDS} }} }}
"""
CLOSE_PO = f"""
mutation($input: PurchaseOrderIdInput!) {{ closePurchaseOrder(input: $input) {{ {PO_FIELDS} }} }}
"""
ORDERS = "query { purchaseOrders { id status lines { quantityReceived } } }"
SUGGEST = """
query($days: Int, $lead: Int) {
  suggestReorder(days: $days, leadDays: $lead) {
    supplier { name }
    suggestions { item { name } onHand onOrder averageDailyUse quantity }
  }
}
"""


async def _supplier(manager, name):
    payload = (await manager.data(CREATE_SUPPLIER, input={"name": name}))["createSupplier"]
    assert payload["userErrors"] == []
    return payload["supplier"]


async def test_an_order_is_received_in_parts_then_closed(runtime, client):
    room = await make_stockroom(runtime, client)
    supplier = await _supplier(room.manager, "Henry Schein (PO test)")
    gloves = await make_item(room.manager, name="Gloves L", unitCostCents=900)
    created = (
        await room.manager.data(
            CREATE_PO,
            input={
                "supplierId": supplier["id"],
                "lines": [{"itemId": gloves["id"], "quantity": 10, "unitCostCents": 850}],
            },
        )
    )["createPurchaseOrder"]
    order = created["purchaseOrder"]
    [line] = order["lines"]
    assert (order["status"], line["unitCostCents"]) == ("DRAFT", 850)
    base = {
        "itemId": gloves["id"],
        "stockLocationId": room.cabinet,
        "purchaseOrderLineId": line["id"],
    }
    # a draft is not received against
    early = (await room.manager.data(RECEIVE, input={**base, "quantity": 4}))["receiveStock"]
    assert [e["code"] for e in early["userErrors"]] == ["PURCHASE_ORDER_STATE"]
    ordered = await room.manager.data(ORDER_PO, input={"purchaseOrderId": order["id"]})
    assert ordered["orderPurchaseOrder"]["purchaseOrder"]["status"] == "ORDERED"
    again = await room.manager.data(ORDER_PO, input={"purchaseOrderId": order["id"]})
    assert [e["code"] for e in again["orderPurchaseOrder"]["userErrors"]] == [
        "PURCHASE_ORDER_STATE"
    ]
    await receive(room.manager, gloves, room.cabinet, 4, purchaseOrderLineId=line["id"])
    orders = {o["id"]: o for o in (await room.manager.data(ORDERS))["purchaseOrders"]}
    assert orders[order["id"]] == {
        "id": order["id"],
        "status": "PARTLY_RECEIVED",
        "lines": [{"quantityReceived": 4}],
    }
    over = (await room.manager.data(RECEIVE, input={**base, "quantity": 7}))["receiveStock"]
    assert [(e["code"], e["field"]) for e in over["userErrors"]] == [("OVER_RECEIPT", ["quantity"])]
    other = await make_item(room.manager, name="Other")
    wrong = (
        await room.manager.data(RECEIVE, input={**base, "itemId": other["id"], "quantity": 1})
    )["receiveStock"]
    assert [e["code"] for e in wrong["userErrors"]] == ["WRONG_ITEM"]
    rest = await receive(room.manager, gloves, room.cabinet, 6, purchaseOrderLineId=line["id"])
    assert rest["movements"][0]["kind"] == "RECEIVE"
    orders = {o["id"]: o for o in (await room.manager.data(ORDERS))["purchaseOrders"]}
    assert orders[order["id"]]["status"] == "RECEIVED"
    closed = await room.manager.data(CLOSE_PO, input={"purchaseOrderId": order["id"]})
    assert closed["closePurchaseOrder"]["purchaseOrder"]["status"] == "CLOSED"
    empty = (await room.manager.data(CREATE_PO, input={"supplierId": supplier["id"], "lines": []}))[
        "createPurchaseOrder"
    ]
    assert [(e["code"], e["field"]) for e in empty["userErrors"]] == [("REQUIRED", ["lines"])]


async def test_reorder_suggestions_reach_par_level_with_recent_use_and_open_orders(runtime, client):
    room = await make_stockroom(runtime, client)
    supplier = await _supplier(room.manager, "McKesson (reorder test)")
    syringes = await make_item(
        room.manager,
        name="Syringes (reorder test)",
        reorderPoint=20,
        parLevel=100,
        preferredSupplierId=supplier["id"],
    )
    await receive(room.manager, syringes, room.cabinet, 50)
    nurse = await client.login("nurse")
    use = {"itemId": syringes["id"], "stockLocationId": room.cabinet, "quantity": 30}
    await nurse.data(CONSUME, input=use)  # 30 used in the last 30 days: 1 a day; 20 left
    await room.manager.data(
        CREATE_PO,
        input={"supplierId": supplier["id"], "lines": [{"itemId": syringes["id"], "quantity": 5}]},
    )  # a draft: not on order
    groups = (await room.manager.data(SUGGEST, days=30, lead=7))["suggestReorder"]
    mine = [g for g in groups if g["supplier"] and g["supplier"]["name"] == supplier["name"]]
    assert mine == [
        {
            "supplier": {"name": supplier["name"]},
            "suggestions": [
                {
                    "item": {"name": "Syringes (reorder test)"},
                    "onHand": 20,
                    "onOrder": 0,
                    "averageDailyUse": 1.0,
                    "quantity": 87,  # up to 100, plus 7 days of use, less 20 on hand
                }
            ],
        }
    ]
