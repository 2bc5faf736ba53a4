"""Typed domain events: they cross processes unchanged, and each type's handlers run in turn."""

from __future__ import annotations

from datetime import UTC, datetime

from app.events import from_message, to_message
from app.scheduling.events import (
    AppointmentBooked,
    AppointmentRescheduled,
    AppointmentStatusChanged,
    Change,
)
from app.scheduling.models import AppointmentStatus

PLACEMENT = {
    "appointment_id": 7,
    "patient_id": 3,
    "provider_id": 2,
    "location_id": 1,
    "room_id": None,
    "appointment_type_id": 4,
    "starts_at": datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
    "ends_at": datetime(2026, 12, 1, 15, 30, tzinfo=UTC),
}


def test_an_event_survives_the_trip_through_json():
    # given a move with every kind of field: instants, enums, a tuple, a missing room
    event = AppointmentRescheduled(
        **PLACEMENT,
        status=AppointmentStatus.BOOKED,
        previous_starts_at=datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
        previous_ends_at=datetime(2026, 12, 1, 14, 30, tzinfo=UTC),
        previous_provider_id=5,
        previous_location_id=1,
        previous_room_id=9,
        moved=("starts_at", "provider_id", "room_id"),
    )
    # when it is turned into a message (as NOTIFY carries it) and back
    back = from_message(to_message(event))
    # then it is the same event, typed
    assert back == event
    assert isinstance(back.starts_at, datetime) and back.starts_at.tzinfo is not None
    assert back.status is AppointmentStatus.BOOKED


def test_each_event_says_what_a_subscriber_sees_changed():
    booked = AppointmentBooked(**PLACEMENT, status=AppointmentStatus.BOOKED)
    checked_in = AppointmentStatusChanged(
        **PLACEMENT, status=AppointmentStatus.ARRIVED, previous_status=AppointmentStatus.BOOKED
    )
    no_show = AppointmentStatusChanged(
        **PLACEMENT,
        status=AppointmentStatus.NOAPPOINTMENT,
        previous_status=AppointmentStatus.BOOKED,
    )
    assert (booked.change, booked.changed_fields) == (
        Change.BOOKED,
        ("status", "starts_at", "ends_at"),
    )
    assert (checked_in.change, checked_in.changed_fields) == (Change.CHECKED_IN, ("status",))
    assert no_show.change is Change.NO_SHOW
