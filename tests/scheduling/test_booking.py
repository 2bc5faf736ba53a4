"""Booking and the appointment lifecycle over GraphQL; every refusal writes nothing."""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.scheduling.models import ExceptionKind
from tests.fixtures.graphql import error_codes, gid, pk_of
from tests.fixtures.scheduling import (
    APPOINTMENT_FIELDS,
    BOOK,
    add_exception,
    book,
    booking,
    days_ahead,
    make_clinic,
    make_patient,
    parse,
    snapshot,
    valid_npi,
)

CREATE_LOCATION = """
mutation($input: CreateLocationInput!) {
  createLocation(input: $input) { location { id name timezone } userErrors { field code } }
}
"""
CREATE_ROOM = """
mutation($input: CreateRoomInput!) {
  createRoom(input: $input) { room { id name roomType } userErrors { field code } }
}
"""
CREATE_PROVIDER = """
mutation($input: CreateProviderInput!) {
  createProvider(input: $input) { provider { id name npi } userErrors { field code } }
}
"""
CREATE_TYPE = """
mutation($input: CreateAppointmentTypeInput!) {
  createAppointmentType(input: $input) {
    appointmentType { id name durationMinutes roomType } userErrors { field code }
  }
}
"""
ADD_HOURS = """
mutation($input: AddWeeklyAvailabilityInput!) {
  addWeeklyAvailability(input: $input) { ok userErrors { field code } }
}
"""
RESCHEDULE = f"""
mutation($input: RescheduleAppointmentInput!) {{
  rescheduleAppointment(input: $input) {{
    appointments {{ {APPOINTMENT_FIELDS} }} userErrors {{ field code message }}
  }}
}}
"""
CANCEL = f"""
mutation($input: CancelAppointmentInput!) {{
  cancelAppointment(input: $input) {{
    appointments {{ {APPOINTMENT_FIELDS} }} userErrors {{ field code message }}
  }}
}}
"""
CHECK_IN = """
mutation($input: AppointmentIdInput!) {
  checkInAppointment(input: $input) { appointment { id status } userErrors { field code } }
}
"""
NO_SHOW = """
mutation($input: AppointmentIdInput!) {
  markNoShow(input: $input) { appointment { id status } userErrors { field code } }
}
"""
COMPLETE = """
mutation($input: AppointmentIdInput!) {
  completeAppointment(input: $input) { appointment { id status } userErrors { field code } }
}
"""
APPOINTMENTS = """
query($from: DateTime!, $to: DateTime!, $location: ID) {
  appointments(from: $from, to: $to, locationId: $location) {
    id status patient { id familyName }
  }
}
"""
AUDIT = """
query($patient: ID!) {
  auditEvents(filter: {patientId: $patient}, first: 50) {
    edges { node { action resourceType resourceId actorUsername detail } }
  }
}
"""

MUTATION_FIELDS = {
    BOOK: "bookAppointment",
    RESCHEDULE: "rescheduleAppointment",
    CANCEL: "cancelAppointment",
    CHECK_IN: "checkInAppointment",
    NO_SHOW: "markNoShow",
    COMPLETE: "completeAppointment",
}


async def refused(runtime, client, document, **input_):
    """Run a mutation that must be refused; prove it wrote nothing; return (code, field)s."""
    before = await snapshot(runtime)
    payload = (await client.data(document, input=input_))[MUTATION_FIELDS[document]]
    after = await snapshot(runtime)
    assert payload["userErrors"], payload
    assert after == before, "a refused mutation wrote something"
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


async def _mutate(client, document, **input_):
    payload = (await client.data(document, input=input_))[MUTATION_FIELDS[document]]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def test_admin_sets_up_a_clinic_over_graphql_and_the_front_desk_books_it(client):
    # given an admin
    admin = await client.login("admin")

    async def setup(document, field, **values):
        payload = (await admin.data(document, input=values))[field]
        assert payload["userErrors"] == [], payload["userErrors"]
        return payload

    # when the admin creates a location, a room, a provider, a type and weekly hours
    location = (
        await setup(
            CREATE_LOCATION, "createLocation", name="Elm Street", timezone="America/Chicago"
        )
    )["location"]
    room = (
        await setup(
            CREATE_ROOM, "createRoom", locationId=location["id"], name="Exam A", roomType="exam"
        )
    )["room"]
    provider = (
        await setup(
            CREATE_PROVIDER,
            "createProvider",
            username="provider",
            npi="1234567893",
            specialty="Family medicine",
        )
    )["provider"]
    kind = (
        await setup(
            CREATE_TYPE,
            "createAppointmentType",
            name="Physical",
            durationMinutes=40,
            roomType="exam",
        )
    )["appointmentType"]
    for weekday in range(7):
        await setup(
            ADD_HOURS,
            "addWeeklyAvailability",
            providerId=provider["id"],
            locationId=location["id"],
            weekday=weekday,
            startTime="08:00:00",
            endTime="12:00:00",
        )
    # and the front desk books the type at 08:40 Chicago time in a week
    desk = await client.login("front_desk")
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("America/Chicago")
    day = datetime.now(tz).date() + timedelta(days=7)
    starts = datetime.combine(day, time(8, 40), tzinfo=tz)
    patient = await make_patient_over_graphql(desk)
    payload = (
        await desk.data(
            BOOK,
            input={
                "patientId": patient,
                "providerId": provider["id"],
                "locationId": location["id"],
                "appointmentTypeId": kind["id"],
                "startsAt": starts.isoformat(),
                "reason": "Yearly check",
            },
        )
    )["bookAppointment"]
    # then the appointment holds 40 minutes of the provider and the exam room
    assert payload["userErrors"] == []
    appointment = payload["appointment"]
    assert appointment["status"] == "BOOKED"
    assert parse(appointment["startsAt"]) == starts
    assert parse(appointment["endsAt"]) - parse(appointment["startsAt"]) == timedelta(minutes=40)
    assert appointment["room"] == {"id": room["id"], "name": "Exam A"}
    assert appointment["provider"] == {"id": provider["id"]}
    assert appointment["bookedBy"] == {"username": "front_desk"}
    assert provider["name"] == "Provider"
    # and set-up rules answer with userErrors, set-up is for admins only
    bad = await admin.data(
        CREATE_PROVIDER, input={"username": "nurse", "npi": "1234567890", "specialty": "x"}
    )
    assert [e["code"] for e in bad["createProvider"]["userErrors"]] == ["INVALID_NPI"]
    bad = await admin.data(CREATE_LOCATION, input={"name": "Mars", "timezone": "Mars/Olympus"})
    assert [e["code"] for e in bad["createLocation"]["userErrors"]] == ["INVALID_TIMEZONE"]
    bad = await admin.data(
        CREATE_LOCATION, input={"name": "Elm Street", "timezone": "America/Chicago"}
    )
    assert [e["code"] for e in bad["createLocation"]["userErrors"]] == ["NAME_TAKEN"]
    forbidden = await desk.execute(CREATE_LOCATION, input={"name": "Oak", "timezone": "UTC"})
    assert error_codes(forbidden) == ["FORBIDDEN"]


async def test_set_up_twice_is_a_user_error_not_a_crash(runtime, client):
    # given a provider and an appointment type
    clinic = await make_clinic(runtime, providers=("nurse",))
    admin = await client.login("admin")
    before = await snapshot(runtime)
    # when the same user is made a provider again, the same NPI reused, the same type name
    again = await admin.data(
        CREATE_PROVIDER, input={"username": "nurse", "npi": valid_npi(), "specialty": "Nursing"}
    )
    npi_taken = await admin.execute("{ providers { npi } }")
    reused = await admin.data(
        CREATE_PROVIDER,
        input={
            "username": "biller",
            "npi": npi_taken["data"]["providers"][0]["npi"],
            "specialty": "x",
        },
    )
    type_name = (await admin.data("{ appointmentTypes { name } }"))["appointmentTypes"][0]["name"]
    same_type = await admin.data(CREATE_TYPE, input={"name": type_name, "durationMinutes": 15})
    # then each is a userError and nothing was written
    assert [e["code"] for e in again["createProvider"]["userErrors"]] == ["NAME_TAKEN"]
    assert [e["code"] for e in reused["createProvider"]["userErrors"]] == ["NAME_TAKEN"]
    assert [e["code"] for e in same_type["createAppointmentType"]["userErrors"]] == ["NAME_TAKEN"]
    assert await snapshot(runtime) == before
    assert clinic.provider_pks


async def make_patient_over_graphql(desk):
    from tests.fixtures.patients import create_patient

    return (await create_patient(desk, email="ada@example.org"))["id"]


async def test_booking_outside_the_hours_is_refused_and_writes_nothing(runtime, client):
    # given 09:00-17:00 hours, and time off 12:00-13:00 on the day
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 4)
    await add_exception(
        runtime, clinic, ExceptionKind.TIME_OFF, clinic.at(day, 12), clinic.at(day, 13)
    )
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    # when the front desk books before the hours, past their end, in the time off
    for starts in (
        clinic.at(day, 8, 30),
        clinic.at(day, 16, 45),
        clinic.at(day, 12, 30),
        clinic.at(day, 11, 45),
    ):
        # then
        assert await refused(runtime, desk, BOOK, **booking(clinic, patient, starts)) == [
            ("OUTSIDE_AVAILABILITY", ["startsAt"])
        ]
    # and a time in the past, or without its offset, is refused too
    yesterday = clinic.at(days_ahead(clinic, -1), 10)
    assert await refused(runtime, desk, BOOK, **booking(clinic, patient, yesterday)) == [
        ("IN_THE_PAST", ["startsAt"])
    ]
    naive = booking(clinic, patient, clinic.at(day, 10))
    naive["startsAt"] = naive["startsAt"][:19]
    assert await refused(runtime, desk, BOOK, **naive) == [("INVALID_TIME_RANGE", ["startsAt"])]
    # and a location where the provider has no hours
    other = await make_clinic(runtime)
    elsewhere = {**booking(clinic, patient, clinic.at(day, 10)), "locationId": other.location_id}
    assert (await refused(runtime, desk, BOOK, **elsewhere))[0][0] == "OUTSIDE_AVAILABILITY"


async def test_a_taken_time_is_slot_unavailable(runtime, client):
    # given a 30-minute visit booked at 10:00
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 4)
    _, first = await make_patient(runtime)
    _, second = await make_patient(runtime)
    desk = await client.login("front_desk")
    await book(desk, clinic, first, clinic.at(day, 10))
    # when another patient is booked at 10:00 or 10:15 (overlapping)
    for starts in (clinic.at(day, 10), clinic.at(day, 10, 15), clinic.at(day, 9, 45)):
        # then
        assert await refused(runtime, desk, BOOK, **booking(clinic, second, starts)) == [
            ("SLOT_UNAVAILABLE", ["startsAt"])
        ]
    # and back to back is fine
    await book(desk, clinic, second, clinic.at(day, 10, 30))
    await book(desk, clinic, second, clinic.at(day, 9, 30))


async def test_a_type_that_needs_a_room_is_refused_when_no_room_of_its_type_is_free(
    runtime, client
):
    # given one exam room, a therapy room, two providers; the second has the exam room at 10:00
    clinic = await make_clinic(
        runtime, providers=(None, None), rooms=(("Exam 1", "exam"), ("Therapy", "therapy"))
    )
    day = days_ahead(clinic, 4)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    held = await book(
        desk, clinic, patient, clinic.at(day, 10), "Exam", providerId=clinic.provider_gid(1)
    )
    assert held["room"]["id"] == clinic.room_id(0)
    # when the first provider books an exam at 10:15
    errors = await refused(
        runtime, desk, BOOK, **booking(clinic, patient, clinic.at(day, 10, 15), "Exam")
    )
    # then no exam room is free (the therapy room is not of the type)
    assert errors == [("ROOM_UNAVAILABLE", ["roomId"])]
    # and asking for the taken room by id is refused too, while a consult needs no room
    errors = await refused(
        runtime,
        desk,
        BOOK,
        **booking(clinic, patient, clinic.at(day, 10, 15), "Consult", roomId=clinic.room_id(0)),
    )
    assert errors == [("ROOM_UNAVAILABLE", ["roomId"])]
    consult = await book(desk, clinic, patient, clinic.at(day, 10, 15), "Consult")
    assert consult["room"] is None
    # and once the provider's consult is over, at 10:45, the exam room is free again
    exam = await book(desk, clinic, patient, clinic.at(day, 10, 45), "Exam")
    assert exam["room"]["id"] == clinic.room_id(0)


async def test_reschedule_moves_the_visit_and_frees_the_old_time(runtime, client):
    # given a visit at 10:00 and another at 14:00
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 4)
    _, patient = await make_patient(runtime)
    _, other = await make_patient(runtime)
    desk = await client.login("front_desk")
    visit = await book(desk, clinic, patient, clinic.at(day, 10), reason="Knee pain")
    await book(desk, clinic, other, clinic.at(day, 14))
    # when it is moved to 11:00 the next day
    moved = (
        await _mutate(
            desk,
            RESCHEDULE,
            appointmentId=visit["id"],
            startsAt=clinic.at(day + timedelta(days=1), 11).isoformat(),
        )
    )["appointments"]
    # then it keeps its id, length and reason at the new time; 10:00 is free again
    assert [(a["id"], a["status"], a["reason"]) for a in moved] == [
        (visit["id"], "BOOKED", "Knee pain")
    ]
    assert parse(moved[0]["startsAt"]) == clinic.at(day + timedelta(days=1), 11)
    assert parse(moved[0]["endsAt"]) - parse(moved[0]["startsAt"]) == timedelta(minutes=30)
    await book(desk, clinic, other, clinic.at(day, 10))
    # and moving it onto a taken time, or out of the hours, is refused and writes nothing
    assert await refused(
        runtime,
        desk,
        RESCHEDULE,
        appointmentId=visit["id"],
        startsAt=clinic.at(day, 14, 15).isoformat(),
    ) == [("SLOT_UNAVAILABLE", ["startsAt"])]
    assert await refused(
        runtime,
        desk,
        RESCHEDULE,
        appointmentId=visit["id"],
        startsAt=clinic.at(day, 18).isoformat(),
    ) == [("OUTSIDE_AVAILABILITY", ["startsAt"])]
    # and moving it within its own time (overlapping itself) is fine
    nudged = (
        await _mutate(
            desk,
            RESCHEDULE,
            appointmentId=visit["id"],
            startsAt=clinic.at(day + timedelta(days=1), 11, 15).isoformat(),
        )
    )["appointments"]
    assert parse(nudged[0]["startsAt"]) == clinic.at(day + timedelta(days=1), 11, 15)


async def test_reschedule_keeps_the_room_given_at_booking(runtime, client):
    # given a consult (no room type) booked into the second exam room
    clinic = await make_clinic(runtime, rooms=(("Exam 1", "exam"), ("Exam 2", "exam")))
    day = days_ahead(clinic, 4)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    visit = await book(desk, clinic, patient, clinic.at(day, 10), roomId=clinic.room_id(1))
    assert visit["room"]["id"] == clinic.room_id(1)
    # when it is moved without naming a room
    moved = (
        await _mutate(
            desk, RESCHEDULE, appointmentId=visit["id"], startsAt=clinic.at(day, 11).isoformat()
        )
    )["appointments"]
    # then it keeps its room
    assert moved[0]["room"] == {"id": clinic.room_id(1), "name": "Exam 2"}


async def test_cancel_needs_a_reason_and_frees_the_time(runtime, client):
    # given a booked visit
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 4)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    visit = await book(desk, clinic, patient, clinic.at(day, 10))
    # when it is cancelled without a reason, then that is refused
    assert await refused(runtime, desk, CANCEL, appointmentId=visit["id"], reason="  ") == [
        ("REASON_REQUIRED", ["reason"])
    ]
    # when it is cancelled with a reason
    cancelled = (
        await _mutate(desk, CANCEL, appointmentId=visit["id"], reason=" Patient has a cold ")
    )["appointments"]
    # then it is cancelled with the reason, and the time can be booked again
    assert [(a["status"], a["cancellationReason"]) for a in cancelled] == [
        ("CANCELLED", "Patient has a cold")
    ]
    await book(desk, clinic, patient, clinic.at(day, 10))
    # and a cancelled visit can be neither cancelled again, moved, nor checked in
    assert await refused(runtime, desk, CANCEL, appointmentId=visit["id"], reason="again") == [
        ("INVALID_TRANSITION", ["appointmentId"])
    ]
    assert await refused(
        runtime,
        desk,
        RESCHEDULE,
        appointmentId=visit["id"],
        startsAt=clinic.at(day, 15).isoformat(),
    ) == [("INVALID_TRANSITION", ["appointmentId"])]
    assert await refused(runtime, desk, CHECK_IN, appointmentId=visit["id"]) == [
        ("INVALID_TRANSITION", ["appointmentId"])
    ]


async def test_check_in_then_complete_and_the_transitions_that_are_refused(runtime, client):
    # given a booked visit
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 2)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    provider = await client.login("provider")
    visit = await book(desk, clinic, patient, clinic.at(day, 10))
    # when it is completed before check-in, then that is refused
    assert await refused(runtime, provider, COMPLETE, appointmentId=visit["id"]) == [
        ("INVALID_TRANSITION", ["appointmentId"])
    ]
    # when the front desk checks the patient in
    arrived = (await _mutate(desk, CHECK_IN, appointmentId=visit["id"]))["appointment"]
    # then
    assert arrived == {"id": visit["id"], "status": "ARRIVED"}
    for document, extra in (
        (CHECK_IN, {}),
        (CANCEL, {"reason": "late"}),
        (RESCHEDULE, {"startsAt": clinic.at(day, 11).isoformat()}),
    ):
        assert await refused(runtime, desk, document, appointmentId=visit["id"], **extra) == [
            ("INVALID_TRANSITION", ["appointmentId"])
        ]
    # and the arrived visit still holds its time
    assert (await refused(runtime, desk, BOOK, **booking(clinic, patient, clinic.at(day, 10))))[0][
        0
    ] == "SLOT_UNAVAILABLE"
    # when the front desk tries to complete it, then it may not
    assert error_codes(await desk.execute(COMPLETE, input={"appointmentId": visit["id"]})) == [
        "FORBIDDEN"
    ]
    # when the provider completes it
    done = (await _mutate(provider, COMPLETE, appointmentId=visit["id"]))["appointment"]
    # then it is fulfilled, and cannot be completed again
    assert done["status"] == "FULFILLED"
    assert await refused(runtime, provider, COMPLETE, appointmentId=visit["id"]) == [
        ("INVALID_TRANSITION", ["appointmentId"])
    ]


async def test_no_show_only_once_the_visit_has_started(runtime, client):
    # given extra hours around now, a visit that started three minutes ago and one in an hour
    clinic = await make_clinic(runtime, hours={})
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    await add_exception(
        runtime,
        clinic,
        ExceptionKind.EXTRA_HOURS,
        now - timedelta(hours=1),
        now + timedelta(hours=3),
    )
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    started = await book(desk, clinic, patient, now - timedelta(minutes=3))
    later = await book(desk, clinic, patient, now + timedelta(hours=1))
    # when the later one is marked a no-show, then it is too early
    assert await refused(runtime, desk, NO_SHOW, appointmentId=later["id"]) == [
        ("TOO_EARLY", ["appointmentId"])
    ]
    # when the started one is marked a no-show
    missed = (await _mutate(desk, NO_SHOW, appointmentId=started["id"]))["appointment"]
    # then it is NOAPPOINTMENT (FHIR noshow) and cannot be marked again or checked in
    assert missed["status"] == "NOAPPOINTMENT"
    assert await refused(runtime, desk, NO_SHOW, appointmentId=started["id"]) == [
        ("INVALID_TRANSITION", ["appointmentId"])
    ]
    assert await refused(runtime, desk, CHECK_IN, appointmentId=started["id"]) == [
        ("INVALID_TRANSITION", ["appointmentId"])
    ]


async def test_unknown_or_mistyped_ids_are_not_found(runtime, client):
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 2)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    cases = [
        ({"patientId": gid("Patient", 99999)}, ["patientId"]),
        ({"patientId": clinic.provider_id}, ["patientId"]),
        ({"appointmentTypeId": gid("AppointmentType", 99999)}, ["appointmentTypeId"]),
        ({"providerId": gid("Provider", 99999)}, ["providerId"]),
    ]
    for override, field in cases:
        # when
        errors = await refused(
            runtime, desk, BOOK, **{**booking(clinic, patient, clinic.at(day, 10)), **override}
        )
        # then
        assert errors == [("NOT_FOUND", field)]
    assert await refused(runtime, desk, CHECK_IN, appointmentId=gid("Appointment", 99999)) == [
        ("NOT_FOUND", ["appointmentId"])
    ]


async def test_appointment_reads_and_changes_are_audited(runtime, client):
    # given a booked, moved and cancelled visit, and a read of the day's appointments
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 3)
    patient_pk, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    visit = await book(desk, clinic, patient, clinic.at(day, 10))
    await _mutate(
        desk, RESCHEDULE, appointmentId=visit["id"], startsAt=clinic.at(day, 11).isoformat()
    )
    await _mutate(desk, CANCEL, appointmentId=visit["id"], reason="Feeling better")
    listed = await desk.data(
        APPOINTMENTS,
        **{"from": clinic.at(day, 0).isoformat()},
        to=clinic.at(day, 23).isoformat(),
        location=clinic.location_id,
    )
    assert [a["id"] for a in listed["appointments"]] == [visit["id"]]
    # when the trail is read directly
    async with runtime.sessions() as session:
        events = (
            await session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.resource_type == "Appointment",
                    AuditEvent.resource_id == str(pk_of(visit["id"])),
                )
                .order_by(AuditEvent.seq)
            )
        ).all()
    # then each change and the read are there, by the front desk, about the patient
    assert [(e.action, e.actor_username, e.patient_id) for e in events] == [
        ("create", "front_desk", patient_pk),
        ("update", "front_desk", patient_pk),
        ("update", "front_desk", patient_pk),
        ("read", "front_desk", patient_pk),
    ]
    assert '"starts_at"' in events[1].detail and '"CANCELLED"' in events[2].detail
    # and the compliance officer sees them through auditEvents
    officer = await client.login("compliance_officer")
    edges = (await officer.data(AUDIT, patient=patient))["auditEvents"]["edges"]
    seen = [(e["node"]["action"], e["node"]["resourceType"]) for e in edges]
    for expected in (("create", "Appointment"), ("update", "Appointment"), ("read", "Appointment")):
        assert expected in seen


async def test_the_appointments_query_wants_instants_and_at_most_62_days(runtime, client):
    desk = await client.login("front_desk")
    for window in (
        {"from": "2030-01-07T09:00:00", "to": "2030-01-08T09:00:00+00:00"},
        {"from": "2030-01-07T09:00:00+00:00", "to": "2030-03-30T09:00:00+00:00"},
        {"from": "2030-01-08T09:00:00+00:00", "to": "2030-01-07T09:00:00+00:00"},
    ):
        # when
        body = await desk.execute(APPOINTMENTS, **window)
        # then
        assert error_codes(body) == ["BAD_USER_INPUT"], window
