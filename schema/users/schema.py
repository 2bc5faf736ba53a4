"""login, refreshToken, me, and which roles a user holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from app.auth import AuthResult
from app.transaction import commit
from app.users.service import get_user, set_roles
from schema.context import Context
from schema.errors import ErrorCode, UserError, run_mutation
from schema.permissions import Public, can, guard


@strawberry.input
class LoginInput:
    username: str
    password: str


@strawberry.input
class RefreshTokenInput:
    refresh_token: str


@strawberry.type
class AuthPayload:
    access_token: str | None
    refresh_token: str | None
    expires_at: datetime | None = strawberry.field(description="When the access token expires.")
    user_errors: list[UserError]


@strawberry.type
class LogoutPayload:
    ok: bool
    user_errors: list[UserError]


@strawberry.input
class SetUserRolesInput:
    username: str
    roles: list[str]


@strawberry.type
class UserRoles:
    username: str
    roles: list[str]


@strawberry.type
class SetUserRolesPayload:
    user: UserRoles | None
    user_errors: list[UserError]


@strawberry.type
class Me:
    username: str
    full_name: str
    roles: list[str]


async def _authenticate(info: Info[Context, Any], attempt: Any) -> AuthPayload:
    """Sign-in writes (failed-attempt counts, audit) are kept whatever the outcome."""
    op = info.context.op
    async with op.db() as session:
        result: AuthResult = await attempt(session, info.context.ip, op.request_id)
        await commit(session)
    if result.tokens is None:
        assert result.error is not None and result.message is not None
        error = UserError(field=None, code=ErrorCode[result.error.value], message=result.message)
        return AuthPayload(
            access_token=None, refresh_token=None, expires_at=None, user_errors=[error]
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
    @strawberry.field(extensions=can("me", "read"))
    async def me(self, info: Info[Context, Any]) -> Me | None:
        op = info.context.op
        async with op.db() as session:
            user = await get_user(session, op.staff.user_id or 0)
        if user is None:
            return None
        return Me(username=user.username, full_name=user.full_name, roles=user.role_names)


@strawberry.type
class UserMutations:
    @strawberry.mutation(
        extensions=guard(Public()), description="Exchange a username and password for tokens."
    )
    async def login(self, info: Info[Context, Any], input: LoginInput) -> AuthPayload:
        auth = info.context.runtime.authenticator
        return await _authenticate(
            info, lambda s, ip, rid: auth.login(s, input.username, input.password, ip, rid)
        )

    @strawberry.mutation(
        extensions=guard(Public()),
        description="End the session of a refresh token: none of its tokens works again.",
    )
    async def logout(self, info: Info[Context, Any], input: RefreshTokenInput) -> LogoutPayload:
        op = info.context.op
        async with op.transaction() as session:
            ended = await info.context.runtime.authenticator.logout(
                session, input.refresh_token, info.context.ip, op.request_id
            )
        if ended:
            return LogoutPayload(ok=True, user_errors=[])
        error = UserError(
            field=["refreshToken"],
            code=ErrorCode["INVALID_REFRESH_TOKEN"],
            message="No open session has this token.",
        )
        return LogoutPayload(ok=False, user_errors=[error])

    @strawberry.mutation(
        extensions=guard(Public()),
        description="Rotate a refresh token: a new pair; the old one is spent.",
    )
    async def refresh_token(
        self, info: Info[Context, Any], input: RefreshTokenInput
    ) -> AuthPayload:
        auth = info.context.runtime.authenticator
        return await _authenticate(
            info, lambda s, ip, rid: auth.refresh(s, input.refresh_token, ip, rid)
        )

    @strawberry.mutation(
        extensions=can("access_policy", "write"),
        description="Replace the roles a user holds; they apply from the user's next sign-in "
        "or token refresh.",
    )
    async def set_user_roles(
        self, info: Info[Context, Any], input: SetUserRolesInput
    ) -> SetUserRolesPayload:
        user, errors = await run_mutation(
            info, lambda s, a: set_roles(s, a, username=input.username, roles=input.roles)
        )
        return SetUserRolesPayload(
            user=UserRoles(username=user.username, roles=user.role_names) if user else None,
            user_errors=errors,
        )
