"""Optimistic updates: every change bumps an appointment's version and updatedAt; a change sent
with a stale expectedVersion is VERSION_CONFLICT and writes nothing, so of callers racing from
one version exactly one wins. A change's payload names the appointment it changed."""

import asyncio
from datetime import timedelta

from app.scheduling.models import Appointment
from tests.fixtures.scheduling import (
    book,
    days_ahead,
    make_clinic,
    make_patient,
    parse,
    pk_of,
    rows,
    snapshot,
)

FIELDS = "id status startsAt version updatedAt"
RESCHEDULE = f"""
mutation($input: RescheduleAppointmentInput!) {{
  rescheduleAppointment(input: $input) {{
    appointment {{ {FIELDS} }} appointments {{ {FIELDS} }} userErrors {{ field code message }}
  }}
}}
"""
CANCEL = f"""
mutation($input: CancelAppointmentInput!) {{
  cancelAppointment(input: $input) {{
    appointment {{ {FIELDS} }} appointments {{ {FIELDS} }} userErrors {{ field code message }}
  }}
}}
"""
STEPS = {
    name: f"""
mutation($input: AppointmentIdInput!) {{
  {name}(input: $input) {{ appointment {{ {FIELDS} }} userErrors {{ field code message }} }}
}}
"""
    for name in ("checkInAppointment", "markNoShow", "completeAppointment")
}
BOOK_SERIES = f"""
mutation($input: BookRecurringAppointmentsInput!) {{
  bookRecurringAppointments(input: $input) {{ appointments {{ {FIELDS} }} userErrors {{ code }} }}
}}
"""
READ = f"query($id: ID!) {{ node(id: $id) {{ ... on Appointment {{ {FIELDS} }} }} }}"


def payload_of(data):
    [payload] = data.values()
    return payload


async def test_every_change_bumps_the_version_and_updated_at(runtime, client):
    # given a booked visit (version 1), and one to cancel
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    provider = await client.login("provider")
    day = days_ahead(clinic, 3)
    visit = await book(desk, clinic, patient, clinic.at(day, 9))
    other = await book(desk, clinic, patient, clinic.at(day, 14))
    seen = [(await desk.data(READ, id=visit["id"]))["node"]]
    # when it is moved, checked in and completed, each time naming the version it read
    for document, extra, caller in (
        (RESCHEDULE, {"startsAt": clinic.at(day, 11).isoformat()}, desk),
        (STEPS["checkInAppointment"], {}, desk),
        (STEPS["completeAppointment"], {}, provider),
    ):
        changed = payload_of(
            await caller.data(
                document,
                input={
                    "appointmentId": visit["id"],
                    "expectedVersion": seen[-1]["version"],
                    **extra,
                },
            )
        )
        assert changed["userErrors"] == []
        seen.append(changed["appointment"])
    cancelled = payload_of(
        await desk.data(CANCEL, input={"appointmentId": other["id"], "reason": "Ill"})
    )
    # then each change took the next version and a later updatedAt
    assert [(a["status"], a["version"]) for a in seen] == [
        ("BOOKED", 1),
        ("BOOKED", 2),
        ("ARRIVED", 3),
        ("FULFILLED", 4),
    ]
    stamps = [parse(a["updatedAt"]) for a in seen]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4
    # and a cancellation (status and reason) is one change: one version
    assert (cancelled["appointment"]["status"], cancelled["appointment"]["version"]) == (
        "CANCELLED",
        2,
    )
    stored = {a.id: a.version for a in await rows(runtime, Appointment)}
    assert stored == {pk_of(visit["id"]): 4, pk_of(other["id"]): 2}


async def test_a_change_from_a_stale_version_is_a_conflict_and_writes_nothing(runtime, client):
    # given visits that someone else changed after they were read at version 1
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    provider = await client.login("provider")
    day = days_ahead(clinic, 4)
    visit = await book(desk, clinic, patient, clinic.at(day, 9))
    series = payload_of(
        await desk.data(
            BOOK_SERIES,
            input={
                "patientId": patient,
                "providerId": clinic.provider_id,
                "locationId": clinic.location_id,
                "appointmentTypeId": clinic.type_id("Consult"),
                "startsAt": clinic.at(day, 15).isoformat(),
                "rrule": "FREQ=WEEKLY;COUNT=3",
            },
        )
    )["appointments"]
    for moved, hour in ((visit, 10), (series[0], 16)):
        elsewhere = {"appointmentId": moved["id"], "startsAt": clinic.at(day, hour).isoformat()}
        assert payload_of(await desk.data(RESCHEDULE, input=elsewhere))["userErrors"] == []
    before = await snapshot(runtime)
    stale = {"appointmentId": visit["id"], "expectedVersion": 1}
    stale_series = {"appointmentId": series[0]["id"], "expectedVersion": 1}
    # when each change is sent with the version read before
    attempts = [
        (desk, RESCHEDULE, {**stale, "startsAt": clinic.at(day, 12).isoformat()}),
        (desk, CANCEL, {**stale, "reason": "Ill"}),
        (desk, STEPS["checkInAppointment"], stale),
        (desk, STEPS["markNoShow"], stale),
        (provider, STEPS["completeAppointment"], stale),
        (
            desk,
            RESCHEDULE,
            {
                **stale_series,
                "startsAt": clinic.at(day, 17).isoformat(),
                "scope": "THIS_AND_FOLLOWING",
            },
        ),
        (desk, CANCEL, {**stale_series, "reason": "Ill", "scope": "THIS_AND_FOLLOWING"}),
    ]
    answers = [payload_of(await caller.data(doc, input=inp)) for caller, doc, inp in attempts]
    # then each is VERSION_CONFLICT with no appointment, and nothing was written
    assert [
        (a["appointment"], [(e["field"], e["code"]) for e in a["userErrors"]]) for a in answers
    ] == [(None, [(["expectedVersion"], "VERSION_CONFLICT")])] * len(attempts)
    assert all("version 2" in a["userErrors"][0]["message"] for a in answers)
    assert await snapshot(runtime) == before
    # and the current version is accepted
    current = {"appointmentId": visit["id"], "expectedVersion": 2, "reason": "Ill"}
    assert payload_of(await desk.data(CANCEL, input=current))["userErrors"] == []


async def test_of_changes_racing_from_one_version_exactly_one_wins(runtime, client):
    # given a visit read at version 1 by five front desks
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    day = days_ahead(clinic, 6)
    visit = await book(desk, clinic, patient, clinic.at(day, 9))
    targets = [clinic.at(day, 10) + timedelta(hours=i) for i in range(5)]
    # when all five move it at once, each to another time, from version 1
    answers = await asyncio.gather(
        *(
            desk.data(
                RESCHEDULE,
                input={
                    "appointmentId": visit["id"],
                    "startsAt": when.isoformat(),
                    "expectedVersion": 1,
                },
            )
            for when in targets
        )
    )
    # then exactly one wins; the others are told it changed, and it holds the winner's time
    payloads = [payload_of(a) for a in answers]
    winners = [p["appointment"] for p in payloads if p["appointment"]]
    assert len(winners) == 1 and winners[0]["version"] == 2
    assert sorted(e["code"] for p in payloads for e in p["userErrors"]) == ["VERSION_CONFLICT"] * 4
    [stored] = await rows(runtime, Appointment)
    assert (stored.starts_at, stored.version) == (parse(winners[0]["startsAt"]), 2)


async def test_a_change_returns_the_appointment_it_changed_beside_the_list(runtime, client):
    # given a single visit and a weekly series of three
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    day = days_ahead(clinic, 2)
    visit = await book(desk, clinic, patient, clinic.at(day, 9))
    series = payload_of(
        await desk.data(
            BOOK_SERIES,
            input={
                "patientId": patient,
                "providerId": clinic.provider_id,
                "locationId": clinic.location_id,
                "appointmentTypeId": clinic.type_id("Consult"),
                "startsAt": clinic.at(day, 15).isoformat(),
                "rrule": "FREQ=WEEKLY;COUNT=3",
            },
        )
    )["appointments"]
    # when one visit is moved, the series' second occurrence and the rest are moved, the
    # visit is cancelled, and a cancellation is refused
    moved = payload_of(
        await desk.data(
            RESCHEDULE,
            input={"appointmentId": visit["id"], "startsAt": clinic.at(day, 10).isoformat()},
        )
    )
    moved_rest = payload_of(
        await desk.data(
            RESCHEDULE,
            input={
                "appointmentId": series[1]["id"],
                "startsAt": (clinic.at(day, 16) + timedelta(days=7)).isoformat(),
                "scope": "THIS_AND_FOLLOWING",
            },
        )
    )
    cancelled = payload_of(
        await desk.data(CANCEL, input={"appointmentId": visit["id"], "reason": "Ill"})
    )
    refused = payload_of(
        await desk.data(CANCEL, input={"appointmentId": visit["id"], "reason": "Again"})
    )
    # then each payload's appointment is the one named, as it is now
    assert moved["appointment"] == moved["appointments"][0]
    assert (moved["appointment"]["id"], parse(moved["appointment"]["startsAt"])) == (
        visit["id"],
        clinic.at(day, 10),
    )
    assert [a["id"] for a in moved_rest["appointments"]] == [a["id"] for a in series[1:]]
    assert moved_rest["appointment"] == moved_rest["appointments"][0]
    assert moved_rest["appointment"]["id"] == series[1]["id"]
    assert cancelled["appointment"]["status"] == "CANCELLED"
    assert cancelled["appointment"]["id"] == visit["id"]
    assert (refused["appointment"], refused["appointments"]) == (None, [])
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_TRANSITION"]
