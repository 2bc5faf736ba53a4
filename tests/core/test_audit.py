"""The audit trail: who read or changed what, from where; append-only and hash-chained."""

from __future__ import annotations

import asyncio
import json
import subprocess
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from strawberry import relay

from app.audit import trail
from app.audit.models import AuditEvent
from app.db import utcnow
from app.patients.models import BreakGlassGrant, Patient
from tests.fixtures.cli import practice_in_process
from tests.fixtures.graphql import LOGIN, GraphQLClient, error_codes
from tests.fixtures.patients import create_patient, create_patient_record

CLIENT_IP = "203.0.113.7"

READ_PATIENT = "query ($id: ID!) { patient(id: $id) { id mrn familyName } }"

READ_PATIENTS_WITH_LISTS = """
query ($first: Int!) {
  patients(first: $first) {
    edges { node { id allergies { id } problems { id } coverages { id } notes { id } } }
  }
}
"""

READ_SSN = "query ($id: ID!) { patient(id: $id) { ssn } }"

READ_ALLERGIES = "query ($id: ID!) { patient(id: $id) { id allergies { id } } }"

READ_NOTES = "query ($id: ID!) { patient(id: $id) { id notes { id title } } }"

CREATE_PATIENT = """
mutation ($input: CreatePatientInput!) {
  createPatient(input: $input) { patient { id } userErrors { field code } }
}
"""

CREATE_TWO_PATIENTS = """
mutation ($good: CreatePatientInput!, $bad: CreatePatientInput!) {
  good: createPatient(input: $good) { patient { id } userErrors { field code } }
  bad: createPatient(input: $bad) { patient { id } userErrors { field code } }
}
"""

BREAK_GLASS = """
mutation ($patientId: ID!, $reason: String!) {
  breakGlass(input: {patientId: $patientId, reason: $reason}) {
    expiresAt userErrors { field code message }
  }
}
"""

AUDIT_EVENTS = """
query ($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        seq occurredAt actorUsername actorRoles action resourceType resourceId patientId
        requestId ip outcome breakGlass detail hash
      }
    }
  }
}
"""

REASON = "Patient in ED, covering clinician asked for history"


def pk(global_id: str) -> int:
    return int(relay.GlobalID.from_id(global_id).node_id)


def instant(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurredAt"])


def new_patient_input(**fields: Any) -> dict[str, Any]:
    return {
        "familyName": "Audit",
        "givenName": "Alma",
        "birthDate": "1975-03-09",
        "sex": "FEMALE",
        **fields,
    }


async def audit_rows(runtime: Any, **where: Any) -> list[AuditEvent]:
    """Audit events straight from the table (reading them this way records nothing)."""
    async with runtime.sessions() as session:
        stmt = select(AuditEvent).order_by(AuditEvent.seq)
        for name, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, name) == value)
        return list((await session.scalars(stmt)).all())


async def event_patients(runtime: Any, seqs: list[int]) -> dict[int, list[int]]:
    """The patients each (folded read) event names, by seq."""
    async with runtime.sessions() as session:
        return await trail.patients_of_events(session, seqs)


async def count_rows(runtime: Any, model: type) -> int:
    async with runtime.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def execute_sql(runtime: Any, *statements: Any) -> None:
    async with runtime.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement) if isinstance(statement, str) else statement)


def is_postgres(runtime: Any) -> bool:
    return runtime.engine.dialect.name == "postgresql"


async def allow_tampering(runtime: Any) -> None:
    """What an attacker with database access does first: take the append-only triggers away."""
    if is_postgres(runtime):
        await execute_sql(
            runtime, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"
        )
    else:
        await execute_sql(
            runtime, "DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"
        )


async def refuse_audit_inserts(runtime: Any) -> None:
    """The audit table stops taking rows (a full disk, a broken replica, a revoked grant)."""
    if is_postgres(runtime):
        await execute_sql(
            runtime,
            "CREATE TRIGGER audit_events_down BEFORE INSERT ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()",
        )
    else:
        await execute_sql(
            runtime,
            "CREATE TRIGGER audit_events_down BEFORE INSERT ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit trail down'); END",
        )


def run_verify(database_url: str) -> subprocess.CompletedProcess[str]:
    """`practice audit verify` in this process (tests/core/test_cli.py runs it as a process)."""
    return practice_in_process(database_url, "audit", "verify", test_settings=False)


def forged_copy(event: AuditEvent) -> dict[str, Any]:
    values = {name: getattr(event, name) for name in (*trail.HASHED_FIELDS, "key_id", "hash")}
    return {**values, "actor_username": "nobody"}


async def audit_page(officer: Any, **variables: Any) -> list[dict[str, Any]]:
    data = await officer.data(AUDIT_EVENTS, **{"first": 100, **variables})
    return [edge["node"] for edge in data["auditEvents"]["edges"]]


# who read what, from where ----------------------------------------------------------------------
async def test_reading_a_patient_records_who_what_when_and_from_where(client, runtime):
    # given
    provider = await client.login("provider")
    admin = await client.login("admin")
    front_desk = await client.login("front_desk")
    patient_id = (await create_patient(provider, ssn="123-45-6789"))["id"]
    before = utcnow()
    # when
    response = await provider.post(READ_PATIENT, {"id": patient_id})
    full_ssn = await admin.post(READ_SSN, {"id": patient_id})
    masked_ssn = await front_desk.post(READ_SSN, {"id": patient_id})
    # then
    assert response.json()["data"]["patient"]["id"] == patient_id
    events = await audit_rows(runtime, request_id=response.headers["x-request-id"])
    assert len(events) == 1
    event = events[0]
    assert (event.actor_username, event.actor_roles) == ("provider", "provider")
    assert event.actor_user_id is not None
    assert (event.action, event.resource_type) == ("read", "Patient")
    assert (event.resource_id, event.patient_id) == (str(pk(patient_id)), pk(patient_id))
    assert (event.ip, event.outcome, event.break_glass) == (CLIENT_IP, "success", False)
    assert before <= event.occurred_at <= utcnow()
    # and the full SSN is a disclosure of its own; the masked one is not
    assert full_ssn.json()["data"]["patient"]["ssn"] == "123-45-6789"
    assert masked_ssn.json()["data"]["patient"]["ssn"] == "***-**-6789"
    full_reads = await audit_rows(runtime, request_id=full_ssn.headers["x-request-id"])
    masked_reads = await audit_rows(runtime, request_id=masked_ssn.headers["x-request-id"])
    assert sorted(e.resource_type for e in full_reads) == ["Patient", "Patient.ssn"]
    assert [e.resource_type for e in masked_reads] == ["Patient"]


async def test_every_event_of_a_request_carries_its_request_id_and_address(client, runtime):
    # given
    record = await create_patient_record(client)
    login = await client.post(LOGIN, {"username": "biller", "password": "demo"})
    biller = GraphQLClient(client.http, login.json()["data"]["login"]["accessToken"])
    failed_login = await client.post(LOGIN, {"username": "biller", "password": "wrong"})
    # when
    read = await biller.post(READ_PATIENT, {"id": record.patient_id})
    denied = await biller.post(READ_ALLERGIES, {"id": record.patient_id})
    grant = await biller.post(BREAK_GLASS, {"patientId": record.patient_id, "reason": REASON})
    # then
    assert error_codes(denied.json()) == ["FORBIDDEN"]
    for response, expected in (
        (login, {("login", "User", "success")}),
        (failed_login, {("login", "User", "invalid_credentials")}),
        (read, {("read", "Patient", "success")}),
        (denied, {("read", "Patient", "success"), ("read", "AllergyIntolerance", "denied")}),
        (grant, {("break_glass", "Patient", "success")}),
    ):
        events = await audit_rows(runtime, request_id=response.headers["x-request-id"])
        assert {(e.action, e.resource_type, e.outcome) for e in events} == expected
        assert {(e.actor_username, e.ip) for e in events} == {("biller", CLIENT_IP)}


async def test_reading_lists_of_patients_records_each_list_of_each_patient(client, runtime):
    # given three patients with every kind of record
    records = [await create_patient_record(client) for _ in range(3)]
    provider = await client.login("provider")
    # when
    response = await provider.post(READ_PATIENTS_WITH_LISTS, {"first": 3})
    # then
    nodes = [edge["node"] for edge in response.json()["data"]["patients"]["edges"]]
    assert {n["id"] for n in nodes} == {r.patient_id for r in records}
    assert all(
        len(n[name]) == 1 for n in nodes for name in ("allergies", "problems", "coverages", "notes")
    )
    events = await audit_rows(runtime, request_id=response.headers["x-request-id"])
    links = await event_patients(runtime, [e.seq for e in events])
    kinds = ["AllergyIntolerance", "ClinicalNote", "Condition", "Coverage", "Patient"]
    # one event a kind of record, naming each patient whose records were read
    assert sorted(e.resource_type for e in events) == kinds
    patients = sorted(pk(r.patient_id) for r in records)
    assert all(links[e.seq] == patients for e in events)
    patient_reads = next(e for e in events if e.resource_type == "Patient")
    assert json.loads(patient_reads.resource_ids) == [str(p) for p in patients]
    assert {(e.action, e.actor_username, e.ip) for e in events} == {("read", "provider", CLIENT_IP)}


async def test_an_audit_trail_that_cannot_record_stops_reads_and_writes(client, runtime):
    # given
    provider = await client.login("provider")
    patient_id = (await create_patient(provider, familyName="Hidden"))["id"]
    patients_before = await count_rows(runtime, Patient)
    await refuse_audit_inserts(runtime)
    # when
    read = await provider.execute(READ_PATIENT, id=patient_id)
    write = await provider.execute(CREATE_PATIENT, input=new_patient_input())
    # then no patient data leaves unaudited, and nothing is written unaudited
    assert read["data"] is None and "Hidden" not in str(read)
    assert error_codes(read) == ["INTERNAL_SERVER_ERROR"]
    assert write["data"] is None or write["data"]["createPatient"] is None
    assert "INTERNAL_SERVER_ERROR" in error_codes(write)
    assert await count_rows(runtime, Patient) == patients_before


# writes ---------------------------------------------------------------------------------------
async def test_a_write_commits_with_its_event_and_a_refused_one_leaves_neither(client, runtime):
    # given
    provider = await client.login("provider")
    patients_before = await count_rows(runtime, Patient)
    # when, in one operation, a patient is created and another refused for an invalid SSN
    # (found only after the new MRN was drawn and the row built)
    response = await provider.post(
        CREATE_TWO_PATIENTS,
        {
            "good": new_patient_input(givenName="Good"),
            "bad": new_patient_input(givenName="Bad", ssn="000-12-3456"),
        },
    )
    # then
    data = response.json()["data"]
    assert data["bad"] == {
        "patient": None,
        "userErrors": [{"field": ["ssn"], "code": "INVALID_SSN"}],
    }
    good_id = pk(data["good"]["patient"]["id"])
    assert await count_rows(runtime, Patient) == patients_before + 1
    events = await audit_rows(runtime, request_id=response.headers["x-request-id"])
    assert [
        (e.action, e.resource_type, e.resource_id, e.patient_id, e.actor_username, e.ip)
        for e in events
    ] == [("create", "Patient", str(good_id), good_id, "provider", CLIENT_IP)]
    async with runtime.sessions() as session:
        assert (await trail.verify(session, runtime.settings)).ok


async def test_concurrent_requests_extend_one_unbroken_chain(client, runtime):
    # given
    record = await create_patient_record(client)
    readers = [await client.login(role) for role in ("provider", "nurse", "admin", "front_desk")]
    # when
    responses = await asyncio.gather(
        *(
            reader.post(READ_PATIENT, {"id": record.patient_id})
            for reader in readers
            for _ in range(3)
        )
    )
    # then
    assert all(r.json()["data"]["patient"]["id"] == record.patient_id for r in responses)
    events = await audit_rows(runtime)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    for response in responses:
        assert len(await audit_rows(runtime, request_id=response.headers["x-request-id"])) == 1
    async with runtime.sessions() as session:
        assert (await trail.verify(session, runtime.settings)).ok


# the chain ------------------------------------------------------------------------------------
async def test_the_cli_verifies_the_chain_and_names_the_first_tampered_event(
    client, runtime, database_url
):
    # given some history
    await create_patient_record(client)
    seqs = [e.seq for e in await audit_rows(runtime)]
    victim = seqs[len(seqs) // 2]
    # when
    async with runtime.sessions() as session:
        report = await trail.verify(session, runtime.settings)
    intact = run_verify(database_url)
    # then
    assert report.ok and report.checked == len(seqs) > 10
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert intact.stdout.startswith("OK") and f"{len(seqs)} audit events" in intact.stdout
    # when someone with database access rewrites who did it
    await allow_tampering(runtime)
    await execute_sql(
        runtime, update(AuditEvent).where(AuditEvent.seq == victim).values(actor_username="nobody")
    )
    tampered = run_verify(database_url)
    # then
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert f"TAMPERED: event {victim}:" in tampered.stdout
    assert f"({victim - 1} events before it are intact)" in tampered.stdout


async def test_deleting_an_event_from_the_middle_breaks_the_chain(client, runtime):
    # given
    await create_patient_record(client)
    seqs = [e.seq for e in await audit_rows(runtime)]
    victim = seqs[len(seqs) // 2]
    await allow_tampering(runtime)
    # when
    await execute_sql(runtime, f"DELETE FROM audit_events WHERE seq = {victim}")
    async with runtime.sessions() as session:
        report = await trail.verify(session, runtime.settings)
    # then
    assert (report.ok, report.first_bad_seq, report.checked) == (False, victim, victim - 1)


async def test_a_recorded_head_catches_events_cut_off_the_end(client, runtime):
    # given a head recorded outside the database
    await create_patient_record(client)
    async with runtime.sessions() as session:
        before = await trail.verify(session, runtime.settings)
    head = (before.checked, before.head_hash)
    await allow_tampering(runtime)
    # when the newest events are deleted
    await execute_sql(runtime, f"DELETE FROM audit_events WHERE seq >= {head[0] - 1}")
    async with runtime.sessions() as session:
        alone = await trail.verify(session, runtime.settings)
        anchored = await trail.verify(session, runtime.settings, head)
    # then the chain alone cannot tell, the recorded head can
    assert alone.ok and alone.checked == head[0] - 2
    assert (anchored.ok, anchored.first_bad_seq) == (False, head[0] - 1)
    assert "cut short" in (anchored.problem or "")


async def test_a_forged_event_with_a_recomputed_hash_is_caught_at_itself(client, runtime):
    # given
    await create_patient_record(client)
    events = await audit_rows(runtime)
    victim = events[len(events) // 2]
    await allow_tampering(runtime)
    # when the forger rewrites the event and recomputes its hash (without the chain's key)
    forged_hash = trail.event_hash(forged_copy(victim), None)
    await execute_sql(
        runtime,
        update(AuditEvent)
        .where(AuditEvent.seq == victim.seq)
        .values(actor_username="nobody", hash=forged_hash),
    )
    async with runtime.sessions() as session:
        report = await trail.verify(session, runtime.settings)
    # then
    assert (report.ok, report.first_bad_seq) == (False, victim.seq)


async def test_the_database_refuses_to_change_or_delete_audit_events(client, runtime):
    # given
    await client.login("nurse")
    events = await audit_rows(runtime)
    assert events
    dialect = postgresql if is_postgres(runtime) else sqlite
    upsert = (
        dialect.insert(AuditEvent)
        .values(forged_copy(events[0]))
        .on_conflict_do_update(index_elements=["seq"], set_={"actor_username": "nobody"})
    )
    # when / then
    for statement in (
        "UPDATE audit_events SET actor_username = 'nobody'",
        f"UPDATE audit_events SET outcome = 'success' WHERE seq = {events[-1].seq}",
        f"DELETE FROM audit_events WHERE seq = {events[0].seq}",
        "DELETE FROM audit_events",
        upsert,
        *(["TRUNCATE audit_events"] if is_postgres(runtime) else []),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            await execute_sql(runtime, statement)
    after = await audit_rows(runtime)
    assert [(e.seq, e.hash, e.actor_username) for e in after] == [
        (e.seq, e.hash, e.actor_username) for e in events
    ]


async def test_insert_or_replace_cannot_overwrite_an_audit_event(client, runtime):
    # given (SQLite only: PostgreSQL has no REPLACE; its upsert is refused, see above)
    if is_postgres(runtime):
        pytest.skip("INSERT OR REPLACE is SQLite syntax")
    await client.login("nurse")
    original = (await audit_rows(runtime))[0]
    replace = sqlite.insert(AuditEvent).values(forged_copy(original)).prefix_with("OR REPLACE")
    # when
    with pytest.raises(DBAPIError, match="append-only"):
        await execute_sql(runtime, replace)
    # then
    assert (await audit_rows(runtime))[0].actor_username == original.actor_username


# auditEvents (who may read it: tests/core/test_guards.py) -----------------------------------
async def test_audit_events_come_newest_first_page_by_page_and_each_read_is_audited(
    client, runtime
):
    # given
    officer = await client.login("compliance_officer")
    existing = [e.seq for e in await audit_rows(runtime)]
    # when paging while each page read adds an event to the trail
    response = await officer.post(AUDIT_EVENTS, {"first": 3})
    first = response.json()["data"]["auditEvents"]
    second = (await officer.data(AUDIT_EVENTS, first=3, after=first["pageInfo"]["endCursor"]))[
        "auditEvents"
    ]
    rest = (await officer.data(AUDIT_EVENTS, first=100, after=second["pageInfo"]["endCursor"]))[
        "auditEvents"
    ]
    # then every event shows once, newest first, and the last page says so
    seqs = [e["node"]["seq"] for page in (first, second, rest) for e in page["edges"]]
    assert seqs == sorted(existing, reverse=True)
    assert first["totalCount"] == len(existing)
    assert first["pageInfo"]["hasNextPage"] and second["pageInfo"]["hasNextPage"]
    assert not rest["pageInfo"]["hasNextPage"]
    # and the reading itself is in the trail
    read = await audit_rows(runtime, request_id=response.headers["x-request-id"])
    assert [(e.actor_username, e.action, e.resource_type, e.ip, e.detail) for e in read] == [
        ("compliance_officer", "read", "AuditEvent", CLIENT_IP, '{"count": 3}')
    ]


async def test_audit_events_filter_by_patient_actor_time_and_break_glass(client, runtime):
    # given: a provider and a nurse read two patients; the front desk breaks the glass on one
    record = await create_patient_record(client)
    other_id = (await create_patient(await client.login("provider")))["id"]
    provider = await client.login("provider")
    nurse = await client.login("nurse")
    front_desk = await client.login("front_desk")
    officer = await client.login("compliance_officer")
    await provider.data(READ_PATIENT, id=record.patient_id)
    await nurse.data(READ_PATIENT, id=record.patient_id)
    await nurse.data(READ_PATIENT, id=other_id)
    await front_desk.data(BREAK_GLASS, patientId=record.patient_id, reason=REASON)
    await front_desk.data(READ_NOTES, id=record.patient_id)
    everything = await audit_page(officer)
    # when
    by_patient = await audit_page(officer, filter={"patientId": record.patient_id})
    by_nurse = await audit_page(officer, filter={"actorUsername": "nurse"})
    both = await audit_page(officer, filter={"patientId": other_id, "actorUsername": "nurse"})
    break_glass = await audit_page(officer, filter={"breakGlassOnly": True})
    middle = everything[len(everything) // 2]
    since = await audit_page(officer, filter={"since": middle["occurredAt"]})
    until = await audit_page(officer, filter={"until": middle["occurredAt"]})
    response = await officer.post(AUDIT_EVENTS, {"filter": {"patientId": record.patient_id}})
    # then
    assert by_patient and {e["patientId"] for e in by_patient} == {record.patient_id}
    assert {("provider", "read", "Patient"), ("nurse", "read", "Patient")} <= {
        (e["actorUsername"], e["action"], e["resourceType"]) for e in by_patient
    }
    assert {e["seq"] for e in by_patient} == {
        e["seq"] for e in everything if e["patientId"] == record.patient_id
    }
    assert {(e["actorUsername"], e["patientId"]) for e in by_nurse} == {
        ("nurse", record.patient_id),
        ("nurse", other_id),
        ("nurse", None),
    }  # None: the login
    assert [(e["action"], e["resourceType"], e["patientId"], e["actorUsername"]) for e in both] == [
        ("read", "Patient", other_id, "nurse")
    ]
    assert {(e["actorUsername"], e["action"], e["resourceType"]) for e in break_glass} == {
        ("front_desk", "break_glass", "Patient"),
        ("front_desk", "read", "ClinicalNote"),
    }
    assert {e["patientId"] for e in break_glass} == {record.patient_id}
    everything_seqs = {e["seq"] for e in everything}
    assert {e["seq"] for e in since} & everything_seqs == {
        e["seq"] for e in everything if instant(e) >= instant(middle)
    }
    assert {e["seq"] for e in until} & everything_seqs == {
        e["seq"] for e in everything if instant(e) < instant(middle)
    }
    assert until and {e["seq"] for e in until} <= everything_seqs
    for page in (everything, by_patient, by_nurse, break_glass, since, until):
        assert [e["seq"] for e in page] == sorted((e["seq"] for e in page), reverse=True)
    # and a read of one patient's trail is recorded against that patient
    read = await audit_rows(runtime, request_id=response.headers["x-request-id"])
    assert [(e.resource_type, e.patient_id) for e in read] == [
        ("AuditEvent", pk(record.patient_id))
    ]


async def test_audit_events_refuse_input_they_cannot_honour(client):
    # given
    record = await create_patient_record(client)
    officer = await client.login("compliance_officer")
    # when
    not_a_patient = await officer.execute(AUDIT_EVENTS, filter={"patientId": record.note_id})
    naive_time = await officer.execute(AUDIT_EVENTS, filter={"since": "2026-01-01T00:00:00"})
    foreign_cursor = await officer.execute(AUDIT_EVENTS, first=3, after="bm90LWEtY3Vyc29y")
    too_many = await officer.execute(AUDIT_EVENTS, first=100_000)
    # then
    for body in (not_a_patient, naive_time, foreign_cursor, too_many):
        assert body["data"] is None and error_codes(body) == ["BAD_USER_INPUT"]


# break-glass ----------------------------------------------------------------------------------
async def test_break_glass_opens_one_patients_notes_and_flags_each_read(client, runtime):
    # given the front desk, refused a patient's notes
    record = await create_patient_record(client)
    other = await create_patient_record(client)
    front_desk = await client.login("front_desk")
    nurse = await client.login("nurse")
    refused = await front_desk.post(READ_NOTES, {"id": record.patient_id})
    before = utcnow()
    # when
    grant = await front_desk.post(BREAK_GLASS, {"patientId": record.patient_id, "reason": REASON})
    read = await front_desk.post(READ_NOTES, {"id": record.patient_id})
    elsewhere = await front_desk.execute(READ_NOTES, id=other.patient_id)
    by_right = await nurse.post(READ_NOTES, {"id": record.patient_id})
    # then the refusal was recorded as denied
    assert error_codes(refused.json()) == ["FORBIDDEN"]
    assert refused.json()["errors"][0]["path"] == ["patient", "notes"]
    denied = await audit_rows(
        runtime, request_id=refused.headers["x-request-id"], resource_type="ClinicalNote"
    )
    assert [
        (e.actor_username, e.action, e.outcome, e.patient_id, e.break_glass) for e in denied
    ] == [("front_desk", "read", "denied", pk(record.patient_id), False)]
    # and the grant, for this patient only, for a while, with its reason on record
    payload = grant.json()["data"]["breakGlass"]
    assert payload["userErrors"] == []
    expires_at = datetime.fromisoformat(payload["expiresAt"])
    assert before + timedelta(minutes=60) <= expires_at <= utcnow() + timedelta(minutes=60)
    assert [n["id"] for n in read.json()["data"]["patient"]["notes"]] == [record.note_id]
    assert error_codes(elsewhere) == ["FORBIDDEN"]
    granted = await audit_rows(runtime, request_id=grant.headers["x-request-id"])
    assert [(e.action, e.actor_username, e.patient_id, e.break_glass) for e in granted] == [
        ("break_glass", "front_desk", pk(record.patient_id), True)
    ]
    assert REASON in (granted[0].detail or "")
    # and reads under the grant are flagged; reads by right are not
    reads = await audit_rows(runtime, request_id=read.headers["x-request-id"])
    assert {(e.resource_type, e.break_glass, e.outcome) for e in reads} == {
        ("Patient", False, "success"),
        ("ClinicalNote", True, "success"),
    }
    assert [n["id"] for n in by_right.json()["data"]["patient"]["notes"]] == [record.note_id]
    nurse_reads = await audit_rows(runtime, request_id=by_right.headers["x-request-id"])
    assert {(e.resource_type, e.break_glass) for e in nurse_reads} == {
        ("Patient", False),
        ("ClinicalNote", False),
    }


async def test_break_glass_needs_a_stated_reason(client, runtime):
    # given
    record = await create_patient_record(client)
    front_desk = await client.login("front_desk")
    # when
    response = await front_desk.post(
        BREAK_GLASS, {"patientId": record.patient_id, "reason": "  urgent   "}
    )
    notes = await front_desk.execute(READ_NOTES, id=record.patient_id)
    # then
    payload = response.json()["data"]["breakGlass"]
    assert payload["expiresAt"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("BREAK_GLASS_REASON_REQUIRED", ["reason"])
    ]
    assert await count_rows(runtime, BreakGlassGrant) == 0
    assert await audit_rows(runtime, request_id=response.headers["x-request-id"]) == []
    assert error_codes(notes) == ["FORBIDDEN"]


async def test_an_expired_break_glass_grant_opens_nothing(client, runtime):
    # given a grant that worked
    record = await create_patient_record(client)
    front_desk = await client.login("front_desk")
    await front_desk.data(BREAK_GLASS, patientId=record.patient_id, reason=REASON)
    assert (await front_desk.data(READ_NOTES, id=record.patient_id))["patient"]["notes"]
    # when its time is up
    await execute_sql(
        runtime, update(BreakGlassGrant).values(expires_at=utcnow() - timedelta(seconds=1))
    )
    response = await front_desk.post(READ_NOTES, {"id": record.patient_id})
    # then
    assert error_codes(response.json()) == ["FORBIDDEN"]
    events = await audit_rows(
        runtime, request_id=response.headers["x-request-id"], resource_type="ClinicalNote"
    )
    assert [(e.outcome, e.break_glass) for e in events] == [("denied", False)]


async def test_a_refused_root_field_is_recorded_as_denied(client, runtime):
    # given a role with no right to patient data
    stock = await client.login("inventory_manager")
    # when it asks for patients and for the audit trail
    body = await stock.execute("{ patients(first: 5) { totalCount } }")
    trail_body = await stock.execute("{ auditEvents(first: 1) { totalCount } }")
    # then both are refused, and each refusal is in the trail with who asked for what
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert trail_body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    denied = await audit_rows(runtime, outcome="denied")
    assert [
        (e.actor_username, e.resource_type, e.action, json.loads(e.detail)) for e in denied
    ] == [
        ("inventory_manager", "patient", "read", {"field": "patients"}),
        ("inventory_manager", "audit_event", "read", {"field": "auditEvents"}),
    ]
    assert all(e.ip == CLIENT_IP and e.request_id for e in denied)
