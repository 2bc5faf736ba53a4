"""Booking and the visit's lifecycle (front desk, clinicians): book, book a series, move,
cancel, check in, no-show, complete. Changes to one visit accept its expectedVersion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.scheduling import booking, series
from app.scheduling.models import Appointment
from schema.context import Context
from schema.errors import UserError, run_mutation
from schema.ids import optional_pk, pk, to_global
from schema.permissions import can
from schema.scheduling.arguments import USER_ERRORS
from schema.scheduling.enums import SeriesScope
from schema.scheduling.inputs import (
    AppointmentIdInput,
    BookAppointmentInput,
    BookRecurringAppointmentsInput,
    CancelAppointmentInput,
    RescheduleAppointmentInput,
)
from schema.scheduling.types import AppointmentNode, AppointmentSeriesNode


@strawberry.type(description="The result of a change to one appointment.")
class AppointmentPayload:
    appointment: AppointmentNode | None = strawberry.field(
        description="The appointment as it is now (null when refused)."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="The result of a move or cancellation (one or more occurrences).")
class AppointmentsPayload:
    appointment: AppointmentNode | None = strawberry.field(
        description="The named appointment as it is now (null when refused)."
    )
    appointments: list[AppointmentNode] = strawberry.field(
        description="Every appointment changed, in time order: the named one alone for scope "
        "THIS; it and the later ones for THIS_AND_FOLLOWING (empty when refused)."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="An occurrence of a series that could not be booked.")
class SkippedOccurrence:
    starts_at: datetime = strawberry.field(description="When it would have begun, UTC.")
    error: UserError = strawberry.field(description="Why it could not be booked.")


@strawberry.type(description="The result of bookRecurringAppointments.")
class RecurringAppointmentsPayload:
    series_id: strawberry.ID | None = strawberry.field(
        description="The new series' id.",
        deprecation_reason="Use series { id }.",
    )
    series: AppointmentSeriesNode | None = strawberry.field(
        description="The new series (null when refused)."
    )
    appointments: list[AppointmentNode] = strawberry.field(
        description="The occurrences booked, in time order."
    )
    skipped: list[SkippedOccurrence] = strawberry.field(
        description="The occurrences left out (only with skipConflicts)."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _one(result: Appointment | None, errors: list[UserError]) -> AppointmentPayload:
    return AppointmentPayload(
        appointment=AppointmentNode.from_model(result) if result else None, user_errors=errors
    )


def _many(result: Sequence[Appointment] | None, errors: list[UserError]) -> AppointmentsPayload:
    changed = [AppointmentNode.from_model(a) for a in result or []]
    return AppointmentsPayload(
        appointment=changed[0] if changed else None, appointments=changed, user_errors=errors
    )


async def _step(
    info: Info[Context, Any], input: AppointmentIdInput, step: Any
) -> AppointmentPayload:
    """One step of the visit's lifecycle (check-in, no-show, completion)."""
    return _one(
        *await run_mutation(
            info,
            lambda s, a: step(
                s,
                a,
                pk(input.appointment_id, "Appointment", "appointmentId"),
                expected_version=input.expected_version,
            ),
        )
    )


def _step_mutation(step: Any, action: str, description: str) -> Any:
    """A mutation for one lifecycle step, guarded by (appointment, action)."""

    async def resolve(
        self: Any,
        info: Info[Context, Any],
        input: Annotated[AppointmentIdInput, strawberry.argument(description="The appointment.")],
    ) -> AppointmentPayload:
        return await _step(info, input, step)

    return strawberry.mutation(
        resolver=resolve, extensions=can("appointment", action), description=description
    )


def _appointment_id(input: RescheduleAppointmentInput | CancelAppointmentInput) -> int:
    return pk(input.appointment_id, "Appointment", "appointmentId")


@strawberry.type
class AppointmentMutations:
    @strawberry.mutation(
        extensions=can("appointment", "write"),
        description="Book a time; SLOT_UNAVAILABLE if it was taken, even a "
        "moment ago by someone else.",
    )
    async def book_appointment(
        self,
        info: Info[Context, Any],
        input: Annotated[
            BookAppointmentInput, strawberry.argument(description="The visit to book.")
        ],
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
                    room_id=optional_pk(input.room_id, "Room", "roomId"),
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
        input: Annotated[
            BookRecurringAppointmentsInput, strawberry.argument(description="The series to book.")
        ],
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
                room_id=optional_pk(input.room_id, "Room", "roomId"),
                reason=input.reason,
            ),
        )
        if result is None:
            return RecurringAppointmentsPayload(
                series_id=None, series=None, appointments=[], skipped=[], user_errors=errors
            )
        return RecurringAppointmentsPayload(
            series_id=strawberry.ID(str(to_global("AppointmentSeries", result.series.id))),
            series=AppointmentSeriesNode.from_model(result.series),
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
        self,
        info: Info[Context, Any],
        input: Annotated[
            RescheduleAppointmentInput, strawberry.argument(description="What moves, and where to.")
        ],
    ) -> AppointmentsPayload:
        if input.scope == SeriesScope.THIS_AND_FOLLOWING:
            return _many(
                *await run_mutation(
                    info,
                    lambda s, a: series.reschedule_series(
                        s,
                        a,
                        _appointment_id(input),
                        starts_at=input.starts_at,
                        provider_id=optional_pk(input.provider_id, "Provider", "providerId"),
                        location_id=optional_pk(input.location_id, "Location", "locationId"),
                        room_id=optional_pk(input.room_id, "Room", "roomId"),
                        expected_version=input.expected_version,
                    ),
                )
            )
        one, errors = await run_mutation(
            info,
            lambda s, a: booking.reschedule_appointment(
                s,
                a,
                _appointment_id(input),
                starts_at=input.starts_at,
                provider_id=optional_pk(input.provider_id, "Provider", "providerId"),
                location_id=optional_pk(input.location_id, "Location", "locationId"),
                room_id=optional_pk(input.room_id, "Room", "roomId"),
                expected_version=input.expected_version,
            ),
        )
        return _many([one] if one else None, errors)

    @strawberry.mutation(
        extensions=can("appointment", "write"),
        description="Cancel with a reason; the freed time is offered to the waitlist.",
    )
    async def cancel_appointment(
        self,
        info: Info[Context, Any],
        input: Annotated[
            CancelAppointmentInput, strawberry.argument(description="What is cancelled, and why.")
        ],
    ) -> AppointmentsPayload:
        if input.scope == SeriesScope.THIS_AND_FOLLOWING:
            return _many(
                *await run_mutation(
                    info,
                    lambda s, a: series.cancel_series(
                        s,
                        a,
                        _appointment_id(input),
                        reason=input.reason,
                        expected_version=input.expected_version,
                    ),
                )
            )
        one, errors = await run_mutation(
            info,
            lambda s, a: booking.cancel_appointment(
                s,
                a,
                _appointment_id(input),
                reason=input.reason,
                expected_version=input.expected_version,
            ),
        )
        return _many([one] if one else None, errors)

    check_in_appointment = _step_mutation(
        booking.check_in, "check_in", "The patient arrived: BOOKED to ARRIVED."
    )
    mark_no_show = _step_mutation(
        booking.mark_no_show,
        "check_in",
        "The patient did not come: BOOKED to NOAPPOINTMENT, once it has begun.",
    )
    complete_appointment = _step_mutation(
        booking.complete, "complete", "The visit took place: ARRIVED to FULFILLED."
    )
