"""The demo seed's inventory: vaccines with NDCs and lots, supplies, an ECG machine; some items
below their reorder point and some lots near expiry, as the alerts show."""

from app.seed import seed_demo
from tests.inventory.support import LEVELS

ALERTS = "query { inventoryAlerts { kind onHand item { sku } lot { lotNumber } } }"
ITEMS = 'query { items(search: "ecg") { edges { node { sku category onHand } } } }'


async def test_the_demo_has_stock_low_items_and_lots_near_expiry(runtime, client):
    await seed_demo(runtime)
    manager = await client.login("inventory_manager")
    alerts = (await manager.data(ALERTS))["inventoryAlerts"]
    assert sorted(
        (a["kind"], a["item"]["sku"], (a["lot"] or {}).get("lotNumber")) for a in alerts
    ) == [
        ("EXPIRING", "MED-LIDO1", "LD9931"),
        ("EXPIRING", "VAC-FLU4", "UT8123BA"),
        ("LOW_STOCK", "MED-LIDO1", None),
        ("LOW_STOCK", "MED-LORAZ2", None),
        ("LOW_STOCK", "SUP-GAUZE", None),
        ("LOW_STOCK", "VAC-TDAP", None),
    ]
    flu = next(a for a in alerts if a["lot"] and a["lot"]["lotNumber"] == "UT8123BA")
    assert flu["onHand"] == 18  # 30 received, the first-expiring lot used first (12)
    ecg = (await manager.data(ITEMS))["items"]["edges"]
    assert [e["node"] for e in ecg] == [{"sku": "EQP-ECG12", "category": "EQUIPMENT", "onHand": 1}]
    assert (await manager.data(LEVELS))["stockLevels"]["totalCount"] == 10
