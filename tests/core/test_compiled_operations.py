"""Registered queries run from a plan (schema/compiled.py) answer exactly as the normal
executor does: the same JSON, the same refusals (message, path, code) and nulls, and the same
audit events, for every main read, as roles with different permissions.

Two apps share one database: one runs registered queries from their plan (the default), the
other with `compiled_operations` off. Each operation is registered, then sent by its hash to
both, one after the other, and the audit rows each request wrote are compared.
"""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent, AuditEventPatient
from schema import compiled
from tests.conftest import make_settings
from tests.fixtures.graphql import app_for
from tests.fixtures.patients import create_patient_record
from tests.fixtures.scheduling import book, days_ahead, make_clinic

APPOINTMENT = """
  id __typename status startsAt endsAt reason notes cancellationReason version
  patient { id mrn familyName givenName birthDate phone ssn }
  appointmentType { id name durationMinutes color }
  room { id name }
"""
DAY = f"""
query Day($location: ID!, $date: Date!) {{
  schedule(locationId: $location, date: $date) {{
    date
    location {{ id name timezone }}
    providers {{
      provider {{ id name specialty }}
      appointments {{ {APPOINTMENT} }}
    }}
  }}
}}
"""
CHART = """
query Chart($id: ID!) {
  patient(id: $id) {
    ...Chart
    address { line1 line2 city state postalCode }
    allergies { id substance category reaction severity status }
    problems { id icd10Code description status onsetDate }
    coverages { payerName memberId priority relationship }
    notes { id }
  }
}
fragment Chart on Patient {
  id mrn familyName givenName middleName preferredName birthDate sex genderIdentity
  email phone language ssn
  name: familyName
}
"""
PAGE = """
query Page($first: Int) {
  patients(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id mrn familyName allergies { substance } problems { icd10Code } } }
  }
}
"""
APPOINTMENTS = f"""
query Visits($from: DateTime!, $to: DateTime!) {{
  appointments(from: $from, to: $to) {{ {APPOINTMENT} }}
}}
"""
NODE = """
query Node($id: ID!) { node(id: $id) { id ... on Patient { mrn ssn } } }
"""
SKIPPED = """
query Skipped($id: ID!, $hide: Boolean!) { patient(id: $id) { id mrn @skip(if: $hide) } }
"""
OPERATIONS = {
    "day view": (DAY, True),
    "patient detail": (CHART, True),
    "patients page": (PAGE, True),
    "appointments": (APPOINTMENTS, True),
    "node": (NODE, False),  # an interface: its type is known only at runtime
    "directive": (SKIPPED, False),
}
ROLES = ("provider", "front_desk", "biller", "nurse", None)  # None: no token at all


def sha(document):
    return hashlib.sha256(document.encode()).hexdigest()


def by_hash(document, variables):
    persisted = {"version": 1, "sha256Hash": sha(document)}
    return {"extensions": {"persistedQuery": persisted}, "variables": variables}


async def audit_after(runtime, seq):
    """What the audit trail holds past `seq`, as a request's comparison needs it."""
    async with runtime.sessions() as session:
        events = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)
            )
        ).all()
        links = (
            await session.execute(
                select(AuditEventPatient.event_seq, AuditEventPatient.patient_id).where(
                    AuditEventPatient.event_seq > seq
                )
            )
        ).all()
    patients = {e.seq: sorted(p for s, p in links if s == e.seq) for e in events}
    rows = [
        (
            e.actor_username,
            e.actor_roles,
            e.action,
            e.resource_type,
            e.resource_id,
            e.resource_ids,
            e.patient_id,
            e.outcome,
            e.break_glass,
            e.detail,
            patients[e.seq],
        )
        for e in events
    ]
    return rows, max((e.seq for e in events), default=seq)


async def last_seq(runtime):
    return (await audit_after(runtime, -1))[1]


@pytest.fixture
def runs(monkeypatch):
    """How many selections ran from a plan."""
    counted = {"runs": 0}
    run = compiled.CompiledExecutor._run

    def counting(self, plan, source, path):
        counted["runs"] += 1
        return run(self, plan, source, path)

    monkeypatch.setattr(compiled.CompiledExecutor, "_run", counting)
    return counted


async def test_registered_queries_answer_and_audit_as_the_normal_executor(database_url, runs):
    settings = make_settings(database_url)
    plain = make_settings(database_url, compiled_operations=False)
    async with app_for(settings) as (client, runtime), app_for(plain) as (normal, _):
        # given a day with visits of two patients with full records, at two providers
        clinic = await make_clinic(runtime, providers=(None, None))
        provider = await client.login("provider")
        front_desk = await client.login("front_desk")
        records = [await create_patient_record(client) for _ in range(2)]
        day = days_ahead(clinic, 3)
        for index, record in enumerate(records):
            for hour in (9, 11):
                await book(
                    front_desk,
                    clinic,
                    record.patient_id,
                    clinic.at(day, hour + index),
                    providerId=clinic.provider_gid(index),
                    reason="Cough",
                    roomId=clinic.room_id(),
                )
        start = clinic.at(day, 0)
        variables = {
            "location": clinic.location_id,
            "date": day.isoformat(),
            "id": records[0].patient_id,
            "first": 1,
            "from": start.isoformat(),
            "to": (start + timedelta(days=1)).isoformat(),
            "hide": False,
        }
        tokens = {None: None}
        for role in ROLES[:-1]:
            tokens[role] = (await client.login(role)).token
        for document, _ in OPERATIONS.values():
            registered = await client.http.post(
                "/graphql",
                json={**by_hash(document, variables), "query": document},
                headers={"Authorization": f"Bearer {provider.token}"},
            )
            assert registered.status_code == 200, registered.text

        compared = 0
        for name, (document, compiles) in OPERATIONS.items():
            for role in ROLES:
                headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
                seq = await last_seq(runtime)
                before = runs["runs"]
                # when the same registered operation runs both ways
                fast = await client.http.post(
                    "/graphql", json=by_hash(document, variables), headers=headers
                )
                ran_planned = runs["runs"] > before
                fast_audit, seq = await audit_after(runtime, seq)
                slow = await normal.http.post(
                    "/graphql", json=by_hash(document, variables), headers=headers
                )
                slow_audit, _ = await audit_after(runtime, seq)
                # then
                context = f"{name} as {role}"
                assert ran_planned is compiles, context
                assert fast.status_code == slow.status_code == 200, context
                assert fast.json() == slow.json(), context
                assert fast_audit == slow_audit, context
                compared += 1
                if role == "biller" and name == "day view":  # refusals, compared above
                    errors = fast.json()["errors"]
                    assert {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}
                    assert any(row[7] == "denied" for row in fast_audit)
                if role == "provider":
                    assert all(fast.json()["data"].values()), context
        assert compared == len(OPERATIONS) * len(ROLES)
        assert runs["runs"] > 0


def without_request_ids(body):
    for error in body.get("errors") or []:
        error.get("extensions", {}).pop("requestId", None)
    return body


async def test_an_unexpected_error_in_a_leaf_is_masked_and_nulled_as_normally(
    database_url, runs, monkeypatch
):
    from schema.patients.types import PatientNode

    settings = make_settings(database_url)
    plain = make_settings(database_url, compiled_operations=False)
    async with app_for(settings) as (client, _), app_for(plain) as (normal, _):
        # given a patient whose given name cannot be read (non-null: the patient is nulled)
        record = await create_patient_record(client)
        provider = await client.login("provider")

        def broken(_node):
            raise RuntimeError("the attribute failed")

        monkeypatch.setattr(
            PatientNode, "given_name", property(broken, lambda *_: None), raising=False
        )
        body = {**by_hash(CHART, {"id": record.patient_id}), "query": CHART}
        headers = {"Authorization": f"Bearer {provider.token}"}
        # when
        fast = await client.http.post("/graphql", json=body, headers=headers)
        slow = await normal.http.post("/graphql", json=body, headers=headers)
        # then
        assert runs["runs"] > 0
        answer = without_request_ids(fast.json())
        assert answer == without_request_ids(slow.json())
        assert answer == {
            "data": {"patient": None},
            "errors": [
                {
                    "message": "Internal server error.",
                    "locations": [{"line": 13, "column": 21}],  # in the fragment
                    "path": ["patient", "givenName"],
                    "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                }
            ],
        }
