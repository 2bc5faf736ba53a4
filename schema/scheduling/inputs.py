"""Scheduling mutation inputs."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

import strawberry
from strawberry import relay

from app.scheduling.models import ExceptionKind as ExceptionKindModel

ExceptionKind = strawberry.enum(ExceptionKindModel)


@strawberry.enum(description="Which occurrences of a recurring series a change applies to.")
class SeriesScope(enum.Enum):
    THIS = "this"
    THIS_AND_FOLLOWING = "this_and_following"


@strawberry.input
class CreateLocationInput:
    name: str
    timezone: str = strawberry.field(description="IANA name, e.g. America/New_York.")
    address: str | None = None
    phone: str | None = None


@strawberry.input
class CreateRoomInput:
    location_id: relay.GlobalID
    name: str
    room_type: str


@strawberry.input
class CreateProviderInput:
    username: str = strawberry.field(description="The staff user who is the provider.")
    npi: str
    specialty: str


@strawberry.input
class CreateAppointmentTypeInput:
    name: str
    duration_minutes: int
    color: str = "#4a90d9"
    bookable_online: bool = False
    room_type: str | None = None


@strawberry.input
class AddWeeklyAvailabilityInput:
    provider_id: relay.GlobalID
    location_id: relay.GlobalID
    weekday: int = strawberry.field(description="0 Monday ... 6 Sunday.")
    start_time: time = strawberry.field(description="Local time at the location.")
    end_time: time
    valid_from: date | None = None
    valid_until: date | None = None


@strawberry.input
class AddAvailabilityExceptionInput:
    provider_id: relay.GlobalID
    kind: ExceptionKind  # type: ignore[valid-type]
    starts_at: datetime
    ends_at: datetime
    location_id: relay.GlobalID | None = None
    reason: str | None = None


@strawberry.input
class BookAppointmentInput:
    patient_id: relay.GlobalID
    provider_id: relay.GlobalID
    location_id: relay.GlobalID
    appointment_type_id: relay.GlobalID
    starts_at: datetime
    room_id: relay.GlobalID | None = None
    reason: str | None = None
    notes: str | None = None


@strawberry.input
class BookRecurringAppointmentsInput:
    patient_id: relay.GlobalID
    provider_id: relay.GlobalID
    location_id: relay.GlobalID
    appointment_type_id: relay.GlobalID
    starts_at: datetime = strawberry.field(description="The first occurrence.")
    rrule: str = strawberry.field(description="RFC 5545, bounded: e.g. FREQ=WEEKLY;COUNT=10.")
    skip_conflicts: bool = strawberry.field(
        default=False,
        description="Book the free occurrences and list the others, instead of booking none.",
    )
    room_id: relay.GlobalID | None = None
    reason: str | None = None


@strawberry.input
class RescheduleAppointmentInput:
    appointment_id: relay.GlobalID
    starts_at: datetime
    provider_id: relay.GlobalID | None = None
    location_id: relay.GlobalID | None = None
    room_id: relay.GlobalID | None = None
    scope: SeriesScope = SeriesScope.THIS


@strawberry.input
class CancelAppointmentInput:
    appointment_id: relay.GlobalID
    reason: str
    scope: SeriesScope = SeriesScope.THIS


@strawberry.input
class AppointmentIdInput:
    appointment_id: relay.GlobalID


@strawberry.input
class AddToWaitlistInput:
    patient_id: relay.GlobalID
    appointment_type_id: relay.GlobalID
    location_id: relay.GlobalID
    earliest: datetime
    latest: datetime
    provider_id: relay.GlobalID | None = None
    notes: str | None = None
