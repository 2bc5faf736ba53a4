"""The ASGI application. This is the composition root: the one app module that knows GraphQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from cross_web import HTTPException  # strawberry's HTTP views raise this one
from graphql import GraphQLError
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from app import graphiql
from app.auth import InvalidToken
from app.authz import Actor
from app.billing.batch_download import download_batch
from app.body_limit import BodyLimit
from app.config import Settings
from app.db import utcnow
from app.runtime import Runtime
from app.scheduling import feed
from app.sessions import Bearer
from schema import create_schema
from schema.context import Context
from schema.extensions import shape_error
from schema.persisted import PersistedQueries, Refusal
from schema.prepared import PREPARED, Prepared
from schema.websocket import TransportWS

logger = logging.getLogger("practice")
access_log = logging.getLogger("practice.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestId:
    """Gives each HTTP request an id (a caller's sane X-Request-ID is kept), echoes it back, and
    writes the access log: method, path, status, time and id, never the query string (a GET
    query carries GraphQL variables, a calendar URL its secret token)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "%s %s %s %.1fms request_id=%s",
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
                request_id,
            )


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context: the bearer token comes from the Authorization
    header over HTTP and from the `connection_init` payload over WebSocket."""

    graphql_transport_ws_handler_class = TransportWS
    protocols = (GRAPHQL_TRANSPORT_WS_PROTOCOL,)  # the one the API documents

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        super().__init__(
            create_schema(settings),
            graphql_ide="graphiql" if settings.graphiql else None,
            multipart_uploads_enabled=False,
        )
        self.runtime = runtime
        self.persisted = PersistedQueries(runtime, self.schema._schema, self.schema.checks)  # type: ignore[attr-defined]

    def decode_json(self, data: str | bytes) -> object:
        """JSON text, or JSONDecodeError (400 over HTTP, 4400 over WebSocket): for bytes that
        are not UTF-8, nesting past the parser's recursion limit, and lone surrogates
        ("\\ud800" names no character: no database or encoder takes it)."""
        try:
            value = json.loads(data)
        except (UnicodeDecodeError, RecursionError) as exc:
            raise json.JSONDecodeError("Not JSON text", "", 0) from exc
        if any(_SURROGATE.search(text) for text in _strings(value)):
            raise json.JSONDecodeError("Lone surrogate in a string", "", 0)
        return value

    def parse_json(self, data: str | bytes) -> Any:
        """A body (or GET's variables) must be an object; a list is a batch, refused later."""
        value = super().parse_json(data)
        if not isinstance(value, dict | list):
            raise HTTPException(400, "The request must be a JSON object.")
        return value

    def should_render_graphql_ide(self, request: Any) -> bool:
        """Not for a GET that names a persisted query by its hash (and so has no `query`)."""
        return "extensions" not in request.query_params and super().should_render_graphql_ide(
            request
        )

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """Our page, with its assets on this server; strawberry's loads them from a CDN."""
        return HTMLResponse(graphiql.PAGE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)
        expiry = scope.get("state", {}).get("expiry_task")
        if expiry is not None:  # the connection ended before its token did
            expiry.cancel()

    def _bearer(self, authorization: str | None) -> Bearer | None:
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise InvalidToken("expected a bearer token")
        return self.runtime.authenticator.read_access_token(token.strip())

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:  # type: ignore[override]
        if isinstance(request, WebSocket):
            return Context(self.runtime, request)
        try:
            bearer = self._bearer(request.headers.get("authorization"))
        except InvalidToken:
            bearer = None  # guarded fields answer UNAUTHENTICATED
        return Context(self.runtime, request, bearer)

    async def execute_single(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Over HTTP, GET runs queries and POST queries and mutations; subscriptions are served
        over WebSocket only (strawberry would run them here as if they were queries).

        Refused before anything runs: a mutation over GET with 405 Method Not Allowed (POST
        would do), any other operation type with 400.
        """
        if _holds_nul(request_data.query) or _holds_nul(request_data.variables):
            return ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        "Text may not hold a NUL character.", extensions={"code": "BAD_USER_INPUT"}
                    )
                ],
            )
        resolved = await self.persisted.resolve(
            request_data.query, request_data.extensions, context.bearer, context.ip
        )
        if isinstance(resolved, Refusal):
            sub_response.status_code = resolved.status
            sub_response.headers["Cache-Control"] = "private, no-cache, must-revalidate"
            return ExecutionResult(data=None, errors=[resolved.error()])
        if resolved is not None and resolved.errors:  # registered, no longer valid
            return ExecutionResult(data=None, errors=list(resolved.errors))
        with _prepared(resolved):
            return await self._execute(request_adapter, context, root_value, request_data, resolved)

    async def _execute(
        self,
        request_adapter: Any,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
        prepared: Prepared | None,
    ) -> ExecutionResult:
        method = request_adapter.method
        allowed = (
            {OperationType.QUERY}
            if method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        try:
            return await self.schema.execute(
                prepared.text if prepared is not None else request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except InvalidOperationTypeError as exc:
            status = 405 if exc.operation_type == OperationType.MUTATION else 400
            raise HTTPException(status, exc.as_http_error_reason(method)) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc

    async def process_result(  # type: ignore[override]
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """The last word on what errors leave: every one with a code, nothing unexpected unmasked.

        Errors from the parser and validation caches (syntax, too many tokens, a crashing rule)
        skip the schema extensions, so the masking is applied here too.
        """
        if result.errors:
            request_id = getattr(request.state, "request_id", None)
            result.errors = [shape_error(error, request_id) for error in result.errors]
        return await super().process_result(request, result)

    async def on_ws_connect(self, context: Context) -> Any:
        params = context.connection_params or {}
        authorization = params.get("Authorization") or params.get("authorization")
        if not authorization and params.get("token"):
            authorization = f"Bearer {params['token']}"
        if authorization is not None and not isinstance(authorization, str):
            raise ConnectionRejectionError()
        try:
            bearer = self._bearer(authorization)
        except InvalidToken as exc:
            raise ConnectionRejectionError() from exc
        if bearer is None or not await self._speaks_for_someone(context, bearer):
            raise ConnectionRejectionError()
        context.bearer = bearer
        _close_when_expired(context)
        return None

    async def _speaks_for_someone(self, context: Context, bearer: Bearer) -> bool:
        """A connection is opened only for an open session (each operation asks again); asked
        together with the other connections opening now, in one statement (app.fanout)."""
        return await self.runtime.hub.check(bearer, context.ip) is not None


@contextlib.contextmanager
def _prepared(prepared: Prepared | None) -> Iterator[None]:
    """The registered document this request's operation runs (the same task executes it)."""
    token = PREPARED.set(prepared)
    try:
        yield
    finally:
        PREPARED.reset(token)


_NUL_ESCAPE = re.compile(r"\\u0000", re.IGNORECASE)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _holds_nul(value: Any) -> bool:
    """NUL in any string of a request (no database stores it; PostgreSQL errors on it)."""
    return any("\x00" in text or _NUL_ESCAPE.search(text) for text in _strings(value))


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys too; without recursion (JSON may nest ~1,000 deep)."""
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, str):
            yield current
        elif isinstance(current, dict):
            pending.extend(current)
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)


def _close_when_expired(context: Context) -> None:
    """A WebSocket outlives no token: close it (4401) when the access token expires."""
    websocket = context.connection
    assert isinstance(websocket, WebSocket) and context.token_expires_at is not None
    delay = (context.token_expires_at - utcnow()).total_seconds()

    async def close_later() -> None:
        await asyncio.sleep(max(delay, 0))
        with contextlib.suppress(Exception):
            await websocket.close(code=4401, reason="Token expired")

    task = asyncio.get_running_loop().create_task(close_later())
    websocket.state.expiry_task = task


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    runtime = Runtime.build(settings)
    graphql = GraphQLApp(runtime)

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        try:
            async with runtime.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            logger.exception("readiness check failed")
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    feed_refusals = feed.FeedRefusals(settings)

    async def calendar(request: Request) -> Response:
        """A provider's iCalendar feed; the secret token in the URL is the only credential."""
        provider_id = request.path_params["provider_id"]
        reader = Actor(
            user_id=None,
            username=f"calendar-feed:{provider_id}",
            roles=("calendar_feed",),
            ip=request.client.host if request.client else None,
            request_id=request.state.request_id,
        )
        answer = await feed.fetch(
            runtime.reads,
            runtime.sessions,
            feed_refusals,
            provider_id,
            request.query_params.get("token", ""),
            reader,
        )
        if answer.retry_after is not None:
            return PlainTextResponse(
                "Too many requests",
                status_code=429,
                headers={"Retry-After": str(answer.retry_after)},
            )
        if answer.feed is None:
            return PlainTextResponse("Not found", status_code=404)
        return Response(
            answer.feed,
            media_type="text/calendar; charset=utf-8",
            headers={"Cache-Control": "private, max-age=300"},
        )

    async def claim_batch(request: Request) -> Response:
        return await download_batch(runtime, request)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await runtime.start()
        yield
        await runtime.close()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/calendar/{provider_id:int}.ics", calendar),
            Route("/claims/batches/{batch_id:int}.837", claim_batch),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            *graphiql.routes(settings.graphiql),
        ],
        middleware=[
            Middleware(RequestId),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "X-Request-ID", "X-Acting-For"],
            ),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
