"""Creating and finding staff users, and which roles they hold."""

from __future__ import annotations

import enum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.access import store
from app.access.service import missing_roles
from app.audit import trail
from app.auth import Authenticator
from app.authz import Actor
from app.errors import DomainError, NotFound
from app.users.models import User, UserRole


class UserError(enum.StrEnum):
    USERNAME_TAKEN = "USERNAME_TAKEN"
    UNKNOWN_ROLE = "UNKNOWN_ROLE"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    LAST_ADMIN = "LAST_ADMIN"


async def create_user(
    session: AsyncSession,
    actor: Actor,
    auth: Authenticator,
    *,
    username: str,
    password: str,
    full_name: str,
    roles: list[str],
    allow_weak_password: bool = False,
) -> User:
    await _check_roles(session, roles)
    if not allow_weak_password and len(password) < 12:
        raise DomainError(UserError.WEAK_PASSWORD, "Use at least 12 characters.", ["password"])
    if await session.scalar(select(User.id).where(User.username == username)):
        raise DomainError(UserError.USERNAME_TAKEN, f"{username!r} is taken", ["username"])
    user = User(
        username=username,
        full_name=full_name,
        password_hash=auth.hash_password(password),
        roles=[UserRole(role=r) for r in sorted(set(roles))],
    )
    session.add(user)
    await session.flush()
    trail.record(session, actor, "create", "User", user.id, detail={"roles": user.role_names})
    return user


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.scalar(
        select(User).options(selectinload(User.roles)).where(User.id == user_id)
    )


async def set_roles(
    session: AsyncSession, actor: Actor, *, username: str, roles: list[str]
) -> User:
    """Replace the roles a user holds. Refused when it would leave no active admin: nobody could
    change roles or the policy again. (A token already issued keeps its roles until it expires.)"""
    await store.begin_change(session)  # first: serializes role changes (as in app.access.service)
    await _check_roles(session, roles)
    user = await session.scalar(
        select(User).options(selectinload(User.roles)).where(User.username == username)
    )
    if user is None:
        raise NotFound("User", ["username"])
    before, after = user.role_names, sorted(set(roles))
    if "admin" in before and "admin" not in after and not await _other_admins(session, user.id):
        raise DomainError(
            UserError.LAST_ADMIN, "No other active user holds admin: grant it first.", ["roles"]
        )
    for held in [r for r in user.roles if r.role not in after]:
        user.roles.remove(held)
    user.roles.extend(UserRole(role=r) for r in after if r not in before)
    await session.flush()
    trail.record(session, actor, "update", "User", user.id, detail={"roles": after, "was": before})
    return user


async def _check_roles(session: AsyncSession, roles: list[str]) -> None:
    unknown = await missing_roles(session, roles)
    if unknown or not roles:
        raise DomainError(
            UserError.UNKNOWN_ROLE, f"Unknown roles: {unknown or 'none given'}", ["roles"]
        )


async def _other_admins(session: AsyncSession, user_id: int) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(UserRole)
            .join(User, User.id == UserRole.user_id)
            .where(UserRole.role == "admin", User.is_active, User.id != user_id)
        )
        or 0
    )
