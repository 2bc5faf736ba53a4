"""The item catalog: NDC forms, codes, SKUs, search; who may change it."""

from tests.fixtures.graphql import error_codes
from tests.inventory.support import CREATE_ITEM, make_item, make_stockroom, unique

ITEMS = """
query($search: String, $category: ItemCategory, $first: Int, $after: String) {
  items(search: $search, category: $category, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { sku name category } }
  }
}
"""
UPDATE = """
mutation($input: UpdateItemInput!) {
  updateItem(input: $input) { item { name ndc billingCode reorderPoint active }
                              userErrors { field code } }
}
"""


async def test_an_ndc_in_each_of_its_forms_is_stored_as_eleven_digits(runtime, client):
    room = await make_stockroom(runtime, client)
    for given, stored in (
        ("0006-4047-20", "00006-4047-20"),  # 4-4-2
        ("49281-718-10", "49281-0718-10"),  # 5-3-2
        ("58160-8206-1", "58160-8206-01"),  # 5-4-1
        ("00006404720", "00006-4047-20"),  # 11 digits
        ("00006-4047-20", "00006-4047-20"),  # 5-4-2
    ):
        item = await make_item(room.manager, category="VACCINE", ndc=given, unit="dose")
        assert item["ndc"] == stored


async def test_bad_ndcs_codes_and_duplicate_skus_are_refused(runtime, client):
    room = await make_stockroom(runtime, client)
    taken = await make_item(room.manager)
    for fields, code, field in (
        ({"category": "VACCINE", "ndc": "0006404720"}, "INVALID_NDC", ["ndc"]),
        ({"category": "VACCINE", "ndc": "000-64047-20"}, "INVALID_NDC", ["ndc"]),
        ({"category": "SUPPLY", "ndc": "00006-4047-20"}, "NDC_NOT_ALLOWED", ["ndc"]),
        ({"billingCode": "Z9"}, "INVALID_SUPPLY_CODE", ["billingCode"]),
        ({"reorderPoint": 10, "parLevel": 5}, "INVALID_STOCK_QUANTITY", ["parLevel"]),
        ({"sku": taken["sku"]}, "SKU_TAKEN", ["sku"]),
    ):
        values = {"sku": unique("SKU"), "name": "Bad", "category": "SUPPLY", "unit": "each"}
        payload = (await room.manager.data(CREATE_ITEM, input={**values, **fields}))["createItem"]
        assert payload["item"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    assert (await room.manager.data(ITEMS, search="Bad"))["items"]["totalCount"] == 0


async def test_items_are_searched_by_name_or_sku_and_paged(runtime, client):
    room = await make_stockroom(runtime, client)
    await make_item(room.manager, name="Nitrile gloves M", sku="GLV-M")
    await make_item(room.manager, name="Nitrile gloves L", sku="GLV-L")
    await make_item(room.manager, name="Syringe 3 mL", sku="SYR-3")
    first = (await room.manager.data(ITEMS, search="nitrile", first=1))["items"]
    assert first["totalCount"] == 2 and first["pageInfo"]["hasNextPage"]
    assert [e["node"]["name"] for e in first["edges"]] == ["Nitrile gloves L"]
    rest = await room.manager.data(ITEMS, search="nitrile", after=first["pageInfo"]["endCursor"])
    assert [e["node"]["sku"] for e in rest["items"]["edges"]] == ["GLV-M"]
    by_sku = await room.manager.data(ITEMS, search="syr-")
    assert [e["node"]["name"] for e in by_sku["items"]["edges"]] == ["Syringe 3 mL"]


async def test_update_changes_only_what_is_given(runtime, client):
    room = await make_stockroom(runtime, client)
    item = await make_item(
        room.manager, category="VACCINE", ndc="49281-718-10", billingCode="90686", unit="dose"
    )
    payload = (
        await room.manager.data(
            UPDATE, input={"itemId": item["id"], "reorderPoint": 4, "parLevel": 9}
        )
    )["updateItem"]
    assert payload["userErrors"] == []
    assert payload["item"] == {
        "name": item["name"],
        "ndc": "49281-0718-10",
        "billingCode": "90686",
        "reorderPoint": 4,
        "active": True,
    }
    cleared = await room.manager.data(UPDATE, input={"itemId": item["id"], "billingCode": None})
    assert cleared["updateItem"]["item"]["billingCode"] is None


async def test_only_inventory_managers_change_the_catalog(runtime, client):
    await make_stockroom(runtime, client)
    values = {"sku": unique("SKU"), "name": "Gauze", "category": "SUPPLY", "unit": "each"}
    for username in ("nurse", "front_desk", "biller"):
        user = await client.login(username)
        body = await user.execute(CREATE_ITEM, input=values)
        assert error_codes(body) == ["FORBIDDEN"]
    front_desk = await client.login("front_desk")
    assert error_codes(await front_desk.execute(ITEMS)) == ["FORBIDDEN"]
