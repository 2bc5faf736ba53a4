"""Creating and finding staff users, and which roles they hold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.access import store
from app.access.errors import AccessErrorCode
from app.access.service import missing_roles
from app.audit import trail
from app.auth import Authenticator
from app.authz import ALL_ROWS, PATIENT_ROLE, Actor
from app.errors import CommonErrorCode, DomainError, NotFound
from app.users.errors import UserErrorCode
from app.users.models import User, UserRole


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
    if not allow_weak_password:
        check_password(password)
    if await session.scalar(select(User.id).where(User.username == username)):
        raise DomainError(UserErrorCode.USERNAME_TAKEN, f"{username!r} is taken", ["username"])
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


def check_password(password: str, field: str = "password") -> None:
    """The rule every new password meets, staff's and patients' alike."""
    if len(password) < 12:
        raise DomainError(UserErrorCode.WEAK_PASSWORD, "Use at least 12 characters.", [field])


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.scalar(
        select(User).options(selectinload(User.roles)).where(User.id == user_id)
    )


@dataclass(frozen=True)
class StaffName:
    """What a record shows of the staff member behind it (no roles, no password hash)."""

    id: int
    username: str
    full_name: str


async def staff_names(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, StaffName]:
    """Names of the staff behind records (a note's author, a visit's provider), by user id."""
    rows = await session.execute(
        select(User.id, User.username, User.full_name)
        .where(User.id.in_(user_ids))
        .execution_options(**ALL_ROWS)  # a name on a record the caller may read, nothing more
    )
    return {row.id: StaffName(row.id, row.username, row.full_name) for row in rows}


async def set_roles(
    session: AsyncSession, actor: Actor, *, username: str, roles: list[str]
) -> User:
    """Replace the roles a user holds. Refused when it would leave no active admin: nobody could
    change roles or the policy again. They apply from the user's next request: every operation
    reads the roles held now (app/sessions.py), not the token's."""
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
            UserErrorCode.LAST_ADMIN, "No other active user holds admin: grant it first.", ["roles"]
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
            AccessErrorCode.UNKNOWN_ROLE, f"Unknown roles: {unknown or 'none given'}", ["roles"]
        )
    if PATIENT_ROLE in roles and len(set(roles)) > 1:
        # A patient login's row scope is its own patients: staff roles would not widen it.
        raise DomainError(
            CommonErrorCode.INVALID_INPUT, "A patient login holds no other role.", ["roles"]
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
