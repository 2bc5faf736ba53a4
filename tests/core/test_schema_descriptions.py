"""The schema documents itself: every type, field, argument, input field and enum value a caller
can see in GraphiQL or a generated client has a description."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    is_specified_directive,
)

from app.config import Settings
from schema import create_schema

# graphql's own scalars cannot carry our descriptions (graphql-core refuses to redefine them) and
# the SDL never prints them; what an ID is, the Node interface and every `id` field say.
BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}

# TEMPORARY: schema/scheduling/* is being reworked (and described) on another branch. These
# schema coordinates belong to it. Empty this set once that branch has landed; the second test
# below fails as soon as an entry here is described or gone, so it can only shrink.
PENDING: frozenset[str] = frozenset(
    {
        "AddAvailabilityExceptionInput",
        "AddAvailabilityExceptionInput.providerId",
        "AddAvailabilityExceptionInput.kind",
        "AddAvailabilityExceptionInput.startsAt",
        "AddAvailabilityExceptionInput.endsAt",
        "AddAvailabilityExceptionInput.locationId",
        "AddAvailabilityExceptionInput.reason",
        "AddToWaitlistInput",
        "AddToWaitlistInput.patientId",
        "AddToWaitlistInput.appointmentTypeId",
        "AddToWaitlistInput.locationId",
        "AddToWaitlistInput.earliest",
        "AddToWaitlistInput.latest",
        "AddToWaitlistInput.providerId",
        "AddToWaitlistInput.notes",
        "AddWeeklyAvailabilityInput",
        "AddWeeklyAvailabilityInput.providerId",
        "AddWeeklyAvailabilityInput.locationId",
        "AddWeeklyAvailabilityInput.endTime",
        "AddWeeklyAvailabilityInput.validFrom",
        "AddWeeklyAvailabilityInput.validUntil",
        "Appointment.provider",
        "Appointment.location",
        "Appointment.room",
        "Appointment.startsAt",
        "Appointment.endsAt",
        "Appointment.status",
        "Appointment.notes",
        "Appointment.cancellationReason",
        "Appointment.seriesId",
        "Appointment.patient",
        "Appointment.bookedBy",
        "Appointment.appointmentType",
        "AppointmentIdInput",
        "AppointmentIdInput.appointmentId",
        "AppointmentPayload",
        "AppointmentPayload.appointment",
        "AppointmentPayload.userErrors",
        "AppointmentStatus.PROPOSED",
        "AppointmentStatus.BOOKED",
        "AppointmentStatus.ARRIVED",
        "AppointmentStatus.FULFILLED",
        "AppointmentStatus.CANCELLED",
        "AppointmentStatus.NOAPPOINTMENT",
        "AppointmentType",
        "AppointmentType.name",
        "AppointmentType.durationMinutes",
        "AppointmentType.color",
        "AppointmentType.bookableOnline",
        "AppointmentType.roomType",
        "AppointmentTypePayload",
        "AppointmentTypePayload.appointmentType",
        "AppointmentTypePayload.userErrors",
        "AppointmentsPayload",
        "AppointmentsPayload.appointments",
        "AppointmentsPayload.userErrors",
        "AvailabilityPayload",
        "AvailabilityPayload.ok",
        "AvailabilityPayload.userErrors",
        "BookAppointmentInput",
        "BookAppointmentInput.patientId",
        "BookAppointmentInput.providerId",
        "BookAppointmentInput.locationId",
        "BookAppointmentInput.appointmentTypeId",
        "BookAppointmentInput.startsAt",
        "BookAppointmentInput.roomId",
        "BookAppointmentInput.reason",
        "BookAppointmentInput.notes",
        "BookRecurringAppointmentsInput",
        "BookRecurringAppointmentsInput.patientId",
        "BookRecurringAppointmentsInput.providerId",
        "BookRecurringAppointmentsInput.locationId",
        "BookRecurringAppointmentsInput.appointmentTypeId",
        "BookRecurringAppointmentsInput.roomId",
        "BookRecurringAppointmentsInput.reason",
        "CancelAppointmentInput",
        "CancelAppointmentInput.appointmentId",
        "CancelAppointmentInput.reason",
        "CancelAppointmentInput.scope",
        "CreateAppointmentTypeInput",
        "CreateAppointmentTypeInput.name",
        "CreateAppointmentTypeInput.durationMinutes",
        "CreateAppointmentTypeInput.color",
        "CreateAppointmentTypeInput.bookableOnline",
        "CreateAppointmentTypeInput.roomType",
        "CreateLocationInput",
        "CreateLocationInput.name",
        "CreateLocationInput.address",
        "CreateLocationInput.phone",
        "CreateProviderInput",
        "CreateProviderInput.npi",
        "CreateProviderInput.specialty",
        "CreateRoomInput",
        "CreateRoomInput.locationId",
        "CreateRoomInput.name",
        "CreateRoomInput.roomType",
        "DaySchedule",
        "DaySchedule.location",
        "DaySchedule.date",
        "DaySchedule.providers",
        "ExceptionKind",
        "ExceptionKind.TIME_OFF",
        "ExceptionKind.EXTRA_HOURS",
        "Location",
        "Location.name",
        "Location.address",
        "Location.phone",
        "LocationPayload",
        "LocationPayload.location",
        "LocationPayload.userErrors",
        "Mutation.createLocation",
        "Mutation.createLocation(input:)",
        "Mutation.createRoom",
        "Mutation.createRoom(input:)",
        "Mutation.createProvider",
        "Mutation.createProvider(input:)",
        "Mutation.createAppointmentType",
        "Mutation.createAppointmentType(input:)",
        "Mutation.addWeeklyAvailability",
        "Mutation.addWeeklyAvailability(input:)",
        "Mutation.addAvailabilityException(input:)",
        "Mutation.bookAppointment(input:)",
        "Mutation.bookRecurringAppointments(input:)",
        "Mutation.rescheduleAppointment(input:)",
        "Mutation.cancelAppointment(input:)",
        "Mutation.checkInAppointment",
        "Mutation.checkInAppointment(input:)",
        "Mutation.markNoShow",
        "Mutation.markNoShow(input:)",
        "Mutation.completeAppointment",
        "Mutation.completeAppointment(input:)",
        "Mutation.addToWaitlist",
        "Mutation.addToWaitlist(input:)",
        "Provider",
        "Provider.npi",
        "Provider.specialty",
        "Provider.active",
        "Provider.name",
        "ProviderDay",
        "ProviderDay.provider",
        "ProviderDay.appointments",
        "ProviderPayload",
        "ProviderPayload.provider",
        "ProviderPayload.userErrors",
        "Query.locations",
        "Query.providers",
        "Query.appointmentTypes",
        "Query.availableSlots(appointmentTypeId:)",
        "Query.availableSlots(from:)",
        "Query.availableSlots(to:)",
        "Query.availableSlots(providerId:)",
        "Query.availableSlots(locationId:)",
        "Query.schedule(locationId:)",
        "Query.schedule(date:)",
        "Query.appointments(from:)",
        "Query.appointments(to:)",
        "Query.appointments(providerIds:)",
        "Query.appointments(locationId:)",
        "Query.appointments(patientId:)",
        "RecurringAppointmentsPayload",
        "RecurringAppointmentsPayload.seriesId",
        "RecurringAppointmentsPayload.appointments",
        "RecurringAppointmentsPayload.skipped",
        "RecurringAppointmentsPayload.userErrors",
        "RescheduleAppointmentInput",
        "RescheduleAppointmentInput.appointmentId",
        "RescheduleAppointmentInput.startsAt",
        "RescheduleAppointmentInput.providerId",
        "RescheduleAppointmentInput.locationId",
        "RescheduleAppointmentInput.roomId",
        "RescheduleAppointmentInput.scope",
        "Room",
        "Room.name",
        "Room.roomType",
        "RoomPayload",
        "RoomPayload.room",
        "RoomPayload.userErrors",
        "ScheduleChange",
        "ScheduleChange.change",
        "ScheduleChange.changedFields",
        "ScheduleChange.appointment",
        "ScheduleChangeKind.BOOKED",
        "ScheduleChangeKind.RESCHEDULED",
        "ScheduleChangeKind.CHECKED_IN",
        "ScheduleChangeKind.COMPLETED",
        "ScheduleChangeKind.NO_SHOW",
        "ScheduleChangeKind.CANCELLED",
        "SeriesScope.THIS",
        "SeriesScope.THIS_AND_FOLLOWING",
        "SkippedOccurrence",
        "SkippedOccurrence.startsAt",
        "SkippedOccurrence.error",
        "Slot",
        "Slot.provider",
        "Slot.location",
        "Slot.room",
        "Slot.startsAt",
        "Slot.endsAt",
        "Subscription.scheduleChanged(locationId:)",
        "Subscription.scheduleChanged(providerIds:)",
        "Subscription.scheduleChanged(from:)",
        "Subscription.scheduleChanged(to:)",
        "WaitlistPayload",
        "WaitlistPayload.waitlistEntryId",
        "WaitlistPayload.userErrors",
    }
)


def _described(thing: object) -> bool:
    return bool((getattr(thing, "description", None) or "").strip())


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Schema coordinates (Type, Type.field, Type.field(arg:), Enum.VALUE, @directive(arg:))
    without a non-empty description."""
    missing: list[str] = []
    for name, named in sorted(schema.type_map.items()):
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        if not _described(named):
            missing.append(name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                if not _described(field):
                    missing.append(f"{name}.{field_name}")
                missing.extend(
                    f"{name}.{field_name}({arg_name}:)"
                    for arg_name, arg in field.args.items()
                    if not _described(arg)
                )
        elif isinstance(named, GraphQLInputObjectType):
            missing.extend(
                f"{name}.{field_name}"
                for field_name, field in named.fields.items()
                if not _described(field)
            )
        elif isinstance(named, GraphQLEnumType):
            missing.extend(
                f"{name}.{value_name}"
                for value_name, value in named.values.items()
                if not _described(value)
            )
    for directive in schema.directives:
        if is_specified_directive(directive):
            continue
        if not _described(directive):
            missing.append(f"@{directive.name}")
        missing.extend(
            f"@{directive.name}({arg_name}:)"
            for arg_name, arg in directive.args.items()
            if not _described(arg)
        )
    return missing


def built_schema() -> GraphQLSchema:
    return create_schema(Settings(environment="test"))._schema


def test_everything_a_caller_sees_is_described():
    # given the schema as served
    schema = built_schema()
    # when every type, field, argument, input field and enum value is looked at
    missing = [name for name in undescribed(schema) if name not in PENDING]
    # then each has a description
    assert not missing, "no description (say units, time zone, format, who may read it):\n" + (
        "\n".join(missing)
    )


def test_pending_allow_list_only_shrinks():
    # given the names left to the scheduling rework
    schema = built_schema()
    # when they are looked up again
    stale = sorted(PENDING - set(undescribed(schema)))
    # then each is still there and still undescribed (else: take it out of PENDING)
    assert not stale, "described or gone now, remove from PENDING:\n" + "\n".join(stale)


def test_scalars_say_what_they_hold_and_where_they_are_specified():
    # given
    schema = built_schema()
    scalars = {
        name: named
        for name, named in schema.type_map.items()
        if isinstance(named, GraphQLScalarType)
    }
    # then the date and time scalars name their RFC, and JSON its standard
    for name in ("DateTime", "Date", "Time"):
        assert "rfc3339" in (scalars[name].specified_by_url or ""), name
    assert "ECMA-404" in (scalars["JSON"].specified_by_url or "")
