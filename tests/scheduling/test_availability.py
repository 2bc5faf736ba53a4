"""Free slots: weekly hours minus time off plus extra hours minus held time, in the location's
time zone, in real minutes across daylight-saving changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.scheduling import free_time
from app.scheduling.models import ExceptionKind
from tests.fixtures.graphql import error_codes
from tests.fixtures.scheduling import (
    add_exception,
    book,
    days_ahead,
    make_clinic,
    make_patient,
    next_changes,
    parse,
    wall,
)

NEW_YORK = ZoneInfo("America/New_York")
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)  # "now" for the service: before both 2026 changes
SUNDAY_NIGHT = {6: [(time(0), time(4))]}  # Sunday 00:00-04:00 local
HOURLY = (("Hour", 60, None),)

SLOTS = """
query Slots($type: ID!, $from: DateTime!, $to: DateTime!, $provider: ID, $location: ID) {
  availableSlots(appointmentTypeId: $type, from: $from, to: $to, providerId: $provider,
                 locationId: $location) {
    slots { startsAt endsAt provider { id } location { id timezone } room { id name } }
  }
}
"""
CANCEL = """
mutation Cancel($input: CancelAppointmentInput!) {
  cancelAppointment(input: $input) { appointments { id status } userErrors { code } }
}
"""


def local_day(day: date, tz: ZoneInfo = NEW_YORK) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


async def _slots(runtime, clinic, day_from, day_to):
    async with runtime.sessions() as session:
        search = await free_time.available_slots(
            session,
            appointment_type_id=clinic.type_pks["Hour"],
            starts=local_day(day_from)[0],
            ends=local_day(day_to)[1],
            provider_ids=[clinic.provider_pk],
            now=LONG_AGO,
        )
    return search.slots


async def test_sunday_night_hours_are_three_real_hours_at_spring_forward_and_five_at_fall_back(
    runtime,
):
    # given a provider working Sundays 00:00-04:00 in New York, hourly visits
    clinic = await make_clinic(runtime, hours=SUNDAY_NIGHT, types=HOURLY, rooms=())
    # when the free slots of the two 2026 change days are asked for (as if before them)
    spring = await _slots(runtime, clinic, date(2026, 3, 8), date(2026, 3, 8))
    fall = await _slots(runtime, clinic, date(2026, 11, 1), date(2026, 11, 1))
    # then the night is as long as it really was, cut in real hours
    assert [s.starts_at.astimezone(UTC).hour for s in spring] == [5, 6, 7]
    assert [s.starts_at.strftime("%H:%M%z") for s in spring] == [
        "00:00-0500",
        "01:00-0500",
        "03:00-0400",
    ]
    assert [s.starts_at.astimezone(UTC).hour for s in fall] == [4, 5, 6, 7, 8]
    assert [s.starts_at.strftime("%H:%M%z") for s in fall] == [
        "00:00-0400",
        "01:00-0400",
        "01:00-0500",
        "02:00-0500",
        "03:00-0500",
    ]
    # (aware datetimes of one zone subtract as wall times: compare instants in UTC)
    assert all(
        s.ends_at.astimezone(UTC) - s.starts_at.astimezone(UTC) == timedelta(hours=1)
        for s in spring + fall
    )
    assert {s.location_id for s in spring + fall} == {clinic.location_pk}


async def test_nine_local_is_14z_before_spring_forward_and_13z_after(runtime):
    # given daily hours 09:00-10:00 in New York
    clinic = await make_clinic(
        runtime, hours={d: [(time(9), time(10))] for d in range(7)}, types=HOURLY, rooms=()
    )
    # when the days around each 2026 change are asked for
    spring = await _slots(runtime, clinic, date(2026, 3, 7), date(2026, 3, 9))
    fall = await _slots(runtime, clinic, date(2026, 10, 31), date(2026, 11, 2))
    # then 09:00 local moves by an hour in UTC on the day of the change
    assert [s.starts_at.astimezone(UTC).isoformat() for s in spring] == [
        "2026-03-07T14:00:00+00:00",
        "2026-03-08T13:00:00+00:00",
        "2026-03-09T13:00:00+00:00",
    ]
    assert [s.starts_at.astimezone(UTC).isoformat() for s in fall] == [
        "2026-10-31T13:00:00+00:00",
        "2026-11-01T14:00:00+00:00",
        "2026-11-02T14:00:00+00:00",
    ]
    assert {s.starts_at.strftime("%H:%M") for s in spring + fall} == {"09:00"}


async def test_next_daylight_saving_changes_over_graphql(runtime, client):
    # given a provider working Sundays 00:00-04:00 in New York, hourly visits
    clinic = await make_clinic(runtime, hours=SUNDAY_NIGHT, types=HOURLY, rooms=())
    spring, fall = next_changes(NEW_YORK, datetime.now(NEW_YORK).date())
    desk = await client.login("front_desk")
    # when the free slots of the next spring-forward and fall-back days are asked for
    answers = {}
    for day in (spring, fall):
        start, end = local_day(day)
        answers[day] = (
            await desk.data(
                SLOTS,
                type=clinic.type_id("Hour"),
                **{"from": start.isoformat()},
                to=end.isoformat(),
                provider=clinic.provider_id,
            )
        )["availableSlots"]["slots"]
    # then three real hours at spring-forward and five at fall-back, with their offsets
    assert [wall(s["startsAt"], s["location"]["timezone"])[11:] for s in answers[spring]] == [
        "00:00:00-05:00",
        "01:00:00-05:00",
        "03:00:00-04:00",
    ]
    assert [wall(s["startsAt"], s["location"]["timezone"])[11:] for s in answers[fall]] == [
        "00:00:00-04:00",
        "01:00:00-04:00",
        "01:00:00-05:00",
        "02:00:00-05:00",
        "03:00:00-05:00",
    ]
    for slot in answers[spring] + answers[fall]:
        assert parse(slot["endsAt"]) - parse(slot["startsAt"]) == timedelta(hours=1)
        assert slot["location"] == {"id": clinic.location_id, "timezone": "America/New_York"}
        assert slot["provider"] == {"id": clinic.provider_id}


async def test_slots_are_hours_minus_time_off_plus_extra_hours_minus_held_time(runtime, client):
    # given 09:00-17:00 hours, time off 12:00-14:00 and extra hours 17:00-18:00 on one day
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 10)
    await add_exception(
        runtime, clinic, ExceptionKind.TIME_OFF, clinic.at(day, 12), clinic.at(day, 14)
    )
    await add_exception(
        runtime, clinic, ExceptionKind.EXTRA_HOURS, clinic.at(day, 17), clinic.at(day, 18)
    )
    # and a held 09:30 visit, and a 10:00 visit that was cancelled
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    await book(desk, clinic, patient, clinic.at(day, 9, 30))
    cancelled = await book(desk, clinic, patient, clinic.at(day, 10))
    body = await desk.data(CANCEL, input={"appointmentId": cancelled["id"], "reason": "Moved away"})
    assert body["cancelAppointment"]["userErrors"] == []
    # when the day's 30-minute slots are asked for
    start, end = local_day(day, clinic.tz)
    slots = (
        await desk.data(
            SLOTS,
            type=clinic.type_id("Consult"),
            **{"from": start.isoformat()},
            to=end.isoformat(),
            provider=clinic.provider_id,
        )
    )["availableSlots"]["slots"]
    # then
    assert [parse(s["startsAt"]).astimezone(clinic.tz).strftime("%H:%M") for s in slots] == [
        "09:00",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
        "14:00",
        "14:30",
        "15:00",
        "15:30",
        "16:00",
        "16:30",
        "17:00",
        "17:30",
    ]
    offset = clinic.at(day, 9).strftime("%z")
    assert all(
        wall(s["startsAt"], s["location"]["timezone"]).replace(":", "").endswith(offset)
        for s in slots
    )


async def test_a_type_that_needs_a_room_has_no_slot_when_its_rooms_are_taken(runtime, client):
    # given one exam room and two providers; the second has the room at 09:00
    clinic = await make_clinic(runtime, providers=(None, None))
    day = days_ahead(clinic, 5)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    taken = await book(
        desk, clinic, patient, clinic.at(day, 9), "Exam", providerId=clinic.provider_gid(1)
    )
    assert taken["room"]["id"] == clinic.room_id(0)
    # when the first provider's slots are asked for
    window = {"from": clinic.at(day, 9).isoformat(), "to": clinic.at(day, 10).isoformat()}
    exam = (
        await desk.data(SLOTS, type=clinic.type_id("Exam"), provider=clinic.provider_id, **window)
    )["availableSlots"]["slots"]
    consult = (
        await desk.data(
            SLOTS, type=clinic.type_id("Consult"), provider=clinic.provider_id, **window
        )
    )["availableSlots"]["slots"]
    # then the exam (room needed) cannot start at 09:00, the consult (no room) can
    assert [wall(s["startsAt"], s["location"]["timezone"])[11:16] for s in exam] == ["09:30"]
    assert exam[0]["room"]["id"] == clinic.room_id(0)
    assert [wall(s["startsAt"], s["location"]["timezone"])[11:16] for s in consult] == [
        "09:00",
        "09:30",
    ]
    assert consult[0]["room"] is None


async def test_location_slots_cover_every_provider_working_there(runtime, client):
    # given two providers at one location and one elsewhere
    clinic = await make_clinic(runtime, providers=(None, None))
    elsewhere = await make_clinic(runtime)
    day = days_ahead(clinic, 3)
    desk = await client.login("front_desk")
    # when the location's slots in one hour are asked for
    slots = (
        await desk.data(
            SLOTS,
            type=clinic.type_id("Consult"),
            location=clinic.location_id,
            **{"from": clinic.at(day, 9).isoformat()},
            to=clinic.at(day, 10).isoformat(),
        )
    )["availableSlots"]["slots"]
    # then each of its providers has two slots; the other location's provider none
    providers = [s["provider"]["id"] for s in slots]
    assert sorted(providers) == sorted([clinic.provider_gid(0), clinic.provider_gid(1)] * 2)
    assert elsewhere.provider_id not in providers


async def test_past_slots_are_hidden(runtime, client):
    # given extra hours round the clock from yesterday's midnight for three days
    clinic = await make_clinic(runtime, hours={})
    midnight = clinic.at(days_ahead(clinic, -1), 0)
    await add_exception(
        runtime, clinic, ExceptionKind.EXTRA_HOURS, midnight, midnight + timedelta(days=3)
    )
    now = datetime.now(UTC)
    desk = await client.login("front_desk")
    # when a window from yesterday to tomorrow is asked for
    slots = (
        await desk.data(
            SLOTS,
            type=clinic.type_id("Consult"),
            provider=clinic.provider_id,
            **{"from": (now - timedelta(days=1)).isoformat()},
            to=(now + timedelta(days=1)).isoformat(),
        )
    )["availableSlots"]["slots"]
    # then nothing starts before now, and the first slot is the next half hour
    first = parse(slots[0]["startsAt"])
    assert now <= first <= now + timedelta(minutes=30)
    assert first.minute in (0, 30) and first.second == 0
    assert parse(slots[-1]["endsAt"]) <= now + timedelta(days=1)


async def test_bad_windows_are_bad_user_input(runtime, client):
    clinic = await make_clinic(runtime)
    desk = await client.login("front_desk")
    now = datetime.now(UTC)
    cases = [
        # ends before it starts
        {
            "from": now.isoformat(),
            "to": (now - timedelta(hours=1)).isoformat(),
            "provider": clinic.provider_id,
        },
        # longer than 62 days
        {
            "from": now.isoformat(),
            "to": (now + timedelta(days=63)).isoformat(),
            "provider": clinic.provider_id,
        },
        # neither provider nor location
        {"from": now.isoformat(), "to": (now + timedelta(days=1)).isoformat()},
        # a time without its offset
        {
            "from": "2030-01-07T09:00:00",
            "to": "2030-01-08T09:00:00",
            "provider": clinic.provider_id,
        },
    ]
    for variables in cases:
        # when
        body = await desk.execute(SLOTS, type=clinic.type_id("Consult"), **variables)
        # then
        assert error_codes(body) == ["BAD_USER_INPUT"], (variables, body)


async def test_who_may_ask_for_slots(runtime, client):
    clinic = await make_clinic(runtime)
    now = datetime.now(UTC)
    variables = {
        "type": clinic.type_id("Consult"),
        "provider": clinic.provider_id,
        "from": now.isoformat(),
        "to": (now + timedelta(days=1)).isoformat(),
    }
    # when an inventory manager and an anonymous caller ask, then they are refused
    inventory = await client.login("inventory_manager")
    assert error_codes(await inventory.execute(SLOTS, **variables)) == ["FORBIDDEN"]
    assert error_codes(await client.execute(SLOTS, **variables)) == ["UNAUTHENTICATED"]
