"""Schema extensions: per-operation scope (session, audit commit), the access policy loaded
before execution, and error masking."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from sqlalchemy.exc import StatementError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from schema.context import Context, begin_operation
from schema.permissions import unauthenticated

logger = logging.getLogger("practice.graphql")


def is_expected(error: GraphQLError) -> bool:
    """Protocol errors (syntax, validation, auth, bad input) are the caller's; the rest are ours."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


class OperationScope(SchemaExtension):
    """Opens the operation's state and, at the end, commits the audit events its reads recorded.

    If that commit fails the data does not leave: an unaudited read of patient data is refused.
    A streamed result (over WebSocket: a query's, each event of a subscription) leaves as soon
    as it is yielded, so its reads are committed before that. List this extension last, so that
    it finishes before the masking extension looks at the result.
    """

    async def on_execute(self) -> AsyncIterator[None]:
        """Who the caller is, asked only now: a request refused while parsing or validating
        runs no SQL."""
        await self.execution_context.context.op.authenticate()
        yield

    async def on_operation(self) -> AsyncIterator[None]:
        context: Context = self.execution_context.context
        begin_operation(context)
        operation = context.op
        try:
            yield
        except BaseException:  # cancelled, or its stream closed: nothing more leaves
            await operation.abandon()
            raise
        try:
            await operation.finish()
        except Exception as exc:
            _refuse(self.execution_context.result, exc, operation.request_id)

    async def on_stream_result(self, result: Any) -> AsyncIterator[None]:
        """Before each event of a subscription leaves, the caller is asked for again: if the
        session has ended, or the roles it was subscribed under changed, the event is refused
        (UNAUTHENTICATED) and the connection closed (4401); the client signs in again."""
        context: Context = self.execution_context.context
        operation = context.op
        ended = False
        try:
            await operation.renew()
            subscribed_as = operation.actor
            if operation.event_ended is not None:  # asked with the event's other recipients
                ended, operation.event_ended = operation.event_ended, None
            elif self.execution_context.operation_type is OperationType.SUBSCRIPTION and (
                subscribed_as is not None
            ):
                await operation.recheck()
                now_as = operation.actor
                ended = now_as is None or now_as.roles != subscribed_as.roles
        except Exception as exc:
            _refuse(result, exc, operation.request_id)
        if ended and result is not None:
            result.data = None
            result.errors = [shape_error(unauthenticated(), operation.request_id)]
        yield
        if ended:  # after the refusal has been sent
            await context.end_connection("Session ended")


def _refuse(result: Any, exc: Exception, request_id: str) -> None:
    logger.exception("audit commit failed request_id=%s", request_id, exc_info=exc)
    if result is not None:
        result.data = None
        error = GraphQLError("Audit trail unavailable.", original_error=exc)
        result.errors = [shape_error(error, request_id)]


class LoadedPolicy(SchemaExtension):
    """Loads the access policy before the first operation executes, in an app whose lifespan
    did not run (httpx's ASGITransport, scripts). Only now: a request refused while parsing or
    validating runs no SQL at all."""

    async def on_execute(self) -> AsyncIterator[None]:
        context: Context = self.execution_context.context
        await context.runtime.policy.ensure_loaded()
        yield


def deadline(seconds: float) -> Callable[[], SchemaExtension]:
    """Execution that runs past `seconds` is cancelled (a mutation's unit of work rolls back,
    the read session is let go) and answered with OPERATION_TIMED_OUT. List it after the
    extensions whose on_execute may refuse: one that raises on entry leaves the later ones
    unentered, and a deadline entered but never left would cancel whatever ran next."""

    class Deadline(SchemaExtension):
        async def on_execute(self) -> AsyncIterator[None]:
            try:
                async with asyncio.timeout(seconds):
                    yield
            except TimeoutError:
                await self.execution_context.context.op.abandon()
                raise GraphQLError(
                    f"The operation ran longer than {seconds:g} seconds and was stopped. "
                    "Before retrying a mutation, read again: one stopped while committing may "
                    "have taken effect.",
                    extensions={"code": "OPERATION_TIMED_OUT"},
                ) from None

    return Deadline


class MaskUnexpectedErrors(SchemaExtension):
    """Unexpected errors reach the client as INTERNAL_SERVER_ERROR with the request id only;
    every error the client sees carries an `extensions.code`.

    Errors raised while parsing or validating through the caches (syntax, token limit) leave
    the schema after the extensions have finished; the HTTP view shapes those with `shape_error`.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        self._shape(self.execution_context.result)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Over WebSocket a result leaves as soon as it is yielded, before the operation ends."""
        self._shape(result)
        yield

    def _shape(self, result: Any) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            request_id = self.execution_context.context.op.request_id
            result.errors = [shape_error(error, request_id) for error in errors]


def error_code(error: GraphQLError) -> str:
    """The code the client sees for this error."""
    if not is_expected(error):
        return "INTERNAL_SERVER_ERROR"
    code = (error.extensions or {}).get("code")
    if code:
        return str(code)
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    return "GRAPHQL_VALIDATION_FAILED"


def shape_error(error: GraphQLError, request_id: str | None) -> GraphQLError:
    """Mask an unexpected error; give an expected one its code. Shaping twice changes nothing."""
    if not is_expected(error):
        return GraphQLError(
            "Internal server error.",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )
    code = error_code(error)
    if (error.extensions or {}).get("code") != code:
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


def log_errors(errors: list[GraphQLError], request_id: str | None) -> None:
    """Log without the query text or variables: they may hold patient data.

    Not even an expected error's message: graphql-core quotes variable values in coercion
    errors ("found: {'ssn': ...}") and literals in syntax errors. The client has the message;
    the log has the request id, the code and the path. Unexpected errors keep their traceback.
    """
    for error in errors:
        if is_expected(error):
            logger.info(
                "graphql error request_id=%s code=%s path=%s",
                request_id,
                error_code(error),
                error.path,
            )
        else:
            _hide_statement_parameters(error.original_error)
            logger.error(
                "unexpected error request_id=%s path=%s",
                request_id,
                error.path,
                exc_info=error.original_error,
            )


def _hide_statement_parameters(exc: BaseException | None) -> None:
    """SQLAlchemy puts a failed statement's parameters (a search term, a name) in its message;
    the traceback keeps the SQL, which is ours, and loses the values, which are the caller's."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, StatementError):
            exc.hide_parameters = True
        exc = exc.__cause__ or exc.__context__
