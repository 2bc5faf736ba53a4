"""`node(id:)`/`nodes(ids:)` for types backed by table rows, under each type's read policy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from app.authz import Actor
from schema.context import Context
from schema.ids import key
from schema.permissions import Can

Fetch = Callable[[AsyncSession, Actor, Sequence[int]], Awaitable[Sequence[Any]]]


def plain_rows(model: Any) -> Fetch:
    """Rows by id with no audit: for set-up data that is not about a patient."""

    async def fetch(session: AsyncSession, actor: Actor, ids: Sequence[int]) -> list[Any]:
        return list((await session.scalars(select(model).where(model.id.in_(ids)))).all())

    return fetch


def node_resolver(resource: str, fetch: Fetch) -> Any:
    """A `resolve_nodes` classmethod: checks (resource, read), fetches, builds with from_model."""

    async def resolve_nodes(
        cls: Any, *, info: Info[Context, Any], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        Can(resource, "read").has_permission(None, info)
        op = info.context.op
        wanted = [key(i) for i in node_ids]
        async with op.db() as session:
            rows = await fetch(session, op.staff, [i for i in wanted if i is not None])
        by_id = {row.id: row for row in rows}
        return [cls.from_model(by_id[i]) if i in by_id else None for i in wanted]

    return classmethod(resolve_nodes)
