"""The ASGI application. This is the composition root: the one app module that knows GraphQL."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from app.auth import InvalidToken
from app.config import Settings
from app.db import utcnow
from app.runtime import Runtime
from schema import create_schema
from schema.context import Context

logger = logging.getLogger("practice")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestId:
    """Gives each HTTP request an id (a caller's sane X-Request-ID is kept) and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context: the actor comes from the bearer token over HTTP
    and from the `connection_init` payload over WebSocket."""

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        super().__init__(
            create_schema(settings),
            graphql_ide="graphiql" if settings.graphiql else None,
            multipart_uploads_enabled=False,
        )
        self.runtime = runtime

    def _actor(self, connection: HTTPConnection, authorization: str | None) -> Any:
        if not authorization:
            return None, None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise InvalidToken("expected a bearer token")
        client = connection.client.host if connection.client else None
        return self.runtime.authenticator.actor_from_token(token.strip(), client)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:  # type: ignore[override]
        if isinstance(request, WebSocket):
            return Context(self.runtime, request, None)
        try:
            actor, expires = self._actor(request, request.headers.get("authorization"))
        except InvalidToken:
            actor, expires = None, None  # guarded fields answer UNAUTHENTICATED
        return Context(self.runtime, request, actor, expires)

    async def on_ws_connect(self, context: Context) -> Any:
        params = context.connection_params or {}
        authorization = params.get("Authorization") or params.get("authorization")
        if not authorization and params.get("token"):
            authorization = f"Bearer {params['token']}"
        try:
            actor, expires = self._actor(context.connection, authorization)
        except InvalidToken as exc:
            raise ConnectionRejectionError() from exc
        if actor is None:
            raise ConnectionRejectionError()
        context.actor, context.token_expires_at = actor, expires
        _close_when_expired(context)
        return None


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

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await runtime.close()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
        ],
        middleware=[
            Middleware(RequestId),
            Middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                       allow_methods=["GET", "POST"],
                       allow_headers=["Authorization", "Content-Type", "X-Request-ID"]),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
