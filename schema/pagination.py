"""Relay connections with totalCount. Cursors are opaque offsets within one ordering."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

import strawberry
from graphql import GraphQLError

T = TypeVar("T")

# The `first` argument of every paginated list: one wording, one range.
First = Annotated[
    int | None,
    strawberry.argument(
        description="Page size, 0 to the server's maximum (100 by default), which is "
        "also what null gives; outside that range, BAD_USER_INPUT."
    ),
]
_PREFIX = "offset:"
_MAX_OFFSET = 2**31 - 2  # no page starts further; larger numbers overflow SQL integers


@strawberry.type(
    description="Where a page sits in its list. Page forward by asking again with "
    "`after: endCursor` while hasNextPage is true; paging backward is not offered."
)
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow this page: ask again with `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(
        description="Items come before this page: true exactly when it was asked for with `after`."
    )
    start_cursor: str | None = strawberry.field(
        description="The first edge's cursor; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The last edge's cursor, to pass as `after` for the next page; null when "
        "the page is empty."
    )


@strawberry.type(description="One item of a page, with the cursor of its place in the list.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Opaque. Pass it as `after` to the same field, with the same other "
        "arguments, for the items that follow this one."
    )
    node: T = strawberry.field(description="The item.")


@strawberry.type(
    description="One page of a list, in the order its field describes, with the total count."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(
        description="This page's items in order: at most `first` of them."
    )
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages follow.")
    total_count: int = strawberry.field(
        description="How many items match the field's arguments, on all pages together."
    )


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
