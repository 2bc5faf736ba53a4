"""policies/ is the default: `practice migrate` stores it once, and never again over an admin."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from app import migrate
from app.access.models import Role
from app.access.policy import defaults
from tests.fixtures.access import audit_events, done, stored


async def test_a_migrated_database_holds_the_default_policy(runtime):
    # when
    version, policy = await stored(runtime)
    async with runtime.sessions() as session:
        roles = {role.name: role for role in await session.scalars(select(Role))}
    # then
    assert version == 1
    assert policy == defaults().policy
    assert set(roles) == {role.name for role in defaults().roles}
    assert all(role.builtin for role in roles.values())
    # a portal login holds only reads that its row scope narrows to its own patients
    assert {(res, act) for r, res, act in policy.grants if r == "patient"} == {
        ("portal_self", "read"),
        ("me", "read"),
        ("me", "write"),
        ("node", "read"),
        ("patient", "read"),
        ("appointment", "read"),
    }
    installed = await audit_events(runtime, "access_policy")
    assert [(e.action, e.actor_username) for e in installed] == [("create", "system")]


async def test_migrating_again_does_not_grant_back_what_an_admin_revoked(client, runtime, settings):
    # given an admin revoked a default grant
    admin = await client.login("admin")
    await done(admin, "revokePermission", role="front_desk", resource="coverage", action="write")
    version_before, policy_before = await stored(runtime)
    # when `practice migrate` runs again (a deploy)
    await asyncio.to_thread(migrate.upgrade, settings)
    # then nothing changed
    assert ("front_desk", "coverage", "write") not in policy_before.grants
    assert await stored(runtime) == (version_before, policy_before)
    assert len(await audit_events(runtime, "access_policy")) == 1


def test_every_role_the_default_policy_names_is_a_builtin_role():
    # given
    shipped = defaults()
    # when
    named = {r for r, _, _ in shipped.policy.grants} | {
        r for p in shipped.policy.parents for r in p
    }
    # then (defaults() also refuses to load otherwise)
    assert named <= {role.name for role in shipped.roles}
    assert {("access_policy", "read"), ("access_policy", "write")} <= shipped.catalog
