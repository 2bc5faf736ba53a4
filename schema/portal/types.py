"""Inputs, payloads and objects of the portal's accounts and proxy links."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry import relay

from app.portal.proxies import Relationship
from schema.enums import described_enum
from schema.errors import UserError

RelationshipEnum = described_enum(
    Relationship,
    "How a portal login is related to a patient it acts for.",
    {
        Relationship.SELF: "The patient's own login, opened from their invitation.",
        Relationship.PARENT: "A parent of the patient; with the practice's age setting, the "
        "link ends when the patient reaches that age.",
        Relationship.GUARDIAN: "A legal guardian of the patient.",
        Relationship.CAREGIVER: "Someone who looks after the patient.",
        Relationship.OTHER: "Any other relationship the practice recorded.",
    },
    name="PortalRelationship",
)

_ERRORS = "Why nothing was changed; empty on success."


@strawberry.input(description="Whom to invite to the portal, and where to send the link.")
class InvitePatientUserInput:
    patient_id: relay.GlobalID = strawberry.field(description="The patient to invite.")
    email: str | None = strawberry.field(
        default=None,
        description="The address to send the link to; null: the patient's address on file.",
    )


@strawberry.type(description="An invitation sent: when its link stops working.")
class PortalInvitation:
    email: str = strawberry.field(description="The address the link was sent to (lower case).")
    expires_at: datetime = strawberry.field(description="When the link stops working (UTC).")


@strawberry.type(description="Result of invitePatientUser.")
class InvitePatientUserPayload:
    invitation: PortalInvitation | None = strawberry.field(
        description="The invitation queued for sending; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="NOT_FOUND, NO_EMAIL, INVALID_INPUT (the address), PATIENT_HAS_LOGIN; "
        "empty on success."
    )


@strawberry.input(description="An invitation's token and the login the patient chooses.")
class ActivatePatientAccountInput:
    token: str = strawberry.field(description="The token from the invitation link's `#token=`.")
    username: str = strawberry.field(description="The login name to sign in with.")
    password: str = strawberry.field(description="The password: at least 12 characters.")


@strawberry.type(description="Result of activatePatientAccount.")
class ActivatePatientAccountPayload:
    username: str | None = strawberry.field(
        description="The new login's name, to sign in with `login`; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="INVALID_INVITATION, INVITATION_EXPIRED, INVITATION_USED, "
        "PATIENT_HAS_LOGIN, USERNAME_TAKEN, WEAK_PASSWORD, INVALID_TEXT; empty on success."
    )


@strawberry.input(description="Whose password to reset.")
class RequestPasswordResetInput:
    username_or_email: str = strawberry.field(
        description="The login name, or the email address the account was opened with."
    )


@strawberry.type(description="Result of requestPasswordReset: the same whoever is named.")
class RequestPasswordResetPayload:
    accepted: bool = strawberry.field(
        description="Always true: whether an account matched is not said. If one did, a link "
        "is on its way to its address."
    )
    user_errors: list[UserError] = strawberry.field(description="Always empty.")


@strawberry.input(description="A reset link's token and the new password.")
class ResetPasswordInput:
    token: str = strawberry.field(description="The token from the reset link's `#token=`.")
    new_password: str = strawberry.field(description="The new password: 12 characters or more.")


@strawberry.type(description="Result of resetPassword.")
class ResetPasswordPayload:
    ok: bool = strawberry.field(
        description="Whether the password changed; every session of the account has ended."
    )
    user_errors: list[UserError] = strawberry.field(
        description="INVALID_RESET_TOKEN (unknown, used or expired: ask for another), "
        "WEAK_PASSWORD; empty on success."
    )


@strawberry.input(description="A portal login, by its login name.")
class PatientUserInput:
    username: str = strawberry.field(description="The portal login's name.")


@strawberry.type(description="A portal login's state.")
class PatientUser:
    username: str = strawberry.field(description="The login name.")
    is_active: bool = strawberry.field(
        description="False: disabled, every request with its tokens is refused."
    )


@strawberry.type(description="Result of disablePatientUser or enablePatientUser.")
class PatientUserPayload:
    user: PatientUser | None = strawberry.field(description="The login; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="NOT_FOUND, NOT_A_PATIENT_LOGIN; empty on success."
    )


@strawberry.input(description="A proxy link to grant: who may act for which patient, until when.")
class GrantProxyAccessInput:
    username: str = strawberry.field(description="The portal login to act for the patient.")
    patient_id: relay.GlobalID = strawberry.field(description="The patient.")
    relationship: RelationshipEnum = strawberry.field(  # type: ignore[valid-type]
        description="How the login's holder is related to the patient (not SELF)."
    )
    ends_on: date | None = strawberry.field(
        default=None,
        description="The day access stops (as it begins, practice time); null: no end date.",
    )


@strawberry.input(description="A proxy link to end now.")
class RevokeProxyAccessInput:
    username: str = strawberry.field(description="The portal login.")
    patient_id: relay.GlobalID = strawberry.field(description="The patient.")


@strawberry.type(description="A login's right to act for a patient.")
class ProxyLink:
    username: str = strawberry.field(description="The portal login.")
    patient_id: relay.GlobalID = strawberry.field(description="The patient's global id.")
    relationship: RelationshipEnum = strawberry.field(  # type: ignore[valid-type]
        description="How the login is related to the patient."
    )
    ends_at: datetime | None = strawberry.field(
        description="When access stops (UTC): the end date, or a PARENT link's age limit, "
        "whichever comes first; null: no end."
    )


@strawberry.type(description="Result of grantProxyAccess or revokeProxyAccess.")
class ProxyLinkPayload:
    link: ProxyLink | None = strawberry.field(description="The link; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="NOT_FOUND, NOT_A_PATIENT_LOGIN, NOT_A_PROXY_LINK, END_DATE_PAST, "
        "PROXY_AGE_LIMIT; empty on success."
    )


@strawberry.type(description="A patient the signed-in portal login may act for now.")
class MyPatient:
    patient_id: relay.GlobalID = strawberry.field(
        description="The patient's global id: send it as the `X-Acting-For` header (or "
        "`actingFor` in a WebSocket's connection_init) to act for this patient."
    )
    name: str = strawberry.field(description="The patient's (preferred) given and family name.")
    relationship: RelationshipEnum = strawberry.field(  # type: ignore[valid-type]
        description="How the login is related to the patient."
    )
    ends_at: datetime | None = strawberry.field(
        description="When this access stops (UTC); null: no end."
    )
