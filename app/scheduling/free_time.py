"""Free time: a provider's working hours minus time off minus held appointments, cut into slots
of the visit type's length, each with a free room when the type needs one."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.authz import ALL_ROWS
from app.db import get_or_not_found, utcnow
from app.errors import DomainError
from app.scheduling import availability as av
from app.scheduling.errors import SchedulingErrorCode
from app.scheduling.models import (
    HELD_STATUSES,
    Appointment,
    AppointmentType,
    AvailabilityException,
    AvailabilityTemplate,
    ExceptionKind,
    Location,
    Provider,
    Room,
)


@dataclass(frozen=True)
class Slot:
    provider_id: int
    location_id: int
    starts_at: datetime
    ends_at: datetime
    room_id: int | None


@dataclass(frozen=True)
class SlotSearch:
    """One search's slots, at most its limit. When there were more, `truncated` is set and
    searching again from `resume_from` (to the same end) gives the rest, none twice."""

    slots: list[Slot]
    truncated: bool
    resume_from: datetime | None


Held = Row[int, int, int | None, datetime, datetime]  # id, provider, room, start, end


@dataclass
class Calendar:
    """Everything free-time questions need about some providers over a window, loaded at once."""

    locations: dict[int, Location]
    templates: list[AvailabilityTemplate]
    exceptions: list[AvailabilityException]
    held: Sequence[Held]
    rooms: list[Room]
    _templates_by_day: dict[tuple[int, int, int], list[AvailabilityTemplate]] = field(
        init=False, default_factory=dict
    )
    _room_busy: dict[int, av.Busy] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        for t in self.templates:
            key = (t.provider_id, t.location_id, t.weekday)
            self._templates_by_day.setdefault(key, []).append(t)
        by_room: dict[int, list[av.Interval]] = defaultdict(list)
        for a in self.held:
            if a.room_id is not None:
                by_room[a.room_id].append((a.starts_at, a.ends_at))
        self._room_busy = {room_id: av.Busy(busy) for room_id, busy in by_room.items()}

    def working(self, provider_id: int, location_id: int, window: av.Interval) -> list[av.Interval]:
        """The provider's hours at the location (templates plus extra hours, minus time off)."""
        tz = av.zone(self.locations[location_id].timezone)
        hours: list[av.Interval] = []
        for day in av.local_dates(window[0] - timedelta(days=1), window[1] + timedelta(days=1), tz):
            for t in self._templates_by_day.get((provider_id, location_id, day.weekday()), ()):
                if (t.valid_from and day < t.valid_from) or (t.valid_until and day > t.valid_until):
                    continue
                hours.append((av.instant(day, t.start_time, tz), av.instant(day, t.end_time, tz)))
        mine = [e for e in self.exceptions if e.provider_id == provider_id]
        hours += [
            (e.starts_at, e.ends_at)
            for e in mine
            if e.kind == ExceptionKind.EXTRA_HOURS and e.location_id == location_id
        ]
        time_off = [
            (e.starts_at, e.ends_at)
            for e in mine
            if e.kind == ExceptionKind.TIME_OFF and e.location_id in (None, location_id)
        ]
        return av.subtract(hours, time_off)

    def provider_busy(self, provider_id: int, ignore: int | None = None) -> list[av.Interval]:
        return [
            (a.starts_at, a.ends_at)
            for a in self.held
            if a.provider_id == provider_id and a.id != ignore
        ]

    def free_room(
        self,
        location_id: int,
        room_type: str,
        slot: av.Interval,
        ignore: int | None = None,
        wanted: int | None = None,
    ) -> Room | None:
        for room in self.rooms:
            if room.location_id != location_id or room.room_type != room_type:
                continue
            if wanted is not None and room.id != wanted:
                continue
            if ignore is None:
                busy = self._room_busy.get(room.id)
                if busy is None or not busy.overlaps(slot):
                    return room
                continue
            if not any(
                av.overlaps(slot, (a.starts_at, a.ends_at))
                for a in self.held
                if a.room_id == room.id and a.id != ignore
            ):
                return room
        return None


async def load_calendar(
    session: AsyncSession,
    provider_ids: Sequence[int],
    window: av.Interval,
    location_ids: Sequence[int] | None = None,
) -> Calendar:
    padded = (window[0] - timedelta(days=1), window[1] + timedelta(days=1))
    templates_q = select(AvailabilityTemplate).where(
        AvailabilityTemplate.provider_id.in_(provider_ids)
    )
    if location_ids is not None:
        templates_q = templates_q.where(AvailabilityTemplate.location_id.in_(location_ids))
    templates = list((await session.scalars(templates_q)).all())
    exceptions = list(
        (
            await session.scalars(
                select(AvailabilityException).where(
                    AvailabilityException.provider_id.in_(provider_ids),
                    AvailabilityException.starts_at < padded[1],
                    AvailabilityException.ends_at > padded[0],
                )
            )
        ).all()
    )
    wanted_locations = (
        {t.location_id for t in templates}
        | {e.location_id for e in exceptions if e.location_id}
        | set(location_ids or ())
    )
    locations = {
        loc.id: loc
        for loc in (
            await session.scalars(select(Location).where(Location.id.in_(wanted_locations)))
        ).all()
    }
    rooms = list(
        (await session.scalars(select(Room).where(Room.location_id.in_(wanted_locations)))).all()
    )
    room_ids = [r.id for r in rooms]
    # Held time counts whoever holds it, so this reads past the caller's row scope; it takes
    # times and ids only, never the appointments themselves (nothing about them is disclosed).
    held = list(
        (
            await session.execute(
                select(
                    Appointment.id,
                    Appointment.provider_id,
                    Appointment.room_id,
                    Appointment.starts_at,
                    Appointment.ends_at,
                )
                .where(
                    Appointment.status.in_(HELD_STATUSES),
                    Appointment.overlapping(*padded),
                    or_(
                        Appointment.provider_id.in_(provider_ids), Appointment.room_id.in_(room_ids)
                    ),
                )
                .execution_options(**ALL_ROWS)
            )
        ).all()
    )
    return Calendar(locations, templates, exceptions, held, rooms)


@av.refusing_out_of_range("to")
async def available_slots(
    session: AsyncSession,
    *,
    appointment_type_id: int,
    starts: datetime,
    ends: datetime,
    provider_ids: Sequence[int] | None = None,
    location_id: int | None = None,
    now: datetime | None = None,
    limit: int = 500,
) -> SlotSearch:
    """Free slots of the type's length, from templates minus exceptions minus held time, in
    (start, provider) order; times are given in the location's time zone."""
    kind = await get_or_not_found(
        session, AppointmentType, appointment_type_id, "Appointment type", "appointment_type_id"
    )
    starts, ends = av.aware(starts, "from"), av.aware(ends, "to")
    if ends <= starts or ends - starts > timedelta(days=62):
        raise DomainError(
            SchedulingErrorCode.INVALID_TIME_RANGE,
            "Ask for a window of at most 62 days that ends after it starts.",
            ["to"],
        )
    if provider_ids is None:
        provider_ids = list(
            (
                await session.scalars(
                    select(AvailabilityTemplate.provider_id)
                    .distinct()
                    .join(Provider)
                    .where(
                        AvailabilityTemplate.location_id == location_id, Provider.active.is_(True)
                    )
                )
            ).all()
        )
    window = (max(starts, now or utcnow()), ends)
    calendar = await load_calendar(
        session, provider_ids, window, [location_id] if location_id is not None else None
    )
    duration = timedelta(minutes=kind.duration_minutes)
    streams: list[Iterator[Slot]] = []
    for provider_id in provider_ids:
        for loc_id in sorted(
            {t.location_id for t in calendar.templates if t.provider_id == provider_id}
            | {
                e.location_id
                for e in calendar.exceptions
                if e.location_id
                and e.provider_id == provider_id
                and e.kind == ExceptionKind.EXTRA_HOURS
            }
        ):
            if location_id is not None and loc_id != location_id:
                continue
            free = av.subtract(
                calendar.working(provider_id, loc_id, window), calendar.provider_busy(provider_id)
            )
            streams.append(_free_slots(calendar, provider_id, loc_id, kind, free, duration, window))
    # Each stream is in time order, so merging them in (start, provider) order -- ties in
    # stream order, as a stable sort of them all would give -- can stop past `limit`.
    merged = heapq.merge(*streams, key=lambda s: (s.starts_at, s.provider_id))
    found = list(islice(merged, limit + 1))
    if len(found) <= limit:
        return SlotSearch(found, truncated=False, resume_from=None)
    # Cut before the first slot left out, with every slot sharing its start, so that a search
    # from there repeats none. (Were more than `limit` slots to share one start, the rest of
    # that instant is skipped rather than the same page served forever.)
    cut_at = found[limit].starts_at
    page = [s for s in found[:limit] if s.starts_at < cut_at]
    if not page:
        return SlotSearch(found[:limit], True, cut_at + timedelta(microseconds=1))
    return SlotSearch(page, truncated=True, resume_from=cut_at)


def _free_slots(
    calendar: Calendar,
    provider_id: int,
    location_id: int,
    kind: AppointmentType,
    free: Sequence[av.Interval],
    duration: timedelta,
    window: av.Interval,
) -> Iterator[Slot]:
    """The provider's free slots at the location, in time order, each with a room if needed."""
    tz = av.zone(calendar.locations[location_id].timezone)
    for start, end in av.iter_cut(free, duration, window):
        room = (
            calendar.free_room(location_id, kind.room_type, (start, end))
            if kind.room_type
            else None
        )
        if kind.room_type and room is None:
            continue
        yield Slot(
            provider_id,
            location_id,
            start.astimezone(tz),
            end.astimezone(tz),
            room.id if room else None,
        )
