"""The portal's accounts: invitations, activation, password reset, disabling, proxy links."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.authz import Actor
from app.portal import accounts, invitations, password_reset, proxies
from app.users.models import PatientAccess
from schema.context import Context
from schema.errors import run_mutation, run_public_mutation
from schema.ids import pk, to_global
from schema.permissions import Public, can, guard, who
from schema.portal.types import (
    ActivatePatientAccountInput,
    ActivatePatientAccountPayload,
    GrantProxyAccessInput,
    InvitePatientUserInput,
    InvitePatientUserPayload,
    MyPatient,
    PatientUser,
    PatientUserInput,
    PatientUserPayload,
    PortalInvitation,
    ProxyLink,
    ProxyLinkPayload,
    RequestPasswordResetInput,
    RequestPasswordResetPayload,
    ResetPasswordInput,
    ResetPasswordPayload,
    RevokeProxyAccessInput,
)

_STAFF = who("portal_account", "write")


def _caller(info: Info[Context, Any]) -> Actor:
    """The anonymous caller of a public mutation, for the audit trail's address and request."""
    return Actor(None, "anonymous", (), info.context.ip, info.context.op.request_id)


def _link(username: str, link: PatientAccess | None) -> ProxyLink | None:
    if link is None:
        return None
    return ProxyLink(
        username=username,
        patient_id=to_global("Patient", link.patient_id),
        relationship=proxies.Relationship(link.relation),
        ends_at=link.ends_at,
    )


async def _set_active(info: Info[Context, Any], username: str, active: bool) -> PatientUserPayload:
    user, errors = await run_mutation(
        info, lambda s, a: accounts.set_active(s, a, username, active)
    )
    return PatientUserPayload(
        user=PatientUser(username=user.username, is_active=user.is_active) if user else None,
        user_errors=errors,
    )


@strawberry.type
class PortalQueries:
    @strawberry.field(
        extensions=can("portal_self", "read"),
        description="The patients the signed-in portal login may act for now (itself, "
        "children, ...), whichever one this request chose: the list to choose from. "
        "Portal (patient) logins only. Each is an audited read of the patient's name.",
    )
    async def my_patients(self, info: Info[Context, Any]) -> list[MyPatient]:
        op = info.context.op
        async with op.db() as session:
            mine = await proxies.my_patients(session, op.staff)
        return [
            MyPatient(
                patient_id=to_global("Patient", p.patient_id),
                name=p.name,
                relationship=p.relationship,
                ends_at=p.ends_at,
            )
            for p in mine
        ]


@strawberry.type
class PortalMutations:
    @strawberry.mutation(
        extensions=can("portal_account", "write"),
        description="Email a patient a single-use link to open their portal login (valid for "
        f"PRACTICE_PORTAL_INVITATION_HOURS, 72 by default). {_STAFF}. The email says the "
        "practice's name and the link, nothing about the patient's health. A new invitation "
        "replaces the patient's unused ones.",
    )
    async def invite_patient_user(
        self,
        info: Info[Context, Any],
        input: Annotated[InvitePatientUserInput, strawberry.argument(description="Whom.")],
    ) -> InvitePatientUserPayload:
        settings = info.context.runtime.settings
        invitation, errors = await run_mutation(
            info,
            lambda s, a: invitations.invite(
                s, a, settings, pk(input.patient_id, "Patient", "patient_id"), input.email
            ),
        )
        return InvitePatientUserPayload(
            invitation=PortalInvitation(email=invitation.email, expires_at=invitation.expires_at)
            if invitation
            else None,
            user_errors=errors,
        )

    @strawberry.mutation(
        extensions=guard(Public()),
        description="Open the invited patient's portal login with the invitation's token, once "
        "(of concurrent uses, one wins). Open to anyone holding a token. The password follows "
        "staff's rules; where PRACTICE_TOTP_REQUIRED_ROLES names `patient`, the first login "
        "hands out a TOTP enrolment.",
    )
    async def activate_patient_account(
        self,
        info: Info[Context, Any],
        input: Annotated[ActivatePatientAccountInput, strawberry.argument(description="How.")],
    ) -> ActivatePatientAccountPayload:
        auth = info.context.runtime.authenticator
        user, errors = await run_public_mutation(
            info,
            lambda s: invitations.activate(
                s, auth, input.token, input.username, input.password, _caller(info)
            ),
        )
        return ActivatePatientAccountPayload(
            username=user.username if user else None, user_errors=errors
        )

    @strawberry.mutation(
        extensions=guard(Public()),
        description="Email a password-reset link (valid PRACTICE_PASSWORD_RESET_MINUTES, 60 by "
        "default) to the account named, if one matches. Open to anyone; answers the same "
        "whether or not one does, as fast (never sooner than 0.4 s), and sends at most 3 links an "
        "hour to one account.",
    )
    async def request_password_reset(
        self,
        info: Info[Context, Any],
        input: Annotated[RequestPasswordResetInput, strawberry.argument(description="Whose.")],
    ) -> RequestPasswordResetPayload:
        settings = info.context.runtime.settings
        began = time.monotonic()
        await run_public_mutation(
            info,
            lambda s: password_reset.request(s, settings, input.username_or_email, _caller(info)),
        )
        # padding, not synchronization: the answer's time must not depend on the account
        await asyncio.sleep(password_reset.ANSWER_AFTER_SECONDS - (time.monotonic() - began))
        return RequestPasswordResetPayload(accepted=True, user_errors=[])

    @strawberry.mutation(
        extensions=guard(Public()),
        description="Set a new password with a reset link's token, once. Every session of the "
        "account ends: its access tokens are refused from their next request. Open to anyone "
        "holding a token.",
    )
    async def reset_password(
        self,
        info: Info[Context, Any],
        input: Annotated[ResetPasswordInput, strawberry.argument(description="The token.")],
    ) -> ResetPasswordPayload:
        auth = info.context.runtime.authenticator
        _, errors = await run_public_mutation(
            info,
            lambda s: password_reset.reset(s, auth, input.token, input.new_password, _caller(info)),
        )
        return ResetPasswordPayload(ok=not errors, user_errors=errors)

    @strawberry.mutation(
        extensions=can("portal_account", "write"),
        description="Disable a portal login: its tokens are refused from their next request and "
        f"its sessions end. {_STAFF}.",
    )
    async def disable_patient_user(
        self,
        info: Info[Context, Any],
        input: Annotated[PatientUserInput, strawberry.argument(description="The login.")],
    ) -> PatientUserPayload:
        return await _set_active(info, input.username, False)

    @strawberry.mutation(
        extensions=can("portal_account", "write"),
        description=f"Enable a disabled portal login again (it signs in afresh). {_STAFF}.",
    )
    async def enable_patient_user(
        self,
        info: Info[Context, Any],
        input: Annotated[PatientUserInput, strawberry.argument(description="The login.")],
    ) -> PatientUserPayload:
        return await _set_active(info, input.username, True)

    @strawberry.mutation(
        extensions=can("portal_account", "write"),
        description="Let a portal login act for a patient (a parent, guardian, caregiver...) "
        f"until an end date; granting again replaces the link's relationship and end. {_STAFF}.",
    )
    async def grant_proxy_access(
        self,
        info: Info[Context, Any],
        input: Annotated[GrantProxyAccessInput, strawberry.argument(description="The link.")],
    ) -> ProxyLinkPayload:
        settings = info.context.runtime.settings
        link, errors = await run_mutation(
            info,
            lambda s, a: proxies.grant(
                s,
                a,
                settings,
                username=input.username,
                patient_id=pk(input.patient_id, "Patient", "patient_id"),
                relationship=input.relationship,
                ends_on=input.ends_on,
            ),
        )
        return ProxyLinkPayload(link=_link(input.username, link), user_errors=errors)

    @strawberry.mutation(
        extensions=can("portal_account", "write"),
        description=f"End a proxy link now: the login's next request no longer reaches the "
        f"patient. {_STAFF}.",
    )
    async def revoke_proxy_access(
        self,
        info: Info[Context, Any],
        input: Annotated[RevokeProxyAccessInput, strawberry.argument(description="The link.")],
    ) -> ProxyLinkPayload:
        link, errors = await run_mutation(
            info,
            lambda s, a: proxies.revoke(
                s,
                a,
                username=input.username,
                patient_id=pk(input.patient_id, "Patient", "patient_id"),
            ),
        )
        return ProxyLinkPayload(link=_link(input.username, link), user_errors=errors)
