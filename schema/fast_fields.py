"""Guarded attribute fields resolved without Strawberry's per-field machinery.

A field declared `strawberry.field(extensions=guard(Can(...)))` with no resolver of its own is,
once allowed, a plain attribute. Strawberry would still wrap every row's read in an `Info`, its
argument conversion and the `Guard` extension; on a day of 1,000 visits that was a third of the
time. After the schema is built, `install` gives each such field a plain synchronous resolver
derived from the same declaration (the `Guard` stays the single source of truth, and what the
guard test walks). Its decision is Guard's own, made once per operation for the field's list of
`Can`s (`permissions.decided`), and a refusal takes Guard's own path: the masked value, or
FORBIDDEN with the `denied` audit event against the patient. A break-glass field the roles do
not allow goes on to Guard, which asks per patient.

The `id` of a Relay node type that keeps Strawberry's own `resolve_id`/`resolve_typename` is
likewise read straight from its `NodeID` attribute.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry import relay
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from schema.permissions import Can, Guard, decided

Resolve = Callable[..., Any]


def _fast(field: StrawberryField, guard: Guard, slow: Resolve) -> Resolve:
    name, read, policy = field.python_name, field.default_resolver, guard.policy
    break_glass = any(can.break_glass for can in guard.cans)

    def resolve(source: Any, info: GraphQLResolveInfo, **kwargs: Any) -> Any:
        held = decided(info, policy)
        if held is None:
            return read(source, name)
        if break_glass:
            return slow(source, info, **kwargs)  # per patient, asynchronously: Guard decides
        return guard.refused(source, info, held)

    return resolve


def _guarded_attribute(field: StrawberryField) -> Guard | None:
    """The Guard of a field that is an attribute behind it and nothing else."""
    if field.base_resolver is not None or field.permission_classes or len(field.extensions) != 1:
        return None
    (extension,) = field.extensions
    if type(extension) is not Guard or not extension.permissions:
        return None
    if not all(isinstance(p, Can) for p in extension.permissions):
        return None
    return extension


_NODE_ID = relay.Node.__dict__["_id"].__func__


def _node_type(schema: strawberry.Schema, name: str, field: StrawberryField) -> type | None:
    """The class of a Relay node type whose `id` field is Strawberry's, resolved the default
    way (None for any other field)."""
    resolver = field.base_resolver
    if resolver is None or getattr(resolver.wrapped_func, "__func__", None) is not _NODE_ID:
        return None
    if field.extensions or field.permission_classes:
        return None
    definition = schema.get_type_by_name(name)
    if not isinstance(definition, StrawberryObjectDefinition):
        return None
    origin = definition.origin
    for method in ("resolve_id", "resolve_typename"):
        if getattr(origin, method).__func__ is not getattr(relay.Node, method).__func__:
            return None
    return origin


def _fast_id(origin: type, slow: Resolve) -> Resolve:
    attribute = origin.resolve_id_attr()  # type: ignore[attr-defined]

    def resolve(source: Any, info: GraphQLResolveInfo, **kwargs: Any) -> Any:
        if type(source) is not origin:
            return slow(source, info, **kwargs)
        return relay.GlobalID(info.parent_type.name, str(getattr(source, attribute)))

    return resolve


def install(schema: strawberry.Schema) -> int:
    """Give every guarded attribute field and default node id its fast resolver; returns how
    many."""
    installed = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for graphql_field in graphql_type.fields.values():
            field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(field, StrawberryField) or graphql_field.resolve is None:
                continue
            guard = _guarded_attribute(field)
            origin = _node_type(schema, graphql_type.name, field)
            if guard is not None:
                graphql_field.resolve = _fast(field, guard, graphql_field.resolve)
            elif origin is not None:
                graphql_field.resolve = _fast_id(origin, graphql_field.resolve)
            else:
                continue
            installed += 1
    return installed
