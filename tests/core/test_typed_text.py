"""Text a person types: control characters, bidirectional overrides and (in names) invisible
characters are refused with INVALID_TEXT naming the field; names are not blank; the schedule's
dates stay within its horizon. Every case is a userError, and nothing is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

import app.models  # noqa: F401  (every table, for the row counts)
from app.db import Base
from app.runtime import Runtime
from tests.fixtures.graphql import GraphQLClient
from tests.fixtures.patients import create_patient_record
from tests.fixtures.scheduling import book, days_ahead, make_clinic, make_patient, valid_npi

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Trojan Source" text shows in another order
ISOLATE = "\u2067"  # RIGHT-TO-LEFT ISOLATE
ZWSP = "\u200b"  # ZERO WIDTH SPACE: "Smi<ZWSP>th" is not "Smith" to duplicate detection
BELL = "\u0007"
NOT_WRITTEN = ("audit_events", "refresh_tokens", "users")  # logins write these


def mutation(name: str, input_type: str) -> str:
    return (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ field code }} "
        "} }"
    )


async def refused(
    caller: GraphQLClient, operation: str, input_type: str, /, **input: Any
) -> list[tuple[str, list[str]]]:
    """The (code, field) pairs of the mutation's userErrors."""
    payload = (await caller.data(mutation(operation, input_type), input=input))[operation]
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


async def row_counts(runtime: Runtime) -> dict[str, int]:
    async with runtime.sessions() as session:
        return {
            table.name: await session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
            if table.name not in NOT_WRITTEN
        }


async def test_typed_text_with_hidden_characters_is_refused_and_nothing_is_written(client, runtime):
    # given a clinic, a patient's record, a booked visit, and a caller for each kind of change
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    record = await create_patient_record(client)
    admin, desk = await client.login("admin"), await client.login("front_desk")
    provider, biller = await client.login("provider"), await client.login("biller")
    day = days_ahead(clinic, 4)
    visit = await book(desk, clinic, patient, clinic.at(day, 10))
    visit_input = {
        "patientId": patient,
        "providerId": clinic.provider_id,
        "locationId": clinic.location_id,
        "appointmentTypeId": clinic.type_id("Consult"),
        "startsAt": clinic.at(day, 11).isoformat(),
    }
    person = {"familyName": "Doe", "givenName": "Jan", "birthDate": "1980-01-02", "sex": "MALE"}
    before = await row_counts(runtime)
    # when each kind of typed text arrives with a character it may not hold
    cases = {
        "patient family name, overridden": (
            await refused(
                desk, "createPatient", "CreatePatientInput", **{**person, "familyName": f"Doe{RLO}"}
            ),
            [("INVALID_TEXT", ["familyName"])],
        ),
        "patient given name, zero-width space": (
            await refused(
                desk,
                "updatePatient",
                "UpdatePatientInput",
                id=record.patient_id,
                givenName=f"J{ZWSP}an",
            ),
            [("INVALID_TEXT", ["givenName"])],
        ),
        "address line, control character": (
            await refused(
                desk,
                "updatePatient",
                "UpdatePatientInput",
                id=record.patient_id,
                address={"line1": f"1 Main St{BELL}"},
            ),
            [("INVALID_TEXT", ["address", "line1"])],
        ),
        "allergy reaction, isolate": (
            await refused(
                provider,
                "addAllergy",
                "AddAllergyInput",
                patientId=record.patient_id,
                substance="Latex",
                category="ENVIRONMENT",
                reaction=f"Hives{ISOLATE}",
            ),
            [("INVALID_TEXT", ["reaction"])],
        ),
        "note title, line break": (
            await refused(
                provider,
                "createNote",
                "CreateNoteInput",
                patientId=record.patient_id,
                title="Visit\nnote",
                body="Fine.",
            ),
            [("INVALID_TEXT", ["title"])],
        ),
        "note body, override": (
            await refused(
                provider,
                "createNote",
                "CreateNoteInput",
                patientId=record.patient_id,
                title="Visit",
                body=f"BP 120/80{RLO}",
            ),
            [("INVALID_TEXT", ["body"])],
        ),
        "break-glass reason, override": (
            await refused(
                biller,
                "breakGlass",
                "BreakGlassInput",
                patientId=record.patient_id,
                reason=f"Checking a claim {RLO}today",
            ),
            [("INVALID_TEXT", ["reason"])],
        ),
        "coverage subscriber, zero-width space": (
            await refused(
                desk,
                "addCoverage",
                "AddCoverageInput",
                patientId=record.patient_id,
                payerName="Aetna",
                payerId="60054",
                memberId="W123",
                relationship="SPOUSE",
                priority=2,
                periodStart="2026-01-01",
                subscriberName=f"Ann{ZWSP} Doe",
            ),
            [("INVALID_TEXT", ["subscriberName"])],
        ),
        "visit reason": (
            await refused(
                desk,
                "bookAppointment",
                "BookAppointmentInput",
                **visit_input,
                reason=f"Cough{RLO}",
            ),
            [("INVALID_TEXT", ["reason"])],
        ),
        "visit notes, control character": (
            await refused(
                desk, "bookAppointment", "BookAppointmentInput", **visit_input, notes=f"a{BELL}"
            ),
            [("INVALID_TEXT", ["notes"])],
        ),
        "series reason: once, not per occurrence": (
            await refused(
                desk,
                "bookRecurringAppointments",
                "BookRecurringAppointmentsInput",
                **visit_input,
                rrule="FREQ=WEEKLY;COUNT=3",
                skipConflicts=True,
                reason=f"Physio{ISOLATE}",
            ),
            [("INVALID_TEXT", ["reason"])],
        ),
        "cancellation reason": (
            await refused(
                desk,
                "cancelAppointment",
                "CancelAppointmentInput",
                appointmentId=visit["id"],
                reason=f"Chest pain{RLO}",
                scope="THIS",
            ),
            [("INVALID_TEXT", ["reason"])],
        ),
        "waitlist notes": (
            await refused(
                desk,
                "addToWaitlist",
                "AddToWaitlistInput",
                patientId=patient,
                appointmentTypeId=clinic.type_id("Consult"),
                locationId=clinic.location_id,
                earliest=datetime.now(UTC).isoformat(),
                latest=(datetime.now(UTC) + timedelta(days=7)).isoformat(),
                notes=f"Mornings{RLO}",
            ),
            [("INVALID_TEXT", ["notes"])],
        ),
        "location name, override": (
            await refused(
                admin, "createLocation", "CreateLocationInput", name=f"North{RLO}", timezone="UTC"
            ),
            [("INVALID_TEXT", ["name"])],
        ),
        "location name, blank": (
            await refused(
                admin, "createLocation", "CreateLocationInput", name="  ", timezone="UTC"
            ),
            [("REQUIRED", ["name"])],
        ),
        "room type, blank": (
            await refused(
                admin,
                "createRoom",
                "CreateRoomInput",
                locationId=clinic.location_id,
                name="Exam 9",
                roomType=" ",
            ),
            [("REQUIRED", ["roomType"])],
        ),
        "appointment type name, empty": (
            await refused(
                admin,
                "createAppointmentType",
                "CreateAppointmentTypeInput",
                name="",
                durationMinutes=30,
                color="#112233",
                bookableOnline=False,
            ),
            [("REQUIRED", ["name"])],
        ),
        "appointment type name, zero-width space only": (
            await refused(
                admin,
                "createAppointmentType",
                "CreateAppointmentTypeInput",
                name=ZWSP,
                durationMinutes=30,
                color="#112233",
                bookableOnline=False,
            ),
            [("INVALID_TEXT", ["name"])],
        ),
        "appointment type color": (
            await refused(
                admin,
                "createAppointmentType",
                "CreateAppointmentTypeInput",
                name="Recheck",
                durationMinutes=30,
                color="red",
                bookableOnline=False,
            ),
            [("INVALID_INPUT", ["color"])],
        ),
        "provider specialty, override": (
            await refused(
                admin,
                "createProvider",
                "CreateProviderInput",
                username="nurse",
                npi=valid_npi(),
                specialty=f"Cardiology{RLO}",
            ),
            [("INVALID_TEXT", ["specialty"])],
        ),
        "time-off reason, override": (
            await refused(
                admin,
                "addAvailabilityException",
                "AddAvailabilityExceptionInput",
                providerId=clinic.provider_id,
                kind="TIME_OFF",
                startsAt=clinic.at(day, 9).isoformat(),
                endsAt=clinic.at(day, 10).isoformat(),
                reason=f"Dentist{RLO}",
            ),
            [("INVALID_TEXT", ["reason"])],
        ),
        "role description, control character": (
            await refused(
                admin, "createRole", "CreateRoleInput", name="scribe", description=f"Notes{BELL}"
            ),
            [("INVALID_TEXT", ["description"])],
        ),
    }
    # then each is refused, naming the field, and nothing was written
    assert {case: found for case, (found, _) in cases.items()} == {
        case: expected for case, (_, expected) in cases.items()
    }
    assert await row_counts(runtime) == before


async def test_line_breaks_tabs_and_joined_emoji_are_welcome_in_notes(client, runtime):
    # given
    record = await create_patient_record(client)
    provider = await client.login("provider")
    body = "S: cough\n\tO: clear\nA: \U0001f469\u200d\u2695\ufe0f reviewed"  # ZWJ emoji
    # when
    created = await provider.data(
        "mutation($input: CreateNoteInput!) { createNote(input: $input) { note { body } "
        "userErrors { code } } }",
        input={"patientId": record.patient_id, "title": "Visit", "body": body},
    )
    # then
    assert created["createNote"] == {"note": {"body": body}, "userErrors": []}


async def test_the_schedule_holds_times_from_a_year_back_to_ten_years_ahead(client, runtime):
    # given
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    admin, desk = await client.login("admin"), await client.login("front_desk")
    hours = {
        "providerId": clinic.provider_id,
        "locationId": clinic.location_id,
        "weekday": 1,
        "startTime": "09:00:00",
        "endTime": "12:00:00",
    }
    far = (datetime.now(UTC) + timedelta(days=3700)).isoformat()
    before = await row_counts(runtime)
    # when dates from mistyped years reach each kind of schedule entry
    found = {
        "exception from year 43 to 6970": await refused(
            admin,
            "addAvailabilityException",
            "AddAvailabilityExceptionInput",
            providerId=clinic.provider_id,
            kind="TIME_OFF",
            startsAt="0043-01-01T00:00:00+00:00",
            endsAt="6970-01-01T00:00:00+00:00",
        ),
        "exception ending in 11 years": await refused(
            admin,
            "addAvailabilityException",
            "AddAvailabilityExceptionInput",
            providerId=clinic.provider_id,
            kind="TIME_OFF",
            startsAt=datetime.now(UTC).isoformat(),
            endsAt=far,
        ),
        "hours valid from year 43": await refused(
            admin,
            "addWeeklyAvailability",
            "AddWeeklyAvailabilityInput",
            **hours,
            validFrom="0043-01-01",
        ),
        "hours that stop before they start": await refused(
            admin,
            "addWeeklyAvailability",
            "AddWeeklyAvailabilityInput",
            **hours,
            validFrom=str(days_ahead(clinic, 30)),
            validUntil=str(days_ahead(clinic, 10)),
        ),
        "waitlist until 6970": await refused(
            desk,
            "addToWaitlist",
            "AddToWaitlistInput",
            patientId=patient,
            appointmentTypeId=clinic.type_id("Consult"),
            locationId=clinic.location_id,
            earliest=datetime.now(UTC).isoformat(),
            latest="6970-01-01T00:00:00+00:00",
        ),
        "visit in 11 years": await refused(
            desk,
            "bookAppointment",
            "BookAppointmentInput",
            patientId=patient,
            providerId=clinic.provider_id,
            locationId=clinic.location_id,
            appointmentTypeId=clinic.type_id("Consult"),
            startsAt=far,
        ),
    }
    # then
    assert found == {
        "exception from year 43 to 6970": [("INVALID_TIME_RANGE", ["startsAt"])],
        "exception ending in 11 years": [("INVALID_TIME_RANGE", ["endsAt"])],
        "hours valid from year 43": [("INVALID_TIME_RANGE", ["validFrom"])],
        "hours that stop before they start": [("INVALID_TIME_RANGE", ["validUntil"])],
        "waitlist until 6970": [("INVALID_TIME_RANGE", ["latest"])],
        "visit in 11 years": [("INVALID_TIME_RANGE", ["startsAt"])],
    }
    assert await row_counts(runtime) == before
    # and an exception within the horizon, recorded after the fact, is taken
    last_month = datetime.now(UTC) - timedelta(days=30)
    assert (
        await refused(
            admin,
            "addAvailabilityException",
            "AddAvailabilityExceptionInput",
            providerId=clinic.provider_id,
            kind="TIME_OFF",
            startsAt=last_month.isoformat(),
            endsAt=(last_month + timedelta(days=2)).isoformat(),
            reason="Flu",
        )
        == []
    )
