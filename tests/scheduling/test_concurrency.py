"""No double booking: concurrent requests for one slot at a real server, and on PostgreSQL the
exclusion constraints themselves."""

import asyncio

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.scheduling.models import HELD_STATUSES, Appointment
from tests.fixtures.graphql import GraphQLClient, pk_of
from tests.fixtures.scheduling import (
    BOOK,
    book,
    booking,
    days_ahead,
    make_clinic,
    make_patient,
    rows,
    runtime_for,
)

REQUESTS = 20
INSERT = text("""
INSERT INTO appointments (patient_id, provider_id, location_id, room_id, appointment_type_id,
                          starts_at, ends_at, status, created_at, updated_at)
VALUES (:patient, :provider, :location, :room, :type, :starts, :ends, :status, now(), now())
""")


async def test_twenty_concurrent_bookings_of_one_slot_exactly_one_wins(server):
    # given a clinic and twenty patients, on the server's database
    async with runtime_for(server.database_url) as runtime:
        clinic = await make_clinic(runtime)
        patients = [(await make_patient(runtime))[1] for _ in range(REQUESTS)]
        starts = clinic.at(days_ahead(clinic, 7), 10)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
            desk = await GraphQLClient(http).login("front_desk")
            # when twenty requests book the same exam slot at once
            responses = await asyncio.gather(
                *(
                    desk.post(BOOK, {"input": booking(clinic, patient, starts, "Exam")})
                    for patient in patients
                )
            )
        # then exactly one wins and the nineteen others are told the slot is taken
        bodies = [r.json() for r in responses]
        assert all(r.status_code == 200 for r in responses)
        assert [b for b in bodies if b.get("errors")] == []
        payloads = [b["data"]["bookAppointment"] for b in bodies]
        winners = [p["appointment"] for p in payloads if p["appointment"]]
        assert len(winners) == 1
        assert sorted(e["code"] for p in payloads for e in p["userErrors"]) == [
            "SLOT_UNAVAILABLE"
        ] * (REQUESTS - 1)
        # and the database holds exactly that one appointment
        held = await rows(
            runtime,
            Appointment,
            Appointment.provider_id == clinic.provider_pk,
            Appointment.status.in_(HELD_STATUSES),
        )
        assert [a.id for a in held] == [pk_of(winners[0]["id"])]
        everything = await rows(runtime, Appointment, Appointment.location_id == clinic.location_pk)
        assert [a.id for a in everything] == [a.id for a in held]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_postgres_exclusion_constraints_refuse_overlaps_inserted_in_sql(runtime, client):
    # given a booked exam (provider and room held 10:00-10:30), and a second provider
    clinic = await make_clinic(runtime, providers=(None, None))
    patient_pk, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    exam = await book(desk, clinic, patient, clinic.at(days_ahead(clinic, 3), 10), "Exam")
    [held] = await rows(runtime, Appointment, Appointment.id == pk_of(exam["id"]))
    values = {
        "patient": patient_pk,
        "location": clinic.location_pk,
        "type": clinic.type_pks["Exam"],
        "starts": held.starts_at.replace(minute=15),
        "ends": held.ends_at.replace(minute=45),
        "status": "booked",
    }
    # when overlapping appointments are inserted directly, bypassing the service:
    # the same provider (no room), then another provider in the same room
    for overlap, constraint in (
        ({"provider": clinic.provider_pks[0], "room": None}, "ex_appointments_provider_overlap"),
        (
            {"provider": clinic.provider_pks[1], "room": held.room_id},
            "ex_appointments_room_overlap",
        ),
    ):
        async with runtime.engine.connect() as connection:
            with pytest.raises(IntegrityError) as refused:
                await connection.execute(INSERT, {**values, **overlap})
        # then PostgreSQL refuses each with an exclusion violation
        assert refused.value.orig.sqlstate == "23P01"
        assert constraint in str(refused.value)
    # and time that is not held (a cancelled row) or adjacent is accepted
    async with runtime.engine.begin() as connection:
        await connection.execute(
            INSERT,
            {
                **values,
                "provider": clinic.provider_pks[0],
                "room": held.room_id,
                "status": "cancelled",
            },
        )
        await connection.execute(
            INSERT,
            {
                **values,
                "provider": clinic.provider_pks[0],
                "room": held.room_id,
                "starts": held.ends_at,
                "ends": held.ends_at.replace(minute=50),
            },
        )
