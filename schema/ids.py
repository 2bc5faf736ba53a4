"""Global (Relay) ids in inputs: decoding them into a type's primary key."""

from __future__ import annotations

from strawberry import relay

from app.errors import NotFound

# Primary keys are 32-bit integers (INTEGER on PostgreSQL, which refuses larger parameters)
MAX_KEY = 2**31 - 1


class UnknownId(NotFound):
    """A global id in the input names nothing. Raised here, in the GraphQL layer, so its `field`
    is the input's path already: `schema.errors.input_path` passes it through unmapped."""


def key(node_id: str) -> int | None:
    """The primary key a global id's node part can name, or None when it names none."""
    text = str(node_id)
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_KEY else None


def pk_or_none(global_id: relay.GlobalID, type_name: str) -> int | None:
    """The integer key of `global_id` if it can name a `type_name`, else None."""
    return key(global_id.node_id) if global_id.type_name == type_name else None


def pk(global_id: relay.GlobalID, type_name: str, *field: str) -> int:
    """The integer key of `global_id`, which must name a `type_name` (else NOT_FOUND at the
    input path `field`, e.g. "patientId" or "filter", "patientId")."""
    value = pk_or_none(global_id, type_name)
    if value is None:
        raise UnknownId(type_name, field)
    return value


def optional_pk(global_id: relay.GlobalID | None, type_name: str, *field: str) -> int | None:
    """The key of an optional id input (NOT_FOUND when it names another type)."""
    return pk(global_id, type_name, *field) if global_id else None


def to_global(type_name: str, key: int) -> relay.GlobalID:
    return relay.GlobalID(type_name, str(key))
