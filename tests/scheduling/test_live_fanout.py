"""Many subscribers of one location: an event is read once for all of them (per row scope),
each gets the same change, each read is audited per subscriber, and a subscriber whose session
has ended is refused the event while the others get it."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.audit import trail
from app.audit.models import AuditEvent
from app.runtime import Runtime
from schema import create_schema
from tests.core.test_operation_sessions import websocket_context
from tests.fixtures.graphql import LOGIN, GraphQLClient
from tests.fixtures.scheduling import book, days_ahead, make_clinic, make_patient

SCHEDULE_CHANGED = """
subscription Changes($location: ID!) {
  scheduleChanged(locationId: $location) {
    change appointment { id status startsAt provider { name } patient { familyName } }
  }
}
"""
LOGOUT = "mutation($token: String!) { logout(input: {refreshToken: $token}) { ok } }"
SUBSCRIBERS = 5


class Subscriber:
    """One subscription, run in a task of its own as over a WebSocket (an operation's state
    lives in its task's context); what it is pushed lands in `received`."""

    def __init__(self, runtime: Runtime, token: str, request_id: str, location: str) -> None:
        self.received: asyncio.Queue[Any] = asyncio.Queue()
        self.live = asyncio.Event()
        self._task = asyncio.create_task(self._run(runtime, token, request_id, location))

    async def _run(self, runtime: Runtime, token: str, request_id: str, location: str) -> None:
        stream = await create_schema(runtime.settings).subscribe(
            SCHEDULE_CHANGED,
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


async def read_audits(runtime: Runtime, appointment_pk: int) -> list[str | None]:
    async with runtime.reads() as session:
        rows = await session.scalars(
            select(AuditEvent.request_id).where(
                AuditEvent.action == "read",
                AuditEvent.resource_type == "Appointment",
                AuditEvent.resource_id == str(appointment_pk),
            )
        )
        return sorted(rows)


async def test_subscribers_get_one_reading_of_the_change_each_read_audited(
    runtime, client, monkeypatch
):
    # given five front desk subscribers of one location, all live
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    subscribers = [
        Subscriber(runtime, desk.token, f"fanout-{i:04d}", clinic.location_id)
        for i in range(SUBSCRIBERS)
    ]
    await until_all_live(subscribers, desk, clinic, patient)
    resolved: list[list[Any]] = []
    resolve = runtime.hub._resolve

    async def counted(*args: Any) -> Any:
        rows = await resolve(*args)
        resolved.append(rows)
        return rows

    monkeypatch.setattr(runtime.hub, "_resolve", counted)
    # when one more visit is booked there
    booked = await book(desk, clinic, patient, clinic.at(days_ahead(clinic, 4), 11))
    changes = [await s.change_of(booked["id"]) for s in subscribers]
    for s in subscribers:
        await s.close()
    # then its appointment was read once, every subscriber got the same change,
    pk = int(base64.b64decode(booked["id"]).decode().split(":")[1])
    assert [[row.id for row in rows] for rows in resolved].count([pk]) == 1
    assert [c.errors for c in changes] == [None] * SUBSCRIBERS
    first = changes[0].data["scheduleChanged"]
    assert first["appointment"]["id"] == booked["id"]
    assert all(c.data["scheduleChanged"] == first for c in changes)
    # and each subscriber's read of it is in the audit trail
    expected = [f"fanout-{i:04d}" for i in range(SUBSCRIBERS)]
    assert [r for r in await read_audits(runtime, pk) if r in expected] == expected
    async with runtime.reads() as session:
        assert (await trail.verify(session, runtime.settings)).ok


async def test_a_subscriber_whose_session_ended_is_refused_the_event_others_get_it(runtime, client):
    # given two front desk sessions subscribed to one location, both live
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    login = await GraphQLClient(client.http).data(LOGIN, username="front_desk", password="demo")
    ending = login["login"]
    staying = await client.login("front_desk")
    subscribers = [
        Subscriber(runtime, ending["accessToken"], "ending-0001", clinic.location_id),
        Subscriber(runtime, staying.token, "staying-0001", clinic.location_id),
    ]
    await until_all_live(subscribers, staying, clinic, patient)
    # when the first session logs out, and then a visit is booked there
    out = await GraphQLClient(client.http).data(LOGOUT, token=ending["refreshToken"])
    assert out["logout"]["ok"]
    booked = await book(staying, clinic, patient, clinic.at(days_ahead(clinic, 4), 11))
    refused, delivered = [await s.change_of(booked["id"]) for s in subscribers]
    for s in subscribers:
        await s.close()
    # then the ended session is refused it and the other gets it
    assert refused.data is None
    assert [e.extensions["code"] for e in refused.errors] == ["UNAUTHENTICATED"]
    assert delivered.errors is None
    assert delivered.data["scheduleChanged"]["appointment"]["id"] == booked["id"]
