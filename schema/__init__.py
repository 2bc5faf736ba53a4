"""The GraphQL schema: root types assembled from each domain's queries and mutations."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter
from strawberry.types import ExecutionContext

from app.config import Settings
from schema import fast_fields
from schema.access.schema import AccessMutations, AccessQueries
from schema.audit.schema import AuditQueries
from schema.billing.aging_queries import AgingQueries
from schema.billing.batch_mutations import BatchMutations, BatchQueries
from schema.billing.claim_mutations import ClaimMutations
from schema.billing.payment_mutations import PaymentMutations
from schema.billing.queries import BillingQueries
from schema.billing.remittances import RemittanceMutations, RemittanceQueries
from schema.billing.setup_mutations import BillingSetupMutations
from schema.bounds import DocumentLimits, bounded_validation
from schema.cost import cost_limit
from schema.extensions import (
    LoadedPolicy,
    MaskUnexpectedErrors,
    OperationScope,
    deadline,
    log_errors,
)
from schema.inventory.counts import StockCountMutations, StockCountQueries
from schema.inventory.mutations import InventoryMutations
from schema.inventory.purchasing import PurchasingMutations, PurchasingQueries
from schema.inventory.queries import InventoryQueries
from schema.inventory.subscriptions import InventorySubscriptions
from schema.live_events import SharedEventExecutor
from schema.nodes import NodeQueries, describe_node_interface
from schema.patients.break_glass import (
    BreakGlassMutations,
    BreakGlassQueries,
    BreakGlassSubscriptions,
)
from schema.patients.mutations import PatientMutations
from schema.patients.queries import PatientQueries
from schema.persisted import DocumentChecks
from schema.portal.schema import PortalMutations, PortalQueries
from schema.prepared import Documents
from schema.scalars import SCALARS
from schema.scheduling.mutations import SchedulingMutations
from schema.scheduling.queries import SchedulingQueries
from schema.scheduling.subscriptions import SchedulingSubscriptions
from schema.users.schema import UserMutations, UserQueries
from schema.users.totp import TotpMutations

QUERY_DESCRIPTION = (
    "Reads, over HTTP GET or POST at /graphql. Every field needs an access token from login, "
    "sent as `Authorization: Bearer <accessToken>` (else UNAUTHENTICATED); "
    "each field says which roles may read it (others get FORBIDDEN). Reads of patient data are "
    "recorded in the audit trail."
)


@strawberry.type(description=QUERY_DESCRIPTION)
class Query(
    NodeQueries,
    UserQueries,
    PatientQueries,
    SchedulingQueries,
    AuditQueries,
    BreakGlassQueries,
    AccessQueries,
    PortalQueries,
    InventoryQueries,
    PurchasingQueries,
    StockCountQueries,
    BillingQueries,
    BatchQueries,
    RemittanceQueries,
    AgingQueries,
):
    pass


@strawberry.type(
    description="Changes. Each mutation is one transaction: it returns a payload whose "
    "userErrors list is empty on success; on a broken rule it changes nothing and userErrors "
    "says why. Send mutations with POST (over GET they are refused with 405)."
)
class Mutation(
    UserMutations,
    TotpMutations,
    PatientMutations,
    BreakGlassMutations,
    SchedulingMutations,
    AccessMutations,
    PortalMutations,
    InventoryMutations,
    PurchasingMutations,
    StockCountMutations,
    BillingSetupMutations,
    ClaimMutations,
    BatchMutations,
    RemittanceMutations,
    PaymentMutations,
):
    pass


@strawberry.type(
    description="Live updates, over a WebSocket at the GraphQL path (graphql-transport-ws). "
    'Authenticate in the connection_init payload, {"Authorization": "Bearer <accessToken>"}; '
    "the server closes the connection (4401) when that access token expires. Every operation "
    "and every event asks again whom the token speaks for: once its session has ended (or the "
    "user is deactivated or locked) operations are refused UNAUTHENTICATED, and the next "
    "event of a subscription is refused so and the connection closed (4401), as it is when "
    "the user's roles have changed."
)
class Subscription(SchedulingSubscriptions, BreakGlassSubscriptions, InventorySubscriptions):
    pass


class PracticeSchema(strawberry.Schema):
    hide_suggestions = False  # "Did you mean 'ssn'?" names fields as introspection would
    checks: DocumentChecks  # what a persisted document is checked against, once

    def _get_custom_context_kwargs(
        self, operation_extensions: dict[str, Any] | None = None, *, sync: bool = False
    ) -> dict[str, Any]:
        """Passed to graphql-core's execute: variable coercion also suggests names."""
        kwargs = super()._get_custom_context_kwargs(operation_extensions, sync=sync)
        return {**kwargs, "hide_suggestions": self.hide_suggestions}

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        request_id = None
        if execution_context is not None and execution_context.context is not None:
            request_id = execution_context.context.op.request_id
        log_errors(errors, request_id)


def create_schema(settings: Settings) -> PracticeSchema:
    # "Did you mean 'ssn'?" names fields as introspection would: never in production, where a
    # practice may still turn introspection on for its own developers.
    hide_suggestions = settings.environment == "production" or not settings.introspection
    limits = DocumentLimits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_repeated_fields=settings.max_repeated_fields,
    )
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: Documents(maxsize=256),  # a registered document arrives parsed
        bounded_validation(limits, hide_suggestions=hide_suggestions),
        cost_limit(settings.max_query_cost, settings.max_page_size),  # before any SQL
        LoadedPolicy,
        deadline(settings.request_timeout_seconds),  # after those that may refuse on entry
        MaskUnexpectedErrors,
        OperationScope,  # last: it finishes first, before errors are masked
    ]
    if not settings.introspection:
        extensions.insert(0, DisableIntrospection)
    schema = PracticeSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        scalar_overrides=SCALARS,
        # registered queries run from their plan (schema/compiled.py); a subscription's event
        # is resolved once per group of identical subscribers (schema/live_events.py)
        execution_context_class=SharedEventExecutor,
    )
    schema.hide_suggestions = hide_suggestions
    schema.checks = DocumentChecks(
        limits=limits,
        max_tokens=settings.max_tokens,
        introspection=settings.introspection,
        hide_suggestions=hide_suggestions,
        max_cost=settings.max_query_cost,
        max_page_size=settings.max_page_size,
    )
    describe_node_interface(schema._schema)
    fast_fields.install(schema)
    return schema
