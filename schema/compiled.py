"""Registered queries executed from a plan made once per document (issue 9).

graphql-core resolves every field of every object the same way: a `GraphQLResolveInfo`, the
field's resolver (Strawberry's wrapper around an attribute read), value completion. For a
registered query the selection never changes, so `compile_operation` walks it once, when the
document is prepared (schema/persisted.py), and decides per object type what each response key
is: a plain attribute leaf, a guarded attribute leaf (schema/fast_fields.py), a Relay node's
`id`, `__typename`, or a field that needs the executor (a resolver, an object, a list).

`CompiledExecutor` is graphql-core's executor with the selection sets of that plan executed by
`_run`: leaves are read and serialized directly (a guarded one when the operation's roles hold
its policy, decided once per operation and policy, `permissions.decided`); every other field
goes through the executor's own `execute_field` (same resolvers, loaders, guards, audit), and
objects it completes come back to `_run` with their planned selection. Whatever a direct read
would not answer exactly as the executor does (a null for a non-null field, an unexpected
value, a refused policy) is handed to `execute_field` too, so errors, nulls and their paths are
the executor's own. A document the plan cannot describe statically (directives, abstract
types, fragments on other types, introspection, non-queries) is not compiled at all: it runs
on the normal executor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry import relay
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from schema.fast_fields import guarded_attribute
from schema.permissions import Policy, decided
from schema.prepared import PREPARED

_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
_NODE_ID = relay.Node.__dict__["_id"].__func__

# what a response key is
LEAF, GUARDED, NODE_ID, TYPENAME, FIELD = range(5)


class CannotCompile(Exception):
    """The selection holds something only the normal executor answers."""


@dataclass(frozen=True, slots=True)
class Entry:
    key: str  # the response key (alias or name)
    kind: int
    details: list[FieldDetails]  # as graphql-core's executor takes them, for execute_field
    read: Callable[[Any], Any] | None = None  # the attribute a leaf reads
    serialize: Callable[[Any], Any] | None = None
    non_null: bool = False
    policy: Policy | None = None  # GUARDED: held by the operation's roles -> read directly
    origin: type | None = None  # NODE_ID: the class whose attribute holds the node id


@dataclass(frozen=True, slots=True)
class ObjectPlan:
    type: GraphQLObjectType
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Plan:
    operation: OperationDefinitionNode
    root: ObjectPlan
    # the planned selection of an object a delegated field completes: (id(details), type name)
    objects: dict[tuple[int, str], ObjectPlan] = field(default_factory=dict)


def compile_operation(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
) -> Plan | None:
    """The operation's plan, or None when the normal executor must run it."""
    if operation.operation is not OperationType.QUERY or operation.directives:
        return None
    root_type = schema.query_type
    assert root_type is not None
    try:
        objects: dict[tuple[int, str], ObjectPlan] = {}
        root = _object(root_type, [operation.selection_set], fragments, objects)
    except CannotCompile:
        return None
    return Plan(operation, root, objects)


def _object(
    type_: GraphQLObjectType,
    selections: Sequence[SelectionSetNode],
    fragments: dict[str, FragmentDefinitionNode],
    objects: dict[tuple[int, str], ObjectPlan],
) -> ObjectPlan:
    grouped: dict[str, list[FieldNode]] = {}
    for selection_set in selections:
        _collect(type_, selection_set, fragments, grouped, set())
    entries = []
    for key, nodes in grouped.items():
        details = [FieldDetails(node, None) for node in nodes]
        name = nodes[0].name.value
        if name == "__typename":
            entries.append(Entry(key, TYPENAME, details))
            continue
        if name.startswith("__") or name not in type_.fields:
            raise CannotCompile(name)
        graphql_field = type_.fields[name]
        named = get_named_type(graphql_field.type)
        if is_object_type(named):
            sub = [node.selection_set for node in nodes if node.selection_set]
            objects[(id(details), named.name)] = _object(named, sub, fragments, objects)
        elif not is_leaf_type(named):  # an interface or a union: its type is known at runtime
            raise CannotCompile(name)
        entries.append(_leaf(type_, key, details, graphql_field) or Entry(key, FIELD, details))
    return ObjectPlan(type_, tuple(entries))


def _collect(
    type_: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    grouped: dict[str, list[FieldNode]],
    spread: set[str],
) -> None:
    """graphql-core's field collection, for selections that apply to `type_` whatever the
    variables (no directives, fragments on the type itself)."""
    for selection in selection_set.selections:
        if selection.directives:
            raise CannotCompile("directive")
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            grouped.setdefault(key, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if condition is not None and condition.name.value != type_.name:
                raise CannotCompile("fragment on another type")
            _collect(type_, selection.selection_set, fragments, grouped, spread)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in spread:
                continue
            spread.add(name)
            fragment = fragments.get(name)
            if fragment is None or fragment.type_condition.name.value != type_.name:
                raise CannotCompile("fragment on another type")
            _collect(type_, fragment.selection_set, fragments, grouped, spread)
        else:
            raise CannotCompile("unknown selection")


def _leaf(
    type_: GraphQLObjectType, key: str, details: list[FieldDetails], graphql_field: GraphQLField
) -> Entry | None:
    """The entry of a leaf read straight from its source, if the field is one."""
    return_type = graphql_field.type
    non_null = isinstance(return_type, GraphQLNonNull)
    leaf = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    definition = (graphql_field.extensions or {}).get(_BACKREF)
    if not isinstance(leaf, GraphQLLeafType) or not isinstance(definition, StrawberryField):
        return None
    if graphql_field.args or any(d.node.arguments for d in details):
        return None
    name, default = definition.python_name, definition.default_resolver
    read = _reader(default, name)
    serialize = leaf.coerce_output_value
    if getattr(graphql_field.resolve, "_is_default", False) and definition.base_resolver is None:
        return Entry(key, LEAF, details, read, serialize, non_null)
    guard = guarded_attribute(definition)
    if guard is not None and not any(can.break_glass for can in guard.cans):
        return Entry(key, GUARDED, details, read, serialize, non_null, guard.policy)
    origin = _node_origin(type_, definition)
    if origin is not None:
        attribute = origin.resolve_id_attr()  # type: ignore[attr-defined]
        return Entry(
            key, NODE_ID, details, _reader(getattr, attribute), serialize, non_null, None, origin
        )
    return None


def _reader(default: Callable[[Any, str], Any], name: str) -> Callable[[Any], Any]:
    return lambda source: default(source, name)


def _node_origin(type_: GraphQLObjectType, definition: StrawberryField) -> type | None:
    """The class of a Relay node type whose `id` is Strawberry's own (see fast_fields)."""
    resolver = definition.base_resolver
    if resolver is None or getattr(resolver.wrapped_func, "__func__", None) is not _NODE_ID:
        return None
    if definition.extensions or definition.permission_classes:
        return None
    object_definition = (type_.extensions or {}).get(_BACKREF)
    if not isinstance(object_definition, StrawberryObjectDefinition):
        return None
    origin = object_definition.origin
    for method in ("resolve_id", "resolve_typename"):
        if getattr(origin, method).__func__ is not getattr(relay.Node, method).__func__:
            return None
    return origin


class _Decides:
    """What `permissions.decided` needs of a resolve info: the context."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


_UNREAD = object()


class CompiledExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, running a registered query's planned selections with `_run`."""

    _plan: Plan | None = None
    _held: dict[Policy, bool]

    def execute_collected_root_fields(  # type: ignore[no-untyped-def]
        self, root_type, root_value, grouped_field_set, serially, new_defer_usages
    ):
        plan = self._compiled()
        if plan is None or serially:
            return super().execute_collected_root_fields(
                root_type, root_value, grouped_field_set, serially, new_defer_usages
            )
        self._plan, self._held = plan, {}
        return self._run(plan.root, root_value, None)

    def collect_and_execute_subfields(  # type: ignore[no-untyped-def]
        self, return_type, field_details_list, path, result, position_context
    ):
        plan = self._plan
        if plan is not None:
            planned = plan.objects.get((id(field_details_list), return_type.name))
            if planned is not None:
                return self._run(planned, result, path)
        return super().collect_and_execute_subfields(
            return_type, field_details_list, path, result, position_context
        )

    def _compiled(self) -> Plan | None:
        prepared = PREPARED.get()
        plan = prepared.plan if prepared is not None else None
        if plan is None or plan.operation is not self.operation:
            return None
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return None  # an extension resolves every field: the executor must call it
        context = self.context_value
        return plan if context.runtime.settings.compiled_operations else None

    def _allowed(self, policy: Policy) -> bool:
        """Whether the operation's roles hold `policy`, asked once per operation; a caller
        the decision refuses outright (no actor) takes the executor's path, field by field."""
        held = self._held.get(policy)
        if held is None:
            try:
                held = decided(_Decides(self.context_value), policy) is None
            except Exception:
                held = False
            self._held[policy] = held
        return held

    def _run(self, plan: ObjectPlan, source: Any, path: Path | None) -> Any:
        """graphql-core's `execute_fields` for a planned selection: leaves read directly."""
        parent = plan.type
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for entry in plan.entries:
                key, kind = entry.key, entry.kind
                if kind is TYPENAME:
                    results[key] = parent.name
                    continue
                if kind is LEAF or (kind is GUARDED and self._allowed(entry.policy)):  # type: ignore[arg-type]
                    value = _leaf_value(entry, source)
                    if value is not _UNREAD:
                        results[key] = value
                        continue
                elif kind is NODE_ID and type(source) is entry.origin:
                    value = _node_id(entry, parent.name, source)
                    if value is not _UNREAD:
                        results[key] = value
                        continue
                result = self.execute_field(
                    parent, source, entry.details, Path(path, key, parent.name), None
                )
                if result is Undefined:
                    continue
                results[key] = result
                if is_awaitable(result):
                    awaitable_fields.append(key)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[key] for key in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                key = awaitable_fields[0]
                results[key] = await results[key]
            else:
                awaited = await gather_with_cancel(*(results[key] for key in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()


def _leaf_value(entry: Entry, source: Any) -> Any:
    """The serialized attribute, null for a nullable field, or _UNREAD: the executor answers."""
    try:
        value = entry.read(source)  # type: ignore[misc]
        if value is None:
            return _UNREAD if entry.non_null else None
        if isinstance(value, Exception):
            return _UNREAD
        serialized = entry.serialize(value)  # type: ignore[misc]
    except Exception:
        return _UNREAD
    return _UNREAD if serialized is None or serialized is Undefined else serialized


def _node_id(entry: Entry, type_name: str, source: Any) -> Any:
    try:
        value = relay.GlobalID(type_name, str(entry.read(source)))  # type: ignore[misc]
        serialized = entry.serialize(value)  # type: ignore[misc]
    except Exception:
        return _UNREAD
    return _UNREAD if serialized is None or serialized is Undefined else serialized
