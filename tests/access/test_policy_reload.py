"""Every app instance applies a policy change within `policy_refresh_seconds`, no restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx

from app.access.authorizer import Authorizer
from app.access.policy import Policy
from app.authz import Actor
from app.main import create_app
from app.runtime import Runtime
from tests.conftest import make_settings
from tests.fixtures.access import READ_PATIENTS, done
from tests.fixtures.graphql import GraphQLClient, error_codes

DEADLINE_SECONDS = 10.0  # fifty times the refresh interval below: slow CI, not luck
NURSE = Actor(user_id=1, username="nurse", roles=("nurse",))


@asynccontextmanager
async def serving_instance(database_url: str) -> AsyncIterator[tuple[GraphQLClient, Runtime]]:
    """Another app on the same database, started as a server starts it (its lifespan runs)."""
    app = create_app(make_settings(database_url, policy_refresh_seconds=0.2))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 4711))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://other") as http,
    ):
        yield GraphQLClient(http), app.state.runtime


async def eventually(check: Callable[[], Awaitable[bool]]) -> float:
    """Seconds until `check` holds; fails at the deadline."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < DEADLINE_SECONDS, "the change never arrived"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_another_instance_applies_grants_and_revokes_without_a_restart(client, database_url):
    # given a role held by the inventory manager, and a second instance serving the database
    admin = await client.login("admin")
    await done(admin, "createRole", name="lab_technician")
    await done(
        admin,
        "setUserRoles",
        username="inventory_manager",
        roles=["inventory_manager", "lab_technician"],
    )
    async with serving_instance(database_url) as (other, other_runtime):
        holder = await other.login("inventory_manager")
        refused_first = error_codes(await holder.execute(READ_PATIENTS))

        async def allowed() -> bool:
            return error_codes(await holder.execute(READ_PATIENTS)) == []

        async def refused() -> bool:
            return not await allowed()

        # when the admin grants patient read on the first instance
        await done(
            admin, "grantPermission", role="lab_technician", resource="patient", action="read"
        )
        await eventually(allowed)
        version_granted = other_runtime.authorizer.version
        # and revokes it again
        await done(
            admin, "revokePermission", role="lab_technician", resource="patient", action="read"
        )
        await eventually(refused)
        version_revoked = other_runtime.authorizer.version
    # then the second instance followed both (only its watcher reloads it: nobody changed
    # anything through it)
    assert refused_first == ["FORBIDDEN"]
    assert version_granted is not None and version_revoked == version_granted + 1


async def test_refresh_reloads_only_when_the_version_moved(client, runtime, database_url):
    # given another runtime that has loaded the policy, and its decision memoized
    other = Runtime.build(make_settings(database_url))
    try:
        await other.policy.ensure_loaded()
        before = other.authorizer.can(NURSE, "coverage", "write")
        unchanged = await other.policy.refresh()
        # when an admin grants the nurse coverage write elsewhere
        admin = await client.login("admin")
        await done(admin, "grantPermission", role="nurse", resource="coverage", action="write")
        changed = await other.policy.refresh()
        after = other.authorizer.can(NURSE, "coverage", "write")
        again = await other.policy.refresh()
    finally:
        await other.close()
    # then
    assert (before, unchanged, changed, after, again) == (False, False, True, True, False)
    assert other.authorizer.version == runtime.authorizer.version


def test_an_authorizer_allows_nothing_until_it_has_loaded_a_policy():
    # given
    authorizer = Authorizer()
    admin = Actor(user_id=1, username="admin", roles=("admin",))
    # when
    before = authorizer.can(admin, "patient", "read")
    authorizer.load(Policy(grants=frozenset({("admin", "patient", "read")})), version=7)
    # then
    assert before is False
    assert authorizer.can(admin, "patient", "read") and authorizer.version == 7
    assert authorizer.known("patient", "read") and not authorizer.known("patient", "delete")
