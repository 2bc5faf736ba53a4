"""Subscription events resolved once per group of identical subscribers (app/fanout.py).

graphql-core executes a subscription's document for each event and each subscriber. Here the
per-event execution asks the hub instead: subscribers of one event with the same document,
variables, roles and row scope get one execution's payload, run as one of them subscribed (a
fresh operation with that actor), whose audit events are then recorded for every
recipient before any of them gets it. What stays per subscriber: its session is asked for
(in one statement with the others), and a subscriber whose session ended, or whose roles
changed, is refused the event (OperationScope closes its connection, 4401). A field only a
user's own break-glass grant would open is refused in a shared payload (the grant is that
user's, the payload everyone's): such reads are for queries, not live pushes.
"""

from __future__ import annotations

import json
import logging
from inspect import isawaitable
from typing import Any, cast

from graphql import ExecutionResult, GraphQLError, print_ast
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.audit import trail
from app.authz import Actor
from app.fanout import Recipient, scope_key
from schema.compiled import CompiledExecutor
from schema.context import Context, Operation, begin_operation
from schema.permissions import unauthenticated

logger = logging.getLogger("practice.graphql")


class SharedEventExecutor(CompiledExecutor):
    """The executor whose per-event copies deliver through the fan-out hub (and whose
    registered queries run from their plan, CompiledExecutor)."""

    per_event = False
    group_key: tuple[Any, ...] | None = None  # the document and variables, once a subscription

    def build_per_event_executor(self, payload: Any) -> SharedEventExecutor:
        if self.group_key is None:
            self.group_key = _document_key(self)
        executor = cast(SharedEventExecutor, super().build_per_event_executor(payload))
        executor.per_event = True
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        if not self.per_event:
            return super().execute_operation(serially)
        return self._delivered(serially)

    async def _delivered(self, serially: bool | None) -> ExecutionResult:
        context: Context = self.context_value
        op = context.op
        subscribed = op.actor
        if subscribed is None or context.bearer is None:  # anonymous: its guards refuse
            return await self._execute(serially)
        recipient = Recipient(context.bearer, context.ip, subscribed, op.request_id)
        key = (self.group_key, scope_key(subscribed))

        async def resolve(actor: Actor) -> tuple[ExecutionResult, list[dict[str, Any]]]:
            return await self._resolve_as(actor, serially)

        try:
            actor, shared = await context.runtime.hub.deliver(
                self.root_value, key, recipient, resolve
            )
        except Exception as exc:  # an unaudited payload does not leave
            logger.exception("live delivery failed request_id=%s", op.request_id)
            error = GraphQLError("Audit trail unavailable.", original_error=exc)
            return ExecutionResult(data=None, errors=[error])
        op.actor, op.event_ended = actor, actor is None
        if shared is None:
            return ExecutionResult(data=None, errors=[unauthenticated()])
        # each recipient its own result (errors are shaped with its request id), same data
        return ExecutionResult(data=shared.data, errors=list(shared.errors or ()) or None)

    async def _resolve_as(
        self, actor: Actor, serially: bool | None
    ) -> tuple[ExecutionResult, list[dict[str, Any]]]:
        """Run in a task of its own (the hub's): the operation set here is this task's only."""
        group = Operation(self.context_value)
        group.actor = actor
        group.shared = True
        begin_operation(self.context_value, group)
        try:
            result = await self._execute(serially)
        finally:
            buffered = await group.detach()
        return result, list(buffered.get(trail.PENDING_KEY, {}).values())

    async def _execute(self, serially: bool | None) -> ExecutionResult:
        result = super().execute_operation(serially)
        return await result if isawaitable(result) else result  # type: ignore[return-value]


def _document_key(executor: StrawberryGraphQLCoreExecutionContext) -> tuple[Any, ...]:
    """What the subscription asked: its document's text and operation, its variables."""
    operation = executor.operation
    source = operation.loc.source.body if operation.loc is not None else print_ast(operation)
    name = operation.name.value if operation.name else None
    variables = json.dumps(executor.variable_values.coerced, sort_keys=True, default=str)
    return (source, name, variables)
