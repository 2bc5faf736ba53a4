"""Admins change roles and their permissions through the API; holders feel it at once."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select

from app.access.models import Role
from app.access.policy import defaults
from app.authz import STAFF_ROLES
from tests.fixtures.access import (
    CATALOG,
    MUTATIONS,
    READ_PATIENTS,
    ROLES,
    audit_events,
    change,
    done,
    stored,
)
from tests.fixtures.graphql import error_codes

ALL_ROLES = {*STAFF_ROLES, "staff", "clinician", "patient"}


async def test_a_granted_permission_reaches_the_role_holder_and_a_revoke_takes_it_back(
    client, runtime
):
    # given an admin, and an inventory manager who may not read patients
    admin = await client.login("admin")
    before = await client.login("inventory_manager")
    assert error_codes(await before.execute(READ_PATIENTS)) == ["FORBIDDEN"]
    # when the admin creates a role, grants it patient read and gives it to the manager
    created = await done(admin, "createRole", name="lab_technician", description="Runs the lab")
    granted = await done(
        admin, "grantPermission", role="lab_technician", resource="patient", action="read"
    )
    assigned = await done(
        admin,
        "setUserRoles",
        username="inventory_manager",
        roles=["inventory_manager", "lab_technician"],
    )
    holder = await client.login("inventory_manager")  # roles travel in the token
    while_granted = await holder.execute(READ_PATIENTS)
    revoked = await done(
        admin, "revokePermission", role="lab_technician", resource="patient", action="read"
    )
    after_revoke = await holder.execute(READ_PATIENTS)
    # then
    assert created["role"] == {
        "name": "lab_technician",
        "description": "Runs the lab",
        "builtin": False,
        "permissions": [],
        "inherits": [],
    }
    assert granted["role"]["permissions"] == [{"resource": "patient", "action": "read"}]
    assert assigned["user"] == {
        "username": "inventory_manager",
        "roles": ["inventory_manager", "lab_technician"],
    }
    assert error_codes(while_granted) == [] and while_granted["data"]["patients"] is not None
    assert revoked["role"]["permissions"] == []
    assert error_codes(after_revoke) == ["FORBIDDEN"]
    # and each change is in the audit trail, by the admin
    events = await audit_events(runtime, "Role", "User")
    changes = [
        (e.action, e.resource_type, json.loads(e.detail or "{}"))
        for e in events
        if e.actor_username == "admin" and e.action != "login"
    ]
    assert changes == [
        ("create", "Role", {"description": "Runs the lab"}),
        ("grant", "Role", {"resource": "patient", "action": "read"}),
        (
            "update",
            "User",
            {"roles": ["inventory_manager", "lab_technician"], "was": ["inventory_manager"]},
        ),
        ("revoke", "Role", {"resource": "patient", "action": "read"}),
    ]
    assert {e.resource_id for e in events if e.resource_type == "Role"} == {"lab_technician"}


async def test_roles_and_the_catalog_show_the_default_policy(client):
    # given
    admin = await client.login("admin")
    # when
    roles = {role["name"]: role for role in (await admin.data(ROLES))["roles"]}
    catalog = (await admin.data(CATALOG))["permissionCatalog"]
    # then every builtin role is there, with its own grants and what it inherits
    assert set(roles) == ALL_ROLES
    assert all(role["builtin"] for role in roles.values())
    assert roles["provider"]["inherits"] == ["clinician", "staff"]
    assert {"resource": "note", "action": "sign"} in roles["clinician"]["permissions"]
    assert {"resource": "access_policy", "action": "write"} in roles["admin"]["permissions"]
    assert roles["patient"] == {
        "name": "patient",
        "description": "Patients using the portal",
        "builtin": True,
        "permissions": [
            {"resource": r, "action": a}
            for r, a in [
                ("appointment", "read"),
                ("me", "read"),
                ("me", "write"),
                ("node", "read"),
                ("patient", "read"),
                ("portal_self", "read"),
            ]
        ],
        "inherits": [],
    }
    assert {(p["resource"], p["action"]) for p in catalog} == defaults().catalog
    assert {"resource": "appointment", "action": "check_in"} in catalog


async def test_only_admins_see_or_change_roles(client, runtime):
    # given every staff role but admin, and an anonymous caller
    callers = {role: await client.login(role) for role in STAFF_ROLES if role != "admin"}
    inputs = {
        "createRole": {"name": "intruder"},
        "grantPermission": {"role": "biller", "resource": "note", "action": "read"},
        "revokePermission": {"role": "biller", "resource": "patient", "action": "read"},
        "deleteRole": {"name": "patient"},
        "setUserRoles": {"username": "biller", "roles": ["admin"]},
    }
    version_before, policy_before = await stored(runtime)
    # when each tries to read and to change the policy
    outcomes = {
        (role, name): error_codes(await caller.execute(document, **variables))
        for role, caller in callers.items()
        for name, (document, variables) in {
            "roles": (ROLES, {}),
            "permissionCatalog": (CATALOG, {}),
            **{m: (MUTATIONS[m], {"input": i}) for m, i in inputs.items()},
        }.items()
    }
    anonymous = {
        m: error_codes(await client.execute(MUTATIONS[m], input=i)) for m, i in inputs.items()
    }
    # then all are refused, and nothing changed
    assert set(map(tuple, outcomes.values())) == {("FORBIDDEN",)}
    assert set(map(tuple, anonymous.values())) == {("UNAUTHENTICATED",)}
    assert await stored(runtime) == (version_before, policy_before)
    assert await audit_events(runtime, "Role") == []


def grant(role: str, resource: str, action: str) -> dict[str, str]:
    return {"role": role, "resource": resource, "action": action}


@pytest.mark.parametrize(
    ("mutation", "input", "field", "code"),
    [
        ("createRole", {"name": "Lab Tech"}, ["name"], "INVALID_ROLE_NAME"),
        ("createRole", {"name": "lab__tech"}, ["name"], "INVALID_ROLE_NAME"),
        ("createRole", {"name": "l" * 33}, ["name"], "INVALID_ROLE_NAME"),
        ("createRole", {"name": "system"}, ["name"], "INVALID_ROLE_NAME"),
        ("createRole", {"name": "nurse"}, ["name"], "ROLE_EXISTS"),
        ("createRole", {"name": "lab", "description": "x" * 201}, ["description"], "INVALID_INPUT"),
        ("grantPermission", grant("ghost", "note", "read"), ["role"], "UNKNOWN_ROLE"),
        ("grantPermission", grant("biller", "patient", "delete"), ["action"], "UNKNOWN_PERMISSION"),
        ("grantPermission", grant("biller", "rocket", "read"), ["resource"], "UNKNOWN_PERMISSION"),
        ("revokePermission", grant("admin", "access_policy", "write"), ["action"], "LOCKOUT"),
        ("revokePermission", grant("provider", "patient", "read"), ["action"], "NOT_GRANTED"),
        ("deleteRole", {"name": "nurse"}, ["name"], "BUILTIN_ROLE"),
        ("deleteRole", {"name": "ghost"}, ["name"], "UNKNOWN_ROLE"),
        ("setUserRoles", {"username": "biller", "roles": ["ghost"]}, ["roles"], "UNKNOWN_ROLE"),
        ("setUserRoles", {"username": "biller", "roles": []}, ["roles"], "UNKNOWN_ROLE"),
        ("setUserRoles", {"username": "nobody", "roles": ["biller"]}, ["username"], "NOT_FOUND"),
        ("setUserRoles", {"username": "admin", "roles": ["biller"]}, ["roles"], "LAST_ADMIN"),
    ],
)  # fmt: skip
async def test_invalid_changes_are_user_errors_and_write_nothing(
    client, runtime, mutation, input, field, code
):
    # given
    admin = await client.login("admin")
    version_before, policy_before = await stored(runtime)
    # when
    payload = await change(admin, mutation, **input)
    # then
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)]
    assert payload.get("role", payload.get("user")) is None and payload.get("ok") in (None, False)
    assert await stored(runtime) == (version_before, policy_before)
    assert await audit_events(runtime, "Role") == []
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Role)) == len(ALL_ROLES)


async def test_a_custom_role_is_deleted_only_once_nobody_holds_it(client, runtime):
    # given a custom role with a grant, held by the biller
    admin = await client.login("admin")
    await done(admin, "createRole", name="claims_reviewer")
    await done(admin, "grantPermission", role="claims_reviewer", resource="note", action="read")
    await done(admin, "setUserRoles", username="biller", roles=["biller", "claims_reviewer"])
    # when the admin deletes it while it is held, then after taking it away
    while_held = await change(admin, "deleteRole", name="claims_reviewer")
    await done(admin, "setUserRoles", username="biller", roles=["biller"])
    deleted = await change(admin, "deleteRole", name="claims_reviewer")
    # then
    assert [e["code"] for e in while_held["userErrors"]] == ["ROLE_IN_USE"]
    assert deleted == {"ok": True, "userErrors": []}
    roles = {role["name"] for role in (await admin.data(ROLES))["roles"]}
    assert roles == ALL_ROLES
    _, policy = await stored(runtime)
    assert not any(role == "claims_reviewer" for role, _, _ in policy.grants)
    deletion = (await audit_events(runtime, "Role"))[-1]
    assert (deletion.action, deletion.resource_id) == ("delete", "claims_reviewer")
    assert json.loads(deletion.detail or "{}") == {"grants": [["note", "read"]]}


async def test_a_second_admin_lets_the_first_step_down(client):
    # given a second admin
    admin = await client.login("admin")
    await done(admin, "setUserRoles", username="compliance_officer", roles=["admin"])
    # when the first gives up admin
    payload = await change(admin, "setUserRoles", username="admin", roles=["biller"])
    # then
    assert payload == {"user": {"username": "admin", "roles": ["biller"]}, "userErrors": []}


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(client):
    # given two admins
    first = await client.login("admin")
    await done(first, "setUserRoles", username="compliance_officer", roles=["admin"])
    second = await client.login("compliance_officer")
    # when each takes admin away from the other at the same time
    payloads = await asyncio.gather(
        change(first, "setUserRoles", username="compliance_officer", roles=["biller"]),
        change(second, "setUserRoles", username="admin", roles=["biller"]),
    )
    # then one change went through and the other found no other admin left
    codes = sorted(e["code"] for p in payloads for e in p["userErrors"])
    assert codes == ["LAST_ADMIN"]
    assert sum(p["user"] is not None for p in payloads) == 1
