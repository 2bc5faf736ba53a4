"""`node(id:)`/`nodes(ids:)` for types backed by table rows, under each type's read policy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from graphql import GraphQLInterfaceType, GraphQLSchema
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


NODE_DESCRIPTION = (
    "An object with a global id, which node(id:) fetches again whatever its type (a Relay "
    "Node). Reading it through node or nodes takes the same roles as reading it elsewhere."
)
NODE_ID_DESCRIPTION = (
    "The object's global id: opaque, stable, and unique across all types. Use it with "
    "node(id:) and wherever an input names this object."
)


def describe_node_interface(schema: GraphQLSchema) -> None:
    """Strawberry's `relay.Node` carries fixed descriptions; ours say how ids are used here.

    Set on the built schema (what introspection and the SDL printer read), not on Strawberry's
    class, so no other schema in the process is touched."""
    node = schema.type_map.get("Node")
    if not isinstance(node, GraphQLInterfaceType):
        return
    node.description = NODE_DESCRIPTION
    node.fields["id"].description = NODE_ID_DESCRIPTION
    for implementation in schema.get_possible_types(node):
        implementation.fields["id"].description = NODE_ID_DESCRIPTION
