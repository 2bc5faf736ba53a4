"""Creating and finding staff users."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import trail
from app.auth import Authenticator
from app.authz import ALL_ROWS, PATIENT_ROLE, STAFF_ROLES, Actor
from app.errors import CommonErrorCode, DomainError
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
    unknown = sorted(set(roles) - {*STAFF_ROLES, PATIENT_ROLE})
    if unknown or not roles:
        raise DomainError(
            UserErrorCode.UNKNOWN_ROLE, f"Unknown roles: {unknown or 'none given'}", ["roles"]
        )
    if PATIENT_ROLE in roles and len(set(roles)) > 1:
        # A patient login's row scope is its own patients: staff roles would not widen it.
        raise DomainError(
            CommonErrorCode.INVALID_INPUT, "A patient login holds no other role.", ["roles"]
        )
    if not allow_weak_password and len(password) < 12:
        raise DomainError(UserErrorCode.WEAK_PASSWORD, "Use at least 12 characters.", ["password"])
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
