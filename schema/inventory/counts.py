"""Stock takes as the API shows them: a count, its lines (the variance report) and the three
steps (start, record, finish)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.types import Info

from app.inventory import counts, models
from schema.context import Context
from schema.errors import UserError, query_errors, run_mutation
from schema.ids import pk
from schema.inventory.inputs import WITNESS
from schema.inventory.mutations import USER_ERRORS, witnesses_of
from schema.inventory.types import (
    ItemNode,
    LotNode,
    StockLocationNode,
    item_of,
    lot_of,
    stock_location_of,
)
from schema.nodes import node_resolver, plain_rows
from schema.permissions import can


def lines_loader(info: Info[Context, Any]) -> Any:
    op = info.context.op

    async def load(ids: list[int]) -> list[list[models.StockCountLine]]:
        async with op.db() as session:
            rows = await session.scalars(
                select(models.StockCountLine)
                .where(models.StockCountLine.stock_count_id.in_(ids))
                .order_by(models.StockCountLine.id)
            )
            found: dict[int, list[models.StockCountLine]] = {i: [] for i in ids}
            for row in rows.all():
                found[row.stock_count_id].append(row)
        return [found[i] for i in ids]

    return op.loader("stock_count_lines", load)


@strawberry.type(description="One lot in a stock count: expected, counted, and the variance.")
class StockCountLine:
    expected: int = strawberry.field(description="On hand when the count started.")
    counted: int | None = strawberry.field(description="Units counted; null: not counted.")
    variance: int | None = strawberry.field(
        description="Posted when the count finished: counted less what was on hand then "
        "(the COUNT row's quantity); null until then, or if not counted."
    )
    item_id: strawberry.Private[int]
    lot_id: strawberry.Private[int]

    @strawberry.field(description="The item.")
    async def item(self, info: Info[Context, Any]) -> ItemNode:
        return await item_of(info, self.item_id)

    @strawberry.field(description="The lot.")
    async def lot(self, info: Info[Context, Any]) -> LotNode:
        return await lot_of(info, self.lot_id)


@strawberry.type(name="StockCount", description="A stock take of one stock location.")
class StockCountNode(relay.Node):
    pk: relay.NodeID[int]
    started_at: datetime = strawberry.field(description="When it started.")
    finished_at: datetime | None = strawberry.field(description="When it finished (null: open).")
    stock_location_id: strawberry.Private[int]

    @strawberry.field(description="What is counted.")
    async def stock_location(self, info: Info[Context, Any]) -> StockLocationNode:
        return await stock_location_of(info, self.stock_location_id)

    @strawberry.field(description="Its lines, the variance report once finished.")
    async def lines(self, info: Info[Context, Any]) -> list[StockCountLine]:
        return [
            StockCountLine(
                expected=r.expected,
                counted=r.counted,
                variance=r.variance,
                item_id=r.item_id,
                lot_id=r.lot_id,
            )
            for r in await lines_loader(info).load(self.pk)
        ]

    @classmethod
    def from_model(cls, row: models.StockCount) -> StockCountNode:
        return cls(
            pk=row.id,
            started_at=row.created_at,
            finished_at=row.finished_at,
            stock_location_id=row.stock_location_id,
        )

    resolve_nodes = node_resolver("inventory", plain_rows(models.StockCount))  # type: ignore[assignment]


@strawberry.input(description="Where to count.")
class StartStockCountInput:
    stock_location_id: relay.GlobalID = strawberry.field(description="The stock location.")


@strawberry.input(description="Units counted of one lot.")
class CountedLotInput:
    lot_id: relay.GlobalID = strawberry.field(description="The lot.")
    quantity: int = strawberry.field(description="Units counted (zero or more).")


@strawberry.input(description="What was counted (a lot counted again replaces its count).")
class RecordStockCountInput:
    stock_count_id: relay.GlobalID = strawberry.field(description="The count.")
    counts: list[CountedLotInput] = strawberry.field(description="Lots and units counted.")


@strawberry.input(description="A count to finish.")
class FinishStockCountInput:
    stock_count_id: relay.GlobalID = strawberry.field(description="The count.")
    witness_token: str | None = strawberry.field(
        default=None, description=WITNESS + " Needed when a controlled substance has a variance."
    )


@strawberry.type(description="The result of a stock count mutation.")
class StockCountPayload:
    stock_count: StockCountNode | None = strawberry.field(description="The count now.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _payload(row: models.StockCount | None, errors: list[UserError]) -> StockCountPayload:
    return StockCountPayload(
        stock_count=StockCountNode.from_model(row) if row else None, user_errors=errors
    )


WRITE = can("inventory", "write")


@strawberry.type
class StockCountQueries:
    @strawberry.field(
        extensions=can("inventory", "read"),
        description="A stock location's counts, newest first (at most 50).",
    )
    async def stock_counts(
        self,
        info: Info[Context, Any],
        stock_location_id: Annotated[
            relay.GlobalID, strawberry.argument(description="The stock location.")
        ],
    ) -> list[StockCountNode]:
        with query_errors():
            location = pk(stock_location_id, "StockLocation", "stockLocationId")
        async with info.context.op.db() as session:
            rows = await session.scalars(
                select(models.StockCount)
                .where(models.StockCount.stock_location_id == location)
                .order_by(models.StockCount.id.desc())
                .limit(50)
            )
            return [StockCountNode.from_model(r) for r in rows.all()]


@strawberry.type
class StockCountMutations:
    @strawberry.mutation(
        extensions=WRITE,
        description="Start counting a stock location: its lines are what is on hand now "
        "(COUNT_IN_PROGRESS if a count there is unfinished).",
    )
    async def start_stock_count(
        self,
        info: Info[Context, Any],
        input: Annotated[StartStockCountInput, strawberry.argument(description="Where.")],
    ) -> StockCountPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: counts.start_stock_count(
                s, a, pk(input.stock_location_id, "StockLocation", "stockLocationId")
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(extensions=WRITE, description="Record units counted in an open count.")
    async def record_stock_count(
        self,
        info: Info[Context, Any],
        input: Annotated[RecordStockCountInput, strawberry.argument(description="What.")],
    ) -> StockCountPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: counts.record_counts(
                s,
                a,
                pk(input.stock_count_id, "StockCount", "stockCountId"),
                [
                    (pk(c.lot_id, "Lot", "counts", str(n), "lotId"), c.quantity)
                    for n, c in enumerate(input.counts)
                ],
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        extensions=WRITE,
        description="Finish a count: each counted lot's variance against what is on hand now is "
        "posted as a COUNT row (by you); uncounted lots are left as they are.",
    )
    async def finish_stock_count(
        self,
        info: Info[Context, Any],
        input: Annotated[FinishStockCountInput, strawberry.argument(description="Which.")],
    ) -> StockCountPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: counts.finish_stock_count(
                s,
                a,
                witnesses_of(info),
                pk(input.stock_count_id, "StockCount", "stockCountId"),
                input.witness_token,
            ),
        )
        return _payload(row, errors)
