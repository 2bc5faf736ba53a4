"""scheduleChanged over graphql-transport-ws against real servers: committed changes are
pushed, filtered by location and by who may read them, across processes on PostgreSQL."""

import asyncio
import json
from contextlib import asynccontextmanager
from datetime import UTC, timedelta

import httpx
import pytest
import websockets

from tests.fixtures.graphql import LOGIN, GraphQLClient
from tests.fixtures.scheduling import (
    book,
    days_ahead,
    make_clinic,
    make_patient,
    parse,
    runtime_for,
)
from tests.fixtures.server import running_server

SCHEDULE_CHANGED = """
subscription Changes($location: ID!) {
  scheduleChanged(locationId: $location) {
    change changedFields
    previous { ... on StatusBefore { status } ... on PlacementBefore { startsAt } }
    appointment { id status startsAt cancellationReason location { id } patient { id } }
  }
}
"""
CHECK_IN = """
mutation($input: AppointmentIdInput!) { checkInAppointment(input: $input) { userErrors { code } } }
"""
RESCHEDULE = """
mutation($input: RescheduleAppointmentInput!) {
  rescheduleAppointment(input: $input) { userErrors { code } }
}
"""
CANCEL = """
mutation($input: CancelAppointmentInput!) {
  cancelAppointment(input: $input) { userErrors { code } }
}
"""
LOGOUT = """
mutation Logout($token: String!) { logout(input: {refreshToken: $token}) { ok } }
"""
WAIT = 15  # seconds: the most any expected message may take


@asynccontextmanager
async def subscription(ws_url, token, location_id, document=SCHEDULE_CHANGED):
    """A graphql-transport-ws connection with one scheduleChanged operation (id "1")."""
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": document, "variables": {"location": location_id}},
                }
            )
        )
        yield ws


async def receive(ws, wait=WAIT):
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), wait))
        if message["type"] == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        return message


async def until_live(ws, desk, clinic, patient):
    """Book probe visits (a day apart from the test's) until one's event arrives: from then on
    the subscription is live. Returns the probes' ids, whose events are to be ignored."""
    day = days_ahead(clinic, 20)
    probes = set()
    for attempt in range(16):
        starts = clinic.at(day, 9) + timedelta(minutes=30 * attempt)
        probes.add((await book(desk, clinic, patient, starts))["id"])
        try:
            message = await receive(ws, wait=0.5)
        except TimeoutError:
            continue
        assert message["type"] == "next", message
        assert message["payload"]["data"]["scheduleChanged"]["appointment"]["id"] in probes
        return probes
    raise AssertionError("the subscription never delivered an event")


async def succeed(client, document, **input_):
    """Run a lifecycle mutation that must succeed."""
    [payload] = (await client.data(document, input=input_)).values()
    assert payload["userErrors"] == [], payload["userErrors"]


async def changes(ws, count, ignore):
    """The next `count` changes, leaving out those of the probes."""
    found = []
    while len(found) < count:
        message = await receive(ws)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        change = message["payload"]["data"]["scheduleChanged"]
        if change["appointment"]["id"] not in ignore:
            found.append(change)
    return found


async def test_bookings_check_ins_and_cancellations_are_pushed_for_the_location(server):
    async with (
        runtime_for(server.database_url) as runtime,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        # given a watched location, another location, and a front desk subscribed to the first
        watched = await make_clinic(runtime)
        other = await make_clinic(runtime)
        _, patient = await make_patient(runtime)
        desk = await GraphQLClient(http).login("front_desk")
        day = days_ahead(watched, 5)
        async with subscription(server.ws_url, desk.token, watched.location_id) as ws:
            probes = await until_live(ws, desk, watched, patient)
            # when visits are booked, checked in, moved and cancelled at both locations
            arrived = await book(desk, watched, patient, watched.at(day, 10))
            await succeed(desk, CHECK_IN, appointmentId=arrived["id"])
            await book(desk, other, patient, other.at(day, 10))
            moved = await book(desk, watched, patient, watched.at(day, 11))
            new_time = watched.at(day, 11, 30).isoformat()
            await succeed(desk, RESCHEDULE, appointmentId=moved["id"], startsAt=new_time)
            await succeed(desk, CANCEL, appointmentId=moved["id"], reason="Flu")
            # then the watched location's changes arrive in order, with the fresh appointment
            received = await changes(ws, 5, probes)
        # (and the other location's booking, committed in between, never came)
        assert [(c["change"], c["appointment"]["id"]) for c in received] == [
            ("BOOKED", arrived["id"]),
            ("CHECKED_IN", arrived["id"]),
            ("BOOKED", moved["id"]),
            ("RESCHEDULED", moved["id"]),
            ("CANCELLED", moved["id"]),
        ]
        booked, checked_in, _, rescheduled, cancelled = received
        assert booked["changedFields"] == ["status", "startsAt", "endsAt"]
        assert checked_in["changedFields"] == ["status"]
        assert checked_in["previous"] == {"status": "BOOKED"}
        assert checked_in["appointment"]["status"] == "ARRIVED"
        assert rescheduled["changedFields"] == ["startsAt"]
        assert parse(rescheduled["previous"]["startsAt"]) == watched.at(day, 11)
        assert parse(rescheduled["appointment"]["startsAt"]) == watched.at(day, 11, 30)
        assert cancelled["appointment"]["status"] == "CANCELLED"
        assert cancelled["appointment"]["cancellationReason"] == "Flu"
        assert {c["appointment"]["location"]["id"] for c in received} == {watched.location_id}
        assert {c["appointment"]["patient"]["id"] for c in received} == {patient}


async def test_a_role_that_may_not_read_appointments_gets_an_error_not_events(server):
    async with (
        runtime_for(server.database_url) as runtime,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        # given an inventory manager
        clinic = await make_clinic(runtime)
        _, patient = await make_patient(runtime)
        inventory = await GraphQLClient(http).login("inventory_manager")
        desk = await GraphQLClient(http).login("front_desk")
        # when they subscribe to a location's changes
        async with subscription(server.ws_url, inventory.token, clinic.location_id) as ws:
            refusal = await receive(ws)
            # and a visit is booked there, and then the connection is pinged
            await book(desk, clinic, patient, clinic.at(days_ahead(clinic, 4), 10))
            await ws.send(json.dumps({"type": "ping"}))
            after = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        # then the operation ends in a FORBIDDEN error, and no event follows it
        assert refusal["type"] == "error" and refusal["id"] == "1"
        assert [e["extensions"]["code"] for e in refusal["payload"]] == ["FORBIDDEN"]
        assert after == {"type": "pong"}


async def test_a_change_made_through_another_server_process_is_pushed(server):
    if server.backend == "sqlite":
        pytest.skip("SQLite is single-process: events reach only the process that wrote them")
    async with runtime_for(server.database_url) as runtime:
        clinic = await make_clinic(runtime)
        _, patient = await make_patient(runtime)
    # given a second server process on the same database
    with running_server(server.database_url) as other_base:
        async with (
            httpx.AsyncClient(base_url=server.base_url, timeout=30) as first_http,
            httpx.AsyncClient(base_url=other_base, timeout=30) as other_http,
        ):
            token = (await GraphQLClient(first_http).login("front_desk")).token
            other_desk = await GraphQLClient(other_http).login("front_desk")
            # and a subscription on the first
            async with subscription(server.ws_url, token, clinic.location_id) as ws:
                probes = await until_live(ws, other_desk, clinic, patient)
                # when a visit is booked through the second
                visit = await book(
                    other_desk, clinic, patient, clinic.at(days_ahead(clinic, 6), 10)
                )
                # then the first pushes it
                [change] = await changes(ws, 1, probes)
    assert (change["change"], change["appointment"]["id"]) == ("BOOKED", visit["id"])
    assert change["appointment"]["status"] == "BOOKED"


PLACEMENT_CHANGED = """
subscription Changes($location: ID!) {
  scheduleChanged(locationId: $location) {
    change changedFields
    previous {
      __typename
      ... on StatusBefore { status }
      ... on PlacementBefore {
        startsAt endsAt provider { id } location { id } room { id }
      }
    }
    appointment { id startsAt provider { id } room { id } }
  }
}
"""


async def test_previous_is_typed_with_global_ids_and_only_what_moved(server):
    async with (
        runtime_for(server.database_url) as runtime,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        # given two providers and two exam rooms, a front desk subscribed to the location
        clinic = await make_clinic(
            runtime, providers=(None, None), rooms=(("Exam 1", "exam"), ("Exam 2", "exam"))
        )
        _, patient = await make_patient(runtime)
        desk = await GraphQLClient(http).login("front_desk")
        day = days_ahead(clinic, 5)
        visit = await book(desk, clinic, patient, clinic.at(day, 10), "Exam")
        async with subscription(
            server.ws_url, desk.token, clinic.location_id, PLACEMENT_CHANGED
        ) as ws:
            probes = await until_live(ws, desk, clinic, patient)
            # when the visit moves to the other provider and room at the same time, then later
            await succeed(
                desk,
                RESCHEDULE,
                appointmentId=visit["id"],
                startsAt=clinic.at(day, 10).isoformat(),
                providerId=clinic.provider_gid(1),
                roomId=clinic.room_id(1),
            )
            await succeed(
                desk,
                RESCHEDULE,
                appointmentId=visit["id"],
                startsAt=clinic.at(day, 11).isoformat(),
            )
            moved_over, moved_later = await changes(ws, 2, probes)
    # then previous names the old provider and room by global id, and nothing that stayed
    assert moved_over["changedFields"] == ["providerId", "roomId"]
    assert moved_over["previous"] == {
        "__typename": "PlacementBefore",
        "startsAt": None,
        "endsAt": None,
        "provider": {"id": clinic.provider_gid(0)},
        "location": None,
        "room": {"id": clinic.room_id(0)},
    }
    assert moved_over["appointment"]["provider"] == {"id": clinic.provider_gid(1)}
    # and a move in time names the old start and end, in UTC
    assert moved_later["changedFields"] == ["startsAt"]
    assert moved_later["previous"] == {
        "__typename": "PlacementBefore",
        "startsAt": clinic.at(day, 10).astimezone(UTC).isoformat(),
        "endsAt": clinic.at(day, 10, 30).astimezone(UTC).isoformat(),
        "provider": None,
        "location": None,
        "room": None,
    }


async def test_a_subscription_ends_at_its_next_event_once_its_session_has_ended(server):
    async with (
        runtime_for(server.database_url) as runtime,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        # given a front desk session subscribed to a location, and another session booking
        clinic = await make_clinic(runtime)
        _, patient = await make_patient(runtime)
        login = await GraphQLClient(http).data(LOGIN, username="front_desk", password="demo")
        tokens = login["login"]
        other_desk = await GraphQLClient(http).login("front_desk")
        async with subscription(server.ws_url, tokens["accessToken"], clinic.location_id) as ws:
            await until_live(ws, other_desk, clinic, patient)
            # when the subscriber's session logs out, and then a visit is booked there
            out = await GraphQLClient(http).data(LOGOUT, token=tokens["refreshToken"])
            assert out["logout"]["ok"]
            await book(other_desk, clinic, patient, clinic.at(days_ahead(clinic, 7), 10))
            # then the event is refused, not delivered, and the connection is closed
            refused = await receive(ws)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await receive(ws)
    assert (refused["type"], refused["payload"]["data"]) == ("next", None)
    assert [e["extensions"]["code"] for e in refused["payload"]["errors"]] == ["UNAUTHENTICATED"]
    assert closed.value.rcvd.code == 4401
