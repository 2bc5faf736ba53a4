"""Password reset by an emailed link, and ending a login's sessions.

`request` answers the same whether or not an account matches (no account enumeration): it only
queues an email when an active login with an address matches, at most `RESETS_PER_HOUR` a login
so nobody can flood an inbox. `reset` spends its link once, sets the password and ends every
session of the login: access tokens are refused from their next request (app/sessions.py).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import trail
from app.auth import Authenticator
from app.authz import Actor
from app.config import Settings
from app.db import utcnow
from app.errors import DomainError
from app.outbox.models import MessageKind
from app.portal import emails
from app.portal.errors import PortalErrorCode
from app.portal.models import PasswordReset
from app.users.models import RefreshToken, User
from app.users.service import check_password

RESETS_PER_HOUR = 3
# A request for an account writes and queues more than one for nobody (about 40 ms more on
# SQLite, `python -m bench.password_reset`): both are answered no sooner than this, so the
# time of the answer does not tell whether the account exists.
ANSWER_AFTER_SECONDS = 0.4
MATCHES = 5  # logins sharing one address (a parent's and a grown child's): each gets its link


async def request(
    session: AsyncSession, settings: Settings, username_or_email: str, caller: Actor
) -> None:
    """Queue a reset link to each active login matching by username or email address."""
    key = username_or_email.strip()
    users = (
        await session.scalars(
            select(User)
            .options(selectinload(User.roles))
            .where(
                or_(User.username == key, User.email == key.lower()),
                User.is_active,
                User.email.is_not(None),
            )
            .order_by(User.id)
            .limit(MATCHES)
        )
    ).all()
    now = utcnow()
    if not users:
        # Audited too (without the name typed, which may be a password typed in the wrong
        # box): a request writes and syncs either way, so its time tells less about the account.
        trail.record(session, caller, "request_password_reset", "User", outcome="no_account")
    for user in users:
        recent = await session.scalar(
            select(func.count())
            .select_from(PasswordReset)
            .where(
                PasswordReset.user_id == user.id,
                PasswordReset.created_at > now - timedelta(hours=1),
            )
        )
        if (recent or 0) >= RESETS_PER_HOUR:
            continue
        token, token_hash = emails.new_token()
        reset_row = PasswordReset(
            user_id=user.id,
            token_hash=token_hash,
            expires_at=now + timedelta(minutes=settings.password_reset_minutes),
        )
        session.add(reset_row)
        await session.flush()
        assert user.email is not None
        emails.enqueue(
            session,
            MessageKind.PASSWORD_RESET,
            user.email,
            emails.password_reset(settings, token, reset_row.expires_at),
            None,
        )
        actor = Actor(user.id, user.username, tuple(user.role_names), caller.ip, caller.request_id)
        trail.record(session, actor, "request_password_reset", "User", user.id)


async def end_sessions(session: AsyncSession, user_id: int) -> None:
    """Revoke every open session of the login: its tokens work no more from the next request."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _invalid() -> DomainError:
    return DomainError(
        PortalErrorCode.INVALID_RESET_TOKEN, "This link does not work: ask for another.", ["token"]
    )


async def reset(
    session: AsyncSession, auth: Authenticator, token: str, new_password: str, caller: Actor
) -> User:
    """Set a new password with a reset link's token, once."""
    now = utcnow()
    found = await session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == emails.token_hash(token))
    )
    if found is None or found.used_at is not None or found.expires_at <= now:
        raise _invalid()
    check_password(new_password, "new_password")
    spent = await session.execute(  # the claim: of two concurrent uses, one wins
        update(PasswordReset)
        .where(PasswordReset.id == found.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(  # the login's other links are spent with it
        update(PasswordReset)
        .where(PasswordReset.user_id == found.user_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    user = await session.scalar(
        select(User).options(selectinload(User.roles)).where(User.id == found.user_id)
    )
    if not spent.rowcount or user is None or not user.is_active:  # type: ignore[attr-defined]
        raise _invalid()
    user.password_hash = auth.hash_password(new_password)
    await end_sessions(session, user.id)
    actor = Actor(user.id, user.username, tuple(user.role_names), caller.ip, caller.request_id)
    trail.record(session, actor, "reset_password", "User", user.id)
    return user
