"""graphql-transport-ws as we speak it: messages of the wrong shape close the socket (4400), and
a subscribe may name a persisted query by its hash (schema/persisted.py)."""

from __future__ import annotations

from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from schema.context import Context
from schema.extensions import shape_error
from schema.persisted import Refusal
from schema.prepared import PREPARED


class TransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, with a message of the wrong shape (an array, a string, a subscribe
    without a string id or an object payload) closing the socket with 4400 as the protocol
    says; strawberry's handler indexes into whatever arrived and dies with the connection."""

    view: Any  # app.main.GraphQLApp, which has `persisted`

    async def handle_message(self, message: Any) -> None:
        if not _well_formed(message):
            await self.handle_invalid_message("Invalid message")
            return
        if message["type"] == "subscribe" and message["id"] not in self.operations:
            payload = message["payload"]
            self.requests[message["id"]] = (payload.get("query"), payload.get("extensions"))
            payload["query"] = payload.get("query") or ""  # a hash alone names the document
        await super().handle_message(message)

    @property
    def requests(self) -> dict[str, tuple[str | None, dict[str, Any] | None]]:
        """Each subscribe's own query and extensions, until its operation task reads them."""
        return self.__dict__.setdefault("_requests", {})

    async def run_operation(self, operation: Any) -> None:
        """In the operation's task: a persisted query is resolved to its registered document."""
        query, extensions = self.requests.pop(operation.id, (operation.query, None))
        context = self.context
        resolved = await self.view.persisted.resolve(query, extensions, context.bearer, context.ip)
        if isinstance(resolved, Refusal) or (resolved is not None and resolved.errors):
            errors = [resolved.error()] if isinstance(resolved, Refusal) else resolved.errors
            await operation.send_initial_errors([shape_error(e, None) for e in errors])
            return
        if resolved is not None:
            operation.query = resolved.text
            PREPARED.set(resolved)  # this task's, and so this operation's only
        await super().run_operation(operation)


def _well_formed(message: Any) -> bool:
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return False
    if message["type"] == "complete":
        return isinstance(message.get("id"), str)
    if message["type"] != "subscribe":
        return True
    payload = message.get("payload")
    return (
        isinstance(message.get("id"), str)
        and isinstance(payload, dict)
        and isinstance(payload.get("query"), str | None)
        and isinstance(payload.get("variables"), dict | None)
        and isinstance(payload.get("operationName"), str | None)
        and isinstance(payload.get("extensions"), dict | None)
    )
