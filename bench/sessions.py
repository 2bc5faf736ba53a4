"""Benchmark: what asking the database on every operation whom a token speaks for costs.

Times one `current_actor` lookup (its statement, on an open read session) and whole requests
with it, against the same requests served from an in-process cache of the lookup (what a
cache would save at best: every request a hit). Runs on a temporary SQLite database, or on
the PostgreSQL database given as the first argument (migrated and seeded here, so a scratch
one).

    python -m bench.sessions [postgresql+asyncpg://...]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

import schema.context
from app import migrate
from app.config import Settings
from app.main import create_app
from app.seed import seed_demo
from app.sessions import current_actor

LOGIN = 'mutation { login(input: {username: "provider", password: "demo"}) { accessToken } }'
REQUESTS = {
    "{ __typename }": "{ __typename }",
    "me": "{ me { username roles } }",
    "patients (10)": "{ patients(first: 10) { edges { node { mrn familyName } } } }",
}
ROUNDS = 300


async def per_call_us(work: Callable[[], Awaitable[Any]], rounds: int) -> float:
    """The median of `rounds` timings, in microseconds (after a warm-up)."""
    for _ in range(20):
        await work()
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        await work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1e6


async def main(database_url: str | None) -> None:
    url = database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    settings = Settings(
        database_url=url, environment="test", argon2_time_cost=1, argon2_memory_kib=1024
    )
    await asyncio.to_thread(migrate.upgrade, settings)
    app = create_app(settings)
    runtime = app.state.runtime
    await seed_demo(runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        login = await http.post("/graphql", json={"query": LOGIN})
        token = login.json()["data"]["login"]["accessToken"]
        bearer = runtime.authenticator.read_access_token(token)

        async def lookup() -> None:
            async with runtime.reads() as session:
                assert await current_actor(session, bearer, None) is not None

        async def lookup_on_open_session(session: Any) -> None:
            assert await current_actor(session, bearer, None) is not None

        async def select_one(session: Any) -> None:
            await session.execute(text("SELECT 1"))

        async with runtime.reads() as session:
            await session.connection()
            baseline = await per_call_us(lambda: select_one(session), ROUNDS * 3)
            on_open = await per_call_us(lambda: lookup_on_open_session(session), ROUNDS * 3)
        own_session = await per_call_us(lookup, ROUNDS * 3)
        print(f"backend: {runtime.engine.dialect.name}")
        print(f"SELECT 1 on an open session (a round trip):  {baseline:7.0f} us")
        print(f"lookup on the operation's open read session: {on_open:7.0f} us")
        print(f"lookup in a session of its own:              {own_session:7.0f} us")

        headers = {"Authorization": f"Bearer {token}"}

        async def request(query: str) -> None:
            response = await http.post("/graphql", json={"query": query}, headers=headers)
            assert not response.json().get("errors"), response.text

        print(f"\n{'request':<16}{'uncached us':>12}{'cached us':>12}{'lookup share':>14}")
        cache: dict[Any, Any] = {}

        async def cached(session: Any, bearer: Any, ip: Any) -> Any:
            if bearer not in cache:
                cache[bearer] = await current_actor(session, bearer, ip)
            return cache[bearer]

        for name, query in REQUESTS.items():
            # Interleaved, so that the machine's load drifting affects both alike.
            timings: dict[bool, list[float]] = {False: [], True: []}
            for round_ in range(ROUNDS + 20):
                for use_cache in (False, True):
                    schema.context.current_actor = cached if use_cache else current_actor  # type: ignore[assignment]
                    started = time.perf_counter()
                    await request(query)
                    if round_ >= 20:  # after a warm-up
                        timings[use_cache].append(time.perf_counter() - started)
            schema.context.current_actor = current_actor
            uncached_us, cached_us = (statistics.median(timings[c]) * 1e6 for c in (False, True))
            share = (uncached_us - cached_us) / uncached_us
            print(f"{name:<16}{uncached_us:>12.0f}{cached_us:>12.0f}{share:>13.0%}")
    await runtime.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None))
