"""Setting up a practice's schedule: locations, rooms, providers, appointment types, and each
provider's weekly hours and exceptions (time off, extra hours)."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import text
from app.audit import trail
from app.authz import Actor
from app.db import get_or_not_found, utcnow
from app.errors import CommonErrorCode, DomainError, NotFound
from app.identifiers import npi_is_valid
from app.scheduling import availability as av
from app.scheduling.errors import SchedulingErrorCode
from app.scheduling.models import (
    MAX_VISIT_MINUTES,
    MIN_VISIT_MINUTES,
    AppointmentType,
    AvailabilityException,
    AvailabilityTemplate,
    ExceptionKind,
    Location,
    Provider,
    Room,
)
from app.users.models import User

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


async def _add_unique(
    session: AsyncSession,
    actor: Actor,
    row: Any,
    resource_type: str,
    message: str,
    field: str,
) -> Any:
    """Insert a row whose name must be unique; losing a race to a concurrent insert of the same
    name (after the check above passed) is NAME_TAKEN, not a server error."""
    try:
        async with session.begin_nested():
            return await trail.add_created(session, actor, row, resource_type)
    except IntegrityError as exc:
        raise DomainError(SchedulingErrorCode.NAME_TAKEN, message, [field]) from exc


async def create_location(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    timezone: str,
    address: str | None = None,
    phone: str | None = None,
) -> Location:
    name = text.required(name, "name")
    av.zone(timezone)
    if await session.scalar(select(Location.id).where(Location.name == name)):
        raise DomainError(
            SchedulingErrorCode.NAME_TAKEN, f"A location named {name!r} exists.", ["name"]
        )
    location = Location(name=name, timezone=timezone, address=address, phone=phone)
    return await _add_unique(
        session, actor, location, "Location", f"A location named {name!r} exists.", "name"
    )


async def create_room(
    session: AsyncSession, actor: Actor, *, location_id: int, name: str, room_type: str
) -> Room:
    await get_or_not_found(session, Location, location_id, "Location", "location_id")
    room = Room(
        location_id=location_id,
        name=text.required(name, "name"),
        room_type=text.required(room_type, "room_type"),
    )
    return await trail.add_created(session, actor, room, "Room")


async def create_provider(
    session: AsyncSession, actor: Actor, *, username: str, npi: str, specialty: str
) -> Provider:
    specialty = text.required(specialty, "specialty")
    user_id = await session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise NotFound("User", ["username"])
    if not npi_is_valid(npi):
        raise DomainError(
            SchedulingErrorCode.INVALID_NPI,
            "An NPI is 10 digits ending in its Luhn check digit.",
            ["npi"],
        )
    if await session.scalar(select(Provider.id).where(Provider.user_id == user_id)):
        raise DomainError(
            SchedulingErrorCode.NAME_TAKEN, f"{username!r} is a provider already.", ["username"]
        )
    if await session.scalar(select(Provider.id).where(Provider.npi == npi)):
        raise DomainError(SchedulingErrorCode.NAME_TAKEN, "Another provider has this NPI.", ["npi"])
    provider = Provider(
        user_id=user_id, npi=npi, specialty=specialty, calendar_token=secrets.token_urlsafe(24)
    )
    return await _add_unique(
        session, actor, provider, "Provider", "The user or the NPI is a provider already.", "npi"
    )


async def rotate_calendar_token(session: AsyncSession, actor: Actor, provider_id: int) -> Provider:
    """A new secret for the provider's feed: the old feed URL stops working at once."""
    provider = await get_or_not_found(session, Provider, provider_id, "Provider", "provider_id")
    provider.calendar_token = secrets.token_urlsafe(24)
    await session.flush()
    trail.record(session, actor, "rotate_feed_token", "Provider", provider.id)
    return provider


async def create_appointment_type(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    duration_minutes: int,
    color: str = "#4a90d9",
    bookable_online: bool = False,
    room_type: str | None = None,
) -> AppointmentType:
    name = text.required(name, "name")
    room_type = (room_type or "").strip() or None  # blank: the type needs no room
    if not _COLOR.fullmatch(color):
        raise DomainError(
            CommonErrorCode.INVALID_INPUT, "Color is #rrggbb, e.g. #4a90d9.", ["color"]
        )
    if not MIN_VISIT_MINUTES <= duration_minutes <= MAX_VISIT_MINUTES:
        raise DomainError(
            SchedulingErrorCode.INVALID_TIME_RANGE,
            f"Duration is {MIN_VISIT_MINUTES} to {MAX_VISIT_MINUTES} minutes.",
            ["duration_minutes"],
        )
    if await session.scalar(select(AppointmentType.id).where(AppointmentType.name == name)):
        raise DomainError(
            SchedulingErrorCode.NAME_TAKEN, f"A type named {name!r} exists.", ["name"]
        )
    kind = AppointmentType(
        name=name,
        duration_minutes=duration_minutes,
        color=color,
        bookable_online=bookable_online,
        room_type=room_type,
    )
    return await _add_unique(
        session, actor, kind, "AppointmentType", f"A type named {name!r} exists.", "name"
    )


async def add_weekly_availability(
    session: AsyncSession,
    actor: Actor,
    *,
    provider_id: int,
    location_id: int,
    weekday: int,
    start_time: time,
    end_time: time,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> AvailabilityTemplate:
    await get_or_not_found(session, Provider, provider_id, "Provider", "provider_id")
    await get_or_not_found(session, Location, location_id, "Location", "location_id")
    if not 0 <= weekday <= 6 or start_time >= end_time:
        raise DomainError(
            SchedulingErrorCode.INVALID_TIME_RANGE,
            "Weekday is 0 (Monday) to 6; hours must start before they end.",
            ["start_time"],
        )
    today = utcnow().date()
    av.date_within_horizon(valid_from, "valid_from", today)
    av.date_within_horizon(valid_until, "valid_until", today)
    if valid_from and valid_until and valid_from > valid_until:
        raise DomainError(
            SchedulingErrorCode.INVALID_TIME_RANGE,
            "The hours must start applying before they stop.",
            ["valid_until"],
        )
    template = AvailabilityTemplate(
        provider_id=provider_id,
        location_id=location_id,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    return await trail.add_created(session, actor, template, "AvailabilityTemplate")


async def add_availability_exception(
    session: AsyncSession,
    actor: Actor,
    *,
    provider_id: int,
    kind: ExceptionKind,
    starts_at: datetime,
    ends_at: datetime,
    location_id: int | None = None,
    reason: str | None = None,
) -> AvailabilityException:
    await get_or_not_found(session, Provider, provider_id, "Provider", "provider_id")
    starts_at, ends_at = av.aware(starts_at, "starts_at"), av.aware(ends_at, "ends_at")
    now = utcnow()
    av.within_horizon(starts_at, "starts_at", now)
    av.within_horizon(ends_at, "ends_at", now)
    if starts_at >= ends_at:
        raise DomainError(
            SchedulingErrorCode.INVALID_TIME_RANGE, "Start before the end.", ["ends_at"]
        )
    if kind == ExceptionKind.EXTRA_HOURS and location_id is None:
        raise DomainError(
            SchedulingErrorCode.INVALID_TIME_RANGE, "Extra hours need a location.", ["location_id"]
        )
    exception = AvailabilityException(
        provider_id=provider_id,
        location_id=location_id,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
    )
    return await trail.add_created(session, actor, exception, "AvailabilityException")
