"""What happens to appointments, as typed domain events (raised by the booking and visit
services, handled by reminders, the waitlist, live updates, and later billing and reporting)."""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import Any

from app.events import DomainEvent
from app.scheduling.models import Appointment, AppointmentStatus


class Change(enum.StrEnum):
    """What a schedule change says happened (the kind a live subscriber sees)."""

    BOOKED = "BOOKED"
    RESCHEDULED = "RESCHEDULED"
    CHECKED_IN = "CHECKED_IN"
    COMPLETED = "COMPLETED"
    NO_SHOW = "NO_SHOW"
    CANCELLED = "CANCELLED"


_CHANGE_OF_STATUS = {
    AppointmentStatus.ARRIVED: Change.CHECKED_IN,
    AppointmentStatus.FULFILLED: Change.COMPLETED,
    AppointmentStatus.NOAPPOINTMENT: Change.NO_SHOW,
    AppointmentStatus.CANCELLED: Change.CANCELLED,
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class AppointmentEvent(DomainEvent):
    """The appointment as it is after the change."""

    appointment_id: int
    patient_id: int
    provider_id: int
    location_id: int
    room_id: int | None
    appointment_type_id: int
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus

    @staticmethod
    def snapshot(appointment: Appointment) -> dict[str, Any]:
        return {
            "appointment_id": appointment.id,
            "patient_id": appointment.patient_id,
            "provider_id": appointment.provider_id,
            "location_id": appointment.location_id,
            "room_id": appointment.room_id,
            "appointment_type_id": appointment.appointment_type_id,
            "starts_at": appointment.starts_at,
            "ends_at": appointment.ends_at,
            "status": appointment.status,
        }

    @property
    def change(self) -> Change:
        raise NotImplementedError

    @property
    def changed_fields(self) -> tuple[str, ...]:
        raise NotImplementedError


@dataclasses.dataclass(frozen=True, kw_only=True)
class AppointmentBooked(AppointmentEvent):
    @classmethod
    def of(cls, appointment: Appointment) -> AppointmentBooked:
        return cls(**AppointmentEvent.snapshot(appointment))

    @property
    def change(self) -> Change:
        return Change.BOOKED

    @property
    def changed_fields(self) -> tuple[str, ...]:
        return ("status", "starts_at", "ends_at")


@dataclasses.dataclass(frozen=True, kw_only=True)
class AppointmentRescheduled(AppointmentEvent):
    """Moved in time, or to another provider, location or room. `previous_*` is where it was."""

    previous_starts_at: datetime
    previous_ends_at: datetime
    previous_provider_id: int
    previous_location_id: int
    previous_room_id: int | None
    moved: tuple[str, ...]  # which of starts_at, provider_id, location_id, room_id changed

    @classmethod
    def of(cls, appointment: Appointment, before: dict[str, Any]) -> AppointmentRescheduled:
        """`before` is the appointment's `snapshot` taken before the move."""
        moved = tuple(
            name
            for name in ("starts_at", "provider_id", "location_id", "room_id")
            if before[name] != getattr(appointment, name)
        )
        return cls(
            **AppointmentEvent.snapshot(appointment),
            previous_starts_at=before["starts_at"],
            previous_ends_at=before["ends_at"],
            previous_provider_id=before["provider_id"],
            previous_location_id=before["location_id"],
            previous_room_id=before["room_id"],
            moved=moved,
        )

    @property
    def change(self) -> Change:
        return Change.RESCHEDULED

    @property
    def changed_fields(self) -> tuple[str, ...]:
        return self.moved


@dataclasses.dataclass(frozen=True, kw_only=True)
class AppointmentStatusChanged(AppointmentEvent):
    """Checked in, completed (FULFILLED: billing's cue), a no-show, or cancelled."""

    previous_status: AppointmentStatus

    @classmethod
    def of(
        cls, appointment: Appointment, previous_status: AppointmentStatus
    ) -> AppointmentStatusChanged:
        return cls(
            **AppointmentEvent.snapshot(appointment),
            previous_status=previous_status,
        )

    @property
    def change(self) -> Change:
        return _CHANGE_OF_STATUS[self.status]

    @property
    def changed_fields(self) -> tuple[str, ...]:
        return ("status",)
