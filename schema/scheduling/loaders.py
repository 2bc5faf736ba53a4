"""DataLoaders for the lists under scheduling objects: one query per list per query level,
however many parents ask (set-up lists, a series' occurrences, a waitlist entry's offers)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from app.authz import Actor
from app.scheduling import queries, waitlist
from app.scheduling.models import (
    Appointment,
    AvailabilityException,
    AvailabilityTemplate,
    Location,
    Provider,
    Room,
    WaitlistOffer,
)
from schema.context import Context

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
Fetch = Callable[[AsyncSession, Actor, list[K]], Awaitable[Mapping[K, list[R]]]]


def _lists(info: Info[Context, Any], name: str, fetch: Fetch[K, R]) -> DataLoader[K, list[R]]:
    op = info.context.op

    async def load(keys: list[K]) -> list[list[R]]:
        async with op.db() as session:
            found = await fetch(session, op.staff, keys)
        return [found.get(key, []) for key in keys]

    return op.loader(name, load)


def appointments_by_series_id(info: Info[Context, Any]) -> DataLoader[int, list[Appointment]]:
    """A series' occurrences; each read audited against its patient."""
    return _lists(info, "series_appointments", queries.appointments_by_series)


def offers_by_entry_id(info: Info[Context, Any]) -> DataLoader[int, list[WaitlistOffer]]:
    """A waitlist entry's offers; each read audited against its patient."""
    return _lists(info, "waitlist_offers", waitlist.offers_by_entry)


def weekly_hours_by_provider(
    info: Info[Context, Any],
) -> DataLoader[tuple[int, int | None], list[AvailabilityTemplate]]:
    """Keyed by (provider, location), or (provider, None) for every location."""
    return _lists(
        info, "weekly_hours", lambda session, _, keys: queries.weekly_hours(session, keys)
    )


def exceptions_by_provider(
    info: Info[Context, Any],
) -> DataLoader[tuple[int, datetime, datetime], list[AvailabilityException]]:
    """Keyed by (provider, from, to): one query per distinct window asked for at once."""

    async def fetch(
        session: AsyncSession, _: Actor, keys: list[tuple[int, datetime, datetime]]
    ) -> dict[tuple[int, datetime, datetime], list[AvailabilityException]]:
        windows: dict[tuple[datetime, datetime], list[int]] = defaultdict(list)
        for provider_id, starts, ends in keys:
            windows[(starts, ends)].append(provider_id)
        found: dict[tuple[int, datetime, datetime], list[AvailabilityException]] = {}
        for (starts, ends), provider_ids in windows.items():
            grouped = await queries.exceptions_between(session, provider_ids, starts, ends)
            for provider_id in provider_ids:
                found[(provider_id, starts, ends)] = grouped.get(provider_id, [])
        return found

    return _lists(info, "exceptions", fetch)


def rooms_by_location_id(info: Info[Context, Any]) -> DataLoader[int, list[Room]]:
    return _lists(info, "rooms", lambda session, _, ids: queries.rooms_at(session, ids))


def providers_by_location_id(info: Info[Context, Any]) -> DataLoader[int, list[Provider]]:
    return _lists(info, "providers_at", lambda session, _, ids: queries.providers_at(session, ids))


def locations_by_provider_id(info: Info[Context, Any]) -> DataLoader[int, list[Location]]:
    return _lists(info, "locations_of", lambda session, _, ids: queries.locations_of(session, ids))
