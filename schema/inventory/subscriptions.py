"""inventoryAlert: low stock and lots about to expire, pushed after the commit that caused them."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.types import Info

from app.inventory.events import InventoryAlertRaised
from schema.context import Context
from schema.inventory.types import InventoryAlert
from schema.permissions import can


@strawberry.type
class InventorySubscriptions:
    @strawberry.subscription(
        extensions=can("inventory", "read"),
        description="Each new alert, from any server process, once the movement that caused it "
        "commits: an item falling to or below its reorder point, or a lot received that expires "
        "within the practice's alert window.",
    )
    async def inventory_alert(
        self, info: Info[Context, Any]
    ) -> AsyncGenerator[InventoryAlert, None]:
        op = info.context.op
        async with info.context.runtime.bus.subscribe() as queue:
            while True:
                event = await queue.get()
                if not isinstance(event, InventoryAlertRaised):
                    continue
                yield InventoryAlert.of(event)
                await op.renew()  # end the read transaction before waiting for the next one
