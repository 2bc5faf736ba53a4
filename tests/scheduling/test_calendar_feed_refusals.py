"""Refused calendar feed fetches are audited and limited per client and per feed path, and an
admin can give a feed a new token so its old URL stops working."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.scheduling.models import Provider
from tests.conftest import make_settings
from tests.fixtures.graphql import CLIENT_ADDRESS, GraphQLClient, asgi_client, error_codes, gid
from tests.fixtures.scheduling import make_clinic
from tests.scheduling.test_calendar_feed import _feed_path

ROTATE = """
mutation ($input: RotateCalendarFeedTokenInput!) {
  rotateCalendarFeedToken(input: $input) {
    provider { id calendarFeedPath }
    userErrors { field code }
  }
}
"""


@asynccontextmanager
async def feed_app(database_url: str, **limits: int) -> AsyncIterator[tuple[Any, GraphQLClient]]:
    """An app whose feed refusals are limited by `limits`, and a client of it."""
    from app.main import create_app

    app = create_app(make_settings(database_url, **limits))
    try:
        async with asgi_client(app) as client:
            yield app, client
    finally:
        await app.state.runtime.close()


@asynccontextmanager
async def from_address(app: Any, host: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app` that the app sees coming from `host`."""
    transport = httpx.ASGITransport(app=app, client=(host, 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def feed_events(runtime: Any) -> list[AuditEvent]:
    async with runtime.sessions() as session:
        stmt = select(AuditEvent).where(AuditEvent.resource_type == "CalendarFeed")
        return list((await session.scalars(stmt.order_by(AuditEvent.seq))).all())


def retry_after(response: httpx.Response, window: int) -> int:
    assert response.status_code == 429, response.status_code
    seconds = int(response.headers["retry-after"])
    assert 1 <= seconds <= window
    return seconds


async def test_a_refused_fetch_is_audited_with_why_and_from_where(runtime, client):
    # given a provider's feed
    clinic = await make_clinic(runtime)
    pk = clinic.provider_pk
    # when it is asked for with a wrong token, no token, and for providers that do not exist
    urls = {
        f"/calendar/{pk}.ics?token=not-the-token": ("wrong token", str(pk)),
        f"/calendar/{pk}.ics": ("wrong token", str(pk)),
        "/calendar/999999.ics?token=x": ("unknown provider", "999999"),
        "/calendar/0.ics?token=x": ("unknown provider", None),
        f"/calendar/{'9' * 80}.ics?token=x": ("unknown provider", None),  # no key is that long
    }
    responses = [await client.http.get(url) for url in urls]
    # then each is not found, and each refusal is in the trail: why, from where, which request
    assert [r.status_code for r in responses] == [404] * len(urls)
    events = await feed_events(runtime)
    assert [
        (e.action, e.outcome, e.resource_id, e.ip, e.request_id, json.loads(e.detail or "{}"))
        for e in events
    ] == [
        (
            "read",
            "denied",
            resource_id,
            CLIENT_ADDRESS[0],
            response.headers["x-request-id"],
            {"reason": why},
        )
        for (why, resource_id), response in zip(urls.values(), responses, strict=True)
    ]


async def test_a_client_past_its_refusal_limit_gets_429_and_stops_filling_the_trail(
    database_url,
):
    # given a feed whose refusals are limited to 3 per client in 10 minutes
    async with feed_app(database_url, calendar_feed_max_refusals=3) as (app, client):
        runtime = app.state.runtime
        clinic = await make_clinic(runtime)
        path = await _feed_path(client, clinic.provider_id)
        wrong = f"/calendar/{clinic.provider_pk}.ics?token=guess"
        # when one client guesses 3 times, then goes on guessing, then uses the right token
        within = [await client.http.get(wrong) for _ in range(3)]
        over = [await client.http.get(wrong) for _ in range(20)]
        right_token = await client.http.get(path)
        # and another client fetches the feed with the right token
        async with from_address(app, "198.51.100.20") as other:
            elsewhere = await other.get(path)
        # then the guesser gets 404 within the limit and 429 after it, the right token too
        assert [r.status_code for r in within] == [404] * 3
        for response in (*over, right_token):
            retry_after(response, 600)
        assert elsewhere.status_code == 200
        # and the trail has its 3 refusals and the one that reached the limit, nothing more
        events = await feed_events(runtime)
        assert [(e.ip, e.outcome) for e in events] == [
            *[(CLIENT_ADDRESS[0], "denied")] * 3,
            (CLIENT_ADDRESS[0], "rate_limited"),
            ("198.51.100.20", "success"),
        ]


async def test_guesses_at_one_feed_from_many_addresses_are_limited_per_feed(database_url):
    # given a feed whose refusals are limited to 3 per feed path
    async with feed_app(database_url, calendar_feed_max_refusals=3) as (app, client):
        runtime = app.state.runtime
        clinic = await make_clinic(runtime)
        path = await _feed_path(client, clinic.provider_id)
        wrong = f"/calendar/{clinic.provider_pk}.ics?token=guess"
        # when six addresses guess once each, and a seventh has the right token
        guesses = []
        for n in range(6):
            async with from_address(app, f"198.51.100.{n + 1}") as guesser:
                guesses.append(await guesser.get(wrong))
        async with from_address(app, "198.51.100.99") as subscriber:
            right = await subscriber.get(path)
        # then after 3 refusals the feed answers wrong tokens with 429, still serves the right one
        assert [r.status_code for r in guesses[:3]] == [404] * 3
        for response in guesses[3:]:
            retry_after(response, 600)
        assert right.status_code == 200
        # and the trail holds 3 refusals and the one that reached the limit
        events = await feed_events(runtime)
        assert [(e.ip, e.outcome) for e in events] == [
            *[(f"198.51.100.{n + 1}", "denied") for n in range(3)],
            ("198.51.100.4", "rate_limited"),
            ("198.51.100.99", "success"),
        ]


async def test_refusals_audited_from_all_clients_together_are_bounded(database_url):
    # given at most 4 audited refusals per window, from everyone
    async with feed_app(database_url, calendar_feed_max_audited_refusals=4) as (app, _):
        runtime = app.state.runtime
        # when ten addresses each ask once for a feed that does not exist
        responses = []
        for n in range(10):
            async with from_address(app, f"192.0.2.{n + 1}") as prober:
                responses.append(await prober.get(f"/calendar/{900_000 + n}.ics?token=x"))
        # then each is refused, and only the first 4 are in the trail
        assert [r.status_code for r in responses] == [404] * 10
        events = await feed_events(runtime)
        assert [(e.ip, e.outcome) for e in events] == [
            (f"192.0.2.{n + 1}", "denied") for n in range(4)
        ]


# a new token ---------------------------------------------------------------------------------
async def test_an_admin_rotates_a_feed_token_and_the_old_url_stops_working(runtime, client):
    # given a provider's feed in use
    clinic = await make_clinic(runtime, providers=(None, None))
    old_path = await _feed_path(client, clinic.provider_id)
    other_path = await _feed_path(client, clinic.provider_gid(1))
    assert (await client.http.get(old_path)).status_code == 200
    admin = await client.login("admin")
    # when the admin gives it a new token
    response = await admin.post(ROTATE, {"input": {"providerId": clinic.provider_id}})
    # then the payload has the new path, which serves the feed, and the old one is refused
    payload = response.json()["data"]["rotateCalendarFeedToken"]
    assert payload["userErrors"] == []
    new_path = payload["provider"]["calendarFeedPath"]
    assert payload["provider"]["id"] == clinic.provider_id
    assert new_path != old_path and new_path.split("?")[0] == old_path.split("?")[0]
    assert new_path == await _feed_path(client, clinic.provider_id)
    assert (await client.http.get(new_path)).status_code == 200
    assert (await client.http.get(old_path)).status_code == 404
    # and the other provider's feed is untouched
    assert await _feed_path(client, clinic.provider_gid(1)) == other_path
    # and the rotation is in the trail, by the admin
    async with runtime.sessions() as session:
        rotations = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "rotate_feed_token")
            )
        ).all()
    assert [
        (e.actor_username, e.resource_type, e.resource_id, e.request_id) for e in rotations
    ] == [("admin", "Provider", str(clinic.provider_pk), response.headers["x-request-id"])]


async def test_only_admins_rotate_a_feed_token_and_only_for_a_provider(runtime, client):
    # given
    clinic = await make_clinic(runtime)
    async with runtime.sessions() as session:
        token = await session.scalar(
            select(Provider.calendar_token).where(Provider.id == clinic.provider_pk)
        )
    desk = await client.login("front_desk")
    admin = await client.login("admin")
    # when the front desk tries, and the admin names no provider
    refused = await desk.execute(ROTATE, input={"providerId": clinic.provider_id})
    not_a_provider = await admin.data(ROTATE, input={"providerId": clinic.location_id})
    no_such = await admin.data(ROTATE, input={"providerId": gid("Provider", 999_999)})
    # then
    assert error_codes(refused) == ["FORBIDDEN"]
    for body in (not_a_provider, no_such):
        assert body["rotateCalendarFeedToken"] == {
            "provider": None,
            "userErrors": [{"field": ["providerId"], "code": "NOT_FOUND"}],
        }
    async with runtime.sessions() as session:
        assert (
            await session.scalar(
                select(Provider.calendar_token).where(Provider.id == clinic.provider_pk)
            )
            == token
        )
