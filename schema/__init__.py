"""The GraphQL schema: root types assembled from each domain's queries and mutations."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from app.config import Settings
from schema.access.schema import AccessMutations, AccessQueries
from schema.audit.schema import AuditQueries
from schema.extensions import (
    LoadedPolicy,
    MaskUnexpectedErrors,
    OperationScope,
    limit_rules,
    log_errors,
)
from schema.patients.mutations import PatientMutations
from schema.patients.queries import PatientQueries
from schema.permissions import can
from schema.scheduling.mutations import SchedulingMutations
from schema.scheduling.queries import SchedulingQueries
from schema.scheduling.subscriptions import SchedulingSubscriptions
from schema.users.schema import UserMutations, UserQueries


def _node_queries() -> type:
    """`node`/`nodes` are built per schema: relay binds their resolvers to the schema at build."""

    @strawberry.type
    class NodeQueries:
        node: relay.Node | None = relay.node(
            extensions=can("node", "read"),
            description="Any object by its global id, under that type's read policy.",
        )
        nodes: list[relay.Node | None] = relay.node(extensions=can("node", "read"))

    return NodeQueries


@strawberry.type
class Query(UserQueries, PatientQueries, SchedulingQueries, AuditQueries, AccessQueries):
    pass


@strawberry.type
class Mutation(UserMutations, PatientMutations, SchedulingMutations, AccessMutations):
    pass


@strawberry.type
class Subscription(SchedulingSubscriptions):
    pass


class PracticeSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        request_id = None
        if execution_context is not None and execution_context.context is not None:
            request_id = execution_context.context.op.request_id
        log_errors(errors, request_id)


def create_schema(settings: Settings) -> strawberry.Schema:
    extensions: list[Any] = [
        limit_rules(settings.max_query_depth, settings.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        LoadedPolicy,
        MaskUnexpectedErrors,
        OperationScope,  # last: it finishes first, before errors are masked
    ]
    if not settings.introspection:
        extensions.insert(0, DisableIntrospection)
    query = strawberry.type(type("Query", (_node_queries(), Query), {}))
    return PracticeSchema(
        query=query, mutation=Mutation, subscription=Subscription, extensions=extensions
    )
