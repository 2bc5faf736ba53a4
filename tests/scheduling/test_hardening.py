"""Review findings: racing status changes and names, extreme dates, runaway rules, series scope."""

import asyncio
from datetime import UTC, datetime, timedelta

from app.outbox.models import MessageKind, OutboxMessage
from app.scheduling.models import (
    Appointment,
    AppointmentStatus,
    Location,
    WaitlistEntry,
    WaitlistStatus,
)
from tests.fixtures.graphql import pk_of
from tests.fixtures.scheduling import (
    APPOINTMENT_FIELDS,
    BOOK,
    book,
    booking,
    days_ahead,
    make_clinic,
    make_patient,
    rows,
    snapshot,
)

CANCEL = """
mutation($input: CancelAppointmentInput!) {
  cancelAppointment(input: $input) { appointments { id status } userErrors { field code } }
}
"""
CHECK_IN = """
mutation($input: AppointmentIdInput!) {
  checkInAppointment(input: $input) { appointment { id status } userErrors { field code } }
}
"""
RESCHEDULE = f"""
mutation($input: RescheduleAppointmentInput!) {{
  rescheduleAppointment(input: $input) {{
    appointments {{ {APPOINTMENT_FIELDS} }} userErrors {{ field code message }}
  }}
}}
"""
SERIES = """
mutation($input: BookRecurringAppointmentsInput!) {
  bookRecurringAppointments(input: $input) {
    seriesId appointments { id startsAt } userErrors { field code message }
  }
}
"""
CREATE_LOCATION = """
mutation($input: CreateLocationInput!) {
  createLocation(input: $input) { location { id } userErrors { field code } }
}
"""
APPOINTMENTS = """
query($from: DateTime!, $to: DateTime!) { appointments(from: $from, to: $to) { id } }
"""
SCHEDULE = """
query($location: ID!, $date: Date!) {
  schedule(locationId: $location, date: $date) { date providers { provider { id } } }
}
"""
SLOTS = """
query($type: ID!, $from: DateTime!, $to: DateTime!, $provider: ID) {
  availableSlots(appointmentTypeId: $type, from: $from, to: $to, providerId: $provider) {
    slots { startsAt }
  }
}
"""
VISITS = 4


def bad_input_reasons(body):
    return [
        (e["extensions"].get("code"), e["extensions"].get("reason"))
        for e in body.get("errors") or []
    ]


async def test_a_concurrent_cancel_and_check_in_cannot_both_win(runtime, client):
    # given booked visits
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 2)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    visits = [await book(desk, clinic, patient, clinic.at(day, 9 + hour)) for hour in range(VISITS)]
    for visit in visits:
        # when the front desk cancels it and checks it in at the same moment
        cancelled, checked_in = await asyncio.gather(
            desk.execute(CANCEL, input={"appointmentId": visit["id"], "reason": "Ill"}),
            desk.execute(CHECK_IN, input={"appointmentId": visit["id"]}),
        )
        # then neither crashes and exactly one wins; the other is an invalid transition
        assert not cancelled.get("errors") and not checked_in.get("errors")
        cancel = cancelled["data"]["cancelAppointment"]
        check_in = checked_in["data"]["checkInAppointment"]
        outcomes = sorted(
            [
                "CANCELLED" if cancel["appointments"] else cancel["userErrors"][0]["code"],
                check_in["appointment"]["status"]
                if check_in["appointment"]
                else check_in["userErrors"][0]["code"],
            ]
        )
        assert outcomes in (["ARRIVED", "INVALID_TRANSITION"], ["CANCELLED", "INVALID_TRANSITION"])
        # and the stored visit is the winner's, whole
        [stored] = await rows(runtime, Appointment, Appointment.id == pk_of(visit["id"]))
        if "CANCELLED" in outcomes:
            assert (stored.status, stored.cancellation_reason) == (
                AppointmentStatus.CANCELLED,
                "Ill",
            )
        else:
            assert (stored.status, stored.cancellation_reason) == (AppointmentStatus.ARRIVED, None)


async def test_concurrent_set_up_of_one_name_is_name_taken_not_a_crash(runtime, client):
    admin = await client.login("admin")
    name = f"Racing clinic {datetime.now(UTC).timestamp()}"
    # when five admins create the same location at once
    bodies = await asyncio.gather(
        *(
            admin.execute(CREATE_LOCATION, input={"name": name, "timezone": "America/New_York"})
            for _ in range(5)
        )
    )
    # then one is created and the others are told the name is taken
    assert [b.get("errors") for b in bodies] == [None] * 5
    payloads = [b["data"]["createLocation"] for b in bodies]
    assert len([p for p in payloads if p["location"]]) == 1
    assert sorted(e["code"] for p in payloads for e in p["userErrors"]) == ["NAME_TAKEN"] * 4
    assert len(await rows(runtime, Location, Location.name == name)) == 1


async def test_dates_at_the_ends_of_the_calendar_are_refused_not_crashes(runtime, client):
    clinic = await make_clinic(runtime)
    auckland = await make_clinic(runtime, timezone="Pacific/Auckland")
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    before = await snapshot(runtime)
    # when queries are asked about the first and last days there are
    for query, variables in (
        (APPOINTMENTS, {"from": "0001-01-01T00:00:00+01:00", "to": "0001-01-02T00:00:00Z"}),
        (SCHEDULE, {"location": clinic.location_id, "date": "9999-12-31"}),
        (SCHEDULE, {"location": auckland.location_id, "date": "0001-01-01"}),
        (
            SLOTS,
            {
                "type": clinic.type_id("Consult"),
                "from": "9999-12-30T00:00:00Z",
                "to": "9999-12-31T23:00:00Z",
                "provider": clinic.provider_id,
            },
        ),
    ):
        body = await desk.execute(query, **variables)
        # then each is bad input with the reason
        assert bad_input_reasons(body) == [("BAD_USER_INPUT", "INVALID_TIME_RANGE")], variables
    # when visits are booked there
    for starts_at in ("9999-12-31T23:30:00-05:00", "9999-12-31T23:45:00+00:00"):
        payload = (
            await desk.data(
                BOOK, input={**booking(clinic, patient, datetime.now(UTC)), "startsAt": starts_at}
            )
        )["bookAppointment"]
        # then it is a user error
        assert [e["code"] for e in payload["userErrors"]] == ["INVALID_TIME_RANGE"], starts_at
    # when a series runs to the end of time at a location ahead of UTC
    payload = (
        await desk.data(
            SERIES,
            input={
                **booking(auckland, patient, auckland.at(days_ahead(auckland, 3), 10)),
                "rrule": "FREQ=WEEKLY;UNTIL=99991231T235959Z",
            },
        )
    )["bookRecurringAppointments"]
    # then it is a user error too
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_TIME_RANGE", ["rrule"])
    ]
    assert await snapshot(runtime) == before


async def test_a_calendar_feed_id_out_of_range_is_not_found(client):
    for provider_id in (0, 2**31, 99_999_999_999_999):
        response = await client.http.get(f"/calendar/{provider_id}.ics?token=whatever")
        assert response.status_code == 404, provider_id


async def test_rules_that_never_match_or_never_advance_are_invalid(runtime, client):
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    first = clinic.at(days_ahead(clinic, 3), 10)
    before = await snapshot(runtime)
    for rule in (
        "FREQ=DAILY;COUNT=2;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=WEEKLY;INTERVAL=0;COUNT=2",
        "FREQ=WEEKLY;INTERVAL=-1;COUNT=2",
        "FREQ=YEARLY;COUNT=10",
    ):
        # when (how long the walk takes is bounded in tests/unit/test_recurrence.py)
        payload = (
            await desk.data(SERIES, input={**booking(clinic, patient, first), "rrule": rule})
        )["bookRecurringAppointments"]
        # then it is refused
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            ("INVALID_RRULE", ["rrule"])
        ], rule
    assert await snapshot(runtime) == before


async def test_moving_a_series_to_another_provider_or_room_is_refused_not_ignored(runtime, client):
    # given a weekly series and a second provider
    clinic = await make_clinic(runtime, providers=(None, None))
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    first = clinic.at(days_ahead(clinic, 3), 10)
    series = (
        await desk.data(
            SERIES,
            input={**booking(clinic, patient, first, "Exam"), "rrule": "FREQ=WEEKLY;COUNT=3"},
        )
    )["bookRecurringAppointments"]
    assert series["userErrors"] == []
    before = await snapshot(runtime)
    later = (first + timedelta(hours=1)).isoformat()
    for extra, field in (
        ({"providerId": clinic.provider_gid(1)}, "providerId"),
        ({"locationId": clinic.location_id}, "locationId"),
        ({"roomId": clinic.room_id(0)}, "roomId"),
    ):
        # when this and the following are moved with another provider, location or room
        payload = (
            await desk.data(
                RESCHEDULE,
                input={
                    "appointmentId": series["appointments"][0]["id"],
                    "startsAt": later,
                    "scope": "THIS_AND_FOLLOWING",
                    **extra,
                },
            )
        )["rescheduleAppointment"]
        # then that is refused and nothing moves
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            ("INVALID_INPUT", [field])
        ]
        assert payload["appointments"] == []
    assert await snapshot(runtime) == before


ADD_TO_WAITLIST = """
mutation($input: AddToWaitlistInput!) {
  addToWaitlist(input: $input) { waitlistEntryId userErrors { field code message } }
}
"""


async def test_a_moved_visit_offers_its_old_time_and_booking_what_was_waited_for_ends_the_wait(
    runtime, client
):
    # given a booked 10:00 consult, and two patients waiting: for a consult that morning,
    # and for an exam
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 6)
    _, booked = await make_patient(runtime, email="booked@example.org")
    (first_pk, first), (_, second) = [
        await make_patient(runtime, email=f"waiting{i}@example.org") for i in range(2)
    ]
    desk = await client.login("front_desk")
    visit = await book(desk, clinic, booked, clinic.at(day, 10))
    entries = {}
    for patient, type_name in ((first, "Consult"), (second, "Exam")):
        payload = (
            await desk.data(
                ADD_TO_WAITLIST,
                input={
                    "patientId": patient,
                    "locationId": clinic.location_id,
                    "appointmentTypeId": clinic.type_id(type_name),
                    "earliest": clinic.at(day, 8).isoformat(),
                    "latest": clinic.at(day, 12).isoformat(),
                },
            )
        )["addToWaitlist"]
        assert payload["userErrors"] == []
        entries[patient] = pk_of(payload["waitlistEntryId"])

    async def statuses():
        found = {e.id: e.status for e in await rows(runtime, WaitlistEntry)}
        return [found[entries[first]], found[entries[second]]]

    # when the consult moves to the afternoon
    payload = (
        await desk.data(
            RESCHEDULE,
            input={"appointmentId": visit["id"], "startsAt": clinic.at(day, 14).isoformat()},
        )
    )["rescheduleAppointment"]
    assert payload["userErrors"] == []
    # then its morning time is offered to the patient waiting for a consult
    assert await statuses() == [WaitlistStatus.OFFERED, WaitlistStatus.WAITING]
    offers = await rows(runtime, OutboxMessage, OutboxMessage.kind == MessageKind.WAITLIST_OFFER)
    assert [(o.recipient, o.patient_id) for o in offers] == [("waiting0@example.org", first_pk)]
    # when that patient books the consult, and the other one a consult (not what they wait for)
    await book(desk, clinic, first, clinic.at(day, 10))
    await book(desk, clinic, second, clinic.at(day, 11))
    # then the first wait is over, the second is not
    assert await statuses() == [WaitlistStatus.BOOKED, WaitlistStatus.WAITING]
    # when the second books the exam they wait for, then their wait is over too
    await book(desk, clinic, second, clinic.at(day, 15), "Exam")
    assert await statuses() == [WaitlistStatus.BOOKED, WaitlistStatus.BOOKED]
