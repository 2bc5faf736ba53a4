"""The GraphQL schema: root types assembled from each domain's queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from app.config import Settings
from schema.audit.schema import AuditQueries
from schema.extensions import MaskUnexpectedErrors, OperationScope, limit_rules, log_errors
from schema.nodes import NodeQueries
from schema.patients.mutations import PatientMutations
from schema.patients.queries import PatientQueries
from schema.scalars import UTC_DATETIME
from schema.scheduling.mutations import SchedulingMutations
from schema.scheduling.queries import SchedulingQueries
from schema.scheduling.subscriptions import SchedulingSubscriptions
from schema.users.schema import UserMutations, UserQueries


@strawberry.type
class Query(NodeQueries, UserQueries, PatientQueries, SchedulingQueries, AuditQueries):
    pass


@strawberry.type
class Mutation(UserMutations, PatientMutations, SchedulingMutations):
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
        MaskUnexpectedErrors,
        OperationScope,  # last: it finishes first, before errors are masked
    ]
    if not settings.introspection:
        extensions.insert(0, DisableIntrospection)
    return PracticeSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(scalar_map={datetime: UTC_DATETIME}),
    )
