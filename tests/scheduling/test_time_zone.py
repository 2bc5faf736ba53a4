"""One time rule: every DateTime the API returns is an instant in UTC (+00:00), whatever offset
it was given in and whatever zone it was computed in; the location's timezone is for display."""

import re
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from app.scheduling.models import ExceptionKind
from tests.fixtures.scheduling import (
    add_exception,
    book,
    days_ahead,
    make_clinic,
    make_patient,
    wall,
)

INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
BOOK = """
mutation($input: BookAppointmentInput!) {
  bookAppointment(input: $input) { appointment { id startsAt endsAt updatedAt } }
}
"""
WAIT = """
mutation($input: AddToWaitlistInput!) {
  addToWaitlist(input: $input) { waitlistEntry { earliest latest createdAt updatedAt } }
}
"""
CANCEL = """
mutation($input: CancelAppointmentInput!) {
  cancelAppointment(input: $input) { appointment { startsAt updatedAt } }
}
"""
READS = """
query($location: ID!, $provider: ID!, $type: ID!, $from: DateTime!, $to: DateTime!,
      $date: Date!) {
  availableSlots(appointmentTypeId: $type, providerId: $provider, from: $from, to: $to) {
    slots { startsAt endsAt location { timezone } } resumeFrom
  }
  appointments(from: $from, to: $to) {
    startsAt endsAt updatedAt series { createdAt } location { timezone }
  }
  schedule(locationId: $location, date: $date) {
    providers { appointments { startsAt endsAt } }
  }
  waitlist(locationId: $location, status: [WAITING, OFFERED, BOOKED]) {
    edges { node { earliest latest createdAt updatedAt offers { offeredAt startsAt endsAt } } }
  }
  node(id: $provider) {
    ... on Provider { exceptions(from: $from, to: $to) { startsAt endsAt } }
  }
}
"""
SERIES = """
mutation($input: BookRecurringAppointmentsInput!) {
  bookRecurringAppointments(input: $input) {
    series { createdAt } skipped { startsAt } userErrors { code }
  }
}
"""


def instants(value):
    """Every date-time string in a response, wherever it is."""
    if isinstance(value, dict):
        return [found for item in value.values() for found in instants(item)]
    if isinstance(value, list):
        return [found for item in value for found in instants(item)]
    return [value] if isinstance(value, str) and INSTANT.match(value) else []


async def test_every_date_time_the_api_returns_is_utc(runtime, client):
    # given a clinic in Los Angeles (never UTC), with time off, extra hours, a series, a
    # visit booked in Tokyo's offset, a waitlist entry given in India's, and a cancellation
    clinic = await make_clinic(runtime, timezone="America/Los_Angeles")
    day = days_ahead(clinic, 3)
    _, patient = await make_patient(runtime)
    _, waiting = await make_patient(runtime)
    desk = await client.login("front_desk")
    await add_exception(
        runtime, clinic, ExceptionKind.TIME_OFF, clinic.at(day, 12), clinic.at(day, 13)
    )
    await add_exception(
        runtime, clinic, ExceptionKind.EXTRA_HOURS, clinic.at(day, 17), clinic.at(day, 18)
    )
    tokyo = clinic.at(day, 10).astimezone(ZoneInfo("Asia/Tokyo"))
    booked = (
        await desk.data(
            BOOK,
            input={
                "patientId": patient,
                "providerId": clinic.provider_id,
                "locationId": clinic.location_id,
                "appointmentTypeId": clinic.type_id("Consult"),
                "startsAt": tokyo.isoformat(),
            },
        )
    )["bookAppointment"]["appointment"]
    india = ZoneInfo("Asia/Kolkata")
    entry = (
        await desk.data(
            WAIT,
            input={
                "patientId": waiting,
                "locationId": clinic.location_id,
                "appointmentTypeId": clinic.type_id("Consult"),
                "earliest": clinic.at(day, 8).astimezone(india).isoformat(),
                "latest": clinic.at(day, 16).astimezone(india).isoformat(),
            },
        )
    )["addToWaitlist"]["waitlistEntry"]
    series = (
        await desk.data(
            SERIES,
            input={
                "patientId": patient,
                "providerId": clinic.provider_id,
                "locationId": clinic.location_id,
                "appointmentTypeId": clinic.type_id("Consult"),
                "startsAt": clinic.at(day, 14).isoformat(),
                "rrule": "FREQ=DAILY;COUNT=2",
            },
        )
    )["bookRecurringAppointments"]
    moved = await book(desk, clinic, patient, clinic.at(day, 11))
    cancelled = (await desk.data(CANCEL, input={"appointmentId": moved["id"], "reason": "Ill"}))[
        "cancelAppointment"
    ]
    # when the schedule, slots, waitlist and set-up are read
    reads = await desk.data(
        READS,
        location=clinic.location_id,
        provider=clinic.provider_id,
        type=clinic.type_id("Consult"),
        date=day.isoformat(),
        **{"from": clinic.at(day, 0).isoformat()},
        to=clinic.at(day + timedelta(days=1), 0).isoformat(),
    )
    # then every instant anywhere in any answer is in UTC
    answers = [booked, entry, series, cancelled, reads]
    returned = instants(answers)
    assert len(returned) >= 40
    assert [value for value in returned if not value.endswith("+00:00")] == []
    # and each is the instant given, whatever offset it was given in
    assert booked["startsAt"] == clinic.at(day, 10).astimezone(UTC).isoformat()
    assert booked["endsAt"] == clinic.at(day, 10, 30).astimezone(UTC).isoformat()
    assert entry["earliest"] == clinic.at(day, 8).astimezone(UTC).isoformat()
    # and the location's timezone turns them into its wall time
    slots = reads["availableSlots"]["slots"]
    assert wall(slots[0]["startsAt"], slots[0]["location"]["timezone"])[11:16] == "09:00"
    visit = reads["appointments"][0]
    assert wall(visit["startsAt"], visit["location"]["timezone"])[11:16] == "10:00"
    offer = reads["waitlist"]["edges"][0]["node"]["offers"][0]
    assert offer["startsAt"] == clinic.at(day, 11).astimezone(UTC).isoformat()
