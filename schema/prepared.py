"""A registered document, parsed and checked once per process (schema/persisted.py), and the
hand-over to the schema's extensions: the view sets `PREPARED` for the operation it runs (its
own task), and the parse, validation and cost steps take the stored verdict instead of working.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import ParserCache
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType


@dataclass(frozen=True)
class Prepared:
    sha256: str
    text: str
    document: DocumentNode | None  # None when it no longer parses (a lower max_tokens)
    errors: tuple[GraphQLError, ...]  # the bounds and validation verdict: empty when valid
    operation_type: OperationType | None
    cost_bounded: bool  # its cost, whatever the variables, is within max_query_cost


PREPARED: ContextVar[Prepared | None] = ContextVar("prepared", default=None)


def prepared_for(context: ExecutionContext) -> Prepared | None:
    """The prepared document this operation executes, if any."""
    prepared = PREPARED.get()
    if prepared is None or prepared.document is None:
        return None
    if context.graphql_document is not None:
        return prepared if prepared.document is context.graphql_document else None
    return prepared if prepared.text is context.query else None


class Documents(ParserCache):
    """Strawberry's parser cache, which hands a registered document over unparsed."""

    def on_parse(self):  # type: ignore[no-untyped-def]
        prepared = prepared_for(self.execution_context)
        if prepared is None:
            yield from super().on_parse()
            return
        self.execution_context.graphql_document = prepared.document
        yield
