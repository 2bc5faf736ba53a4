"""The stored policy as a whole: its version, reading it, and installing the defaults."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.models import POLICY_VERSION, Role, RoleParent, RolePermission
from app.access.policy import Policy, defaults
from app.audit import trail
from app.authz import Actor
from app.counters import Counter, next_value


async def version(session: AsyncSession) -> int | None:
    """0 until the defaults are installed; None before the migration that stores the policy."""
    return await session.scalar(select(Counter.value).where(Counter.name == POLICY_VERSION))


async def begin_change(session: AsyncSession) -> int:
    """Every change to the policy, or to who holds a role, calls this first in its transaction:
    the version moves (every process reloads), and the counter's row lock serializes such
    changes across instances until commit (SQLite serializes all writers anyway)."""
    return await next_value(session, POLICY_VERSION)


async def read_policy(session: AsyncSession) -> Policy:
    grants = await session.execute(
        select(RolePermission.role, RolePermission.resource, RolePermission.action)
    )
    parents = await session.execute(select(RoleParent.role, RoleParent.parent))
    return Policy(
        grants=frozenset((r, res, act) for r, res, act in grants.all()),
        parents=frozenset((r, parent) for r, parent in parents.all()),
    )


async def install_defaults(session: AsyncSession, actor: Actor) -> bool:
    """Load policies/ into a database that never held a policy; whether it did.

    Only once: after that the version is above 0 whatever admins revoke, so a revoked default
    is never granted again. (Defaults added to policies/ later reach existing databases through
    a migration.)
    """
    if await version(session) != 0:
        return False
    await begin_change(session)
    shipped = defaults()
    session.add_all(
        Role(name=r.name, description=r.description, builtin=True) for r in shipped.roles
    )
    await session.flush()
    session.add_all(
        RolePermission(role=r, resource=res, action=act) for r, res, act in shipped.policy.grants
    )
    session.add_all(RoleParent(role=r, parent=parent) for r, parent in shipped.policy.parents)
    await session.flush()
    trail.record(
        session,
        actor,
        "create",
        "access_policy",
        detail={
            "source": "policies/",
            "roles": len(shipped.roles),
            "grants": len(shipped.policy.grants),
            "parents": len(shipped.policy.parents),
        },
    )
    return True
