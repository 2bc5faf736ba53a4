"""Global (Relay) ids in inputs: decoding them into a type's primary key."""

from __future__ import annotations

from strawberry import relay

from app.errors import NotFound


def pk(global_id: relay.GlobalID, type_name: str, field: str) -> int:
    """The integer key of `global_id`, which must name a `type_name` (else NOT_FOUND)."""
    if global_id.type_name != type_name or not global_id.node_id.isdigit():
        raise NotFound(type_name, [field])
    return int(global_id.node_id)


def to_global(type_name: str, key: int) -> relay.GlobalID:
    return relay.GlobalID(type_name, str(key))
