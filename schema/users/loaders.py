"""DataLoaders of the users package: the names of staff behind records, for every domain."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from app.users.service import StaffName, staff_names
from schema.context import Context


def staff_name_by_user_id(info: Info[Context, Any]) -> DataLoader[int, StaffName | None]:
    op = info.context.op

    async def load(ids: list[int]) -> list[StaffName | None]:
        async with op.db() as session:
            found = await staff_names(session, ids)
        return [found.get(i) for i in ids]

    return op.loader("staff_names", load)
