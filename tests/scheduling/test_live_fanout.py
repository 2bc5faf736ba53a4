"""Many subscribers of one location: an event's document is resolved once per group of identical
subscribers (document, variables, roles, row scope), each gets the same payload, all of them
audited in one event before it leaves; other roles get their own payload, and a subscriber whose
session has ended is refused the event and closed while the others get it."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select

from app.audit import trail
from app.audit.models import AuditEvent
from app.runtime import Runtime
from schema import create_schema
from schema.live_events import SharedEventExecutor
from tests.core.test_operation_sessions import websocket_context
from tests.fixtures.graphql import LOGIN, GraphQLClient
from tests.fixtures.scheduling import book, days_ahead, make_clinic, make_patient, runtime_for
from tests.patients.test_break_glass import REASON, break_glass
from tests.scheduling.test_live_updates import receive, subscription

SCHEDULE_CHANGED = """
subscription Changes($location: ID!) {
  scheduleChanged(locationId: $location) {
    change appointment { id status startsAt provider { name } patient { familyName } }
  }
}
"""
WITH_REASON = """
subscription Changes($location: ID!) {
  scheduleChanged(locationId: $location) { appointment { id reason } }
}
"""
LOGOUT = "mutation($token: String!) { logout(input: {refreshToken: $token}) { ok } }"
SUBSCRIBERS = 5


class Subscriber:
    """One subscription, run in a task of its own as over a WebSocket (an operation's state
    lives in its task's context); what it is pushed lands in `received`."""

    def __init__(
        self,
        runtime: Runtime,
        token: str,
        request_id: str,
        location: str,
        document: str = SCHEDULE_CHANGED,
    ) -> None:
        self.received: asyncio.Queue[Any] = asyncio.Queue()
        self.live = asyncio.Event()
        self._task = asyncio.create_task(self._run(runtime, token, request_id, location, document))

    async def _run(
        self, runtime: Runtime, token: str, request_id: str, location: str, document: str
    ) -> None:
        stream = await create_schema(runtime.settings).subscribe(
            document,
            variable_values={"location": location},
            context_value=websocket_context(runtime, token, request_id),
        )
        async with contextlib.aclosing(stream):
            async for result in stream:
                self.live.set()
                await self.received.put(result)

    async def change_of(self, appointment_id: str) -> Any:
        """The next result about this appointment, or a refusal (the probes' are skipped)."""
        while True:
            result = await asyncio.wait_for(self.received.get(), 30)
            if result.data is None:
                return result
            if result.data["scheduleChanged"]["appointment"]["id"] == appointment_id:
                return result

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def until_all_live(subscribers: list[Subscriber], desk: GraphQLClient, clinic, patient):
    """Book until every subscriber has been pushed a change (each listens once it runs)."""
    for attempt in range(16):
        starts = clinic.at(days_ahead(clinic, 3), 9) + timedelta(minutes=30 * attempt)
        await book(desk, clinic, patient, starts)
        waits = {asyncio.create_task(s.live.wait()) for s in subscribers}
        _, pending = await asyncio.wait(waits, timeout=1)
        for task in pending:
            task.cancel()
        if not pending:
            return
    raise AssertionError("not every subscription went live")


def pk_of(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])


def counted_resolutions(monkeypatch) -> list[tuple[int, tuple[str, ...]]]:
    """Each resolution of a subscription event's document: its appointment, and as whom."""
    resolutions: list[tuple[int, tuple[str, ...]]] = []
    resolve_as = SharedEventExecutor._resolve_as

    async def counted(self: SharedEventExecutor, actor: Any, serially: Any) -> Any:
        resolutions.append((self.root_value.row.id, actor.roles))
        return await resolve_as(self, actor, serially)

    monkeypatch.setattr(SharedEventExecutor, "_resolve_as", counted)
    return resolutions


async def appointment_reads(runtime: Runtime, appointment_pk: int) -> list[AuditEvent]:
    """The audit events of reads of the appointment (alone or among others)."""
    async with runtime.reads() as session:
        rows = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "read", AuditEvent.resource_type == "Appointment")
            .order_by(AuditEvent.seq)
        )
        return [e for e in rows if str(appointment_pk) in json.loads(e.resource_ids or "[]")]


async def test_identical_subscribers_share_one_resolution_audited_in_one_event(
    runtime, client, monkeypatch
):
    # given five subscriptions of one front desk session to one location, all live
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    subscribers = [
        Subscriber(runtime, desk.token, f"fanout-{i:04d}", clinic.location_id)
        for i in range(SUBSCRIBERS)
    ]
    await until_all_live(subscribers, desk, clinic, patient)
    resolutions = counted_resolutions(monkeypatch)
    # when one more visit is booked there
    booked = await book(desk, clinic, patient, clinic.at(days_ahead(clinic, 4), 11))
    pk = pk_of(booked["id"])
    first = await subscribers[0].change_of(booked["id"])
    # then by the time the first payload arrives, one audit event lists every recipient
    [audited] = await appointment_reads(runtime, pk)
    expected = [f"fanout-{i:04d}" for i in range(SUBSCRIBERS)]
    assert json.loads(audited.detail or "{}") == {"requests": expected}
    assert (audited.actor_username, audited.request_id) == ("front_desk", None)
    changes = [first] + [await s.change_of(booked["id"]) for s in subscribers[1:]]
    for s in subscribers:
        await s.close()
    # and the document was resolved once for all, every subscriber getting the same payload
    assert [r for r in resolutions if r[0] == pk] == [(pk, ("front_desk",))]
    assert [c.errors for c in changes] == [None] * SUBSCRIBERS
    assert changes[0].data["scheduleChanged"]["appointment"]["id"] == booked["id"]
    assert all(c.data == changes[0].data for c in changes)
    async with runtime.reads() as session:
        assert (await trail.verify(session, runtime.settings)).ok


async def test_subscribers_of_other_roles_get_their_own_payload(runtime, client, monkeypatch):
    # given a front desk and a biller subscribed, selecting the visit's reason (detail the
    # biller may not read)
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    biller = await client.login("biller")
    subscribers = [
        Subscriber(runtime, desk.token, "roles-desk", clinic.location_id, WITH_REASON),
        Subscriber(runtime, biller.token, "roles-biller", clinic.location_id, WITH_REASON),
    ]
    await until_all_live(subscribers, desk, clinic, patient)
    resolutions = counted_resolutions(monkeypatch)
    # when a visit is booked there
    booked = await book(desk, clinic, patient, clinic.at(days_ahead(clinic, 4), 11))
    for_desk, for_biller = [await s.change_of(booked["id"]) for s in subscribers]
    for s in subscribers:
        await s.close()
    # then each role's payload was resolved on its own: the biller is refused the reason
    pk = pk_of(booked["id"])
    assert sorted(r for r in resolutions if r[0] == pk) == [
        (pk, ("biller",)),
        (pk, ("front_desk",)),
    ]
    assert for_desk.errors is None
    assert for_desk.data["scheduleChanged"]["appointment"] == {"id": booked["id"], "reason": None}
    assert [e.extensions["code"] for e in for_biller.errors] == ["FORBIDDEN"]
    assert for_biller.errors[0].path == ["scheduleChanged", "appointment", "reason"]
    assert for_biller.data["scheduleChanged"]["appointment"] == {
        "id": booked["id"],
        "reason": None,
    }
    # and each read, and the biller's refusal, is audited as its own
    async with runtime.reads() as session:
        rows = await session.execute(
            select(AuditEvent.request_id, AuditEvent.action, AuditEvent.outcome).where(
                AuditEvent.request_id.in_(["roles-desk", "roles-biller"]),
                AuditEvent.resource_type.in_(["Appointment", "Appointment.reason"]),
                AuditEvent.seq > 0,
            )
        )
        audited = {tuple(row) for row in rows}
    assert {
        ("roles-desk", "read", "success"),
        ("roles-biller", "read", "success"),
        ("roles-biller", "read", "denied"),
    } <= audited


async def until_sockets_live(sockets: list[Any], desk: GraphQLClient, clinic, patient) -> None:
    """Book until every socket has been pushed a change; drains what the probes sent."""
    pending = set(range(len(sockets)))
    for attempt in range(16):
        starts = clinic.at(days_ahead(clinic, 20), 9) + timedelta(minutes=30 * attempt)
        await book(desk, clinic, patient, starts)
        for index in sorted(pending):
            with contextlib.suppress(TimeoutError):
                message = await receive(sockets[index], wait=0.5)
                assert message["type"] == "next", message
                pending.discard(index)
        if not pending:
            break
    assert not pending, "not every subscription went live"
    for ws in sockets:  # the later probes' events
        with contextlib.suppress(TimeoutError):
            while True:
                await receive(ws, wait=0.5)


async def test_an_ended_session_among_live_ones_is_refused_and_closed_the_rest_get_it(server):
    async with (
        runtime_for(server.database_url) as runtime,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        # given three front desk subscriptions to one location, one of a session about to end
        clinic = await make_clinic(runtime)
        _, patient = await make_patient(runtime)
        ending = (await GraphQLClient(http).data(LOGIN, username="front_desk", password="demo"))[
            "login"
        ]
        staying = await GraphQLClient(http).login("front_desk")
        other = await GraphQLClient(http).login("front_desk")
        async with (
            subscription(server.ws_url, ending["accessToken"], clinic.location_id) as gone,
            subscription(server.ws_url, staying.token, clinic.location_id) as first,
            subscription(server.ws_url, other.token, clinic.location_id) as second,
        ):
            await until_sockets_live([gone, first, second], staying, clinic, patient)
            # when the first session logs out, and then a visit is booked there
            out = await GraphQLClient(http).data(LOGOUT, token=ending["refreshToken"])
            assert out["logout"]["ok"]
            booked = await book(staying, clinic, patient, clinic.at(days_ahead(clinic, 4), 11))
            # then the ended session is refused it and closed (4401), the others get it
            refused = await receive(gone)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await receive(gone)
            delivered = [await receive(first), await receive(second)]
    assert (refused["type"], refused["payload"]["data"]) == ("next", None)
    assert [e["extensions"]["code"] for e in refused["payload"]["errors"]] == ["UNAUTHENTICATED"]
    assert closed.value.rcvd.code == 4401
    for message in delivered:
        assert message["payload"].get("errors") is None
        assert message["payload"]["data"]["scheduleChanged"]["appointment"]["id"] == booked["id"]


WITH_NOTES = """
subscription Changes($location: ID!) {
  scheduleChanged(locationId: $location) { appointment { id patient { notes { id } } } }
}
"""


async def test_a_break_glass_grant_opens_nothing_in_a_shared_payload(runtime, client):
    # given a front desk user holding a break-glass grant for the patient, subscribed to
    # changes selecting the patient's clinical notes (which only the grant would open)
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    granted = await break_glass(desk, patient, REASON)
    assert granted["userErrors"] == []
    subscriber = Subscriber(runtime, desk.token, "glass-0001", clinic.location_id, WITH_NOTES)
    await until_all_live([subscriber], desk, clinic, patient)
    # when a visit is booked there
    booked = await book(desk, clinic, patient, clinic.at(days_ahead(clinic, 4), 11))
    change = await subscriber.change_of(booked["id"])
    await subscriber.close()
    # then the notes are refused in the payload, which another user of the role may share
    assert [e.extensions["code"] for e in change.errors] == ["FORBIDDEN"]
    assert change.errors[0].path == ["scheduleChanged", "appointment", "patient", "notes"]
