"""A patient user sees only their own patients' rows, through every root field and every Node.

The walk is generic: it reads the schema, calls every root query field with arguments that
point at patient B's data (ids, B's name as a search, B's visit day), and fails if anything of
B's comes back to patient A's login. To prove that row scope, not role policy, is what holds,
the patient role is granted every permission first; and the same walk aimed at A's own
data must find it (else the walk proves nothing).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from strawberry import relay
from strawberry.relay import GlobalID

from app.authz import SYSTEM
from app.runtime import Runtime
from app.transaction import unit_of_work
from app.users.models import PatientAccess
from app.users.service import create_user
from tests.fixtures.auth import REFRESH
from tests.fixtures.graphql import LOGIN as LOGIN_TOKENS
from tests.fixtures.graphql import GraphQLClient, pk_of
from tests.fixtures.patients import create_patient_record
from tests.fixtures.scheduling import book, days_ahead, make_clinic, make_patient

INTROSPECT = """
{ __schema { queryType { name } types { name kind
    possibleTypes { name }
    fields { name args { name type { ...T } } type { ...T } } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
"""
WAITLIST = """
mutation ($input: AddToWaitlistInput!) { addToWaitlist(input: $input) { waitlistEntryId } }
"""
MAX_DEPTH = 3
CANCEL = """
mutation ($input: CancelAppointmentInput!) {
  cancelAppointment(input: $input) { userErrors { code } }
}
"""
ENTRY = "query ($id: ID!) { node(id: $id) { ... on WaitlistEntry { status } } }"


def _named(type_ref: dict[str, Any]) -> tuple[str, str, bool]:
    """(kind, name, required) of a possibly wrapped type."""
    required = type_ref["kind"] == "NON_NULL"
    while type_ref.get("ofType"):
        type_ref = type_ref["ofType"]
    return type_ref["kind"], type_ref["name"], required


class Walk:
    """Builds a query for any field from the introspected schema."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.types = {t["name"]: t for t in schema["types"]}
        self.root = self.types[schema["queryType"]["name"]]

    def selection(
        self, type_name: str, depth: int = 0, alias: str = "", only: str | None = None
    ) -> str:
        kind = self.types[type_name]["kind"]
        if kind in ("SCALAR", "ENUM"):
            return ""
        parts = ["__typename"]
        if kind in ("INTERFACE", "UNION"):
            for possible in self.types[type_name]["possibleTypes"]:
                if only and possible["name"] != only:
                    continue
                inner = self.selection(possible["name"], depth, alias=f"{possible['name']}_")
                parts.append(f"... on {possible['name']} {inner}")
            return "{ " + " ".join(parts) + " }"
        for field in self.types[type_name]["fields"] or []:
            if any(_named(a["type"])[2] for a in field["args"]):
                continue  # a nested field needing arguments: reached by its own root field
            field_kind, field_type, _ = _named(field["type"])
            # Types behind one interface may give a field name different types: alias them.
            name = f"{alias}{field['name']}: {field['name']}" if alias else field["name"]
            if field_kind in ("SCALAR", "ENUM"):
                parts.append(name)
            elif depth < MAX_DEPTH:
                parts.append(f"{name} {self.selection(field_type, depth + 1)}")
        return "{ " + " ".join(parts) + " }"


def _arguments(field: dict[str, Any], target: dict[str, Any]) -> list[dict[str, Any]]:
    """Argument sets aiming `field` at the target patient's data (one per id, for `id`)."""
    sets: list[dict[str, Any]] = [{}]
    for arg in field["args"]:
        name, (_, type_name, required) = arg["name"], _named(arg["type"])
        if name == "id":
            sets = [{**s, "id": node_id} for s in sets for node_id in target["nodes"]]
        elif name == "ids":
            sets = [{**s, "ids": [node_id]} for s in sets for node_id in target["nodes"]]
        elif name in target["ids"]:
            value = target["ids"][name]
            sets = [{**s, name: [value] if name.endswith("Ids") else value} for s in sets]
        elif name in target["values"]:
            sets = [{**s, name: target["values"][name]} for s in sets]
        else:
            assert not required, f"teach the walk to fill {field['name']}({name}: {type_name})"
    return sets


def _literal(value: Any) -> str:
    return json.dumps(value)


async def _sign_in(runtime: Runtime, client: GraphQLClient, patient_pk: int) -> dict[str, Any]:
    """A portal login for the patient (`portal.a`), signed in: its tokens."""
    async with unit_of_work(runtime.sessions) as session:
        user = await create_user(
            session,
            SYSTEM,
            runtime.authenticator,
            username="portal.a",
            password="demo",
            full_name="Portal A",
            roles=["patient"],
            allow_weak_password=True,
        )
        session.add(PatientAccess(user_id=user.id, patient_id=patient_pk))
    tokens = (await client.data(LOGIN_TOKENS, username="portal.a", password="demo"))["login"]
    assert tokens["userErrors"] == []
    return tokens


async def _patient_login(runtime: Runtime, client: GraphQLClient, patient_pk: int) -> GraphQLClient:
    tokens = await _sign_in(runtime, client, patient_pk)
    return GraphQLClient(client.http, tokens["accessToken"])


CATALOG = "{ permissionCatalog { resource action } }"
GRANT = """
mutation ($input: RolePermissionInput!) { grantPermission(input: $input) { userErrors { code } } }
"""


async def _grant_patient_every_permission(client: GraphQLClient) -> None:
    """An admin grants the patient role everything there is (through the access API)."""
    admin = await client.login("admin")
    for permission in (await admin.data(CATALOG))["permissionCatalog"]:
        payload = await admin.data(GRANT, input={"role": "patient", **permission})
        assert payload["grantPermission"]["userErrors"] == []


async def _target(client: GraphQLClient, clinic: Any, family: str, hour: int) -> dict[str, Any]:
    """A patient with a record, a visit and a waitlist entry; what the walk aims at."""
    record = await create_patient_record(client, familyName=family)
    front_desk = await client.login("front_desk")
    day = days_ahead(clinic, 3)
    visit = await book(front_desk, clinic, record.patient_id, clinic.at(day, hour))
    entry = (
        await front_desk.data(
            WAITLIST,
            input={
                "patientId": record.patient_id,
                "appointmentTypeId": clinic.type_id("Consult"),
                "locationId": clinic.location_id,
                "earliest": clinic.at(day, 8).isoformat(),
                "latest": clinic.at(day, 18).isoformat(),
            },
        )
    )["addToWaitlist"]["waitlistEntryId"]
    nodes = [
        record.patient_id,
        record.allergy_id,
        record.problem_id,
        record.coverage_id,
        record.note_id,
        visit["id"],
        entry,
    ]
    return {
        "family": family,
        "nodes": nodes,
        "ids": {
            "patientId": record.patient_id,
            "appointmentId": visit["id"],
            "locationId": clinic.location_id,
            "providerId": clinic.provider_id,
            "providerIds": clinic.provider_id,
            "appointmentTypeId": clinic.type_id("Consult"),
        },
        "values": {
            "from": clinic.at(day, 0).isoformat(),
            "to": clinic.at(day + timedelta(days=1), 0).isoformat(),
            "date": day.isoformat(),
            "search": family,
            "first": 50,
            "withinDays": 60,
            "days": 30,
            "leadDays": 7,
            "asOf": day.isoformat(),
            # not a patient's: the walk only needs a well-formed id to ask with
            "stockLocationId": str(relay.GlobalID("StockLocation", "1")),
        },
        "pks": {pk_of(node_id) for node_id in nodes},
    }


async def _walk(patient: GraphQLClient, walk: Walk, target: dict[str, Any]) -> list[str]:
    """Every root field aimed at `target`; returns the response bodies, as text."""
    bodies = []
    for field in walk.root["fields"]:
        _, type_name, _ = _named(field["type"])
        for args in _arguments(field, target):
            call = ", ".join(f"{k}: {_literal(v)}" for k, v in args.items())
            head = f"{field['name']}({call})" if call else field["name"]
            ids = args.get("ids") or [args.get("id")]
            only = GlobalID.from_id(ids[0]).type_name if ids[0] else None
            query = f"{{ {head} {walk.selection(type_name, only=only)} }}"
            response = await patient.post(query)
            assert response.status_code == 200, (field["name"], response.text)
            bodies.append(response.text)
    return bodies


async def test_a_patient_user_sees_nothing_of_another_patient_through_any_root_field(
    client: GraphQLClient, runtime: Runtime
) -> None:
    # given patients A and B with records, visits and waitlist entries, and A's own login
    clinic = await make_clinic(runtime)
    mine = await _target(client, clinic, "Ownpatient", 10)
    theirs = await _target(client, clinic, "Otherpatient", 11)
    patient = await _patient_login(runtime, client, pk_of(mine["ids"]["patientId"]))
    # and a patient role that role policy would let read everything staff can
    await _grant_patient_every_permission(client)
    walk = Walk((await client.data(INTROSPECT))["__schema"])
    # when A's login calls every root field aimed at B's data
    bodies = await _walk(patient, walk, theirs)
    # then nothing of B's comes back: not the name, not one of B's ids, no provider's feed
    for body in bodies:
        assert theirs["family"] not in body
        assert "/calendar/" not in body
        for node_id in theirs["nodes"]:
            assert f'"{node_id}"' not in body
    # and the same walk aimed at A's own data finds it (row scope lets A's rows through)
    own = "\n".join(await _walk(patient, walk, mine))
    assert mine["family"] in own
    assert all(f'"{node_id}"' in own for node_id in mine["nodes"][:6])
    # and when A cancels A's own visit, the reactions run for the practice, not in A's scope:
    # the freed time is offered to B, who waits for it (B's entry, invisible to A)
    cancelled = await patient.data(
        CANCEL, input={"appointmentId": mine["ids"]["appointmentId"], "reason": "Travelling"}
    )
    assert cancelled["cancelAppointment"]["userErrors"] == []
    desk = await client.login("front_desk")
    entry = (await desk.data(ENTRY, id=theirs["nodes"][-1]))["node"]
    assert entry["status"] == "OFFERED"


async def test_a_patient_login_signs_in_and_refreshes_while_it_sends_its_token(
    client: GraphQLClient, runtime: Runtime
) -> None:
    # given a patient login, whose client sends its access token with every request
    _, gid_a = await make_patient(runtime)
    tokens = await _sign_in(runtime, client, pk_of(gid_a))
    bearer = GraphQLClient(client.http, tokens["accessToken"])
    # when it refreshes its session, and when someone signs in as staff on that device
    refreshed = (await bearer.data(REFRESH, token=tokens["refreshToken"]))["refreshToken"]
    staff = (await bearer.data(LOGIN_TOKENS, username="front_desk", password="demo"))["login"]
    # then both work: signing in reads accounts, not the caller's rows
    assert refreshed["userErrors"] == [] and refreshed["accessToken"]
    assert staff["userErrors"] == [] and staff["accessToken"]
