"""startTotpEnrolment, confirmTotpEnrolment: a staff user adds a TOTP second factor."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.db import utcnow
from app.users import totp
from schema.context import Context
from schema.errors import UserError, run_mutation
from schema.permissions import can, who


@strawberry.type(description="A TOTP secret awaiting its first code, for an authenticator app.")
class TotpEnrolment:
    secret: str = strawberry.field(
        description="The secret in base32 (RFC 4648), to type into an authenticator app. Shown "
        "once: keep it from others."
    )
    otpauth_uri: str = strawberry.field(
        description="The same secret as an otpauth:// URI (30-second steps, 6 digits, SHA-1), "
        "to show as a QR code."
    )

    @classmethod
    def of(cls, enrolment: totp.Enrolment) -> TotpEnrolment:
        return cls(secret=enrolment.secret, otpauth_uri=enrolment.uri)


@strawberry.type(description="Result of startTotpEnrolment.")
class StartTotpEnrolmentPayload:
    enrolment: TotpEnrolment | None = strawberry.field(
        description="The new secret; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why no enrolment was started; empty on success."
    )


@strawberry.input(
    description="A code of the secret startTotpEnrolment returned, with the account's password "
    "(and a code of the factor in force, when replacing one): an access token alone cannot put "
    "another device in the user's place."
)
class ConfirmTotpEnrolmentInput:
    code: str = strawberry.field(description="The 6-digit code the authenticator app shows now.")
    password: str = strawberry.field(description="The signed-in user's password.")
    current_code: str | None = strawberry.field(
        default=None,
        description="When a second factor is already in force: a current code of it.",
    )


@strawberry.type(description="Result of confirmTotpEnrolment.")
class ConfirmTotpEnrolmentPayload:
    enrolled: bool = strawberry.field(
        description="Whether the secret is now in force: every later login needs its code."
    )
    user_errors: list[UserError] = strawberry.field(
        description="NO_TOTP_ENROLMENT, WRONG_PASSWORD or INVALID_TOTP_CODE; empty on success."
    )


@strawberry.type
class TotpMutations:
    @strawberry.mutation(
        extensions=can("me", "write"),
        description="Start adding a TOTP second factor to the signed-in account: returns a new "
        "secret, which takes effect once confirmTotpEnrolment gets a code of it (until then a "
        f"secret already in force stays so). {who('me', 'write')}.",
    )
    async def start_totp_enrolment(self, info: Info[Context, Any]) -> StartTotpEnrolmentPayload:
        settings = info.context.runtime.settings
        enrolment, errors = await run_mutation(
            info, lambda s, a: totp.start_enrolment(s, a, settings)
        )
        return StartTotpEnrolmentPayload(
            enrolment=TotpEnrolment.of(enrolment) if enrolment else None, user_errors=errors
        )

    @strawberry.mutation(
        extensions=can("me", "write"),
        description="Put the secret of startTotpEnrolment in force with a current code of it; "
        f"from then on login needs a code. {who('me', 'write')}.",
    )
    async def confirm_totp_enrolment(
        self,
        info: Info[Context, Any],
        input: Annotated[ConfirmTotpEnrolmentInput, strawberry.argument(description="The code.")],
    ) -> ConfirmTotpEnrolmentPayload:
        settings = info.context.runtime.settings
        _, errors = await run_mutation(
            info,
            lambda s, a: totp.confirm_enrolment(
                s,
                a,
                settings,
                totp.Confirmation(input.code, input.password, input.current_code),
                info.context.runtime.authenticator.password_matches,
                utcnow(),
            ),
        )
        return ConfirmTotpEnrolmentPayload(enrolled=not errors, user_errors=errors)
