"""Persisted queries as Apollo's automatic persisted queries (APQ) speak them (issue 9).

A client sends `extensions: {persistedQuery: {version: 1, sha256Hash}}`, with no `query` once
the document is registered. An unknown hash is answered PERSISTED_QUERY_NOT_FOUND (HTTP 200, as
Apollo Server does) and the client sends the document with its hash; a document whose SHA-256
is not the hash is refused (PROVIDED_SHA_DOES_NOT_MATCH, 400). A document is registered when
it parses, holds one operation and passes the bounds and validation, and the caller is signed
in, within `persisted_query_max_bytes`, under `persisted_queries_per_user_hour` registrations
in the last hour, and the table under `persisted_queries_max_rows`; otherwise it runs unregistered.
With `persisted_queries_only` nothing is registered at runtime (`practice queries register`
does it ahead of time) and every other operation is refused (PERSISTED_QUERY_REQUIRED, 400).

Each process keeps the documents it has met parsed, checked and costed (`Prepared`), so a
persisted operation is neither parsed nor validated again.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    specified_rules,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.types.graphql import OperationType

from app import persisted_queries as store
from app.runtime import Runtime
from app.sessions import Bearer, current_actor
from app.transaction import unit_of_work
from schema.bounds import DocumentLimits, document_errors, validate_document
from schema.cost import PLAIN_LISTS, QueryCost, introspection_sizes
from schema.prepared import Prepared

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
MISMATCH = "PROVIDED_SHA_DOES_NOT_MATCH"
REQUIRED = "PERSISTED_QUERY_REQUIRED"
INVALID = "PERSISTED_QUERY_INVALID"


@dataclass(frozen=True)
class DocumentChecks:
    """The checks a document passes before it runs, as create_schema configures them."""

    limits: DocumentLimits
    max_tokens: int
    introspection: bool
    hide_suggestions: bool
    max_cost: int
    max_page_size: int
    _sizes: dict[tuple[str, str], float] = field(default_factory=dict)

    def prepare(self, schema: GraphQLSchema, sha256: str, text: str) -> Prepared:
        """Parse, bound, validate and cost `text` once (its cost with no variables given is
        the largest any variables can make it)."""
        try:
            document = parse(text, max_tokens=self.max_tokens)
        except GraphQLError as error:
            return Prepared(sha256, text, None, (error,), None, False)
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1:
            one = GraphQLError("A persisted document holds exactly one operation.")
            return Prepared(sha256, text, document, (one,), None, False)
        rules = tuple(specified_rules)
        if not self.introspection:
            rules = (*rules, NoSchemaIntrospectionCustomRule)
        errors = document_errors(document, self.limits) or validate_document(
            schema, document, rules, self.hide_suggestions
        )
        if not self._sizes:
            self._sizes.update({**PLAIN_LISTS, **introspection_sizes(schema)})
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        cost = QueryCost(schema, fragments, {}, self._sizes, self.max_page_size)
        bounded = not errors and cost.of(operations[0]) <= self.max_cost
        kind = OperationType(operations[0].operation.value)
        return Prepared(sha256, text, document, tuple(errors), kind, bounded)


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    status: int

    def error(self) -> GraphQLError:
        return GraphQLError(self.message, extensions={"code": self.code})


class PersistedQueries:
    """Finds, prepares and registers documents for the view; one per process."""

    def __init__(self, runtime: Runtime, schema: GraphQLSchema, checks: DocumentChecks) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.schema = schema
        self.checks = checks
        self._known: OrderedDict[str, Prepared] = OrderedDict()

    async def resolve(
        self,
        query: str | None,
        extensions: dict[str, Any] | None,
        bearer: Bearer | None,
        ip: str | None,
    ) -> Prepared | Refusal | None:
        """What a request runs: a registered document, a refusal, or (None) its own text."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.settings.persisted_queries_only:
                return Refusal(REQUIRED, "This server runs registered operations only.", 400)
            return None
        if not isinstance(persisted, dict):
            persisted = {}
        sha256 = persisted.get("sha256Hash")
        if (
            persisted.get("version") != 1
            or not isinstance(sha256, str)
            or not _SHA256.match(sha256)
        ):
            return Refusal(
                INVALID, "persistedQuery needs version 1 and a lowercase hex sha256Hash.", 400
            )
        if query is not None and store.sha256_of(query) != sha256:
            return Refusal(MISMATCH, "provided sha does not match query", 400)
        prepared = await self.find(sha256)
        if prepared is not None:
            return prepared
        if query is None:
            return Refusal(NOT_FOUND, "PersistedQueryNotFound", 200)
        if self.settings.persisted_queries_only:
            return Refusal(
                REQUIRED, "This server runs registered operations only; none is added here.", 400
            )
        return await self._register(sha256, query, bearer, ip)

    async def find(self, sha256: str) -> Prepared | None:
        prepared = self._known.get(sha256)
        if prepared is None:
            async with self.runtime.reads() as session:
                text = await store.find(session, sha256)
            if text is None:
                return None
            prepared = self._keep(self.checks.prepare(self.schema, sha256, text))
        self._known.move_to_end(sha256)
        return prepared

    async def _register(
        self, sha256: str, query: str, bearer: Bearer | None, ip: str | None
    ) -> Prepared | None:
        """Registers the document if its caller and it qualify; else None (it runs as sent)."""
        if bearer is None or len(query.encode()) > self.settings.persisted_query_max_bytes:
            return None
        prepared = self.checks.prepare(self.schema, sha256, query)
        if prepared.errors:
            return None
        async with self.runtime.reads() as session:
            actor = await current_actor(session, bearer, ip)
        if actor is None or actor.user_id is None:
            return None
        async with unit_of_work(self.runtime.sessions) as session:
            if not await store.room_for(
                session,
                actor.user_id,
                self.settings.persisted_queries_per_user_hour,
                self.settings.persisted_queries_max_rows,
            ):
                return None
            await store.add(session, query, f"user:{actor.username}", actor.user_id)
        return self._keep(prepared)

    def _keep(self, prepared: Prepared) -> Prepared:
        self._known[prepared.sha256] = prepared
        if len(self._known) > self.settings.persisted_query_cache_size:
            self._known.popitem(last=False)
        return prepared
