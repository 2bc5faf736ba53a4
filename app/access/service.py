"""Changing roles and their permissions.

Each change starts with `store.begin_change` (the version moves, so every process reloads its
policy) and is audited, all in the caller's transaction: a refused change writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.access import store
from app.access.errors import AccessErrorCode
from app.access.models import Role, RolePermission
from app.access.policy import Permission, Policy, defaults
from app.audit import trail
from app.authz import SYSTEM, Actor
from app.errors import DomainError
from app.users.models import UserRole

ROLE_NAME = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
ROLE_NAME_MAX = 32  # user_roles.role
# Without it no admin could change the policy again, this one rule included.
LOCKOUT_GRANT = ("admin", "access_policy", "write")


@dataclass(frozen=True)
class RoleRules:
    """A role with the rules stored for it (not those it inherits through its parents)."""

    role: Role
    grants: list[Permission]
    parents: list[str]


def catalog() -> list[Permission]:
    return sorted(defaults().catalog)


async def list_roles(session: AsyncSession) -> list[RoleRules]:
    roles = (await session.scalars(select(Role).order_by(Role.name))).all()
    policy = await store.read_policy(session)
    return [_rules_of(role, policy) for role in roles]


async def missing_roles(session: AsyncSession, names: Iterable[str]) -> list[str]:
    """The names that are no role. The others stay locked (FOR SHARE) until commit, so a
    concurrent `delete_role` waits and then sees them held."""
    wanted = set(names)
    found = await session.scalars(
        select(Role.name).where(Role.name.in_(wanted)).with_for_update(read=True)
    )
    return sorted(wanted - set(found))


async def create_role(
    session: AsyncSession, actor: Actor, *, name: str, description: str
) -> RoleRules:
    _check_name(name)
    await store.begin_change(session)
    if await session.get(Role, name) is not None:
        raise DomainError(AccessErrorCode.ROLE_EXISTS, f"The role {name!r} exists.", ["name"])
    role = Role(name=name, description=description.strip(), builtin=False)
    session.add(role)
    await session.flush()
    trail.record(session, actor, "create", "Role", name, detail={"description": role.description})
    return RoleRules(role, [], [])


async def grant_permission(
    session: AsyncSession, actor: Actor, *, role: str, resource: str, action: str
) -> RoleRules:
    """Granting what the role holds already changes nothing (and records nothing)."""
    _check_permission(resource, action)
    await store.begin_change(session)
    found = await _role(session, role, "role")
    if await session.get(RolePermission, (role, resource, action)) is None:
        session.add(RolePermission(role=role, resource=resource, action=action))
        await session.flush()
        trail.record(
            session, actor, "grant", "Role", role, detail={"resource": resource, "action": action}
        )
    return await _stored_rules(session, found)


async def revoke_permission(
    session: AsyncSession, actor: Actor, *, role: str, resource: str, action: str
) -> RoleRules:
    """Only a grant of the role itself can be revoked: one it inherits is refused (NOT_GRANTED)
    rather than silently left in force."""
    _check_permission(resource, action)
    if (role, resource, action) == LOCKOUT_GRANT:
        raise DomainError(
            AccessErrorCode.LOCKOUT,
            "Admins keep access_policy write: without it nobody could change the policy.",
            ["action"],
        )
    await store.begin_change(session)
    found = await _role(session, role, "role")
    grant = await session.get(RolePermission, (role, resource, action))
    if grant is None:
        raise DomainError(
            AccessErrorCode.NOT_GRANTED,
            f"{role} holds no {action} on {resource} of its own (see its parents).",
            ["action"],
        )
    await session.delete(grant)
    await session.flush()
    trail.record(
        session, actor, "revoke", "Role", role, detail={"resource": resource, "action": action}
    )
    return await _stored_rules(session, found)


async def delete_role(session: AsyncSession, actor: Actor, *, name: str) -> None:
    await store.begin_change(session)
    role = await _role(session, name, "name", lock=True)
    if role.builtin:
        raise DomainError(AccessErrorCode.BUILTIN_ROLE, f"{name} is built in.", ["name"])
    holders = await session.scalar(
        select(func.count()).select_from(UserRole).where(UserRole.role == name)
    )
    if holders:
        raise DomainError(
            AccessErrorCode.ROLE_IN_USE,
            f"{holders} user(s) hold {name}: take it away first.",
            ["name"],
        )
    rules = await _stored_rules(session, role)
    await session.delete(role)  # its grants and parents go with it (ON DELETE CASCADE)
    await session.flush()
    trail.record(
        session, actor, "delete", "Role", name, detail={"grants": [list(g) for g in rules.grants]}
    )


def _check_name(name: str) -> None:
    if len(name) > ROLE_NAME_MAX or not ROLE_NAME.fullmatch(name):
        raise DomainError(
            AccessErrorCode.INVALID_ROLE_NAME,
            f"Use lowercase letters, digits and single underscores, at most {ROLE_NAME_MAX} "
            "characters, starting with a letter (e.g. lab_technician).",
            ["name"],
        )
    if name in SYSTEM.roles:
        raise DomainError(
            AccessErrorCode.INVALID_ROLE_NAME, f"{name!r} is reserved for the system.", ["name"]
        )


def _check_permission(resource: str, action: str) -> None:
    if (resource, action) not in defaults().catalog:
        known_resource = any(r == resource for r, _ in defaults().catalog)
        raise DomainError(
            AccessErrorCode.UNKNOWN_PERMISSION,
            f"No permission {action} on {resource}: see permissionCatalog.",
            ["action" if known_resource else "resource"],
        )


async def _role(session: AsyncSession, name: str, field: str, *, lock: bool = False) -> Role:
    role = await session.get(Role, name, with_for_update=lock)
    if role is None:
        raise DomainError(AccessErrorCode.UNKNOWN_ROLE, f"No role {name!r}.", [field])
    return role


async def _stored_rules(session: AsyncSession, role: Role) -> RoleRules:
    return _rules_of(role, await store.read_policy(session))


def _rules_of(role: Role, policy: Policy) -> RoleRules:
    return RoleRules(
        role=role,
        grants=sorted((res, act) for r, res, act in policy.grants if r == role.name),
        parents=sorted(parent for r, parent in policy.parents if r == role.name),
    )
