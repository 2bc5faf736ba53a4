"""Portal accounts through the API on both databases: invitation, activation, what a patient
login reaches, password reset, disabling."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pyotp
from sqlalchemy import select, update

from app.audit.models import AuditEvent
from app.db import utcnow
from app.outbox.models import MessageKind
from app.portal.models import PatientInvitation
from app.runtime import Runtime
from tests.conftest import make_settings
from tests.fixtures.graphql import LOGIN, GraphQLClient, app_for, error_codes
from tests.fixtures.scheduling import book, days_ahead, make_clinic, make_patient
from tests.portal.support import (
    DISABLE,
    ENABLE,
    PASSWORD,
    REQUEST_RESET,
    RESET,
    activate,
    invite,
    outbox,
    portal_login,
    token_in,
)

SEE = """
query ($a: ID!, $b: ID!, $from: DateTime!, $to: DateTime!) {
  mine: patient(id: $a) { id familyName }
  theirs: patient(id: $b) { id familyName }
  nodeMine: node(id: $a) { id }
  nodeTheirs: node(id: $b) { id }
  nodes(ids: [$a, $b]) { id }
  patients(first: 50) { edges { node { id familyName } } }
  appointments(from: $from, to: $to) { id startsAt }
  theirVisits: appointments(from: $from, to: $to, patientId: $b) { id }
}
"""


async def _events(runtime: Runtime, action: str) -> list[AuditEvent]:
    async with runtime.sessions() as session:
        return list(
            (await session.scalars(select(AuditEvent).where(AuditEvent.action == action))).all()
        )


async def test_invited_patient_activates_and_reaches_only_their_own_data(
    client: GraphQLClient, runtime: Runtime
) -> None:
    # given two patients with a visit each, and an invitation for the first
    clinic = await make_clinic(runtime)
    a_pk, a_id = await make_patient(runtime, "ana@example.org", family_name="Alvarez")
    _, b_id = await make_patient(runtime, "bo@example.org", family_name="Bergstrom")
    front_desk = await client.login("front_desk")
    day = days_ahead(clinic, 3)
    mine = await book(front_desk, clinic, a_id, clinic.at(day, 10))
    theirs = await book(front_desk, clinic, b_id, clinic.at(day, 11))
    invited = await invite(front_desk, a_id)
    assert invited["invitation"]["email"] == "ana@example.org"
    # then the email names the practice and the link, nothing about the patient or the visit
    (email,) = await outbox(runtime, MessageKind.PORTAL_INVITATION)
    assert email.recipient == "ana@example.org"
    assert runtime.settings.practice_name in email.body
    for health_or_identity in ("Alvarez", "Consult", "Exam", clinic.location_name, "appointment"):
        assert health_or_identity not in email.subject + email.body
    token = token_in(email.body)
    async with runtime.sessions() as session:  # only the token's hash is stored
        stored = (await session.scalars(select(PatientInvitation.token_hash))).all()
    assert token not in stored and len(stored[0]) == 64
    # when the patient activates and signs in
    assert (await activate(client, token, "ana.portal"))["userErrors"] == []
    patient = await client.login("ana.portal", PASSWORD)
    window = {"from": clinic.at(day, 0).isoformat(), "to": clinic.at(day, 23).isoformat()}
    body = await patient.execute(SEE, a=a_id, b=b_id, **window)
    # then they see themselves and their visit, through every path, and nothing of the other
    data = body["data"]
    assert data["mine"]["familyName"] == "Alvarez" and data["nodeMine"]["id"] == a_id
    assert data["theirs"] is None and data["nodeTheirs"] is None
    assert data["nodes"] == [{"id": a_id}, None]
    assert [e["node"]["id"] for e in data["patients"]["edges"]] == [a_id]
    assert [v["id"] for v in data["appointments"]] == [mine["id"]]
    assert data["theirVisits"] == []
    text = json.dumps(body)
    assert "Bergstrom" not in text
    assert theirs["id"] not in text
    # and the activation is audited as the patient's login, against the patient
    (activated,) = await _events(runtime, "activate")
    assert (activated.actor_username, activated.patient_id) == ("ana.portal", a_pk)
    (invited_event,) = await _events(runtime, "invite")
    assert (invited_event.actor_username, invited_event.patient_id) == ("front_desk", a_pk)


async def test_used_and_expired_invitations_are_refused(
    client: GraphQLClient, runtime: Runtime
) -> None:
    # given an invitation used once, and another that expired
    _, a_id = await make_patient(runtime, "a@example.org")
    _, b_id = await make_patient(runtime, "b@example.org")
    front_desk = await client.login("front_desk")
    await invite(front_desk, a_id)
    await invite(front_desk, b_id)
    first, second = [token_in(m.body) for m in await outbox(runtime, MessageKind.PORTAL_INVITATION)]
    assert (await activate(client, first, "first.login"))["userErrors"] == []
    async with runtime.sessions() as session:
        await session.execute(
            update(PatientInvitation)
            .where(PatientInvitation.used_at.is_(None))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    # when each is used (again)
    used = await activate(client, first, "second.try")
    expired = await activate(client, second, "late.login")
    unknown = await activate(client, "x" * 43, "guess.login")
    # then each is refused with its code, and no login is opened
    assert [e["code"] for e in used["userErrors"]] == ["INVITATION_USED"]
    assert [e["code"] for e in expired["userErrors"]] == ["INVITATION_EXPIRED"]
    assert [e["code"] for e in unknown["userErrors"]] == ["INVALID_INVITATION"]
    refused = await client.execute(LOGIN, username="late.login", password=PASSWORD)
    assert refused["data"]["login"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_concurrent_activations_of_one_invitation_open_one_login(
    client: GraphQLClient, runtime: Runtime
) -> None:
    _, a_id = await make_patient(runtime, "a@example.org")
    await invite(await client.login("front_desk"), a_id)
    token = token_in((await outbox(runtime, MessageKind.PORTAL_INVITATION))[0].body)
    results = await asyncio.gather(*(activate(client, token, f"racer.{n}") for n in range(4)))
    codes = sorted(e["code"] for r in results for e in r["userErrors"])
    assert codes == ["INVITATION_USED"] * 3
    assert len([r for r in results if r["username"]]) == 1


async def test_weak_password_keeps_the_invitation(client: GraphQLClient, runtime: Runtime) -> None:
    _, a_id = await make_patient(runtime, "a@example.org")
    await invite(await client.login("front_desk"), a_id)
    token = token_in((await outbox(runtime, MessageKind.PORTAL_INVITATION))[0].body)
    weak = await client.data(
        "mutation ($i: ActivatePatientAccountInput!) { activatePatientAccount(input: $i) "
        "{ username userErrors { field code } } }",
        i={"token": token, "username": "weak.one", "password": "short"},
    )
    assert weak["activatePatientAccount"]["userErrors"] == [
        {"field": ["password"], "code": "WEAK_PASSWORD"}
    ]
    assert (await activate(client, token, "strong.one"))["userErrors"] == []


async def test_patients_can_be_required_to_enrol_totp(database_url: str) -> None:
    settings = make_settings(database_url, totp_required_roles=["patient"])
    async with app_for(settings) as (client, runtime):
        _, a_id = await make_patient(runtime, "a@example.org")
        await invite(await client.login("front_desk"), a_id)
        token = token_in((await outbox(runtime, MessageKind.PORTAL_INVITATION))[0].body)
        assert (await activate(client, token, "totp.patient"))["userErrors"] == []
        login = (
            "mutation ($u: String!, $p: String!, $c: String) { login(input: {username: $u, "
            "password: $p, totpCode: $c}) { accessToken totpEnrolment { secret } "
            "userErrors { code } } }"
        )
        first = (await client.data(login, u="totp.patient", p=PASSWORD, c=None))["login"]
        assert [e["code"] for e in first["userErrors"]] == ["TOTP_ENROLMENT_REQUIRED"]
        code = pyotp.TOTP(first["totpEnrolment"]["secret"]).now()
        second = (await client.data(login, u="totp.patient", p=PASSWORD, c=code))["login"]
        assert second["userErrors"] == [] and second["accessToken"]


async def test_password_reset_by_email_link(client: GraphQLClient, runtime: Runtime) -> None:
    # given a patient login, signed in
    _, a_id = await make_patient(runtime, "ana@example.org")
    patient = await portal_login(client, runtime, a_id, "ana.reset")
    assert (await patient.execute("{ me { username } }"))["data"]["me"]["username"] == "ana.reset"
    # when a reset is asked for an unknown name and for the login's address
    unknown = await client.data(REQUEST_RESET, input={"usernameOrEmail": "nobody@example.org"})
    known = await client.data(REQUEST_RESET, input={"usernameOrEmail": "ANA@example.org"})
    # then both answers are the same, and one email went, to the login's address
    assert unknown == known == {"requestPasswordReset": {"accepted": True, "userErrors": []}}
    (email,) = await outbox(runtime, MessageKind.PASSWORD_RESET)
    assert email.recipient == "ana@example.org"
    token = token_in(email.body)
    # when the link is used
    done = await client.data(RESET, input={"token": token, "newPassword": "a brand new secret"})
    assert done["resetPassword"] == {"ok": True, "userErrors": []}
    # then the old session is over, the new password works, and the link works no more
    assert error_codes(await patient.execute("{ me { username } }")) == ["UNAUTHENTICATED"]
    await client.login("ana.reset", "a brand new secret")
    again = await client.data(RESET, input={"token": token, "newPassword": "yet another secret"})
    assert [e["code"] for e in again["resetPassword"]["userErrors"]] == ["INVALID_RESET_TOKEN"]
    assert [e.actor_username for e in await _events(runtime, "reset_password")] == ["ana.reset"]


async def test_a_disabled_login_is_refused_at_its_next_request(
    client: GraphQLClient, runtime: Runtime
) -> None:
    _, a_id = await make_patient(runtime, "ana@example.org")
    patient = await portal_login(client, runtime, a_id, "ana.disabled")
    query = "query ($id: ID!) { patient(id: $id) { id } }"
    assert (await patient.data(query, id=a_id))["patient"]["id"] == a_id
    front_desk = await client.login("front_desk")
    disabled = await front_desk.data(DISABLE, input={"username": "ana.disabled"})
    assert disabled["disablePatientUser"]["user"] == {"username": "ana.disabled", "isActive": False}
    assert error_codes(await patient.execute(query, id=a_id)) == ["UNAUTHENTICATED"]
    refused = await client.execute(LOGIN, username="ana.disabled", password=PASSWORD)
    assert refused["data"]["login"]["accessToken"] is None
    # re-enabled, the login signs in afresh (the old token stays dead)
    await front_desk.data(ENABLE, input={"username": "ana.disabled"})
    assert error_codes(await patient.execute(query, id=a_id)) == ["UNAUTHENTICATED"]
    await client.login("ana.disabled", PASSWORD)
    # staff accounts are not administered here
    staff = await front_desk.data(DISABLE, input={"username": "provider"})
    assert [e["code"] for e in staff["disablePatientUser"]["userErrors"]] == ["NOT_A_PATIENT_LOGIN"]
