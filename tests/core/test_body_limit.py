"""A request body over the limit is refused with 413 before it is parsed (issue: bounded work
for everyone); bodies within it are served as before."""

from __future__ import annotations

from collections.abc import AsyncIterator

from app.config import Settings
from tests.conftest import make_settings
from tests.fixtures.graphql import GraphQLClient, app_for

SIXTEEN_MB = 16 * 1024 * 1024


async def test_a_16_mb_body_is_refused_with_413_before_it_is_parsed(client: GraphQLClient):
    # given a body of 16 MB that is not even JSON (a parser would fail on it with a 400)
    body = b"{" * SIXTEEN_MB
    # when it is posted
    response = await client.http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    # then it is refused for its size, with a code the client can act on
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_streamed_body_that_grows_past_the_limit_is_refused(database_url: str):
    # given a small limit, and a body sent in chunks with no declared length
    settings: Settings = make_settings(database_url, max_body_bytes=10_000)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 1_000

    async with app_for(settings) as (client, _):
        # when it is posted
        response = await client.http.post(
            "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
        )
        # then it is refused once it passes the limit
        assert response.status_code == 413
        # and a body within the limit is served
        ok = await client.http.post("/graphql", json={"query": "{ __typename }"})
        assert ok.status_code == 200 and ok.json() == {"data": {"__typename": "Query"}}
