"""Relay connections with totalCount. Cursors are opaque offsets within one ordering."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry
from graphql import GraphQLError

T = TypeVar("T")
_PREFIX = "offset:"
_MAX_OFFSET = 2**31 - 2  # no page starts further; larger numbers overflow SQL integers


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def encode_cursor(number: int, prefix: str = _PREFIX) -> str:
    return base64.b64encode(f"{prefix}{number}".encode()).decode()


def decode_cursor(cursor: str, prefix: str = _PREFIX, maximum: int = _MAX_OFFSET) -> int:
    """The number in a cursor of this kind (an offset, or another connection's key)."""
    try:
        raw = base64.b64decode(cursor.encode(), validate=True).decode()
        number = raw[len(prefix) :]
        if raw.startswith(prefix) and number.isascii() and number.isdigit():
            value = int(number)
            if value <= maximum:
                return value
    except ValueError:
        pass
    raise GraphQLError("Invalid cursor.", extensions={"code": "BAD_USER_INPUT"})


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int


def page(first: int | None, after: str | None, max_page_size: int) -> Page:
    """The slice a connection asks for; page size is bounded (settings.max_page_size)."""
    size = max_page_size if first is None else first
    if size < 0 or size > max_page_size:
        raise GraphQLError(
            f"`first` must be between 0 and {max_page_size}.",
            extensions={"code": "BAD_USER_INPUT"},
        )
    offset = decode_cursor(after) + 1 if after else 0
    return Page(offset, size)


def connection(nodes: list[T], total: int, window: Page) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(window.offset + i), node=n) for i, n in enumerate(nodes)]
    return Connection(
        edges=edges,
        total_count=total,
        page_info=PageInfo(
            has_next_page=window.offset + len(nodes) < total,
            has_previous_page=window.offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
