"""Scheduling mutations: set-up (admin) and the appointment lifecycle (front desk, clinicians)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from app.scheduling import booking, series, setup, waitlist
from app.scheduling.models import Appointment
from schema.context import Context
from schema.errors import UserError, run_mutation
from schema.ids import pk, to_global
from schema.permissions import can
from schema.scheduling.inputs import (
    AddAvailabilityExceptionInput,
    AddToWaitlistInput,
    AddWeeklyAvailabilityInput,
    AppointmentIdInput,
    BookAppointmentInput,
    BookRecurringAppointmentsInput,
    CancelAppointmentInput,
    CreateAppointmentTypeInput,
    CreateLocationInput,
    CreateProviderInput,
    CreateRoomInput,
    RescheduleAppointmentInput,
    SeriesScope,
)
from schema.scheduling.types import (
    AppointmentNode,
    AppointmentTypeNode,
    LocationNode,
    ProviderNode,
    RoomNode,
)


@strawberry.type
class LocationPayload:
    location: LocationNode | None
    user_errors: list[UserError]


@strawberry.type
class RoomPayload:
    room: RoomNode | None
    user_errors: list[UserError]


@strawberry.type
class ProviderPayload:
    provider: ProviderNode | None
    user_errors: list[UserError]


@strawberry.type
class AppointmentTypePayload:
    appointment_type: AppointmentTypeNode | None
    user_errors: list[UserError]


@strawberry.type
class AvailabilityPayload:
    ok: bool
    user_errors: list[UserError]


@strawberry.type
class AppointmentPayload:
    appointment: AppointmentNode | None
    user_errors: list[UserError]


@strawberry.type
class AppointmentsPayload:
    appointments: list[AppointmentNode]
    user_errors: list[UserError]


@strawberry.type
class SkippedOccurrence:
    starts_at: datetime
    error: UserError


@strawberry.type
class RecurringAppointmentsPayload:
    series_id: strawberry.ID | None
    appointments: list[AppointmentNode]
    skipped: list[SkippedOccurrence]
    user_errors: list[UserError]


@strawberry.type
class WaitlistPayload:
    waitlist_entry_id: strawberry.ID | None
    user_errors: list[UserError]


def _one(result: Appointment | None, errors: list[UserError]) -> AppointmentPayload:
    return AppointmentPayload(
        appointment=AppointmentNode.from_model(result) if result else None, user_errors=errors
    )


def _many(result: list[Appointment] | None, errors: list[UserError]) -> AppointmentsPayload:
    return AppointmentsPayload(
        appointments=[AppointmentNode.from_model(a) for a in result or []], user_errors=errors
    )


async def _step(
    info: Info[Context, Any], input: AppointmentIdInput, step: Any
) -> AppointmentPayload:
    """One step of the visit's lifecycle (check-in, no-show, completion)."""
    return _one(
        *await run_mutation(
            info, lambda s, a: step(s, a, pk(input.appointment_id, "Appointment", "appointmentId"))
        )
    )


def _optional(global_id: Any, type_name: str, field: str) -> int | None:
    return pk(global_id, type_name, field) if global_id else None


@strawberry.type
class SchedulingMutations:
    # set-up ------------------------------------------------------------------------------------
    @strawberry.mutation(extensions=can("schedule_setup", "write"))
    async def create_location(
        self, info: Info[Context, Any], input: CreateLocationInput
    ) -> LocationPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: setup.create_location(
                s,
                a,
                name=input.name,
                timezone=input.timezone,
                address=input.address,
                phone=input.phone,
            ),
        )
        return LocationPayload(
            location=LocationNode.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(extensions=can("schedule_setup", "write"))
    async def create_room(self, info: Info[Context, Any], input: CreateRoomInput) -> RoomPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: setup.create_room(
                s,
                a,
                location_id=pk(input.location_id, "Location", "locationId"),
                name=input.name,
                room_type=input.room_type,
            ),
        )
        return RoomPayload(room=RoomNode.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(extensions=can("schedule_setup", "write"))
    async def create_provider(
        self, info: Info[Context, Any], input: CreateProviderInput
    ) -> ProviderPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: setup.create_provider(
                s, a, username=input.username, npi=input.npi, specialty=input.specialty
            ),
        )
        return ProviderPayload(
            provider=ProviderNode.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(extensions=can("schedule_setup", "write"))
    async def create_appointment_type(
        self, info: Info[Context, Any], input: CreateAppointmentTypeInput
    ) -> AppointmentTypePayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: setup.create_appointment_type(
                s,
                a,
                name=input.name,
                duration_minutes=input.duration_minutes,
                color=input.color,
                bookable_online=input.bookable_online,
                room_type=input.room_type,
            ),
        )
        return AppointmentTypePayload(
            appointment_type=AppointmentTypeNode.from_model(row) if row else None,
            user_errors=errors,
        )

    @strawberry.mutation(extensions=can("schedule_setup", "write"))
    async def add_weekly_availability(
        self, info: Info[Context, Any], input: AddWeeklyAvailabilityInput
    ) -> AvailabilityPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: setup.add_weekly_availability(
                s,
                a,
                provider_id=pk(input.provider_id, "Provider", "providerId"),
                location_id=pk(input.location_id, "Location", "locationId"),
                weekday=input.weekday,
                start_time=input.start_time,
                end_time=input.end_time,
                valid_from=input.valid_from,
                valid_until=input.valid_until,
            ),
        )
        return AvailabilityPayload(ok=row is not None, user_errors=errors)

    @strawberry.mutation(
        extensions=can("schedule_setup", "write"),
        description="Time off (removes hours) or extra hours (adds them).",
    )
    async def add_availability_exception(
        self,
        info: Info[Context, Any],
        input: AddAvailabilityExceptionInput,
    ) -> AvailabilityPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: setup.add_availability_exception(
                s,
                a,
                provider_id=pk(input.provider_id, "Provider", "providerId"),
                kind=input.kind,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                location_id=_optional(input.location_id, "Location", "locationId"),
                reason=input.reason,
            ),
        )
        return AvailabilityPayload(ok=row is not None, user_errors=errors)

    # appointments ------------------------------------------------------------------------------
    @strawberry.mutation(
        extensions=can("appointment", "write"),
        description="Book a time; SLOT_UNAVAILABLE if it was taken, even a "
        "moment ago by someone else.",
    )
    async def book_appointment(
        self, info: Info[Context, Any], input: BookAppointmentInput
    ) -> AppointmentPayload:
        return _one(
            *await run_mutation(
                info,
                lambda s, a: booking.book_appointment(
                    s,
                    a,
                    patient_id=pk(input.patient_id, "Patient", "patientId"),
                    provider_id=pk(input.provider_id, "Provider", "providerId"),
                    location_id=pk(input.location_id, "Location", "locationId"),
                    appointment_type_id=pk(
                        input.appointment_type_id, "AppointmentType", "appointmentTypeId"
                    ),
                    starts_at=input.starts_at,
                    room_id=_optional(input.room_id, "Room", "roomId"),
                    reason=input.reason,
                    notes=input.notes,
                ),
            )
        )

    @strawberry.mutation(
        extensions=can("appointment", "write"),
        description="Occurrences of an RRULE; each conflict is reported.",
    )
    async def book_recurring_appointments(
        self,
        info: Info[Context, Any],
        input: BookRecurringAppointmentsInput,
    ) -> RecurringAppointmentsPayload:
        result, errors = await run_mutation(
            info,
            lambda s, a: series.book_series(
                s,
                a,
                rrule=input.rrule,
                skip_conflicts=input.skip_conflicts,
                patient_id=pk(input.patient_id, "Patient", "patientId"),
                provider_id=pk(input.provider_id, "Provider", "providerId"),
                location_id=pk(input.location_id, "Location", "locationId"),
                appointment_type_id=pk(
                    input.appointment_type_id, "AppointmentType", "appointmentTypeId"
                ),
                starts_at=input.starts_at,
                room_id=_optional(input.room_id, "Room", "roomId"),
                reason=input.reason,
            ),
        )
        if result is None:
            return RecurringAppointmentsPayload(
                series_id=None, appointments=[], skipped=[], user_errors=errors
            )
        return RecurringAppointmentsPayload(
            series_id=strawberry.ID(str(to_global("AppointmentSeries", result.series.id))),
            appointments=[AppointmentNode.from_model(a) for a in result.booked],
            skipped=[
                SkippedOccurrence(starts_at=when, error=UserError.from_domain(error))
                for when, error in result.skipped
            ],
            user_errors=[],
        )

    @strawberry.mutation(
        extensions=can("appointment", "write"),
        description="Move an appointment (scope THIS_AND_FOLLOWING moves the "
        "rest of its series by the same shift).",
    )
    async def reschedule_appointment(
        self, info: Info[Context, Any], input: RescheduleAppointmentInput
    ) -> AppointmentsPayload:
        appointment_id = lambda: pk(input.appointment_id, "Appointment", "appointmentId")  # noqa: E731
        if input.scope == SeriesScope.THIS_AND_FOLLOWING:
            return _many(
                *await run_mutation(
                    info,
                    lambda s, a: series.reschedule_series(
                        s,
                        a,
                        appointment_id(),
                        starts_at=input.starts_at,
                        provider_id=_optional(input.provider_id, "Provider", "providerId"),
                        location_id=_optional(input.location_id, "Location", "locationId"),
                        room_id=_optional(input.room_id, "Room", "roomId"),
                    ),
                )
            )
        one, errors = await run_mutation(
            info,
            lambda s, a: booking.reschedule_appointment(
                s,
                a,
                appointment_id(),
                starts_at=input.starts_at,
                provider_id=_optional(input.provider_id, "Provider", "providerId"),
                location_id=_optional(input.location_id, "Location", "locationId"),
                room_id=_optional(input.room_id, "Room", "roomId"),
            ),
        )
        return _many([one] if one else None, errors)

    @strawberry.mutation(
        extensions=can("appointment", "write"),
        description="Cancel with a reason; the freed time is offered to the waitlist.",
    )
    async def cancel_appointment(
        self, info: Info[Context, Any], input: CancelAppointmentInput
    ) -> AppointmentsPayload:
        appointment_id = lambda: pk(input.appointment_id, "Appointment", "appointmentId")  # noqa: E731
        if input.scope == SeriesScope.THIS_AND_FOLLOWING:
            return _many(
                *await run_mutation(
                    info,
                    lambda s, a: series.cancel_series(s, a, appointment_id(), reason=input.reason),
                )
            )
        one, errors = await run_mutation(
            info,
            lambda s, a: booking.cancel_appointment(s, a, appointment_id(), reason=input.reason),
        )
        return _many([one] if one else None, errors)

    @strawberry.mutation(extensions=can("appointment", "check_in"))
    async def check_in_appointment(
        self, info: Info[Context, Any], input: AppointmentIdInput
    ) -> AppointmentPayload:
        return await _step(info, input, booking.check_in)

    @strawberry.mutation(extensions=can("appointment", "check_in"))
    async def mark_no_show(
        self, info: Info[Context, Any], input: AppointmentIdInput
    ) -> AppointmentPayload:
        return await _step(info, input, booking.mark_no_show)

    @strawberry.mutation(extensions=can("appointment", "complete"))
    async def complete_appointment(
        self, info: Info[Context, Any], input: AppointmentIdInput
    ) -> AppointmentPayload:
        return await _step(info, input, booking.complete)

    @strawberry.mutation(extensions=can("appointment", "write"))
    async def add_to_waitlist(
        self, info: Info[Context, Any], input: AddToWaitlistInput
    ) -> WaitlistPayload:
        entry, errors = await run_mutation(
            info,
            lambda s, a: waitlist.add_to_waitlist(
                s,
                a,
                patient_id=pk(input.patient_id, "Patient", "patientId"),
                appointment_type_id=pk(
                    input.appointment_type_id, "AppointmentType", "appointmentTypeId"
                ),
                location_id=pk(input.location_id, "Location", "locationId"),
                provider_id=_optional(input.provider_id, "Provider", "providerId"),
                earliest=input.earliest,
                latest=input.latest,
                notes=input.notes,
            ),
        )
        entry_id = strawberry.ID(str(to_global("WaitlistEntry", entry.id))) if entry else None
        return WaitlistPayload(waitlist_entry_id=entry_id, user_errors=errors)
