"""Scheduling mutation inputs. Times are instants with their UTC offset (any offset; a time
without one is refused); weekly hours are the location's wall time."""

from __future__ import annotations

from datetime import date, datetime, time

import strawberry
from strawberry import relay

from schema.scheduling.enums import ExceptionKind, SeriesScope

EXPECTED_VERSION = (
    "The appointment's version as last read: the change applies only if it is still that "
    "version, else VERSION_CONFLICT and nothing is written. Omit to change it regardless."
)


@strawberry.input(description="A new location.")
class CreateLocationInput:
    name: str = strawberry.field(description="Display name, unique in the practice.")
    timezone: str = strawberry.field(description="IANA name, e.g. America/New_York.")
    address: str | None = strawberry.field(default=None, description="Postal address, one line.")
    phone: str | None = strawberry.field(default=None, description="Phone number patients call.")


@strawberry.input(description="A new room at a location.")
class CreateRoomInput:
    location_id: relay.GlobalID = strawberry.field(description="The location's id.")
    name: str = strawberry.field(description="Display name, e.g. Exam 1.")
    room_type: str = strawberry.field(
        description="What it is for (exam, procedure, ...), as appointment types name it."
    )


@strawberry.input(description="Make a staff user a provider patients can book.")
class CreateProviderInput:
    username: str = strawberry.field(description="The staff user who is the provider.")
    npi: str = strawberry.field(
        description="National Provider Identifier: 10 digits, Luhn-checked."
    )
    specialty: str = strawberry.field(description="e.g. Family medicine.")


@strawberry.input(description="Whose calendar feed gets a new secret.")
class RotateCalendarFeedTokenInput:
    provider_id: relay.GlobalID = strawberry.field(
        description="The provider whose feed URL changes; the old one stops working."
    )


@strawberry.input(description="A new kind of visit.")
class CreateAppointmentTypeInput:
    name: str = strawberry.field(description="Display name, unique in the practice.")
    duration_minutes: int = strawberry.field(description="Length of a visit: 5 to 480 minutes.")
    color: str = strawberry.field(default="#4a90d9", description="Display color, #rrggbb.")
    bookable_online: bool = strawberry.field(
        default=False, description="Whether patients may book it themselves."
    )
    room_type: str | None = strawberry.field(
        default=None, description="The kind of room a visit needs (null: none)."
    )


@strawberry.input(description="Hours a provider works at a location every week.")
class AddWeeklyAvailabilityInput:
    provider_id: relay.GlobalID = strawberry.field(description="The provider's id.")
    location_id: relay.GlobalID = strawberry.field(description="The location's id.")
    weekday: int = strawberry.field(description="0 Monday ... 6 Sunday.")
    start_time: time = strawberry.field(description="Local wall time at the location.")
    end_time: time = strawberry.field(description="Local wall time; after startTime.")
    valid_from: date | None = strawberry.field(
        default=None, description="First local date they apply (null: no start)."
    )
    valid_until: date | None = strawberry.field(
        default=None, description="Last local date they apply (null: no end)."
    )


@strawberry.input(description="Time off or extra hours for a provider.")
class AddAvailabilityExceptionInput:
    provider_id: relay.GlobalID = strawberry.field(description="The provider's id.")
    kind: ExceptionKind = strawberry.field(  # type: ignore[valid-type]
        description="Whether it removes or adds hours."
    )
    starts_at: datetime = strawberry.field(description="Start, with its offset.")
    ends_at: datetime = strawberry.field(description="End (exclusive), with its offset.")
    location_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Where (required for EXTRA_HOURS; null TIME_OFF applies everywhere).",
    )
    reason: str | None = strawberry.field(
        default=None, description="Why; only admins read it back."
    )


@strawberry.input(description="A visit to book.")
class BookAppointmentInput:
    patient_id: relay.GlobalID = strawberry.field(description="Who the visit is for.")
    provider_id: relay.GlobalID = strawberry.field(description="Who sees them.")
    location_id: relay.GlobalID = strawberry.field(description="Where.")
    appointment_type_id: relay.GlobalID = strawberry.field(
        description="The kind of visit; its length sets the end."
    )
    starts_at: datetime = strawberry.field(description="When it begins, with its offset.")
    room_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="A room to hold (null: a free room of the kind the type needs, if any).",
    )
    reason: str | None = strawberry.field(
        default=None, description="Why the patient comes (clinical: not shown to billers)."
    )
    notes: str | None = strawberry.field(default=None, description="Booking notes.")


@strawberry.input(description="A recurring visit: every occurrence of a rule.")
class BookRecurringAppointmentsInput:
    patient_id: relay.GlobalID = strawberry.field(description="Who the visits are for.")
    provider_id: relay.GlobalID = strawberry.field(description="Who sees them.")
    location_id: relay.GlobalID = strawberry.field(
        description="Where; the rule repeats in its wall time."
    )
    appointment_type_id: relay.GlobalID = strawberry.field(description="The kind of visit.")
    starts_at: datetime = strawberry.field(description="The first occurrence, with its offset.")
    rrule: str = strawberry.field(description="RFC 5545, bounded: e.g. FREQ=WEEKLY;COUNT=10.")
    skip_conflicts: bool = strawberry.field(
        default=False,
        description="Book the free occurrences and list the others, instead of booking none.",
    )
    room_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A room to hold for every occurrence."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why the patient comes (clinical)."
    )


@strawberry.input(description="Move an appointment (and, by scope, the rest of its series).")
class RescheduleAppointmentInput:
    appointment_id: relay.GlobalID = strawberry.field(description="The appointment to move.")
    starts_at: datetime = strawberry.field(description="Its new start, with its offset.")
    provider_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Another provider (null: the same). Scope THIS only."
    )
    location_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Another location (null: the same). Scope THIS only."
    )
    room_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Another room (null: keep its room if free, else any free room of the "
        "kind). Scope THIS only.",
    )
    scope: SeriesScope = strawberry.field(
        default=SeriesScope.THIS, description="Which occurrences move (by the same shift)."
    )
    expected_version: int | None = strawberry.field(
        default=None, description=EXPECTED_VERSION + " With THIS_AND_FOLLOWING, the named one's."
    )


@strawberry.input(description="Cancel an appointment (and, by scope, the rest of its series).")
class CancelAppointmentInput:
    appointment_id: relay.GlobalID = strawberry.field(description="The appointment to cancel.")
    reason: str = strawberry.field(description="Why; required, shown to staff.")
    scope: SeriesScope = strawberry.field(
        default=SeriesScope.THIS, description="Which occurrences are cancelled."
    )
    expected_version: int | None = strawberry.field(
        default=None, description=EXPECTED_VERSION + " With THIS_AND_FOLLOWING, the named one's."
    )


@strawberry.input(description="A step of a visit: check-in, no-show or completion.")
class AppointmentIdInput:
    appointment_id: relay.GlobalID = strawberry.field(description="The appointment.")
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input(description="A patient to put on the waitlist.")
class AddToWaitlistInput:
    patient_id: relay.GlobalID = strawberry.field(description="Who waits.")
    appointment_type_id: relay.GlobalID = strawberry.field(description="The kind of visit wanted.")
    location_id: relay.GlobalID = strawberry.field(description="Where.")
    earliest: datetime = strawberry.field(description="Start of the wanted window, with offset.")
    latest: datetime = strawberry.field(
        description="End of the window, with offset; after earliest and in the future."
    )
    provider_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A provider wanted (null: any)."
    )
    notes: str | None = strawberry.field(default=None, description="Staff notes.")


@strawberry.input(description="A waitlist entry to close.")
class WaitlistEntryIdInput:
    waitlist_entry_id: relay.GlobalID = strawberry.field(
        description="The entry (WAITING or OFFERED; a closed one is INVALID_TRANSITION)."
    )
