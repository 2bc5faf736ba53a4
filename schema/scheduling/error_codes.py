"""What each of this domain's error codes tells a caller: its part of the ErrorCode enum's
descriptions (assembled in schema/error_codes.py), keyed by the domain's own members so that
app/ stays free of GraphQL."""

from __future__ import annotations

import enum

from app.scheduling.errors import SchedulingErrorCode

DESCRIPTIONS: dict[enum.StrEnum, str] = {
    # scheduling
    SchedulingErrorCode.SLOT_UNAVAILABLE: (
        "The provider is booked at that time, perhaps a moment ago by someone else: ask for "
        "free slots again and pick another."
    ),
    SchedulingErrorCode.OUTSIDE_AVAILABILITY: (
        "The provider has no working hours at that time, or none at that location."
    ),
    SchedulingErrorCode.ROOM_UNAVAILABLE: (
        "No suitable room is free at that time: the room asked for, or any room of the type the "
        "appointment type needs."
    ),
    SchedulingErrorCode.INVALID_TRANSITION: (
        "The appointment's status does not allow this step, e.g. checking in a cancelled "
        "appointment or moving a fulfilled one."
    ),
    SchedulingErrorCode.IN_THE_PAST: "The start time has passed (by more than 5 minutes).",
    SchedulingErrorCode.TOO_EARLY: "markNoShow: the appointment has not started yet.",
    SchedulingErrorCode.INVALID_NPI: (
        "Not a National Provider Identifier: 10 digits, the last being the Luhn check digit of "
        "80840 followed by the first nine."
    ),
    SchedulingErrorCode.INVALID_TIMEZONE: "Not an IANA time zone name such as America/New_York.",
    SchedulingErrorCode.INVALID_TIME_RANGE: (
        "A time or span the rules refuse: a DateTime without its UTC offset, a start not before "
        "its end, a window longer than allowed, a time outside the years 1 to 9999, a duration "
        "outside 5 to 480 minutes, a weekday outside 0 to 6, extra hours without a location, "
        "a waitlist window that does not end in the future, or a time a schedule cannot hold: "
        "an appointment, availability exception, waitlist window or weekly hours' validity "
        "date outside a year before today to ten years after. `field` and the message say "
        "which."
    ),
    SchedulingErrorCode.INVALID_RRULE: (
        "A recurrence rule this API does not take: it needs FREQ=DAILY, WEEKLY, MONTHLY or "
        "YEARLY and COUNT or UNTIL (RFC 5545), at least one and at most 104 occurrences, all "
        "within five years of the first."
    ),
    SchedulingErrorCode.SERIES_CONFLICT: (
        "bookRecurringAppointments with skipConflicts: not one occurrence could be booked."
    ),
    SchedulingErrorCode.INACTIVE: "The provider or the appointment type is no longer in use.",
    SchedulingErrorCode.NAME_TAKEN: (
        "Something that must be unique is taken: a location's or appointment type's name, or "
        "a provider's user or NPI."
    ),
    SchedulingErrorCode.REASON_REQUIRED: "cancelAppointment: the reason is missing or blank.",
    SchedulingErrorCode.VERSION_CONFLICT: (
        "The appointment changed since the version given as expectedVersion (someone else moved, "
        "checked in or cancelled it meanwhile): read it again, then decide."
    ),
}
