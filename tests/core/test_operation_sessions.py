"""How an operation uses the database: its reads run beside writes (on SQLite they never take
the write lock), a streamed result leaves only once its reads are audited, and an operation
cut short gives its connection back."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from starlette.requests import HTTPConnection

import schema.users.schema as user_schema
from app.audit.models import AuditEvent
from app.runtime import Runtime
from app.users.models import User
from schema import create_schema
from schema.context import Context
from tests.conftest import make_settings
from tests.fixtures.graphql import app_for
from tests.fixtures.patients import create_patient
from tests.fixtures.scheduling import book, days_ahead, make_clinic, make_patient

ME = "{ me { username } }"
SCHEDULE_CHANGED = """
subscription Changes($location: ID!) {
  scheduleChanged(locationId: $location) { change appointment { id status } }
}
"""
CLIENT = ("203.0.113.7", 4711)


@pytest.fixture
def paused_me(monkeypatch):
    """`me` pauses after its SELECT, its read transaction open, until `release` is set."""
    reading, release = asyncio.Event(), asyncio.Event()
    get_user = user_schema.get_user

    async def get_user_then_wait(session, user_id):
        user = await get_user(session, user_id)
        reading.set()
        await release.wait()
        return user

    monkeypatch.setattr(user_schema, "get_user", get_user_then_wait)
    return reading, release


def websocket_context(runtime: Runtime, token: str, request_id: str) -> Context:
    """The context of an operation over a WebSocket connection, run here without a socket."""
    connection = HTTPConnection(
        {
            "type": "websocket",
            "path": "/graphql",
            "headers": [],
            "client": CLIENT,
            "state": {"request_id": request_id},
        }
    )
    return Context(runtime, connection, runtime.authenticator.read_access_token(token))


async def audited(runtime: Runtime, request_id: str) -> list[tuple[str, str, str]]:
    async with runtime.reads() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.resource_type, AuditEvent.outcome)
            .where(AuditEvent.request_id == request_id)
            .order_by(AuditEvent.seq)
        )
        return [tuple(row) for row in rows]


async def test_a_mutation_completes_while_a_query_holds_its_read_open(database_url, paused_me):
    reading, release = paused_me
    # given a short busy timeout, and a query that has read and holds its transaction open
    settings = make_settings(database_url, sqlite_busy_timeout_ms=2000)
    async with app_for(settings) as (client, _):
        nurse = await client.login("nurse")
        desk = await client.login("front_desk")
        query = asyncio.create_task(nurse.execute(ME))
        await asyncio.wait_for(reading.wait(), 30)
        # when a patient is registered meanwhile
        patient = await create_patient(desk, familyName="Beside")
        # then the write went through (it did not wait for the read), and the read ends well
        release.set()
        body = await query
    assert patient["familyName"] == "Beside"
    assert body == {"data": {"me": {"username": "nurse"}}}


async def test_a_write_through_a_read_session_fails(runtime):
    # given a read session
    async with runtime.reads() as session:
        # when it tries to write, then the database refuses
        with pytest.raises(DBAPIError):
            await session.execute(update(User).values(full_name="Changed Unseen"))


async def test_an_operation_cut_short_mid_read_gives_its_connection_back(
    runtime, client, paused_me
):
    reading, _ = paused_me
    # given an operation over a WebSocket that has read and holds its transaction open
    nurse = await client.login("nurse")
    context = websocket_context(runtime, nurse.token, "cut-short-0001")
    stream = await create_schema(runtime.settings).stream(ME, context_value=context)
    result = asyncio.create_task(anext(stream))
    await asyncio.wait_for(reading.wait(), 30)
    assert runtime.engine.pool.checkedout() == 1
    # when the client goes away (its task is cancelled)
    result.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await result
    # then no connection is left checked out, holding a transaction open
    assert runtime.engine.pool.checkedout() == 0


async def test_a_pushed_change_leaves_only_once_its_reads_are_audited(runtime, client):
    # given a front desk subscribed to a location's changes
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    context = websocket_context(runtime, desk.token, "subscriber-0001")
    stream = await create_schema(runtime.settings).subscribe(
        SCHEDULE_CHANGED, variable_values={"location": clinic.location_id}, context_value=context
    )
    pushed = asyncio.create_task(anext(stream))
    # when visits are booked there, until one is pushed (the subscription starts listening
    # only once it runs)
    for attempt in range(16):
        starts = clinic.at(days_ahead(clinic, 3), 9) + timedelta(minutes=30 * attempt)
        await book(desk, clinic, patient, starts)
        done, _ = await asyncio.wait({pushed}, timeout=0.5)
        if done:
            break
    change = pushed.result()
    # then by the time the change is handed over, the subscriber's read of it is in the trail
    reads = await audited(runtime, "subscriber-0001")
    await stream.aclose()
    assert change.errors is None
    assert change.data["scheduleChanged"]["change"] == "BOOKED"
    assert ("read", "Appointment", "success") in reads


async def test_a_refused_subscription_is_audited_before_its_error_leaves(runtime, client):
    # given a role that may not read appointments
    stock = await client.login("inventory_manager")
    context = websocket_context(runtime, stock.token, "refused-0001")
    # when it subscribes to a location's changes
    stream = await create_schema(runtime.settings).subscribe(
        SCHEDULE_CHANGED, variable_values={"location": "TG9jYXRpb246MQ=="}, context_value=context
    )
    refusal = await anext(stream)
    # then, by the time the refusal is handed over (the transport closes the stream after it),
    # the refusal is in the trail
    denied = await audited(runtime, "refused-0001")
    await stream.aclose()
    assert [e.extensions["code"] for e in refusal.errors] == ["FORBIDDEN"]
    assert denied == [("read", "appointment", "denied")]


async def test_an_unexpected_error_over_a_websocket_leaves_masked(runtime, client, monkeypatch):
    # given a query that fails unexpectedly, with patient data in its message
    async def fails(session, user_id):
        raise RuntimeError("Jane Roe, 123-45-6789")

    monkeypatch.setattr(user_schema, "get_user", fails)
    nurse = await client.login("nurse")
    context = websocket_context(runtime, nurse.token, "masked-0001")
    # when it runs over a WebSocket
    stream = await create_schema(runtime.settings).stream(ME, context_value=context)
    result = await anext(stream)
    await stream.aclose()
    # then what is handed to the transport says no more than that, and which request it was
    [error] = result.errors
    assert error.message == "Internal server error."
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR", "requestId": "masked-0001"}
