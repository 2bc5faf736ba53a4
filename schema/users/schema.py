"""login, refreshToken, me, and which roles a user holds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.auth import AuthResult
from app.authz import unscoped
from app.users.service import get_user, set_roles
from schema.context import Context
from schema.errors import UserError, run_mutation, run_public_mutation, to_user_errors
from schema.permissions import Public, can, guard, who
from schema.users.totp import TotpEnrolment


@strawberry.input(description="A username and password, and a TOTP code where one is needed.")
class LoginInput:
    username: str = strawberry.field(description="The login name, as given to the user.")
    password: str = strawberry.field(description="The password, exactly as typed.")
    totp_code: str | None = strawberry.field(
        default=None,
        description="The 6-digit code of the user's authenticator app: needed when the user "
        "has enrolled a TOTP second factor (or is finishing an enrolment that login handed "
        "out); ignored otherwise. Each code is accepted once.",
    )


@strawberry.input(description="A refresh token, from login or the last refreshToken.")
class RefreshTokenInput:
    refresh_token: str = strawberry.field(description="The refresh token, as it was returned.")


@strawberry.type(description="Result of login or refreshToken.")
class AuthPayload:
    access_token: str | None = strawberry.field(
        description="A signed JWT (HS256) to send as `Authorization: Bearer <accessToken>`, "
        "valid until expiresAt (15 minutes by default) while its session is open and its user "
        "active and not locked; it names the session, not the roles (those are read on every "
        "request). Null when refused."
    )
    refresh_token: str | None = strawberry.field(
        description="An opaque, single-use token for refreshToken, to keep secret: it lapses "
        "after 60 minutes unused (by default), and its session after 12 hours (by default) "
        "however often it is refreshed; null when refused."
    )
    expires_at: datetime | None = strawberry.field(
        description="When the access token expires (an instant); null when refused."
    )
    retry_after_seconds: int | None = strawberry.field(
        default=None,
        description="With TOO_MANY_ATTEMPTS: how many seconds to wait before trying again; "
        "null otherwise.",
    )
    totp_enrolment: TotpEnrolment | None = strawberry.field(
        default=None,
        description="With TOTP_ENROLMENT_REQUIRED: the secret to add to an authenticator app "
        "before logging in again with its code; null otherwise.",
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why no tokens were issued (INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS, "
        "ACCOUNT_LOCKED, TOTP_REQUIRED, INVALID_TOTP_CODE, TOTP_ENROLMENT_REQUIRED, "
        "INVALID_REFRESH_TOKEN); empty on success.",
        default_factory=list,
    )


@strawberry.type(description="Result of logout.")
class LogoutPayload:
    ok: bool = strawberry.field(
        description="Whether a session was ended (false with a userError when none was)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="INVALID_REFRESH_TOKEN when no open session has the token; empty on success."
    )


@strawberry.input(description="The roles a user should hold from now on.")
class SetUserRolesInput:
    username: str = strawberry.field(description="The user's login name.")
    roles: list[str] = strawberry.field(
        description="Every role the user is to hold (the ones not named are taken away)."
    )


@strawberry.type(description="A user and the roles they hold now.")
class UserRoles:
    username: str = strawberry.field(description="The login name.")
    roles: list[str] = strawberry.field(description="The roles held, sorted.")


@strawberry.type(description="Result of setUserRoles.")
class SetUserRolesPayload:
    user: UserRoles | None = strawberry.field(
        description="The user with their new roles; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the roles were not changed (UNKNOWN_ROLE, LAST_ADMIN, NOT_FOUND); "
        "empty on success."
    )


@strawberry.type(description="The signed-in user.")
class Me:
    username: str = strawberry.field(description="The login name.")
    full_name: str = strawberry.field(description="The name to show for this user.")
    roles: list[str] = strawberry.field(
        description="Role names: admin, provider, nurse, front_desk, biller, "
        "inventory_manager, compliance_officer, or patient alone (a portal login). What each "
        "field needs is in its description."
    )


async def _authenticate(info: Info[Context, Any], attempt: Any) -> AuthPayload:
    """Sign-in writes (failed-attempt counts, audit) are kept whatever the outcome."""
    op = info.context.op
    # Signing in reads accounts and sessions, whatever token the caller happens to send.
    async with op.transaction() as session:
        with unscoped(session):
            result: AuthResult = await attempt(session, info.context.ip, op.request_id)
    if result.tokens is None:
        assert result.error is not None
        return AuthPayload(
            access_token=None,
            refresh_token=None,
            expires_at=None,
            retry_after_seconds=result.retry_after,
            totp_enrolment=TotpEnrolment.of(result.enrolment) if result.enrolment else None,
            user_errors=to_user_errors(result.error),
        )
    tokens = result.tokens
    return AuthPayload(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        user_errors=[],
    )


@strawberry.type
class UserQueries:
    @strawberry.field(
        extensions=can("me", "read"),
        description=f"The user the access token speaks for. {who('me', 'read')}; null if the "
        "account no longer exists.",
    )
    async def me(self, info: Info[Context, Any]) -> Me | None:
        op = info.context.op
        async with op.db() as session:
            # The caller's own account by its id, for staff and portal logins alike (users
            # are staff-scoped rows: a patient login reads no other user's).
            with unscoped(session):
                user = await get_user(session, op.staff.user_id or 0)
        if user is None:
            return None
        return Me(username=user.username, full_name=user.full_name, roles=user.role_names)


@strawberry.type
class UserMutations:
    @strawberry.mutation(
        extensions=guard(Public()),
        description="Exchange a username and password (and a TOTP code, for a user with a "
        "second factor) for an access token and a refresh token. Open to anyone. Every attempt "
        "is audited. Failures never lock an account: they slow further attempts down "
        "(TOO_MANY_ATTEMPTS with retryAfterSeconds) from the same address, at the same "
        "username, and, briefly, at the username from anywhere; a username that does not "
        "exist is answered exactly like one that does.",
    )
    async def login(
        self,
        info: Info[Context, Any],
        input: Annotated[LoginInput, strawberry.argument(description="Who signs in.")],
    ) -> AuthPayload:
        auth = info.context.runtime.authenticator
        return await _authenticate(
            info,
            lambda s, ip, rid: auth.login(
                s, input.username, input.password, ip, rid, totp_code=input.totp_code
            ),
        )

    @strawberry.mutation(
        extensions=guard(Public()),
        description="End the session of a refresh token: none of its refresh tokens works "
        "again, and its access tokens are refused from the next request on (a subscription "
        "of it ends at its next event). Open to anyone who holds the token.",
    )
    async def logout(
        self,
        info: Info[Context, Any],
        input: Annotated[
            RefreshTokenInput, strawberry.argument(description="A token of the session to end.")
        ],
    ) -> LogoutPayload:
        op = info.context.op
        _, errors = await run_public_mutation(
            info,
            lambda s: info.context.runtime.authenticator.logout(
                s, input.refresh_token, info.context.ip, op.request_id
            ),
        )
        return LogoutPayload(ok=not errors, user_errors=errors)

    @strawberry.mutation(
        extensions=guard(Public()),
        description="Trade a refresh token for a new access token and refresh token; the old "
        "refresh token is spent. Open to anyone who holds the token. Presenting a spent token "
        "again ends its whole session (it may have been stolen).",
    )
    async def refresh_token(
        self,
        info: Info[Context, Any],
        input: Annotated[
            RefreshTokenInput, strawberry.argument(description="The current refresh token.")
        ],
    ) -> AuthPayload:
        auth = info.context.runtime.authenticator
        return await _authenticate(
            info, lambda s, ip, rid: auth.refresh(s, input.refresh_token, ip, rid)
        )

    @strawberry.mutation(
        extensions=can("access_policy", "write"),
        description="Replace the roles a user holds; they apply from the user's next request, "
        "with the access tokens they already hold.",
    )
    async def set_user_roles(
        self,
        info: Info[Context, Any],
        input: Annotated[
            SetUserRolesInput, strawberry.argument(description="The user and their roles.")
        ],
    ) -> SetUserRolesPayload:
        user, errors = await run_mutation(
            info, lambda s, a: set_roles(s, a, username=input.username, roles=input.roles)
        )
        return SetUserRolesPayload(
            user=UserRoles(username=user.username, roles=user.role_names) if user else None,
            user_errors=errors,
        )
