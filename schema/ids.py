"""Global (Relay) ids in inputs: decoding them into a type's primary key."""

from __future__ import annotations

from strawberry import relay

from app.errors import NotFound

# Primary keys are 32-bit integers (INTEGER on PostgreSQL, which refuses larger parameters)
MAX_KEY = 2**31 - 1


def key(node_id: str) -> int | None:
    """The primary key a global id's node part can name, or None when it names none."""
    text = str(node_id)
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_KEY else None


def pk(global_id: relay.GlobalID, type_name: str, field: str) -> int:
    """The integer key of `global_id`, which must name a `type_name` (else NOT_FOUND)."""
    value = key(global_id.node_id) if global_id.type_name == type_name else None
    if value is None:
        raise NotFound(type_name, [field])
    return value


def to_global(type_name: str, key: int) -> relay.GlobalID:
    return relay.GlobalID(type_name, str(key))
