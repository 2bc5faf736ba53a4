"""Query cost, estimated from the document before anything executes (issue 8).

The cost is an upper estimate of the fields a response could hold: every field counts once
per object it is selected on, and a list multiplies what is selected below it by its size:
`first` (else max_page_size) for a connection's edges, the ids given to `nodes`, the days of
the window times APPOINTMENTS_PER_DAY for `appointments`, PLAIN_LISTS for the lists bounded by
their parent, and the schema's own sizes for introspection. Over the limit the operation is
refused with QUERY_TOO_COSTLY, naming both numbers, before any SQL runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    ValueNode,
    VariableNode,
    get_introspection_query,
    get_named_type,
    get_nullable_type,
    is_list_type,
    parse,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from schema.prepared import prepared_for

APPOINTMENTS_PER_DAY = 50  # across the practice; `appointments` spans at most 62 days
MAX_WINDOW_DAYS = 62
# Lists bounded by their parent or by the practice's size: what each may reasonably hold.
# tests/core/test_query_cost.py fails when a list of objects in the schema has no entry.
PLAIN_LISTS: dict[tuple[str, str], float] = {
    ("Query", "locations"): 10,
    ("Query", "providers"): 30,
    ("Query", "appointmentTypes"): 30,
    ("Query", "rooms"): 20,
    ("Query", "myPatients"): 10,  # a portal login's own patients and those it is proxy for
    ("AccountsReceivable", "byPayer"): 20,  # the practice's payers with money owed
    ("AccountsReceivable", "byPatient"): 200,  # patients with an open balance
    ("Query", "roles"): 20,
    ("Query", "permissionCatalog"): 60,
    ("Location", "rooms"): 20,
    ("Location", "providers"): 30,
    ("Provider", "locations"): 10,
    ("Provider", "availability"): 20,
    ("Provider", "exceptions"): 30,
    ("DaySchedule", "providers"): 20,
    ("ProviderDay", "appointments"): 40,
    ("AppointmentSeries", "appointments"): 104,  # a series has at most 104 occurrences
    ("AppointmentsPayload", "appointments"): 104,
    ("RecurringAppointmentsPayload", "appointments"): 104,
    ("RecurringAppointmentsPayload", "skipped"): 104,
    ("Patient", "allergies"): 20,
    ("Patient", "problems"): 20,
    ("Patient", "coverages"): 5,
    ("Patient", "notes"): 50,
    ("SlotSearch", "slots"): 500,  # a search returns at most 500
    ("WaitlistEntry", "offers"): 10,
    ("Role", "permissions"): 60,
    # inventory (expiringLots, inventoryAlerts and purchaseOrders are capped by their fields)
    ("Query", "stockLocations"): 50,
    ("Query", "suppliers"): 50,
    ("Query", "expiringLots"): 500,
    ("Query", "inventoryAlerts"): 500,
    ("Query", "purchaseOrders"): 200,
    ("Query", "suggestReorder"): 20,
    ("ReorderGroup", "suggestions"): 100,
    ("PurchaseOrder", "lines"): 50,
    ("StockMovementsPayload", "movements"): 20,
    ("Query", "stockCounts"): 50,
    ("StockCount", "lines"): 200,
    ("InventoryValuation", "items"): 1000,
    # billing: an encounter holds at most 12 diagnoses; lines and claims per visit are few
    ("Query", "payers"): 50,
    ("Query", "feeSchedules"): 20,
    ("FeeSchedule", "entries"): 300,
    ("Encounter", "diagnoses"): 12,
    ("Encounter", "chargeLines"): 20,
    ("Encounter", "claims"): 5,
    ("Claim", "lines"): 20,
    ("Claim", "events"): 20,
    ("ScrubPayload", "problems"): 20,
    ("Query", "claimBatches"): 100,  # capped by its field
    ("GenerateClaimBatchPayload", "claims"): 100,  # up to 5,000; most batches are far smaller
    ("ImportAcknowledgementPayload", "claims"): 100,
    # remittances: a file holds a few transactions; the queue is read a page at a time
    ("ImportRemittancePayload", "remittances"): 10,
    ("Query", "remittanceWorkQueue"): 200,
}
USER_ERRORS = 10  # any payload's userErrors


def introspection_sizes(schema: GraphQLSchema) -> dict[tuple[str, str], float]:
    """The introspection lists' sizes in this schema: how many types and directives, and on
    average how many fields, arguments, values... a type has. A type reference's `ofType`
    counts half: most references wrap a named type in one or two levels, not in eight."""
    types = list(schema.type_map.values())

    def average(of: Callable[[Any], int], kinds: tuple[type, ...]) -> float:
        counts = [of(t) for t in types if isinstance(t, kinds)]
        return max(1.0, sum(counts) / len(counts)) if counts else 1.0

    objects = (GraphQLObjectType, GraphQLInterfaceType)
    fields = [f for t in types if isinstance(t, objects) for f in t.fields.values()]
    return {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(schema.directives),
        ("__Type", "fields"): average(lambda t: len(t.fields), objects),
        ("__Type", "inputFields"): average(lambda t: len(t.fields), (GraphQLInputObjectType,)),
        ("__Type", "enumValues"): 10,
        ("__Type", "interfaces"): 2,
        ("__Type", "possibleTypes"): average(lambda t: len(t.types), (GraphQLUnionType,)) + 5,
        ("__Type", "ofType"): 0.5,
        ("__Field", "args"): max(1.0, sum(len(f.args) for f in fields) / max(len(fields), 1)),
        ("__Directive", "args"): 3,
    }


class QueryCost:
    """The cost of one operation with its variables. Each selection set is costed once per
    (type, page size): fragments spread many times are no more work to cost."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        sizes: Mapping[tuple[str, str], float],
        max_page_size: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.sizes = sizes
        self.max_page_size = max_page_size
        self._known: dict[tuple[int, str, float | None], float] = {}

    def of(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        if root is None:  # validation refuses it
            return 0
        return math.ceil(self._set(operation.selection_set, root, None))

    def _set(self, selections: SelectionSetNode, parent: Any, page: float | None) -> float:
        key = (id(selections), parent.name, page)
        if key not in self._known:
            self._known[key] = sum(
                self._field(f, t, page) for f, t in self._fields(selections, parent)
            )
        return self._known[key]

    def _fields(self, selections: SelectionSetNode, parent: Any) -> Iterator[tuple[FieldNode, Any]]:
        """The fields selected on `parent`, through inline fragments and spreads (each fragment
        once, as execution collects them); a type condition selects on that type."""
        seen: set[str] = set()
        pending = [(selections, parent)]
        while pending:
            current, on = pending.pop()
            for selection in current.selections:
                if isinstance(selection, FieldNode):
                    yield selection, on
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    pending.append((selection.selection_set, self._type(condition, on)))
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self.fragments.get(selection.name.value)
                    if fragment is not None and fragment.name.value not in seen:
                        seen.add(fragment.name.value)
                        condition = fragment.type_condition
                        pending.append((fragment.selection_set, self._type(condition, on)))

    def _type(self, condition: Any, default: Any) -> Any:
        return self.schema.type_map.get(condition.name.value, default) if condition else default

    def _field(self, node: FieldNode, parent: Any, page: float | None) -> float:
        below = node.selection_set
        if below is None or not below.selections:
            return 1
        definition = _definition(self.schema, parent, node.name.value)
        if definition is None:  # validation refuses it
            return 1
        returns = get_nullable_type(definition.type)
        target = get_named_type(returns)
        args = {a.name.value: a.value for a in node.arguments or ()}
        size = self._size(parent.name, node.name.value, args, page) if is_list_type(returns) else 1
        if (parent.name, node.name.value) == ("__Type", "ofType"):
            size = self.sizes[("__Type", "ofType")]
        inner_page = self._page(args) if "first" in definition.args else None
        return 1 + size * self._set(below, target, inner_page)

    def _size(
        self, parent: str, name: str, args: dict[str, ValueNode], page: float | None
    ) -> float:
        if page is not None:  # a connection's edges
            return page
        if (parent, name) == ("Query", "nodes"):
            ids = self._value(args.get("ids"))
            return len(ids) if isinstance(ids, list) else self.max_page_size
        if (parent, name) == ("Query", "appointments"):
            return self._days(args) * APPOINTMENTS_PER_DAY
        if name == "userErrors":
            return USER_ERRORS
        return self.sizes.get((parent, name), self.max_page_size)

    def _page(self, args: dict[str, ValueNode]) -> float:
        first = self._value(args.get("first"))
        if isinstance(first, int) and not isinstance(first, bool):
            return max(0, min(first, self.max_page_size))  # past the maximum is refused anyway
        return self.max_page_size

    def _days(self, args: dict[str, ValueNode]) -> int:
        start, end = self._value(args.get("from")), self._value(args.get("to"))
        try:
            span = datetime.fromisoformat(end) - datetime.fromisoformat(start)
            return max(1, min(math.ceil(span.total_seconds() / 86400), MAX_WINDOW_DAYS))
        except (TypeError, ValueError):  # absent or malformed: refused later, or the longest
            return MAX_WINDOW_DAYS

    def _value(self, node: ValueNode | None) -> Any:
        if node is None:
            return None
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, ListValueNode):
            return [self._value(v) for v in node.values]
        return value_from_ast_untyped(node, dict(self.variables))


def _definition(schema: GraphQLSchema, parent: Any, name: str) -> Any:
    if parent is schema.query_type and name in _META_FIELDS:
        return _META_FIELDS[name]
    return getattr(parent, "fields", {}).get(name)


_META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}


def cost_limit(max_cost: int, max_page_size: int) -> Callable[[], SchemaExtension]:
    """Refuses, before execution (and before any SQL), an operation costing over `max_cost`."""
    # the list sizes and the full introspection's cost, once the schema exists
    known: list[tuple[dict[tuple[str, str], float], float]] = []

    class CostLimit(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            context = self.execution_context
            prepared = prepared_for(context)
            if prepared is not None and prepared.cost_bounded:  # within, whatever the variables
                yield
                return
            document = context.graphql_document
            assert document is not None
            schema = context.schema._schema
            if not known:  # one schema per extension factory (create_schema makes both)
                sizes = {**PLAIN_LISTS, **introspection_sizes(schema)}
                known.append((sizes, full_introspection_cost(schema, sizes)))
            sizes, schema_cost = known[0]
            operation = operation_named(document.definitions, context.operation_name)
            if operation is not None:
                fragments = {
                    d.name.value: d
                    for d in document.definitions
                    if isinstance(d, FragmentDefinitionNode)
                }
                cost = QueryCost(schema, fragments, context.variables or {}, sizes, max_page_size)
                estimate = cost.of(operation)
                limit = (
                    max(max_cost, schema_cost) if asks_only_for_the_schema(operation) else max_cost
                )
                if estimate > limit:
                    raise GraphQLError(
                        f"This operation could cost {estimate} (an estimate of the fields its "
                        f"response could hold); the limit is {limit}. Ask for smaller pages, "
                        "shorter windows or fewer nested lists.",
                        extensions={
                            "code": "QUERY_TOO_COSTLY",
                            "cost": estimate,
                            "maxCost": limit,
                        },
                    )
            yield

    return CostLimit


def asks_only_for_the_schema(operation: OperationDefinitionNode) -> bool:
    """Whether every root field is `__schema` or `__type`: the schema's own description."""
    roots = operation.selection_set.selections
    return all(isinstance(s, FieldNode) and s.name.value in _META_FIELDS for s in roots)


def full_introspection_cost(schema: GraphQLSchema, sizes: Mapping[tuple[str, str], float]) -> float:
    """The cost of the introspection query GraphiQL and code generators send. A description of
    the schema is bounded by the schema, not by the caller, so it may cost this much however
    large the schema grows (depth and alias limits still apply, schema/bounds.py)."""
    document = parse(
        get_introspection_query(
            descriptions=True,
            specified_by_url=True,
            directive_is_repeatable=True,
            schema_description=True,
            input_value_deprecation=True,
        )
    )
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operation = operation_named(document.definitions, None)
    assert operation is not None
    return QueryCost(schema, fragments, {}, sizes, 0).of(operation)


def operation_named(definitions: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)
