"""A provider's appointments as an iCalendar (RFC 5545) feed for their phone or desktop calendar.

The feed leaves the practice's systems, so it carries the visit type, place and time, never the
patient's name or the reason for the visit.
"""

from __future__ import annotations

from collections.abc import Sequence

from icalendar import Calendar, Event

from app.scheduling.models import Appointment, AppointmentStatus, AppointmentType, Location, Room

_STATUS = {
    AppointmentStatus.CANCELLED: "CANCELLED",
    AppointmentStatus.NOAPPOINTMENT: "CANCELLED",
    AppointmentStatus.PROPOSED: "TENTATIVE",
}


def provider_calendar(
    calendar_name: str,
    appointments: Sequence[Appointment],
    types: dict[int, AppointmentType],
    locations: dict[int, Location],
    rooms: dict[int, Room],
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Practice Backend//Provider schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", calendar_name)
    for appointment in appointments:
        event = Event()
        event.add("uid", f"appointment-{appointment.id}@practice-backend")
        event.add("dtstamp", appointment.updated_at)
        event.add("dtstart", appointment.starts_at)
        event.add("dtend", appointment.ends_at)
        event.add("summary", types[appointment.appointment_type_id].name)
        place = locations[appointment.location_id].name
        if appointment.room_id is not None:
            place = f"{place}, {rooms[appointment.room_id].name}"
        event.add("location", place)
        event.add("status", _STATUS.get(appointment.status, "CONFIRMED"))
        calendar.add_component(event)
    return calendar.to_ical()
