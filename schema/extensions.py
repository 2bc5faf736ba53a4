"""Schema extensions: per-operation scope (session, audit commit) and error masking."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from schema.context import Context, begin_operation

logger = logging.getLogger("practice.graphql")


def is_expected(error: GraphQLError) -> bool:
    """Protocol errors (syntax, validation, auth, bad input) are the caller's; anything else is ours."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


class OperationScope(SchemaExtension):
    """Opens the operation's state and, at the end, commits the audit events its reads recorded.

    If that commit fails the data does not leave: an unaudited read of patient data is refused.
    List it last, so that it finishes before the masking extension looks at the result.
    """

    async def on_operation(self) -> AsyncIterator[None]:
        context: Context = self.execution_context.context
        begin_operation(context)
        operation = context.op
        yield
        try:
            await operation.finish()
        except Exception as exc:
            logger.exception("audit commit failed request_id=%s", operation.request_id)
            result = self.execution_context.result
            if result is not None:
                result.data = None
                result.errors = [GraphQLError("Audit trail unavailable.", original_error=exc)]


class MaskUnexpectedErrors(SchemaExtension):
    """Unexpected errors reach the client as INTERNAL_SERVER_ERROR with the request id only;
    every error the client sees carries an `extensions.code`."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        request_id = self.execution_context.context.op.request_id
        result.errors = [_shape(error, request_id) for error in errors]  # type: ignore[union-attr]


def _shape(error: GraphQLError, request_id: str) -> GraphQLError:
    if not is_expected(error):
        return GraphQLError(
            "Internal server error.",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"}
    return error


def log_errors(errors: list[GraphQLError], request_id: str | None) -> None:
    """Log without the query text or variables: they may hold patient data."""
    for error in errors:
        if is_expected(error):
            logger.info("graphql error request_id=%s path=%s: %s", request_id, error.path,
                        error.message)
        else:
            logger.error("unexpected error request_id=%s path=%s", request_id, error.path,
                         exc_info=error.original_error)
