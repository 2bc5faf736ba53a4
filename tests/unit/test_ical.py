"""A provider's iCalendar feed (app.scheduling.ical) built from unsaved rows, without a database."""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from app.scheduling.ical import provider_calendar
from app.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Location,
    Room,
)

STARTS = datetime(2026, 11, 2, 15, tzinfo=UTC)  # 10:00 EST
TYPES = {3: AppointmentType(id=3, name="Consult", duration_minutes=30)}
LOCATIONS = {2: Location(id=2, name="Main Street Clinic", timezone="America/New_York")}
ROOMS = {5: Room(id=5, location_id=2, name="Exam 1", room_type="exam")}


def appointment(pk: int, status: AppointmentStatus, room_id: int | None = None) -> Appointment:
    return Appointment(
        id=pk,
        patient_id=1,
        provider_id=1,
        location_id=2,
        room_id=room_id,
        appointment_type_id=3,
        starts_at=STARTS + timedelta(hours=pk),
        ends_at=STARTS + timedelta(hours=pk, minutes=30),
        status=status,
        reason="Suspicious mole, rule out melanoma",
        notes="Patient anxious; prefers Dr. Okafor",
        updated_at=datetime(2026, 10, 1, 12, tzinfo=UTC),
    )


def events_of(feed: bytes) -> dict[str, dict[str, object]]:
    """Each VEVENT by its UID: the decoded value of every property."""
    return {
        str(event["uid"]): {name.lower(): event.decoded(name) for name in event}
        for event in Calendar.from_ical(feed).walk("VEVENT")
    }


def test_each_appointment_is_an_event_with_its_uid_times_type_and_place():
    # given a booked visit in a room and an arrived one without a room
    visits = [
        appointment(7, AppointmentStatus.BOOKED, room_id=5),
        appointment(8, AppointmentStatus.ARRIVED),
    ]
    # when the feed is built
    feed = provider_calendar("Dr. Rivera: appointments", visits, TYPES, LOCATIONS, ROOMS)
    # then it is a named calendar with one event per visit
    calendar = Calendar.from_ical(feed)
    assert str(calendar["x-wr-calname"]) == "Dr. Rivera: appointments"
    assert str(calendar["version"]) == "2.0"
    events = events_of(feed)
    assert set(events) == {"appointment-7@practice-backend", "appointment-8@practice-backend"}
    in_room = events["appointment-7@practice-backend"]
    assert in_room["dtstart"] == datetime(2026, 11, 2, 22, tzinfo=UTC)
    assert in_room["dtend"] == datetime(2026, 11, 2, 22, 30, tzinfo=UTC)
    assert in_room["dtstamp"] == datetime(2026, 10, 1, 12, tzinfo=UTC)
    assert in_room["summary"] == "Consult"
    assert in_room["location"] == "Main Street Clinic, Exam 1"
    assert events["appointment-8@practice-backend"]["location"] == "Main Street Clinic"
    # and the times are written in UTC
    assert b"DTSTART:20261102T220000Z" in feed


def test_statuses_become_confirmed_tentative_or_cancelled():
    # given a visit in each status
    statuses = list(AppointmentStatus)
    visits = [appointment(pk, status) for pk, status in enumerate(statuses, start=1)]
    # when the feed is built
    events = events_of(provider_calendar("x", visits, TYPES, LOCATIONS, ROOMS))
    # then a no-show reads as cancelled and a proposed visit as tentative
    assert {
        status: events[f"appointment-{pk}@practice-backend"]["status"]
        for pk, status in enumerate(statuses, start=1)
    } == {
        AppointmentStatus.PROPOSED: "TENTATIVE",
        AppointmentStatus.BOOKED: "CONFIRMED",
        AppointmentStatus.ARRIVED: "CONFIRMED",
        AppointmentStatus.FULFILLED: "CONFIRMED",
        AppointmentStatus.CANCELLED: "CANCELLED",
        AppointmentStatus.NOAPPOINTMENT: "CANCELLED",
    }


def test_the_feed_never_carries_the_reason_or_the_notes():
    # given a visit with a clinical reason and notes
    feed = provider_calendar(
        "x", [appointment(7, AppointmentStatus.BOOKED, 5)], TYPES, LOCATIONS, ROOMS
    )
    # when / then neither is anywhere in the feed, nor a property that could carry them
    text = feed.decode().lower()
    for secret in ("melanoma", "mole", "anxious", "okafor"):
        assert secret not in text
    assert set(events_of(feed)["appointment-7@practice-backend"]) == {
        "uid",
        "dtstamp",
        "dtstart",
        "dtend",
        "summary",
        "location",
        "status",
    }


def test_no_appointments_is_an_empty_calendar():
    feed = provider_calendar("x", [], TYPES, LOCATIONS, ROOMS)
    assert events_of(feed) == {}
    assert feed.startswith(b"BEGIN:VCALENDAR") and feed.rstrip().endswith(b"END:VCALENDAR")
