"""Reading back the set-up behind the schedule: weekly hours, exceptions, rooms, and who works
where; for staff who schedule, in a fixed number of SQL statements however much there is."""

from datetime import time, timedelta

from app.authz import SYSTEM
from app.scheduling import setup
from app.scheduling.models import ExceptionKind
from app.transaction import unit_of_work
from tests.fixtures.graphql import error_codes
from tests.fixtures.scheduling import add_exception, days_ahead, make_clinic, parse

SETUP = """
query($location: ID!, $from: DateTime!, $to: DateTime!) {
  rooms(locationId: $location) { id name roomType location { id } }
  providers {
    id
    locations { id }
    availability { weekday startTime endTime validFrom validUntil location { id } }
    here: availability(locationId: $location) { weekday location { id } }
    exceptions(from: $from, to: $to) { id kind startsAt endsAt location { id } provider { id } }
  }
  locations { id rooms { id name } providers { id } }
}
"""
REASON = """
query($provider: ID!, $from: DateTime!, $to: DateTime!) {
  node(id: $provider) { ... on Provider { exceptions(from: $from, to: $to) { kind reason } } }
}
"""
NESTED = """
query($from: DateTime!, $to: DateTime!) {
  locations {
    id
    rooms { id }
    providers { id locations { id } availability { id } exceptions(from: $from, to: $to) { id } }
  }
}
"""
WEEKDAYS = {0: [(time(9), time(12)), (time(13), time(17))], 2: [(time(8), time(12))]}


async def _also_works_at(runtime, clinic, other, weekday=4):
    """The clinic's first provider also works Fridays 10-14 at `other`'s location."""
    async with unit_of_work(runtime.sessions) as session:
        await setup.add_weekly_availability(
            session,
            SYSTEM,
            provider_id=clinic.provider_pk,
            location_id=other.location_pk,
            weekday=weekday,
            start_time=time(10),
            end_time=time(14),
        )


async def test_staff_who_schedule_read_hours_exceptions_rooms_and_who_works_where(runtime, client):
    # given a clinic (two providers, two rooms) whose first provider also works elsewhere
    clinic = await make_clinic(
        runtime,
        providers=(None, None),
        hours=WEEKDAYS,
        rooms=(("Exam 2", "exam"), ("Procedure", "procedure")),
    )
    other = await make_clinic(runtime, hours={}, rooms=())
    await _also_works_at(runtime, clinic, other)
    day = days_ahead(clinic, 4)
    await add_exception(
        runtime, clinic, ExceptionKind.TIME_OFF, clinic.at(day, 9), clinic.at(day, 12)
    )
    await add_exception(
        runtime, clinic, ExceptionKind.EXTRA_HOURS, clinic.at(day, 17), clinic.at(day, 19)
    )
    window = {
        "from": clinic.at(day, 0).isoformat(),
        "to": clinic.at(day + timedelta(days=1), 0).isoformat(),
    }
    # when the front desk reads the set-up
    data = await (await client.login("front_desk")).data(
        SETUP, location=clinic.location_id, **window
    )
    # then the rooms of the location, by name
    assert [(r["name"], r["roomType"]) for r in data["rooms"]] == [
        ("Exam 2", "exam"),
        ("Procedure", "procedure"),
    ]
    assert {r["location"]["id"] for r in data["rooms"]} == {clinic.location_id}
    # and each provider's weekly hours (all, or at one location) and where they work
    providers = {p["id"]: p for p in data["providers"]}
    first, second = providers[clinic.provider_gid(0)], providers[clinic.provider_gid(1)]
    assert [
        (h["weekday"], h["startTime"], h["endTime"], h["location"]["id"])
        for h in first["availability"]
    ] == [
        (0, "09:00:00", "12:00:00", clinic.location_id),
        (0, "13:00:00", "17:00:00", clinic.location_id),
        (2, "08:00:00", "12:00:00", clinic.location_id),
        (4, "10:00:00", "14:00:00", other.location_id),
    ]
    assert {(h["validFrom"], h["validUntil"]) for h in first["availability"]} == {(None, None)}
    assert [h["weekday"] for h in first["here"]] == [0, 0, 2]
    assert [h["weekday"] for h in second["availability"]] == [0, 0, 2]
    assert sorted(loc["id"] for loc in first["locations"]) == sorted(
        [clinic.location_id, other.location_id]
    )
    assert second["locations"] == [{"id": clinic.location_id}]
    # and the exceptions in the window, in time order
    assert [
        (e["kind"], parse(e["startsAt"]), parse(e["endsAt"]), (e["location"] or {}).get("id"))
        for e in first["exceptions"]
    ] == [
        ("TIME_OFF", clinic.at(day, 9), clinic.at(day, 12), None),
        ("EXTRA_HOURS", clinic.at(day, 17), clinic.at(day, 19), clinic.location_id),
    ]
    assert second["exceptions"] == []
    # and, from each location, its rooms and the providers who work there
    locations = {loc["id"]: loc for loc in data["locations"]}
    assert [r["name"] for r in locations[clinic.location_id]["rooms"]] == ["Exam 2", "Procedure"]
    assert [p["id"] for p in locations[clinic.location_id]["providers"]] == [
        clinic.provider_gid(0),
        clinic.provider_gid(1),
    ]
    assert locations[other.location_id] == {
        "id": other.location_id,
        "rooms": [],
        "providers": [{"id": clinic.provider_id}],
    }


async def test_set_up_reads_are_for_staff_who_schedule_and_time_off_reasons_for_admins(
    runtime, client
):
    # given time off with a reason
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 2)
    async with unit_of_work(runtime.sessions) as session:
        await setup.add_availability_exception(
            session,
            SYSTEM,
            provider_id=clinic.provider_pk,
            kind=ExceptionKind.TIME_OFF,
            starts_at=clinic.at(day, 9),
            ends_at=clinic.at(day, 12),
            reason="Surgery follow-up",
        )
    window = {"from": clinic.at(day, 0).isoformat(), "to": clinic.at(day, 23).isoformat()}
    # when each role reads the set-up, and the reason
    setup_reads, reasons = {}, {}
    for role in ("admin", "front_desk", "provider", "nurse", "biller", "inventory_manager"):
        caller = await client.login(role)
        setup_reads[role] = error_codes(
            await caller.execute(SETUP, location=clinic.location_id, **window)
        )
        body = await caller.execute(REASON, provider=clinic.provider_id, **window)
        reasons[role] = (
            body["data"]["node"]["exceptions"][0]["reason"]
            if not body.get("errors")
            else error_codes(body)[0]
        )
    # then staff who schedule read it; a biller (who sees the schedule) gets FORBIDDEN for
    # each set-up list, and only admins read why a provider is off
    assert {role: set(codes) for role, codes in setup_reads.items()} == {
        "admin": set(),
        "front_desk": set(),
        "provider": set(),
        "nurse": set(),
        "biller": {"FORBIDDEN"},
        "inventory_manager": {"FORBIDDEN"},
    }
    assert reasons == {
        "admin": "Surgery follow-up",
        "front_desk": "FORBIDDEN",
        "provider": "FORBIDDEN",
        "nurse": "FORBIDDEN",
        "biller": "FORBIDDEN",
        "inventory_manager": "FORBIDDEN",
    }


async def _clinics(runtime, count):
    clinics = [
        await make_clinic(runtime, providers=(None, None), rooms=(("A", "exam"), ("B", "exam")))
        for _ in range(count)
    ]
    for clinic in clinics:
        day = days_ahead(clinic, 3)
        for index in (0, 1):
            await add_exception(
                runtime,
                clinic,
                ExceptionKind.TIME_OFF,
                clinic.at(day, 9),
                clinic.at(day, 10),
                index,
            )
    return clinics


async def test_nested_set_up_lists_take_the_same_statements_for_any_number_of_rows(
    runtime, client, statements
):
    # given one clinic, then three more
    desk = await client.login("front_desk")
    day = days_ahead((await _clinics(runtime, 1))[0], 3)
    window = {"from": f"{day}T00:00:00+00:00", "to": f"{day + timedelta(days=2)}T00:00:00+00:00"}
    with statements() as one:
        small = await desk.data(NESTED, **window)
    await _clinics(runtime, 3)
    # when all locations are read with their rooms, providers, hours and exceptions
    with statements() as four:
        large = await desk.data(NESTED, **window)
    # then one statement per list, however many rows: locations, rooms, who works where,
    # where each works, weekly hours, exceptions; and one for the caller
    assert one.count == four.count == 7, (one.statements, four.statements)
    assert len(small["locations"]) == 1 and len(large["locations"]) == 4
    assert all(len(loc["rooms"]) == 2 and len(loc["providers"]) == 2 for loc in large["locations"])
    assert all(
        len(p["exceptions"]) == 1 and len(p["availability"]) == 7
        for loc in large["locations"]
        for p in loc["providers"]
    )
