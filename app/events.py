"""Typed domain events and the handlers that react to them inside the same transaction.

A service states what happened by raising a small frozen dataclass (`AppointmentBooked`); it
does not call the parts of the system that care. Handlers register for event types with
`@handles(...)` in their own domain's `handlers` module, so billing can react to a fulfilled
visit without scheduling knowing billing exists. `app.transaction.commit` runs `dispatch`
before the audit trail is flushed: the handlers' writes and audit events commit (or roll back)
with the change that caused them. Handlers may raise further events; they are handled in turn.

Events also travel between processes (live updates): `to_message`/`from_message` turn one into
JSON and back, typed by its class name and its fields' annotations.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import types
import typing
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.authz import Actor, unscoped
from app.config import Settings

PENDING_KEY = "domain_events_pending"
SETTINGS_KEY = "settings"
# The packages whose `handlers` module registers reactions to events (the composition point).
HANDLER_MODULES = (
    "app.scheduling.handlers",
    "app.patients.handlers",
    "app.billing.handlers",
    "app.inventory.handlers",
)

E = TypeVar("E", bound="DomainEvent")


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Something that happened, named in the past tense. Fields are plain values (ids, instants,
    enums, strings), never ORM rows: an event outlives its session and crosses processes."""

    registry: ClassVar[dict[str, type[DomainEvent]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        DomainEvent.registry[cls.__name__] = cls


@dataclasses.dataclass(frozen=True)
class Handling:
    """What a handler gets besides the event: the transaction, who caused it, the settings."""

    session: AsyncSession
    actor: Actor
    settings: Settings


Handler = Callable[[Handling, Any], Awaitable[None]]
_handlers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
_loaded = False


def handles(*event_types: type[E]) -> Callable[[Callable[[Handling, E], Awaitable[None]]], Any]:
    """Register the decorated coroutine for these event types (in registration order)."""

    def register(handler: Callable[[Handling, E], Awaitable[None]]) -> Any:
        for event_type in event_types:
            _handlers[event_type].append(handler)
        return handler

    return register


def raise_event(session: AsyncSession, actor: Actor, event: DomainEvent) -> None:
    """Record that `event` happened in this session's transaction; handled before it commits."""
    session.info.setdefault(PENDING_KEY, []).append((actor, event))


def settings_of(session: AsyncSession) -> Settings:
    """The settings a session was made with (the runtime's session factory puts them there)."""
    settings: Settings | None = session.info.get(SETTINGS_KEY)
    if settings is None:
        raise RuntimeError("session made without settings: use Runtime.sessions")
    return settings


async def dispatch(session: AsyncSession) -> None:
    """Run every handler of every pending event, including events the handlers raise."""
    _load_handlers()
    pending: list[tuple[Actor, DomainEvent]] = session.info.get(PENDING_KEY, [])
    # Reactions are the system's work, done for whoever caused the event: they see every row
    # (a patient's cancellation must reach the outbox and other patients' waitlist entries).
    with unscoped(session):
        while pending:
            actor, event = pending.pop(0)
            handling = Handling(session, actor, settings_of(session))
            for handler in _handlers.get(type(event), ()):
                await handler(handling, event)
    session.info.pop(PENDING_KEY, None)


def _load_handlers() -> None:
    global _loaded
    if not _loaded:
        for module in HANDLER_MODULES:
            importlib.import_module(module)
        _loaded = True


# crossing processes ----------------------------------------------------------------------------
def to_message(event: DomainEvent) -> dict[str, Any]:
    data = {f.name: _dump(getattr(event, f.name)) for f in dataclasses.fields(event)}
    return {"type": type(event).__name__, "data": data}


def from_message(message: dict[str, Any]) -> DomainEvent:
    cls = DomainEvent.registry[message["type"]]
    hints = typing.get_type_hints(cls)
    data = message["data"]
    return cls(**{f.name: _load(hints[f.name], data[f.name]) for f in dataclasses.fields(cls)})


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    return value


def _load(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
        origin = typing.get_origin(hint)
    if origin is tuple:
        (item,) = {a for a in typing.get_args(hint) if a is not Ellipsis}
        return tuple(_load(item, v) for v in value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    return value
