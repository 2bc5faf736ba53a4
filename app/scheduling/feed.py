"""A provider's iCalendar feed, fetched by calendar apps with the provider's secret token.

A refused fetch (a wrong or old token, an unknown provider) is audited, and refusals are limited
per client address and per feed path: past the limit the answer is 429 with Retry-After, and a
client over its limit is turned away before anything is read. Only so many refusals per window
are audited from all clients together, so a flood cannot fill the audit table.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import trail
from app.authz import Actor
from app.config import Settings
from app.db import utcnow
from app.rate_limit import RefusalCounter
from app.scheduling import ical
from app.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Location,
    Provider,
    Room,
)
from app.transaction import commit_reads
from app.users.models import User

MAX_ID = 2**31 - 1  # the largest primary key (PostgreSQL integer)


@dataclass(frozen=True)
class FeedAnswer:
    feed: bytes | None  # None: refused
    retry_after: int | None = None  # refused for too many refusals: seconds to wait


class FeedRefusals:
    """One process's count of refused fetches: per client address, per feed path, and of the
    refusals audited from everyone."""

    def __init__(self, settings: Settings) -> None:
        window = settings.calendar_feed_refusal_window_seconds
        self.per_client = RefusalCounter(settings.calendar_feed_max_refusals, window)
        self.per_path = RefusalCounter(settings.calendar_feed_max_refusals, window)
        self.audited = RefusalCounter(settings.calendar_feed_max_audited_refusals, window)

    def refuse(self, ip: str | None, provider_id: int) -> tuple[str | None, int | None]:
        """Count a refusal: the outcome to audit it with (None: not audited) and, past a limit,
        the seconds to wait. The refusal that reaches a limit is audited as `rate_limited`; the
        ones after it are not."""
        by_client, by_path = self.per_client.add(ip), self.per_path.add(provider_id)
        waits = [w for w in (self.per_client.wait(ip), self.per_path.wait(provider_id)) if w]
        retry_after = max(waits, default=None)
        if max(by_client, by_path) > self.per_client.limit + 1:
            return None, retry_after
        if self.audited.add("all") > self.audited.limit:
            return None, retry_after
        return ("rate_limited" if waits else "denied"), retry_after


async def fetch(
    reads: async_sessionmaker[AsyncSession],
    sessions: async_sessionmaker[AsyncSession],
    refusals: FeedRefusals,
    provider_id: int,
    token: str,
    reader: Actor,
) -> FeedAnswer:
    """The feed, or the refusal (audited, counted); the audit events committed."""
    if wait := refusals.per_client.wait(reader.ip):
        return FeedAnswer(None, wait)  # turned away unread and unaudited: it is over its limit
    async with reads() as session:
        feed = await calendar_feed(session, provider_id, token, reader)
        if isinstance(feed, bytes):
            answer = FeedAnswer(feed)
        else:
            outcome, wait = refusals.refuse(reader.ip, provider_id)
            answer = FeedAnswer(None, wait)
            if outcome is not None:
                trail.record(
                    session,
                    reader,
                    "read",
                    "CalendarFeed",
                    provider_id if 1 <= provider_id <= MAX_ID else None,  # a path may be long
                    outcome=outcome,
                    detail={"reason": feed},
                )
    await commit_reads(session, sessions)
    return answer


async def calendar_feed(
    session: AsyncSession, provider_id: int, token: str, reader: Actor
) -> bytes | str:
    """The provider's iCalendar feed (30 days back, 180 ahead), or why it is refused."""
    if not 1 <= provider_id <= MAX_ID:
        return "unknown provider"
    provider = await session.get(Provider, provider_id)
    if provider is None:
        return "unknown provider"
    # Compared as bytes: compare_digest refuses str with non-ASCII characters.
    if not hmac.compare_digest(provider.calendar_token.encode(), token.encode()):
        return "wrong token"
    now = utcnow()
    rows = list(
        (
            await session.scalars(
                select(Appointment)
                .where(
                    Appointment.provider_id == provider_id,
                    Appointment.status != AppointmentStatus.PROPOSED,
                    Appointment.starts_at >= now - timedelta(days=30),
                    Appointment.starts_at < now + timedelta(days=180),
                )
                .order_by(Appointment.starts_at)
            )
        ).all()
    )
    # One event per fetch: calendar apps poll, and the feed names no patient.
    trail.record(
        session, reader, "read", "CalendarFeed", provider_id, detail={"appointments": len(rows)}
    )

    async def by_ids(model: Any, ids: set[int]) -> dict[int, Any]:
        found = await session.scalars(select(model).where(model.id.in_(ids)))
        return {row.id: row for row in found.all()}

    user = await session.get(User, provider.user_id)
    return ical.provider_calendar(
        f"{user.full_name if user else 'Provider'}: appointments",
        rows,
        await by_ids(AppointmentType, {a.appointment_type_id for a in rows}),
        await by_ids(Location, {a.location_id for a in rows}),
        await by_ids(Room, {a.room_id for a in rows if a.room_id is not None}),
    )
