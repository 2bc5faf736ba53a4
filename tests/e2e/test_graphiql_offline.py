"""GraphiQL in headless Chromium that reaches loopback only, as on an offline clinic network:
the page, its assets, a query and a subscription all come from this server.

On SQLite only: what is tested is the page, and each backend would need a server of its own.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.fixtures.browser import NetworkTrap
from tests.fixtures.graphql import GraphQLClient
from tests.fixtures.scheduling import book, days_ahead, make_clinic, make_patient, runtime_for
from tests.fixtures.server import running_server

PROBE = "cdn.graphiql-probe.invalid"  # .invalid: were the trap to fail, no DNS would answer
WAIT = 30_000  # ms: the most the page may take to render or answer on a busy machine


@dataclass(frozen=True)
class Server:
    database_url: str
    base_url: str


@pytest.fixture(scope="module")
def server(workdir: Path, sqlite_template: Path) -> Iterator[Server]:
    path = workdir / "graphiql_server.db"
    shutil.copy(sqlite_template, path)
    database_url = f"sqlite+aiosqlite:///{path}"
    with running_server(database_url) as base_url:
        yield Server(database_url, base_url)


def record_requests(page: Page) -> list[str]:
    """The URL of every request the page's context makes from now on, WebSockets included."""
    urls: list[str] = []
    page.context.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda websocket: urls.append(websocket.url))
    return urls


async def open_graphiql(page: Page, base_url: str, query: str, headers: dict[str, str]) -> None:
    """GraphiQL with `query` in its editor and `headers` in its Headers pane (the page takes
    both from its URL, as shared links do), once the editor has rendered."""
    params = {"q": query, "headers": json.dumps(headers)}
    await page.goto(f"{base_url}/graphql?{urlencode(params, quote_via=quote)}")
    await expect(page.locator(".graphiql-query-editor .CodeMirror")).to_be_visible(timeout=WAIT)


async def token(base_url: str, username: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base_url) as http:
        user = await GraphQLClient(http).login(username)
    return {"Authorization": f"Bearer {user.token}"}


async def test_a_query_runs_in_graphiql_with_nothing_but_loopback_reachable(
    server: Server, page: Page, network_trap: NetworkTrap
) -> None:
    # given a nurse's token, and a browser whose every request is written down
    headers = await token(server.base_url, "nurse")
    requested = record_requests(page)
    # when GraphiQL is opened and a query run with its Run button
    await open_graphiql(page, server.base_url, "{ me { username roles } }", headers)
    await page.locator(".graphiql-execute-button").click()
    # then the answer shows in the result pane
    await expect(page.locator(".graphiql-response")).to_contain_text(
        '"username": "nurse"', timeout=WAIT
    )
    # and every request the page made went to this server, the assets among them
    assert {urlsplit(url).netloc for url in requested} == {urlsplit(server.base_url).netloc}
    assert any(url.endswith("/graphiql-3.8.3/graphiql.min.js") for url in requested)
    # and a request for any other host is written down too, fails, and ends in the trap
    probe = f"https://{PROBE}/react.js"
    failure = await page.evaluate("url => fetch(url).then(() => 'fetched', e => e.name)", probe)
    assert failure == "TypeError"
    assert requested[-1] == probe
    assert f"{PROBE}:443" in network_trap.requests


async def test_a_subscription_runs_in_graphiql_over_this_servers_websocket(
    server: Server, page: Page
) -> None:
    # given a location with a provider, a patient, and a front desk user
    async with runtime_for(server.database_url) as runtime:
        clinic = await make_clinic(runtime)
        _, patient = await make_patient(runtime)
    headers = await token(server.base_url, "front_desk")
    requested = record_requests(page)
    # when GraphiQL subscribes to the location's changes
    subscription = (
        f'subscription {{ scheduleChanged(locationId: "{clinic.location_id}") '
        "{ change appointment { startsAt } } }"
    )
    await open_graphiql(page, server.base_url, subscription, headers)
    await page.locator(".graphiql-execute-button").click()
    # and visits are booked there, half an hour apart, until one's change shows
    response = page.locator(".graphiql-response")
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=30) as http:
        desk, day = GraphQLClient(http), days_ahead(clinic, 3)
        for attempt in range(16):  # 9:00 to 16:30, within the clinic's hours
            await book(desk, clinic, patient, clinic.at(day, 9) + timedelta(minutes=30 * attempt))
            if "BOOKED" in await response.inner_text():
                break
            await page.wait_for_timeout(500)
    # then it was pushed into the result pane over this server's WebSocket
    await expect(response).to_contain_text('"change": "BOOKED"', timeout=WAIT)
    assert server.base_url.replace("http", "ws", 1) + "/graphql" in requested
