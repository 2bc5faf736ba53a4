"""GraphQL enums over the domain's enums, with a description on each value.

The domain's enums live in app/, which knows nothing of GraphQL; what each value means to a
caller is said here, next to where the enum becomes part of the API.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

E = TypeVar("E", bound=type[enum.Enum])
M = TypeVar("M", bound=enum.Enum)


def described_enum(cls: E, description: str, values: Mapping[M, str], name: str | None = None) -> E:
    """`strawberry.enum(cls)`, each value described by `values` (keyed by member, matched by the
    member's name, which is the GraphQL name). A value left out stays undescribed, and the
    description test lists it; a key that names no value is a mistake, refused here."""
    wrapped = strawberry.enum(cls, name=name, description=description)
    definition: StrawberryEnumDefinition = wrapped.__strawberry_definition__  # type: ignore[attr-defined]
    texts = {member.name: text for member, text in values.items()}
    unknown = sorted(set(texts) - {value.name for value in definition.values})
    if unknown:
        raise ValueError(f"{definition.name} has no values {unknown}")
    for value in definition.values:
        value.description = texts.get(value.name, value.description)
    return wrapped
