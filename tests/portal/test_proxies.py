"""Proxy access through the API on both databases: a parent acting for each child in turn,
never for a third patient; links that end; the practice's age limit for parents."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import select, update

from app.audit.models import AuditEvent, AuditEventPatient
from app.config import Settings
from app.db import utcnow
from app.runtime import Runtime
from app.users.models import PatientAccess
from tests.conftest import make_settings
from tests.fixtures.graphql import GraphQLClient, app_for, error_codes
from tests.fixtures.scheduling import make_patient
from tests.portal.support import (
    GRANT,
    INVITE,
    MY_PATIENTS,
    REVOKE,
    acting_for,
    portal_login,
)

SEE = """
query ($a: ID!, $b: ID!, $c: ID!) {
  a: patient(id: $a) { id } b: patient(id: $b) { id } c: patient(id: $c) { id }
  nodes(ids: [$a, $b, $c]) { id }
  patients(first: 50) { edges { node { id } } }
}
"""


def _seen(data: dict[str, object]) -> set[str]:
    found = {data[k]["id"] for k in "abc" if data[k]}  # type: ignore[index]
    found |= {n["id"] for n in data["nodes"] if n}  # type: ignore[attr-defined]
    found |= {e["node"]["id"] for e in data["patients"]["edges"]}  # type: ignore[index]
    return found


async def _grant(staff: GraphQLClient, username: str, patient_id: str, **extra: object) -> dict:
    payload = (
        await staff.data(
            GRANT,
            input={
                "username": username,
                "patientId": patient_id,
                "relationship": "PARENT",
                **extra,
            },
        )
    )["grantProxyAccess"]
    return payload


async def test_a_parent_acts_for_each_child_chosen_and_never_for_a_third(
    client: GraphQLClient, runtime: Runtime
) -> None:
    # given a parent's portal login and proxy links to two children (not to a third patient)
    _, parent_id = await make_patient(runtime, "parent@example.org", family_name="Parent")
    kid_pks, kids = zip(*[await make_patient(runtime, None) for _ in range(2)], strict=True)
    third_pk, third = await make_patient(runtime, None, family_name="Stranger")
    parent = await portal_login(client, runtime, parent_id, "parent.portal")
    front_desk = await client.login("front_desk")
    for kid in kids:
        assert (await _grant(front_desk, "parent.portal", kid))["userErrors"] == []
    # then myPatients lists the parent and both children, with their relationship
    mine = (await parent.data(MY_PATIENTS))["myPatients"]
    assert [(m["patientId"], m["relationship"]) for m in mine] == [
        (parent_id, "SELF"),
        (kids[0], "PARENT"),
        (kids[1], "PARENT"),
    ]
    # and acting for each child reaches that child only, through every path
    for kid, other in ((kids[0], kids[1]), (kids[1], kids[0])):
        data = await acting_for(parent, kid).data(SEE, a=kid, b=other, c=third)
        assert _seen(data) == {kid}
    # and without a choice, the login reaches its patients, never the third
    data = await parent.data(SEE, a=kids[0], b=kids[1], c=third)
    assert _seen(data) == {parent_id, kids[0], kids[1]}
    assert third not in str(await parent.data(SEE, a=parent_id, b=third, c=third))
    # the login cannot grant itself the third patient, nor invite anyone
    self_grant = await parent.execute(
        GRANT, input={"username": "parent.portal", "patientId": third, "relationship": "PARENT"}
    )
    assert error_codes(self_grant) == ["FORBIDDEN"]
    assert error_codes(await parent.execute(INVITE, input={"patientId": third})) == ["FORBIDDEN"]
    assert error_codes(await front_desk.execute(MY_PATIENTS)) == ["FORBIDDEN"]
    # choosing the third patient (or nonsense) reaches nothing at all
    for chosen in (third, "not-an-id"):
        data = await acting_for(parent, chosen).data(SEE, a=third, b=kids[0], c=parent_id)
        assert _seen(data) == set()
    # and the proxy's reads are audited as the parent's login, against the child
    async with runtime.sessions() as session:
        read_patients = set(
            (
                await session.scalars(
                    select(AuditEventPatient.patient_id)
                    .join(AuditEvent, AuditEvent.seq == AuditEventPatient.event_seq)
                    .where(
                        AuditEvent.actor_username == "parent.portal", AuditEvent.action == "read"
                    )
                )
            ).all()
        ) | set(
            (
                await session.scalars(
                    select(AuditEvent.patient_id).where(
                        AuditEvent.actor_username == "parent.portal", AuditEvent.action == "read"
                    )
                )
            ).all()
        )
        granted = (
            await session.scalars(
                select(AuditEvent.patient_id).where(AuditEvent.action == "grant_proxy_access")
            )
        ).all()
    assert set(kid_pks) <= read_patients and third_pk not in read_patients
    assert sorted(granted) == sorted(kid_pks)


async def test_ended_and_revoked_links_grant_nothing(
    client: GraphQLClient, runtime: Runtime
) -> None:
    _, parent_id = await make_patient(runtime, "parent@example.org")
    kid_pks, kids = zip(*[await make_patient(runtime, None) for _ in range(2)], strict=True)
    parent = await portal_login(client, runtime, parent_id, "parent.ends")
    front_desk = await client.login("front_desk")
    ends_on = (utcnow() + timedelta(days=30)).date().isoformat()
    granted = await _grant(front_desk, "parent.ends", kids[0], endsOn=ends_on)
    assert granted["link"]["endsAt"] is not None
    assert (await _grant(front_desk, "parent.ends", kids[1]))["userErrors"] == []
    past = await _grant(front_desk, "parent.ends", kids[1], endsOn="2020-01-01")
    assert [e["code"] for e in past["userErrors"]] == ["END_DATE_PAST"]
    # when the first link's end date passes and the second is revoked
    async with runtime.sessions() as session:
        await session.execute(
            update(PatientAccess)
            .where(PatientAccess.patient_id == kid_pks[0])
            .values(ends_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    revoked = await front_desk.data(REVOKE, input={"username": "parent.ends", "patientId": kids[1]})
    assert revoked["revokeProxyAccess"]["userErrors"] == []
    # then neither child is reached, chosen or not, nor listed
    for chosen in (None, kids[0], kids[1]):
        login = acting_for(parent, chosen) if chosen else parent
        seen = _seen(await login.data(SEE, a=kids[0], b=kids[1], c=kids[1]))
        assert seen - {parent_id} == set()  # the parent's own record, in the patients list
    assert [m["patientId"] for m in (await parent.data(MY_PATIENTS))["myPatients"]] == [parent_id]


async def test_a_parent_link_ends_at_the_practice_age(database_url: str) -> None:
    settings = make_settings(database_url, proxy_parent_access_until_age=18)
    async with app_for(settings) as (client, runtime):
        _, parent_id = await make_patient(runtime, "parent@example.org")
        born = date.today().replace(year=date.today().year - 5, day=1)
        _, young = await make_patient(runtime, None, birth_date=born)
        _, adult = await make_patient(runtime, None, birth_date=date(1990, 1, 1))
        await portal_login(client, runtime, parent_id, "parent.age")
        front_desk = await client.login("front_desk")
        link = (await _grant(front_desk, "parent.age", young, endsOn="2099-01-01"))["link"]
        assert link["endsAt"].startswith(f"{born.year + 18}-{born.month:02d}-0")
        refused = await _grant(front_desk, "parent.age", adult)
        assert [e["code"] for e in refused["userErrors"]] == ["PROXY_AGE_LIMIT"]
        guardian = await _grant(front_desk, "parent.age", adult, relationship="GUARDIAN")
        assert guardian["userErrors"] == [] and guardian["link"]["endsAt"] is None


async def test_a_websocket_acts_for_the_patient_its_connection_chose(
    client: GraphQLClient, runtime: Runtime, settings: Settings
) -> None:
    # given a parent's login with links to two children
    from starlette.testclient import TestClient

    from app.main import create_app

    _, parent_id = await make_patient(runtime, "parent@example.org")
    kids = [(await make_patient(runtime, None))[1] for _ in range(2)]
    parent = await portal_login(client, runtime, parent_id, "parent.ws")
    front_desk = await client.login("front_desk")
    for kid in kids:
        assert (await _grant(front_desk, "parent.ws", kid))["userErrors"] == []

    def over_websocket(chosen: str) -> dict[str, object]:
        with (
            TestClient(create_app(settings)) as http,
            http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
        ):
            init = {"Authorization": f"Bearer {parent.token}", "actingFor": chosen}
            ws.send_json({"type": "connection_init", "payload": init})
            assert ws.receive_json()["type"] == "connection_ack"
            variables = {"a": kids[0], "b": kids[1], "c": parent_id}
            ws.send_json(
                {"type": "subscribe", "id": "1", "payload": {"query": SEE, "variables": variables}}
            )
            answer: dict[str, object] = ws.receive_json()
            return answer

    # when each child is chosen in connection_init
    for kid in kids:
        answer = await asyncio.to_thread(over_websocket, kid)
        # then the operations of that connection reach that child only
        assert answer["type"] == "next", answer
        assert _seen(answer["payload"]["data"]) == {kid}  # type: ignore[index]
