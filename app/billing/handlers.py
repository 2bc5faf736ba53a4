"""Billing's reactions to other domains' events (see app/events.py)."""

from __future__ import annotations

from app.billing import encounters
from app.events import Handling, handles
from app.scheduling.events import AppointmentStatusChanged
from app.scheduling.models import AppointmentStatus


@handles(AppointmentStatusChanged)
async def encounter_of_fulfilled_visit(handling: Handling, event: AppointmentStatusChanged) -> None:
    """A fulfilled (completed) visit is an encounter to code and bill, made in the same
    transaction as the completion."""
    if event.status == AppointmentStatus.FULFILLED:
        await encounters.encounter_for_visit(handling.session, handling.actor, event)
