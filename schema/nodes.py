"""`node(id:)`/`nodes(ids:)` for types backed by table rows, under each type's read policy.

An id this API never hands out -- malformed, or naming a type that is not a Node -- answers
null with a NOT_FOUND error (per item of `nodes`); a well-formed id of a Node type whose object
does not exist, or is not the caller's to see, answers null without one.
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError, GraphQLInterfaceType, GraphQLSchema
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from app.authz import Actor
from schema.context import Context
from schema.ids import key
from schema.permissions import Can, can

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


def not_found() -> GraphQLError:
    return GraphQLError("No object has this id.", extensions={"code": "NOT_FOUND"})


def _parse(info: Info[Context, Any], node_id: str) -> tuple[type[relay.Node], str] | None:
    """The Node type and key an id names, or None when it names none."""
    try:
        global_id = relay.GlobalID.from_id(node_id)
        return global_id.resolve_type(info), global_id.node_id
    except relay.GlobalIDValueError:
        return None


async def _resolve(info: Info[Context, Any], ids: Sequence[str]) -> list[Any]:
    """Each id's object (or None), one fetch per type; a NOT_FOUND error for unusable ids."""
    parsed = [_parse(info, node_id) for node_id in ids]
    by_type: dict[type[relay.Node], list[str]] = defaultdict(list)
    for found in parsed:
        if found is not None:
            by_type[found[0]].append(found[1])
    resolved: dict[tuple[type[relay.Node], str], Any] = {}
    for node_type, keys in by_type.items():
        nodes = node_type.resolve_nodes(info=info, node_ids=keys, required=False)
        if inspect.isawaitable(nodes):
            nodes = await nodes
        resolved.update(zip(((node_type, k) for k in keys), nodes, strict=True))
    return [not_found() if found is None else resolved[found] for found in parsed]


NodeId = Annotated[strawberry.ID, strawberry.argument(description="The object's global id.")]


@strawberry.type
class NodeQueries:
    @strawberry.field(
        extensions=can("node", "read"),
        description="Any object by its global id, under that type's read policy. Null when it "
        "does not exist or is not the caller's to see; null with a NOT_FOUND error when the id "
        "is malformed or names no object type.",
    )
    async def node(self, info: Info[Context, Any], id: NodeId) -> relay.Node | None:
        [found] = await _resolve(info, [id])
        if isinstance(found, GraphQLError):
            raise found
        return found  # type: ignore[no-any-return]

    @strawberry.field(
        extensions=can("node", "read"),
        description="Objects by global id, in the order asked, each as node(id:) answers it "
        "(a NOT_FOUND error is reported at its position).",
    )
    async def nodes(
        self,
        info: Info[Context, Any],
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="The objects' global ids.")
        ],
    ) -> list[relay.Node | None]:
        return await _resolve(info, ids)
