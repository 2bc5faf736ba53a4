"""Cheap bounds on a document, checked before full validation (issues 8 and 9).

graphql-core's validation is not linear: fields that share a response name in one selection set
are compared in pairs (OverlappingFieldsCanBeMerged), so 300 copies of `me { username }` (4 KB,
any anonymous caller) cost about a second. Strawberry's depth and alias rules follow every
fragment spread without memory, so fragments that each spread the one before twice cost time
exponential in their number. This pass walks the document once, with no schema, and refuses it
when it is too deep (introspection fields count), holds too many aliases, or repeats response
names too often; only then does full validation run, its verdict cached by the document's
tokens (comments and layout do not make a document new).
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Token,
    TokenKind,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from schema.prepared import prepared_for


@dataclass(frozen=True)
class DocumentLimits:
    max_depth: int
    max_aliases: int
    max_repeated_fields: int


@dataclass
class _Definition:
    """What one operation or fragment holds, fragments not followed."""

    depth: int = 0  # the deepest field below the root, in levels of selection sets
    spreads: list[tuple[int, str]] = field(default_factory=list)  # (level, fragment) anywhere
    root_names: Counter[str] = field(default_factory=Counter)  # response names of the root set
    root_spreads: set[str] = field(default_factory=set)  # fragments spread into the root set


@dataclass
class _Walk:
    aliases: int = 0
    sets: list[tuple[Counter[str], set[str]]] = field(default_factory=list)  # names, spreads


def document_errors(document: DocumentNode, limits: DocumentLimits) -> list[GraphQLError]:
    """The limits this document breaks; each is one error, with no location (the document as a
    whole is refused). Linear in the document's size, whatever its fragments do."""
    walk = _Walk()
    operations: dict[str, _Definition] = {}
    fragments: dict[str, _Definition] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            name = definition.name.value if definition.name else "anonymous"
            operations[name] = _summarize(definition.selection_set, walk)
        elif isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = _summarize(definition.selection_set, walk)
    depths, names = _follow(fragments)
    errors = []
    for name, operation in operations.items():
        depth = max([operation.depth, *(at + depths.get(f, 0) for at, f in operation.spreads)])
        if depth > limits.max_depth:
            errors.append(f"'{name}' exceeds maximum operation depth of {limits.max_depth}")
    if walk.aliases > limits.max_aliases:
        errors.append(f"{walk.aliases} aliases found. Allowed: {limits.max_aliases}")
    # extra occurrences of a response name within one selection set, fragments included
    repeats = sum(_extra(own + _brought(spreads, names)) for own, spreads in walk.sets)
    if repeats > limits.max_repeated_fields:
        errors.append(
            f"{repeats} repeated fields found (a response name selected again in the same "
            f"selection set, fragments included). Allowed: {limits.max_repeated_fields}"
        )
    return [GraphQLError(message) for message in errors]


def _summarize(root: SelectionSetNode, walk: _Walk) -> _Definition:
    summary = _Definition()
    summary.root_names, summary.root_spreads = _selection_set(root, 0, summary, walk)
    return summary


def _selection_set(
    selection_set: SelectionSetNode, level: int, summary: _Definition, walk: _Walk
) -> tuple[Counter[str], set[str]]:
    """Walks one selection set (its inline fragments merged in, as execution merges them) and
    the sets below it. Recursion follows the document's nesting, which the parser bounds."""
    names: Counter[str] = Counter()
    spreads: set[str] = set()
    for selection in _merged(selection_set):
        if isinstance(selection, FieldNode):
            names[(selection.alias or selection.name).value] += 1
            walk.aliases += selection.alias is not None
            below = selection.selection_set
            if below is not None and below.selections:
                _selection_set(below, level + 1, summary, walk)
            else:
                summary.depth = max(summary.depth, level)
        elif isinstance(selection, FragmentSpreadNode):
            spreads.add(selection.name.value)
            summary.spreads.append((level, selection.name.value))
    walk.sets.append((names, spreads))  # counted once the fragments' names are known
    return names, spreads


def _merged(selection_set: SelectionSetNode) -> Iterator[FieldNode | FragmentSpreadNode]:
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            else:
                yield selection  # type: ignore[misc]


def _follow(
    fragments: dict[str, _Definition],
) -> tuple[dict[str, int], dict[str, Counter[str]]]:
    """Each fragment's depth and the response names it brings into a selection set, spreads
    followed: each fragment computed once (depth first, without recursion), so the work stays
    linear however often fragments spread each other. A spread into a cycle adds nothing here;
    validation reports the cycle."""
    depths: dict[str, int] = {}
    names: dict[str, Counter[str]] = {}
    on_path: set[str] = set()
    for start in fragments:
        if start in depths:
            continue
        stack = [(start, iter(fragments[start].spreads))]
        on_path.add(start)
        while stack:
            current, pending = stack[-1]
            following = next(
                (f for _, f in pending if f in fragments and f not in depths and f not in on_path),
                None,
            )
            if following is not None:
                on_path.add(following)
                stack.append((following, iter(fragments[following].spreads)))
                continue
            summary = fragments[current]
            depths[current] = max(
                [summary.depth, *(at + depths.get(f, 0) for at, f in summary.spreads)]
            )
            names[current] = summary.root_names + _brought(summary.root_spreads, names)
            on_path.discard(current)
            stack.pop()
    return depths, names


def _brought(spreads: set[str], names: dict[str, Counter[str]]) -> Counter[str]:
    return sum((names.get(f, Counter()) for f in spreads), Counter())


def _extra(names: Counter[str]) -> int:
    return sum(count - 1 for count in names.values())


def document_key(document: DocumentNode) -> tuple[tuple[str, str | None], ...] | None:
    """The document's tokens without comments: the same for the same document however it is
    laid out or commented."""
    if document.loc is None:
        return None
    key = []
    token: Token | None = document.loc.start_token
    while token is not None and token.kind != TokenKind.EOF:
        if token.kind != TokenKind.COMMENT:
            key.append((token.kind.value, token.value))
        token = token.next
    return tuple(key)


class _ValidDocuments:
    """The keys of documents that passed validation, least recently used forgotten first.
    Refused documents are not kept: their errors point at places in the text as sent."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._keys: OrderedDict[object, None] = OrderedDict()

    def __contains__(self, key: object) -> bool:
        if key in self._keys:
            self._keys.move_to_end(key)
            return True
        return False

    def add(self, key: object) -> None:
        self._keys[key] = None
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)


def bounded_validation(
    limits: DocumentLimits, hide_suggestions: bool, cache_size: int = 256
) -> Callable[[], SchemaExtension]:
    """The validation step: the cheap bounds first, then graphql-core's rules (with
    "Did you mean ...?" left out when asked), a valid verdict remembered per schema."""
    valid = _ValidDocuments(cache_size)

    class BoundedValidation(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            prepared = prepared_for(context)
            if prepared is not None:  # checked when it was registered (schema/persisted.py)
                context.pre_execution_errors = list(prepared.errors)
                yield
                return
            document = context.graphql_document
            assert document is not None
            errors = document_errors(document, limits)
            key = document_key(document)
            if not errors and (key is None or key not in valid):
                errors = validate_document(
                    context.schema._schema, document, context.validation_rules, hide_suggestions
                )
                if not errors and key is not None:
                    valid.add(key)
            context.pre_execution_errors = errors
            yield

    return BoundedValidation


def validate_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    """graphql-core's validation with the rules strawberry adds to every schema."""
    every_rule = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)
    return validate(schema, document, every_rule, hide_suggestions=hide_suggestions)
