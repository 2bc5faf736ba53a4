"""The reads of one request are one audit event a kind of record, listing the records read and
naming every patient they belong to: found by each patient, sealed in the chain."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.core.test_audit import (
    READ_PATIENTS_WITH_LISTS,
    audit_page,
    audit_rows,
    event_patients,
    execute_sql,
    is_postgres,
    pk,
    run_verify,
)
from tests.fixtures.patients import create_patient_record

KINDS = ["AllergyIntolerance", "ClinicalNote", "Condition", "Coverage", "Patient"]
AUDIT_EVENTS = """
query ($filter: AuditEventFilter) {
  auditEvents(filter: $filter, first: 100) {
    edges { node { seq action resourceType resourceId resourceIds patientId patientIds requestId } }
  }
}
"""


async def read_three_patients(client):
    """Three patients with a record of each kind, listed by a provider: (patients, request id)."""
    records = [await create_patient_record(client) for _ in range(3)]
    provider = await client.login("provider")
    response = await provider.post(READ_PATIENTS_WITH_LISTS, {"first": 3})
    assert not response.json().get("errors")
    return [r.patient_id for r in records], response.headers["x-request-id"]


async def test_a_request_reading_many_patients_is_found_by_each_patient(client, runtime):
    # given a provider's list of three patients with all their records
    patients, request_id = await read_three_patients(client)
    officer = await client.login("compliance_officer")
    # when the trail is searched for each patient
    for patient in patients:
        data = await officer.data(AUDIT_EVENTS, filter={"patientId": patient})
        reads = [e["node"] for e in data["auditEvents"]["edges"]]
        reads = [e for e in reads if e["requestId"] == request_id]
        # then every kind of record read is there, once, naming all three patients
        assert sorted(e["resourceType"] for e in reads) == KINDS
        for event in reads:
            assert event["action"] == "read"
            assert sorted(event["patientIds"]) == sorted(patients)
            assert event["patientId"] is None  # several patients: see patientIds
        listed = next(e for e in reads if e["resourceType"] == "Patient")
        assert listed["resourceIds"] == sorted((str(pk(p)) for p in patients), key=int)
    # and the request wrote one event a kind of record, not one a record
    assert len(await audit_rows(runtime, request_id=request_id)) == len(KINDS)


async def test_a_single_read_still_names_its_record_and_patient(client, runtime):
    # given
    record = await create_patient_record(client)
    provider = await client.login("provider")
    response = await provider.post(READ_PATIENTS_WITH_LISTS, {"first": 1})
    officer = await client.login("compliance_officer")
    # when
    events = await audit_page(officer, filter={"patientId": record.patient_id})
    # then the read looks as a single read always did
    request_id = response.headers["x-request-id"]
    read = next(
        e for e in events if e["requestId"] == request_id and e["resourceType"] == "Patient"
    )
    assert read["patientId"] == record.patient_id
    assert read["resourceId"] == str(pk(record.patient_id))


async def unlink(runtime, statement: str) -> None:
    """An attacker drops the links' append-only triggers, then changes the links."""
    if is_postgres(runtime):
        disable = (
            "ALTER TABLE audit_event_patients DISABLE TRIGGER audit_event_patients_append_only"
        )
        await execute_sql(runtime, disable, statement)
    else:
        drop = ("DROP TRIGGER audit_event_patients_no_delete",)
        await execute_sql(runtime, *drop, statement)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            "DELETE FROM audit_event_patients WHERE event_seq = {seq} AND patient_id = {patient}",
            id="patient-removed",
        ),
        pytest.param(
            "INSERT INTO audit_event_patients (event_seq, patient_id) VALUES ({seq}, 999999)",
            id="patient-added",
        ),
    ],
)
async def test_a_changed_patient_link_is_named_by_verify(client, runtime, database_url, change):
    # given a folded read the chain verifies
    patients, request_id = await read_three_patients(client)
    assert run_verify(database_url).returncode == 0
    event = (await audit_rows(runtime, request_id=request_id))[0]
    assert len((await event_patients(runtime, [event.seq]))[event.seq]) == 3
    # when someone with the database hides a patient from it, or adds one
    await unlink(runtime, change.format(seq=event.seq, patient=pk(patients[0])))
    result = run_verify(database_url)
    # then
    assert result.returncode == 1 and f"TAMPERED: event {event.seq}:" in result.stdout, (
        result.stdout
    )


@pytest.mark.parametrize("change", ["update", "delete", "replace"])
async def test_the_patient_links_are_append_only(client, runtime, change):
    # given
    await read_three_patients(client)
    statement = {
        "update": "UPDATE audit_event_patients SET patient_id = 999999",
        "delete": "DELETE FROM audit_event_patients",
        # INSERT OR REPLACE deletes without a DELETE trigger; PostgreSQL has TRUNCATE
        "replace": "TRUNCATE audit_event_patients"
        if is_postgres(runtime)
        else "INSERT OR REPLACE INTO audit_event_patients SELECT * FROM audit_event_patients",
    }[change]
    links = await event_patients(runtime, [e.seq for e in await audit_rows(runtime)])
    # when / then
    with pytest.raises(DBAPIError):
        await execute_sql(runtime, text(statement))
    assert await event_patients(runtime, [e.seq for e in await audit_rows(runtime)]) == links
