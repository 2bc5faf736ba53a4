"""The second person at a controlled-substance movement (DEA practice: a witness to every
count, waste and transfer of schedule II-V stock).

The witness proves who they are by signing in themselves (login, with their password and the
second factor their role requires, throttled like any sign-in) and handing over the resulting
access token, which this check then spends: it must name an open session of an active user
other than the caller who may consume stock, and that session is ended in the movement's own
transaction, so the token cannot witness twice nor be kept by the caller's client. The witness's
password never passes through inventory code, and a rolled-back movement spends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.authorizer import Authorizer
from app.audit import trail
from app.auth import Authenticator, InvalidToken
from app.authz import ALL_ROWS, Actor, ActorKind
from app.db import utcnow
from app.errors import DomainError
from app.inventory.errors import InventoryErrorCode
from app.sessions import current_actor
from app.users.models import RefreshToken


@dataclass(frozen=True)
class Witnesses:
    authenticator: Authenticator
    authorizer: Authorizer

    async def confirm(self, session: AsyncSession, actor: Actor, token: str) -> int:
        """The witness's user id, their session ended; INVALID_WITNESS otherwise (which of the
        rules failed is not said: the token is a credential)."""
        refused = DomainError(
            InventoryErrorCode.INVALID_WITNESS,
            "The witness token is not a signed-in session of another staff member who may "
            "consume stock.",
            ["witness_token"],
        )
        try:
            bearer = self.authenticator.read_access_token(token)
        except InvalidToken as exc:
            raise refused from exc
        witness = await current_actor(session, bearer, actor.ip)
        if (
            witness is None
            or witness.kind is not ActorKind.STAFF
            or witness.user_id == actor.user_id
            or not self.authorizer.can(witness, "stock", "consume")
        ):
            raise refused
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == bearer.session_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False, **ALL_ROWS)
        )
        trail.record(
            session, replace(witness, request_id=actor.request_id), "witness", "StockMovement"
        )
        return bearer.user_id
