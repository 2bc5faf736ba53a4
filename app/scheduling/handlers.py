"""Scheduling's reactions to its own events: reminders, waitlist offers, live updates.

Each runs inside the transaction that raised the event (see app/events.py); other domains
register their reactions in their own `handlers` modules.
"""

from __future__ import annotations

from app import live
from app.events import Handling, handles
from app.scheduling import reminders, waitlist
from app.scheduling.availability import overlaps
from app.scheduling.events import (
    AppointmentBooked,
    AppointmentEvent,
    AppointmentRescheduled,
    AppointmentStatusChanged,
)
from app.scheduling.models import AppointmentStatus


def _freed(event: AppointmentEvent, previous: bool = False) -> waitlist.FreedTime:
    if isinstance(event, AppointmentRescheduled) and previous:
        return waitlist.FreedTime(
            event.appointment_id,
            event.patient_id,
            event.appointment_type_id,
            event.previous_provider_id,
            event.previous_location_id,
            event.previous_starts_at,
            event.previous_ends_at,
        )
    return waitlist.FreedTime(
        event.appointment_id,
        event.patient_id,
        event.appointment_type_id,
        event.provider_id,
        event.location_id,
        event.starts_at,
        event.ends_at,
    )


@handles(AppointmentBooked)
async def remind_and_close_waiting(handling: Handling, event: AppointmentBooked) -> None:
    await reminders.schedule(handling.session, handling.settings, event)
    await waitlist.mark_booked(handling.session, handling.actor, event)


@handles(AppointmentRescheduled)
async def move_reminder_and_offer_old_time(
    handling: Handling, event: AppointmentRescheduled
) -> None:
    await reminders.cancel(handling.session, [event.appointment_id])
    await reminders.schedule(handling.session, handling.settings, event)
    if event.provider_id != event.previous_provider_id or not overlaps(
        (event.previous_starts_at, event.previous_ends_at), (event.starts_at, event.ends_at)
    ):
        # The old time is free again (a move within it frees only part of it: not offered).
        await waitlist.offer_freed_time(
            handling.session,
            handling.actor,
            handling.settings.practice_name,
            _freed(event, previous=True),
        )


@handles(AppointmentStatusChanged)
async def withdraw_reminder_and_offer_time(
    handling: Handling, event: AppointmentStatusChanged
) -> None:
    if event.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NOAPPOINTMENT):
        await reminders.cancel(handling.session, [event.appointment_id])
    # A no-show has started, so what is left of its time is shorter than the visit type and
    # cannot be booked as one: only a cancellation is offered to the waitlist.
    if event.status == AppointmentStatus.CANCELLED:
        await waitlist.offer_freed_time(
            handling.session, handling.actor, handling.settings.practice_name, _freed(event)
        )


@handles(AppointmentBooked, AppointmentRescheduled, AppointmentStatusChanged)
async def publish_schedule_change(handling: Handling, event: AppointmentEvent) -> None:
    """Staff dashboards see the change once it commits (app/live.py)."""
    live.publish(handling.session, event)
