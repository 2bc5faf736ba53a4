"""Every id the scheduling API hands out resolves through node(id:), under its type's read
policy; an id it never handed out answers NOT_FOUND, never a server error."""

import base64
from datetime import UTC, datetime

from sqlalchemy import select

from app.audit.models import AuditEvent
from tests.fixtures.graphql import error_codes
from tests.fixtures.scheduling import (
    book,
    days_ahead,
    make_clinic,
    make_patient,
    parse,
    pk_of,
    wait_for_time,
)

BOOK_SERIES = """
mutation($input: BookRecurringAppointmentsInput!) {
  bookRecurringAppointments(input: $input) {
    seriesId series { id } appointments { id seriesId series { id } } userErrors { code }
  }
}
"""
NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on AppointmentSeries { rrule createdAt appointments { id status } }
    ... on WaitlistEntry {
      status earliest latest notes createdAt
      patient { id } appointmentType { id } location { id } wantedProvider: provider { id }
      offers { state }
    }
    ... on WeeklyAvailability { weekday startTime provider { id } location { id } }
    ... on AvailabilityException { kind startsAt provider { id } }
  }
}
"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
SETUP = """
query($provider: ID!, $from: DateTime!, $to: DateTime!) {
  node(id: $provider) {
    ... on Provider { availability { id } exceptions(from: $from, to: $to) { id } }
  }
}
"""
ADD_TIME_OFF = """
mutation($input: AddAvailabilityExceptionInput!) {
  addAvailabilityException(input: $input) { ok userErrors { code } }
}
"""


def raw_id(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def test_series_waitlist_entries_and_set_up_rows_resolve_through_node(runtime, client):
    # given a weekly series, a waitlist entry, and a provider's time off
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    admin = await client.login("admin")
    day = days_ahead(clinic, 3)
    booked = (
        await desk.data(
            BOOK_SERIES,
            input={
                "patientId": patient,
                "providerId": clinic.provider_id,
                "locationId": clinic.location_id,
                "appointmentTypeId": clinic.type_id("Consult"),
                "startsAt": clinic.at(day, 10).isoformat(),
                "rrule": "FREQ=WEEKLY;COUNT=3",
            },
        )
    )["bookRecurringAppointments"]
    entry = await wait_for_time(
        desk, clinic, patient, clinic.at(day, 8), clinic.at(day, 12), notes="Mornings"
    )
    off = {"startsAt": clinic.at(day, 13).isoformat(), "endsAt": clinic.at(day, 14).isoformat()}
    await admin.data(
        ADD_TIME_OFF, input={"providerId": clinic.provider_id, "kind": "TIME_OFF", **off}
    )
    window = {"from": clinic.at(day, 0).isoformat(), "to": clinic.at(day, 23).isoformat()}
    setup = (await desk.data(SETUP, provider=clinic.provider_id, **window))["node"]
    # when each id handed out is asked for through node(id:)
    series = (await desk.data(NODE, id=booked["seriesId"]))["node"]
    waiting = (await desk.data(NODE, id=entry))["node"]
    hours = (await desk.data(NODE, id=setup["availability"][0]["id"]))["node"]
    time_off = (await desk.data(NODE, id=setup["exceptions"][0]["id"]))["node"]
    # then each is its object
    occurrences = [a["id"] for a in booked["appointments"]]
    assert booked["series"]["id"] == booked["seriesId"]
    assert {a["seriesId"] for a in booked["appointments"]} == {booked["seriesId"]}
    assert {a["series"]["id"] for a in booked["appointments"]} == {booked["seriesId"]}
    assert series["__typename"] == "AppointmentSeries"
    assert series["rrule"] == "FREQ=WEEKLY;COUNT=3"
    assert [a["id"] for a in series["appointments"]] == occurrences
    assert {a["status"] for a in series["appointments"]} == {"BOOKED"}
    assert parse(waiting["earliest"]) == clinic.at(day, 8)
    assert parse(waiting["latest"]) == clinic.at(day, 12)
    assert parse(waiting["createdAt"]) <= datetime.now(UTC)
    assert {k: v for k, v in waiting.items() if k not in ("earliest", "latest", "createdAt")} == {
        "__typename": "WaitlistEntry",
        "id": entry,
        "status": "WAITING",
        "notes": "Mornings",
        "patient": {"id": patient},
        "appointmentType": {"id": clinic.type_id("Consult")},
        "location": {"id": clinic.location_id},
        "wantedProvider": None,
        "offers": [],
    }
    assert hours["__typename"] == "WeeklyAvailability"
    assert hours["provider"] == {"id": clinic.provider_id}
    assert hours["location"] == {"id": clinic.location_id}
    assert time_off["__typename"] == "AvailabilityException" and time_off["kind"] == "TIME_OFF"


async def test_ids_the_api_never_handed_out_answer_not_found(runtime, client):
    # given a real appointment, and ids that are malformed or name no object type
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    visit = await book(desk, clinic, patient, clinic.at(days_ahead(clinic, 2), 10))
    unusable = {
        "malformed": "not-a-global-id",
        "not base64 of a pair": raw_id("no colon here"),
        "unknown type": raw_id("Spaceship:1"),
        "a type that is not a Node": raw_id("UserError:1"),
        "a scalar": raw_id("DateTime:1"),
    }
    # when each is asked for alone, and among real ones
    alone = {name: await desk.execute(NODE, id=node_id) for name, node_id in unusable.items()}
    together = await desk.execute(NODES, ids=[visit["id"], unusable["unknown type"], visit["id"]])
    missing_row = await desk.execute(NODE, id=raw_id(f"Appointment:{pk_of(visit['id']) + 999}"))
    missing_key = await desk.execute(NODE, id=raw_id("Appointment:abc"))
    # then each unusable id is null with a NOT_FOUND error (never INTERNAL_SERVER_ERROR)
    for name, body in alone.items():
        assert body["data"] == {"node": None}, name
        assert error_codes(body) == ["NOT_FOUND"], name
        assert body["errors"][0]["path"] == ["node"], name
    # and among real ones only its position is null, with the error pointing at it
    assert together["data"]["nodes"] == [
        {"__typename": "Appointment", "id": visit["id"]},
        None,
        {"__typename": "Appointment", "id": visit["id"]},
    ]
    assert error_codes(together) == ["NOT_FOUND"]
    assert together["errors"][0]["path"] == ["nodes", 1]
    # and a well-formed id of a Node type that names no row is plain null
    for body in (missing_row, missing_key):
        assert body == {"data": {"node": None}}


async def test_waitlist_entries_by_id_are_for_the_front_desk_and_clinicians_and_audited(
    runtime, client
):
    # given a waitlist entry
    clinic = await make_clinic(runtime)
    patient_pk, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    day = days_ahead(clinic, 3)
    entry = await wait_for_time(desk, clinic, patient, clinic.at(day, 8), clinic.at(day, 12))
    # when each role asks for it by id
    outcomes = {}
    for role in ("front_desk", "provider", "nurse", "admin", "biller", "inventory_manager"):
        body = await (await client.login(role)).execute(NODE, id=entry)
        outcomes[role] = error_codes(body)[0] if body.get("errors") else body["data"]["node"]["id"]
    # then only those who book and see patients get it
    assert outcomes == {
        "front_desk": entry,
        "provider": entry,
        "nurse": entry,
        "admin": "FORBIDDEN",
        "biller": "FORBIDDEN",
        "inventory_manager": "FORBIDDEN",
    }
    # and every read of it is in the audit trail, against the patient
    async with runtime.sessions() as session:
        reads = (
            await session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "read",
                    AuditEvent.resource_type == "WaitlistEntry",
                    AuditEvent.resource_id == str(pk_of(entry)),
                )
            )
        ).all()
    assert sorted(e.actor_username for e in reads) == ["front_desk", "nurse", "provider"]
    assert {e.patient_id for e in reads} == {patient_pk}


SERIES_OCCURRENCES = """
query($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on AppointmentSeries {
      rrule appointments { id startsAt patient { id } appointmentType { id } room { id } }
    }
  }
}
"""


async def _series(desk, clinic, patient, starts_at, count):
    booked = (
        await desk.data(
            BOOK_SERIES,
            input={
                "patientId": patient,
                "providerId": clinic.provider_id,
                "locationId": clinic.location_id,
                "appointmentTypeId": clinic.type_id("Exam"),
                "startsAt": starts_at.isoformat(),
                "rrule": f"FREQ=WEEKLY;COUNT={count}",
            },
        )
    )["bookRecurringAppointments"]
    assert booked["userErrors"] == []
    return booked["seriesId"]


async def test_series_occurrences_take_the_same_statements_for_any_number_of_series(
    runtime, client, statements, database_url
):
    # given one series of two, and three series of four (each for another patient)
    clinic = await make_clinic(runtime)
    desk = await client.login("front_desk")
    day = days_ahead(clinic, 2)
    patients = [(await make_patient(runtime))[1] for _ in range(3)]
    one = [await _series(desk, clinic, patients[0], clinic.at(day, 9), 2)]
    three = [
        await _series(desk, clinic, patient, clinic.at(day, 10 + i), 4)
        for i, patient in enumerate(patients)
    ]
    # when the series are read with their occurrences, patients, types and rooms
    with statements() as few:
        small = await desk.data(SERIES_OCCURRENCES, ids=one)
    with statements() as many:
        large = await desk.data(SERIES_OCCURRENCES, ids=three)
    # then both take the same statements: the caller, the series, their occurrences; patients,
    # types and rooms (one loader each); the audit trail's head, the insert of the reads and
    # of the patients they name (PostgreSQL also takes the chain's lock)
    expected = {"sqlite": 9, "postgres": 10}["sqlite" if "sqlite" in database_url else "postgres"]
    assert few.count == many.count == expected, (few.statements, many.statements)
    assert [len(s["appointments"]) for s in small["nodes"]] == [2]
    assert [len(s["appointments"]) for s in large["nodes"]] == [4, 4, 4]
    assert [{a["patient"]["id"] for a in s["appointments"]} for s in large["nodes"]] == [
        {patient} for patient in patients
    ]
