"""Recurring visits (RFC 5545 RRULE) over GraphQL: wall time kept across DST, all-or-nothing
series, skipping conflicts, and changes to one occurrence or the rest of the series."""

from datetime import UTC, timedelta

from app.scheduling.models import Appointment, AppointmentStatus, ExceptionKind
from tests.fixtures.graphql import pk_of
from tests.fixtures.scheduling import (
    APPOINTMENT_FIELDS,
    add_exception,
    book,
    days_ahead,
    make_clinic,
    make_patient,
    next_changes,
    parse,
    rows,
    snapshot,
)

BOOK_SERIES = f"""
mutation($input: BookRecurringAppointmentsInput!) {{
  bookRecurringAppointments(input: $input) {{
    seriesId
    appointments {{ {APPOINTMENT_FIELDS} }}
    skipped {{ startsAt error {{ field code }} }}
    userErrors {{ field code message }}
  }}
}}
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


def series_input(clinic, patient, starts_at, rrule="FREQ=WEEKLY;COUNT=4", **extra):
    return {
        "patientId": patient,
        "providerId": clinic.provider_id,
        "locationId": clinic.location_id,
        "appointmentTypeId": clinic.type_id("Consult"),
        "startsAt": starts_at.isoformat(),
        "rrule": rrule,
        **extra,
    }


def first_sunday_two_weeks_before_a_change(clinic):
    """10:00 on the Sunday two weeks before the next DST change that is 15+ days away."""
    change = min(next_changes(clinic.tz, days_ahead(clinic, 15)))
    return clinic.at(change - timedelta(days=14), 10), change


async def _series(client, **input_):
    payload = (await client.data(BOOK_SERIES, input=input_))["bookRecurringAppointments"]
    return payload


async def _booked_series(client, **input_):
    payload = await _series(client, **input_)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["appointments"]


async def test_weekly_series_keeps_the_local_time_across_a_dst_change(runtime, client):
    # given a weekly visit at 10:00 local starting two weeks before a DST change
    clinic = await make_clinic(runtime)
    first, change = first_sunday_two_weeks_before_a_change(clinic)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    # when four occurrences are booked
    payload = await _series(desk, **series_input(clinic, patient, first, reason="Physio"))
    # then each is at 10:00 local, a week apart in wall time, all in one series
    assert payload["userErrors"] == [] and payload["skipped"] == []
    visits = payload["appointments"]
    starts = [parse(a["startsAt"]) for a in visits]
    assert [s.astimezone(clinic.tz).strftime("%Y-%m-%d %H:%M") for s in starts] == [
        (first + timedelta(days=7 * i)).strftime("%Y-%m-%d 10:00") for i in range(4)
    ]
    # and the UTC hour shifts at the change, by exactly the change of offset
    before, after = first.utcoffset(), clinic.at(change, 10).utcoffset()
    assert before != after
    assert [s.astimezone(UTC) - first.astimezone(UTC) for s in starts] == [
        timedelta(days=7 * i) + (before - after if i >= 2 else timedelta()) for i in range(4)
    ]
    assert {a["seriesId"] for a in visits} == {payload["seriesId"]}
    assert {(a["status"], a["reason"]) for a in visits} == {("BOOKED", "Physio")}


async def test_a_conflict_fails_the_whole_series_with_one_error_per_occurrence(runtime, client):
    # given weekly 10:00 visits wanted; the 2nd occurrence's time is taken and the 3rd falls in
    # time off
    clinic = await make_clinic(runtime)
    first = clinic.at(days_ahead(clinic, 3), 10)
    _, patient = await make_patient(runtime)
    _, other = await make_patient(runtime)
    desk = await client.login("front_desk")
    await book(desk, clinic, other, first + timedelta(days=7))
    third = first + timedelta(days=14)
    await add_exception(
        runtime,
        clinic,
        ExceptionKind.TIME_OFF,
        third - timedelta(hours=1),
        third + timedelta(hours=3),
    )
    before = await snapshot(runtime)
    # when the series is booked
    payload = await _series(desk, **series_input(clinic, patient, first))
    # then nothing is booked, and each conflicting occurrence is reported by its index
    assert payload["appointments"] == [] and payload["seriesId"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("SLOT_UNAVAILABLE", ["occurrences", "1", "startsAt"]),
        ("OUTSIDE_AVAILABILITY", ["occurrences", "2", "startsAt"]),
    ]
    assert await snapshot(runtime) == before


async def test_skip_conflicts_books_the_rest_and_lists_the_skipped(runtime, client):
    # given the 2nd occurrence's time is taken
    clinic = await make_clinic(runtime)
    first = clinic.at(days_ahead(clinic, 3), 10)
    _, patient = await make_patient(runtime)
    _, other = await make_patient(runtime)
    desk = await client.login("front_desk")
    await book(desk, clinic, other, first + timedelta(days=7, minutes=15))
    # when the series is booked skipping conflicts
    payload = await _series(desk, **series_input(clinic, patient, first, skipConflicts=True))
    # then three occurrences are booked, and the skipped one is listed with its reason
    assert payload["userErrors"] == []
    assert [parse(a["startsAt"]) for a in payload["appointments"]] == [
        first,
        first + timedelta(days=14),
        first + timedelta(days=21),
    ]
    assert [(parse(s["startsAt"]), s["error"]) for s in payload["skipped"]] == [
        (
            first + timedelta(days=7),
            {"code": "SLOT_UNAVAILABLE", "field": ["occurrences", "1", "startsAt"]},
        )
    ]
    series = await rows(runtime, Appointment, Appointment.series_id.is_not(None))
    assert len(series) == 3


async def test_a_series_with_no_free_occurrence_is_refused_even_skipping(runtime, client):
    # given a provider with no hours on the series' days
    clinic = await make_clinic(runtime, hours={})
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    before = await snapshot(runtime)
    # when the series is booked skipping conflicts
    payload = await _series(
        desk,
        **series_input(clinic, patient, clinic.at(days_ahead(clinic, 3), 10), skipConflicts=True),
    )
    # then
    assert [e["code"] for e in payload["userErrors"]] == ["SERIES_CONFLICT"]
    assert await snapshot(runtime) == before


async def test_invalid_rules_are_refused(runtime, client):
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    first = clinic.at(days_ahead(clinic, 3), 10)
    before = await snapshot(runtime)
    for rule in (
        "FREQ=WEEKLY",
        "FREQ=HOURLY;COUNT=3",
        "NOT A RULE;COUNT=2",
        "FREQ=DAILY;COUNT=500",
    ):
        # when
        payload = await _series(desk, **series_input(clinic, patient, first, rrule=rule))
        # then
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            ("INVALID_RRULE", ["rrule"])
        ], rule
    assert await snapshot(runtime) == before


async def test_until_given_in_utc_as_rfc_5545_asks_bounds_the_series(runtime, client):
    # given a rule bounded by an UNTIL in UTC (RFC 5545's form when the start has a time zone)
    clinic = await make_clinic(runtime)
    first = clinic.at(days_ahead(clinic, 3), 10)
    until = (first + timedelta(days=14, hours=1)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    # when the series is booked
    visits = await _booked_series(
        desk, **series_input(clinic, patient, first, rrule=f"RRULE:FREQ=WEEKLY;UNTIL={until}")
    )
    # then it ends at UNTIL
    assert [parse(a["startsAt"]) for a in visits] == [
        first,
        first + timedelta(days=7),
        first + timedelta(days=14),
    ]


async def test_cancel_this_occurrence_or_this_and_the_following(runtime, client):
    # given a series of four
    clinic = await make_clinic(runtime)
    first = clinic.at(days_ahead(clinic, 3), 10)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    visits = await _booked_series(desk, **series_input(clinic, patient, first))
    ids = [a["id"] for a in visits]
    # when the 2nd is cancelled alone, then only it is
    payload = (
        await desk.data(
            CANCEL, input={"appointmentId": ids[1], "reason": "Holiday", "scope": "THIS"}
        )
    )["cancelAppointment"]
    assert [a["id"] for a in payload["appointments"]] == [ids[1]]
    # when the 3rd and the following are cancelled
    payload = (
        await desk.data(
            CANCEL,
            input={"appointmentId": ids[2], "reason": "Recovered", "scope": "THIS_AND_FOLLOWING"},
        )
    )["cancelAppointment"]
    # then the 3rd and 4th are, with the reason; the 1st is still booked
    assert payload["userErrors"] == []
    assert [(a["id"], a["status"], a["cancellationReason"]) for a in payload["appointments"]] == [
        (ids[2], "CANCELLED", "Recovered"),
        (ids[3], "CANCELLED", "Recovered"),
    ]
    statuses = {a.id: a.status for a in await rows(runtime, Appointment)}
    assert [statuses[pk_of(i)] for i in ids] == [
        AppointmentStatus.BOOKED,
        AppointmentStatus.CANCELLED,
        AppointmentStatus.CANCELLED,
        AppointmentStatus.CANCELLED,
    ]
    # and cancelling "this and following" from a cancelled occurrence is refused, writing nothing
    before = await snapshot(runtime)
    payload = (
        await desk.data(
            CANCEL,
            input={"appointmentId": ids[1], "reason": "Again", "scope": "THIS_AND_FOLLOWING"},
        )
    )["cancelAppointment"]
    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_TRANSITION"]
    assert await snapshot(runtime) == before


async def test_reschedule_this_occurrence_or_this_and_the_following(runtime, client):
    # given a weekly 10:00 series across a DST change
    clinic = await make_clinic(runtime)
    first, _change = first_sunday_two_weeks_before_a_change(clinic)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    ids = [a["id"] for a in await _booked_series(desk, **series_input(clinic, patient, first))]
    # when the 1st alone moves to 09:00
    payload = (
        await desk.data(
            RESCHEDULE,
            input={
                "appointmentId": ids[0],
                "startsAt": (first - timedelta(hours=1)).isoformat(),
                "scope": "THIS",
            },
        )
    )["rescheduleAppointment"]
    assert [a["id"] for a in payload["appointments"]] == [ids[0]]
    # when the 2nd and the following move to 11:30 local
    second = first + timedelta(days=7)
    payload = (
        await desk.data(
            RESCHEDULE,
            input={
                "appointmentId": ids[1],
                "startsAt": second.replace(hour=11, minute=30).isoformat(),
                "scope": "THIS_AND_FOLLOWING",
            },
        )
    )["rescheduleAppointment"]
    # then each of them is at 11:30 local on its own day, across the change
    assert payload["userErrors"] == []
    assert [a["id"] for a in payload["appointments"]] == ids[1:]
    assert [
        parse(a["startsAt"]).astimezone(clinic.tz).strftime("%Y-%m-%d %H:%M")
        for a in payload["appointments"]
    ] == [(first + timedelta(days=7 * i)).strftime("%Y-%m-%d 11:30") for i in (1, 2, 3)]
    by_id = {a.id: a for a in await rows(runtime, Appointment)}
    assert by_id[pk_of(ids[0])].starts_at.astimezone(clinic.tz).strftime("%H:%M") == "09:00"


async def test_moving_the_rest_of_a_series_a_week_later(runtime, client):
    # given a weekly series of four
    clinic = await make_clinic(runtime)
    first = clinic.at(days_ahead(clinic, 3), 10)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    ids = [a["id"] for a in await _booked_series(desk, **series_input(clinic, patient, first))]
    # when the 2nd and the following move a week later (each onto the next one's old time)
    payload = (
        await desk.data(
            RESCHEDULE,
            input={
                "appointmentId": ids[1],
                "startsAt": (first + timedelta(days=14)).isoformat(),
                "scope": "THIS_AND_FOLLOWING",
            },
        )
    )["rescheduleAppointment"]
    # then they all move; the series' own old times are no conflict
    assert payload["userErrors"] == []
    assert sorted(parse(a["startsAt"]) for a in payload["appointments"]) == [
        first + timedelta(days=7 * i) for i in (2, 3, 4)
    ]


async def test_a_conflict_moving_the_rest_of_a_series_moves_none(runtime, client):
    # given a weekly series of four, and another patient at 11:00 on the 4th occurrence's day
    clinic = await make_clinic(runtime)
    first = clinic.at(days_ahead(clinic, 3), 10)
    _, patient = await make_patient(runtime)
    _, other = await make_patient(runtime)
    desk = await client.login("front_desk")
    ids = [a["id"] for a in await _booked_series(desk, **series_input(clinic, patient, first))]
    await book(desk, clinic, other, first + timedelta(days=21, hours=1))
    before = await snapshot(runtime)
    # when the 2nd and the following move to 11:00
    payload = (
        await desk.data(
            RESCHEDULE,
            input={
                "appointmentId": ids[1],
                "startsAt": (first + timedelta(days=7, hours=1)).isoformat(),
                "scope": "THIS_AND_FOLLOWING",
            },
        )
    )["rescheduleAppointment"]
    # then the conflict is reported for that occurrence and nothing moved
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("SLOT_UNAVAILABLE", ["occurrences", "2", "startsAt"])
    ]
    assert await snapshot(runtime) == before
