"""Recurring visits: a series booked from an RRULE, and changes to this occurrence and the
ones after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import text
from app.authz import Actor
from app.db import get_or_not_found
from app.errors import CommonErrorCode, DomainError, DomainErrors
from app.scheduling import availability as av
from app.scheduling import recurrence
from app.scheduling.booking import (
    book_appointment,
    cancel_appointment,
    locked_appointment,
    reschedule_appointment,
)
from app.scheduling.errors import SchedulingErrorCode
from app.scheduling.models import Appointment, AppointmentSeries, Location
from app.scheduling.states import RESCHEDULABLE


@dataclass(frozen=True)
class SeriesResult:
    series: AppointmentSeries
    booked: list[Appointment]
    skipped: list[tuple[datetime, DomainError]]


async def book_series(
    session: AsyncSession,
    actor: Actor,
    *,
    rrule: str,
    skip_conflicts: bool,
    patient_id: int,
    provider_id: int,
    location_id: int,
    appointment_type_id: int,
    starts_at: datetime,
    room_id: int | None = None,
    reason: str | None = None,
) -> SeriesResult:
    """Book every occurrence of the rule. A conflict fails the whole series (each conflicting
    occurrence reported) unless `skip_conflicts`, which books the rest and lists the skipped."""
    location = await get_or_not_found(session, Location, location_id, "Location", "location_id")
    if reason is not None:  # once for the series, not as a fault of each occurrence
        text.check_column(Appointment.__table__.c.reason, reason, "reason")
    starts_at = av.aware(starts_at, "starts_at")
    instants = recurrence.occurrences(rrule, starts_at, av.zone(location.timezone))
    series = AppointmentSeries(
        rrule=rrule.strip().removeprefix("RRULE:"), created_by_id=actor.user_id
    )
    session.add(series)
    await session.flush()
    booked: list[Appointment] = []
    skipped: list[tuple[datetime, DomainError]] = []
    for index, when in enumerate(instants):
        try:
            async with session.begin_nested():
                booked.append(
                    await book_appointment(
                        session,
                        actor,
                        patient_id=patient_id,
                        provider_id=provider_id,
                        location_id=location_id,
                        appointment_type_id=appointment_type_id,
                        starts_at=when,
                        room_id=room_id,
                        reason=reason,
                        series_id=series.id,
                    )
                )
        except DomainError as error:
            if error.code == CommonErrorCode.NOT_FOUND:
                raise
            error.field = ["occurrences", str(index), *(error.field or [])]
            skipped.append((when, error))
    if skipped and not skip_conflicts:
        raise DomainErrors([error for _, error in skipped])
    if not booked:
        raise DomainError(
            SchedulingErrorCode.SERIES_CONFLICT, "No occurrence could be booked.", ["rrule"]
        )
    return SeriesResult(series, booked, skipped)


async def _this_and_following(session: AsyncSession, appointment: Appointment) -> list[Appointment]:
    """The occurrence and the later ones that can still change. An occurrence that cannot
    change itself comes alone, so the step refuses it (INVALID_TRANSITION) as it would alone."""
    if appointment.series_id is None or appointment.status not in RESCHEDULABLE:
        return [appointment]
    return list(
        (
            await session.scalars(
                select(Appointment)
                .where(
                    Appointment.series_id == appointment.series_id,
                    Appointment.starts_at >= appointment.starts_at,
                    Appointment.status.in_(RESCHEDULABLE),
                )
                .order_by(Appointment.starts_at)
            )
        ).all()
    )


async def cancel_series(
    session: AsyncSession,
    actor: Actor,
    appointment_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
) -> list[Appointment]:
    """Cancel this occurrence and every later one of its series (`expected_version` is the
    named occurrence's)."""
    first = await locked_appointment(session, appointment_id, expected_version)
    return [
        await cancel_appointment(session, actor, a.id, reason=reason)
        for a in await _this_and_following(session, first)
    ]


async def reschedule_series(
    session: AsyncSession,
    actor: Actor,
    appointment_id: int,
    *,
    starts_at: datetime,
    provider_id: int | None = None,
    location_id: int | None = None,
    room_id: int | None = None,
    expected_version: int | None = None,
) -> list[Appointment]:
    """Move this occurrence and every later one by the same shift of local wall time; the
    series keeps its provider, location and room (naming others is refused, not ignored).
    `expected_version` is the named occurrence's."""
    for name, value in (
        ("provider_id", provider_id),
        ("location_id", location_id),
        ("room_id", room_id),
    ):
        if value is not None:
            raise DomainError(
                CommonErrorCode.INVALID_INPUT,
                "A series moves in time only; move one occurrence (scope THIS) to change "
                "its provider, location or room.",
                [name],
            )
    first = await locked_appointment(session, appointment_id, expected_version)
    starts_at = av.aware(starts_at, "starts_at")
    location = await get_or_not_found(
        session, Location, first.location_id, "Location", "location_id"
    )
    tz = av.zone(location.timezone)
    with av.in_range("starts_at"):
        shift = starts_at.astimezone(tz).replace(tzinfo=None) - first.starts_at.astimezone(
            tz
        ).replace(tzinfo=None)
    moved: dict[int, Appointment] = {}
    errors: dict[int, DomainError] = {}
    targets = list(enumerate(await _this_and_following(session, first)))
    if shift > timedelta(0):
        # Later occurrences first: each then moves into time the series itself has left.
        targets.reverse()
    for index, appointment in targets:
        try:
            with av.in_range("starts_at"):
                local = appointment.starts_at.astimezone(tz).replace(tzinfo=None) + shift
                moved_to = av.instant(local.date(), local.time(), tz)
            async with session.begin_nested():
                moved[index] = await reschedule_appointment(
                    session, actor, appointment.id, starts_at=moved_to
                )
        except DomainError as error:
            error.field = ["occurrences", str(index), *(error.field or [])]
            errors[index] = error
    if errors:
        raise DomainErrors([errors[i] for i in sorted(errors)])
    return [moved[i] for i in sorted(moved)]
