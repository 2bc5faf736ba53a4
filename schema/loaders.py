"""DataLoaders of rows by primary key, shared by every domain's types."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from app.db import Base
from schema.context import Context

M = TypeVar("M", bound=Base)


def by_id(info: Info[Context, Any], model: type[M]) -> DataLoader[int, M | None]:
    """One SELECT ... WHERE id IN (...) per model per operation level. Not for patient data,
    whose reads must be audited: those have loaders of their own."""
    op = info.context.op

    async def load(ids: list[int]) -> list[M | None]:
        async with op.db() as session:
            rows = await session.scalars(select(model).where(model.id.in_(ids)))  # type: ignore[attr-defined]
            found = {row.id: row for row in rows.all()}  # type: ignore[attr-defined]
        return [found.get(i) for i in ids]

    return op.loader(("by_id", model), load)
