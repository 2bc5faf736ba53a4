"""The day view: a location's providers and their appointments with patient, type and room,
in a fixed number of SQL statements however many there are."""

from datetime import UTC, time, timedelta

from tests.fixtures.scheduling import book, days_ahead, make_clinic, make_patient, parse

SCHEDULE = """
query Day($location: ID!, $date: Date!) {
  schedule(locationId: $location, date: $date) {
    date
    location { id name timezone }
    providers {
      provider { id name npi }
      appointments {
        id status startsAt endsAt
        patient { id familyName givenName }
        appointmentType { id name durationMinutes }
        room { id name }
      }
    }
  }
}
"""
# the caller (whom the token speaks for now); location, appointments, providers; users,
# patients, types and rooms (one loader each); the audit trail's head and the insert of the
# reads and of their patients (PostgreSQL also takes the chain's lock)
EXPECTED_STATEMENTS = {"sqlite": 11, "postgres": 12}
EXAM_ROOMS = (("Exam 1", "exam"), ("Exam 2", "exam"), ("Exam 3", "exam"))


async def _clinic_with_visits(runtime, desk, providers, visits_each, day):
    clinic = await make_clinic(runtime, providers=[None] * providers, rooms=EXAM_ROOMS)
    booked = []
    for index in range(providers):
        for visit in range(visits_each):
            _, patient = await make_patient(runtime)
            kind = ("Exam", "Consult")[visit % 2]
            booked.append(
                await book(
                    desk,
                    clinic,
                    patient,
                    clinic.at(day, 9 + visit),
                    kind,
                    providerId=clinic.provider_gid(index),
                )
            )
    return clinic, booked


async def test_the_day_view_takes_the_same_statements_for_any_number_of_providers(
    runtime, client, statements, database_url
):
    # given a small clinic (one provider, one visit) and a larger one (three providers, six)
    desk = await client.login("front_desk")
    day = days_ahead(await make_clinic(runtime), 6)
    small, _ = await _clinic_with_visits(runtime, desk, 1, 1, day)
    large, booked = await _clinic_with_visits(runtime, desk, 3, 2, day)
    # when each day is read, counting the SQL statements
    with statements() as counter_small:
        small_day = await desk.data(SCHEDULE, location=small.location_id, date=day.isoformat())
    with statements() as counter_large:
        large_day = await desk.data(SCHEDULE, location=large.location_id, date=day.isoformat())
    # then both take the same, fixed number of statements
    backend = "sqlite" if database_url.startswith("sqlite") else "postgres"
    assert counter_small.count == counter_large.count == EXPECTED_STATEMENTS[backend], (
        counter_small.statements,
        counter_large.statements,
    )
    # and the larger day has every provider with their visits, patient, type and room
    schedule = large_day["schedule"]
    assert schedule["date"] == day.isoformat()
    assert schedule["location"] == {
        "id": large.location_id,
        "name": large.location_name,
        "timezone": "America/New_York",
    }
    assert [p["provider"]["id"] for p in schedule["providers"]] == [
        large.provider_gid(i) for i in range(3)
    ]
    assert all(p["provider"]["name"] for p in schedule["providers"])
    assert [[a["id"] for a in p["appointments"]] for p in schedule["providers"]] == [
        [a["id"] for a in booked[i : i + 2]] for i in (0, 2, 4)
    ]
    for provider in schedule["providers"]:
        exam, consult = provider["appointments"]
        assert exam["appointmentType"]["name"].startswith("Exam ")
        assert exam["room"]["name"].startswith("Exam ")
        assert consult["appointmentType"]["name"].startswith("Consult ")
        assert consult["room"] is None
        assert exam["patient"]["familyName"] == "Schedulingtest"
        assert exam["patient"]["id"] != consult["patient"]["id"]
    assert [len(p["appointments"]) for p in small_day["schedule"]["providers"]] == [1]


async def test_the_day_is_the_locations_local_day(runtime, client):
    # given visits at 23:00 local one day and 00:30 local the next, in Los Angeles
    clinic = await make_clinic(
        runtime,
        timezone="America/Los_Angeles",
        hours={d: [(time(0), time(23, 59))] for d in range(7)},
    )
    day = days_ahead(clinic, 4)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    late = await book(desk, clinic, patient, clinic.at(day, 23))
    early = await book(desk, clinic, patient, clinic.at(day + timedelta(days=1), 0, 30))
    # when each local day is read
    views = [
        await desk.data(SCHEDULE, location=clinic.location_id, date=d.isoformat())
        for d in (day, day + timedelta(days=1))
    ]
    # then each visit is on its own local day (though both are the same day in UTC)
    assert (
        parse(late["startsAt"]).astimezone(UTC).date()
        == parse(early["startsAt"]).astimezone(UTC).date()
    )
    assert [
        [a["id"] for p in v["schedule"]["providers"] for a in p["appointments"]] for v in views
    ] == [[late["id"]], [early["id"]]]


async def test_roles_that_may_not_read_appointments_get_no_day_view(runtime, client):
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 1)
    for role in ("inventory_manager", "compliance_officer"):
        # when
        body = await (await client.login(role)).execute(
            SCHEDULE, location=clinic.location_id, date=day.isoformat()
        )
        # then
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
