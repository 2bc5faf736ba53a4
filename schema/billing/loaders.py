"""DataLoaders for the lists under billing records: one query per list per operation level,
each read audited against the patient (app/billing/queries.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from app.authz import Actor
from app.billing import fee_schedules, queries
from app.billing.models import ChargeLine, Claim, ClaimEvent, Encounter, FeeScheduleEntry
from schema.context import Context

R = TypeVar("R")
Fetch = Callable[[AsyncSession, Actor, Sequence[int]], Awaitable[dict[int, list[R]]]]


def _grouped(info: Info[Context, Any], name: str, fetch: Fetch[R]) -> DataLoader[int, list[R]]:
    op = info.context.op

    async def load(keys: list[int]) -> list[list[R]]:
        async with op.db() as session:
            grouped = await fetch(session, op.staff, keys)
        return [grouped.get(key, []) for key in keys]

    return op.loader(("billing", name), load)


def _rows(info: Info[Context, Any], name: str, fetch: Any) -> DataLoader[int, Any]:
    op = info.context.op

    async def load(ids: list[int]) -> list[Any]:
        async with op.db() as session:
            found = {row.id: row for row in await fetch(session, op.staff, ids)}
        return [found.get(i) for i in ids]

    return op.loader(("billing", name), load)


def lines_by_encounter_id(info: Info[Context, Any]) -> DataLoader[int, list[ChargeLine]]:
    return _grouped(info, "lines", queries.lines_by_encounter)


def claims_by_encounter_id(info: Info[Context, Any]) -> DataLoader[int, list[Claim]]:
    return _grouped(info, "claims", queries.claims_by_encounter)


def events_by_claim_id(info: Info[Context, Any]) -> DataLoader[int, list[ClaimEvent]]:
    return _grouped(info, "events", queries.events_by_claim)


def encounter_by_id(info: Info[Context, Any]) -> DataLoader[int, Encounter | None]:
    return _rows(info, "encounter", queries.encounters_by_id)


def claim_by_id(info: Info[Context, Any]) -> DataLoader[int, Claim | None]:
    return _rows(info, "claim", queries.claims_by_id)


def entries_by_schedule_id(info: Info[Context, Any]) -> DataLoader[int, list[FeeScheduleEntry]]:
    async def fetch(
        session: AsyncSession, _actor: Actor, ids: Sequence[int]
    ) -> dict[int, list[FeeScheduleEntry]]:
        return await fee_schedules.entries_by_schedule(session, list(ids))

    return _grouped(info, "entries", fetch)
