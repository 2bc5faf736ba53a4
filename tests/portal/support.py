"""The portal's account flows, through the API, for the portal tests."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.outbox.models import MessageKind, OutboxMessage
from app.runtime import Runtime
from tests.fixtures.graphql import GraphQLClient

ERRORS = "userErrors { field code message }"
INVITE = f"""
mutation ($input: InvitePatientUserInput!) {{
  invitePatientUser(input: $input) {{ invitation {{ email expiresAt }} {ERRORS} }}
}}
"""
ACTIVATE = f"""
mutation ($input: ActivatePatientAccountInput!) {{
  activatePatientAccount(input: $input) {{ username {ERRORS} }}
}}
"""
REQUEST_RESET = f"""
mutation ($input: RequestPasswordResetInput!) {{
  requestPasswordReset(input: $input) {{ accepted {ERRORS} }}
}}
"""
RESET = f"""
mutation ($input: ResetPasswordInput!) {{ resetPassword(input: $input) {{ ok {ERRORS} }} }}
"""
DISABLE = f"""
mutation ($input: PatientUserInput!) {{
  disablePatientUser(input: $input) {{ user {{ username isActive }} {ERRORS} }}
}}
"""
ENABLE = DISABLE.replace("disablePatientUser", "enablePatientUser")
GRANT = f"""
mutation ($input: GrantProxyAccessInput!) {{
  grantProxyAccess(input: $input) {{ link {{ username patientId relationship endsAt }} {ERRORS} }}
}}
"""
REVOKE = f"""
mutation ($input: RevokeProxyAccessInput!) {{
  revokeProxyAccess(input: $input) {{ link {{ endsAt }} {ERRORS} }}
}}
"""
MY_PATIENTS = "{ myPatients { patientId name relationship endsAt } }"
PASSWORD = "correct horse battery"


async def outbox(runtime: Runtime, kind: MessageKind) -> list[OutboxMessage]:
    async with runtime.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.kind == kind)
                    .order_by(OutboxMessage.id)
                )
            ).all()
        )


def token_in(body: str) -> str:
    found = re.search(r"#token=([A-Za-z0-9_-]+)", body)
    assert found, body
    return found.group(1)


async def invite(staff: GraphQLClient, patient_id: str, **extra: Any) -> dict[str, Any]:
    payload = (await staff.data(INVITE, input={"patientId": patient_id, **extra}))[
        "invitePatientUser"
    ]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def activate(client: GraphQLClient, token: str, username: str) -> dict[str, Any]:
    return (
        await client.data(
            ACTIVATE, input={"token": token, "username": username, "password": PASSWORD}
        )
    )["activatePatientAccount"]


async def portal_login(
    client: GraphQLClient, runtime: Runtime, patient_id: str, username: str
) -> GraphQLClient:
    """Invite the patient as the front desk, activate, sign in: the patient's client."""
    front_desk = await client.login("front_desk")
    await invite(front_desk, patient_id)
    token = token_in((await outbox(runtime, MessageKind.PORTAL_INVITATION))[-1].body)
    assert (await activate(client, token, username))["userErrors"] == []
    return await client.login(username, PASSWORD)


def acting_for(patient: GraphQLClient, patient_id: str) -> GraphQLClient:
    """The same login, choosing `patient_id` on every request."""
    chosen = GraphQLClient(patient.http, patient.token)
    original = chosen.post

    async def post(query: str, variables: Any = None, headers: Any = None) -> Any:
        return await original(query, variables, {"X-Acting-For": patient_id, **(headers or {})})

    chosen.post = post  # type: ignore[method-assign]
    return chosen
