"""How much longer requestPasswordReset takes for an address that has an account (a link is
written and queued) than for one that has none: the timing an enumerating caller could see.

    python -m bench.password_reset        (SQLite in a temporary directory)
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import httpx

from app.authz import SYSTEM
from app.transaction import unit_of_work
from app.users.service import create_user
from bench._support import interleaved, migrated_app

REQUEST = """
mutation ($u: String!) { requestPasswordReset(input: {usernameOrEmail: $u}) { accepted } }
"""
ROUNDS = 40


async def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        app = await migrated_app(f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}")
        runtime = app.state.runtime
        async with unit_of_work(runtime.sessions) as session:
            for n in range(ROUNDS):
                user = await create_user(
                    session,
                    SYSTEM,
                    runtime.authenticator,
                    username=f"bench.{n}",
                    password="x" * 12,
                    full_name="Bench",
                    roles=["patient"],
                )
                user.email = f"bench.{n}@example.org"
        known = iter(range(ROUNDS))
        unknown = iter(range(ROUNDS))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:

            async def ask(address: str) -> None:
                response = await http.post(
                    "/graphql", json={"query": REQUEST, "variables": {"u": address}}
                )
                assert response.json()["data"]["requestPasswordReset"]["accepted"]

            has, hasnt = await interleaved(
                ROUNDS,
                lambda: ask(f"bench.{next(known)}@example.org"),
                lambda: ask(f"nobody.{next(unknown)}@example.org"),
            )
        await runtime.close()
    print(
        f"median: account {has * 1000:.1f} ms, no account {hasnt * 1000:.1f} ms "
        f"({(has - hasnt) * 1000:+.1f} ms)"
    )


if __name__ == "__main__":
    asyncio.run(main())
