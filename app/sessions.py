"""Whom an access token speaks for now.

A signed token only says which user and which session (refresh-token family) it was issued
to. Every operation asks the database again (`current_actor`): the session must still be open
(not ended by logout or a refresh-token replay, not past its maximum age), the user must
exist, be active and not locked, and the roles are the ones the user holds now. So ending a
session, deactivating or locking a user, or taking a role away takes effect on the very next
request, in every process, with nothing cached to go stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.authz import ALL_ROWS, Actor
from app.db import utcnow
from app.users.models import RefreshToken, User, UserRole


@dataclass(frozen=True)
class Bearer:
    """What a validly signed access token claims: its user, its session, when it expires."""

    user_id: int
    session_id: str
    expires_at: datetime


async def current_actor(session: AsyncSession, bearer: Bearer, ip: str | None) -> Actor | None:
    """The actor for `bearer` as the database has it now; None when it speaks for nobody.

    One statement: the user with each role it holds (a row per role) and, alongside, when the
    token's session ends (null when it has no open token: revoked, or another user's).
    """
    now = utcnow()
    # The session's own tokens only (its family_id index), and null unless they are this user's.
    this_users = case((RefreshToken.user_id == bearer.user_id, RefreshToken.session_expires_at))
    session_ends = (
        select(func.min(this_users))
        .where(RefreshToken.family_id == bearer.session_id, RefreshToken.revoked_at.is_(None))
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(
                User.username,
                User.is_active,
                User.locked_until,
                session_ends.label("session_ends"),
                UserRole.role,
            )
            .outerjoin(UserRole, UserRole.user_id == User.id)
            .where(User.id == bearer.user_id)
            # The caller's own account: read whatever rows the caller may otherwise see.
            .execution_options(**ALL_ROWS)
        )
    ).all()
    if not rows:
        return None
    first = rows[0]
    if not first.is_active or (first.locked_until is not None and first.locked_until > now):
        return None
    if first.session_ends is None or first.session_ends <= now:
        return None
    roles = tuple(sorted(row.role for row in rows if row.role is not None))
    return Actor(user_id=bearer.user_id, username=first.username, roles=roles, ip=ip)


async def current_actors(
    session: AsyncSession, callers: list[tuple[Bearer, str | None]]
) -> list[Actor | None]:
    """`current_actor` for many bearers (the recipients of one live event) in one statement:
    each user with each role it holds and, per session asked for, when it ends."""
    now = utcnow()
    families = {bearer.session_id for bearer, _ in callers}
    ends = (
        select(
            RefreshToken.family_id,
            RefreshToken.user_id,
            func.min(RefreshToken.session_expires_at).label("session_ends"),
        )
        .where(RefreshToken.family_id.in_(families), RefreshToken.revoked_at.is_(None))
        .group_by(RefreshToken.family_id, RefreshToken.user_id)
        .subquery()
    )
    rows = (
        await session.execute(
            select(
                User.id,
                User.username,
                User.is_active,
                User.locked_until,
                ends.c.family_id,
                ends.c.session_ends,
                UserRole.role,
            )
            .outerjoin(UserRole, UserRole.user_id == User.id)
            .outerjoin(ends, ends.c.user_id == User.id)
            .where(User.id.in_({bearer.user_id for bearer, _ in callers}))
            .execution_options(**ALL_ROWS)
        )
    ).all()
    users: dict[int, list[Any]] = {}
    for row in rows:
        users.setdefault(row.id, []).append(row)
    return [_actor(users.get(bearer.user_id, []), bearer, ip, now) for bearer, ip in callers]


def _actor(rows: list[Any], bearer: Bearer, ip: str | None, now: datetime) -> Actor | None:
    if not rows:
        return None
    first = rows[0]
    if not first.is_active or (first.locked_until is not None and first.locked_until > now):
        return None
    ends = [r.session_ends for r in rows if r.family_id == bearer.session_id]
    if not ends or ends[0] is None or ends[0] <= now:
        return None
    roles = tuple(sorted({row.role for row in rows if row.role is not None}))
    return Actor(user_id=bearer.user_id, username=first.username, roles=roles, ip=ip)
