"""Who may bill: billers and admins manage billing, other roles are refused (and the refusal
audited); billers see codes and money, never notes. Every read and write of a patient's
billing record is audited against the patient. Nested lists load in a constant number of
statements."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEventPatient
from tests.billing.support import (
    BALANCE,
    done,
    encounter,
    insured_patient,
    line,
    set_up_practice,
)
from tests.fixtures.access import audit_events, denied_to
from tests.fixtures.graphql import error_codes, pk_of
from tests.fixtures.patients import create_note

CLAIMS = """
query {
  claims(first: 20, states: [DRAFT, READY]) {
    totalCount
    edges { node {
      id controlNumber state totalCharge { amountCents } payer { name } patient { id }
      lines { code charge { amountCents } renderingProvider { npi } }
      events { toState actorUsername }
      encounter { serviceDate diagnoses { code } chargeLines { id } }
    } }
  }
}
"""
PAYERS = "{ payers { id name } }"
CREATE_ENCOUNTER = """
mutation($input: CreateEncounterInput!) {
  createEncounter(input: $input) { encounter { id } userErrors { code } }
}
"""
NOTES = "query($id: ID!) { patient(id: $id) { id notes { body } } }"


async def _billed(biller, runtime, practice, count):
    """`count` claims of one patient, each with two lines; returns the patient's ids."""
    patient_pk, patient, coverage = await insured_patient(runtime, biller)
    for _ in range(count):
        found = await encounter(biller, practice, patient)
        await line(biller, found["id"])
        await line(biller, found["id"], "99214", diagnosisPointers=[2])
        await done(biller, "createClaim", encounterId=found["id"], coverageId=coverage)
    return patient_pk, patient


async def test_billers_and_admins_bill_other_roles_are_refused_and_audited(client, runtime):
    # given a billed patient with a clinical note
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    _, patient = await _billed(biller, runtime, practice, 1)
    await create_note(await client.login("provider"), patient, body="Chest pain, anxious.")
    new_encounter = {
        "patientId": patient,
        "providerId": practice.clinic.provider_id,
        "locationId": practice.clinic.location_id,
        "serviceDate": "2026-01-05",
    }
    # when each role reads claims, the balance and payers, and makes an encounter
    seen = {}
    for role in ("front_desk", "provider", "nurse", "biller", "admin"):
        caller = await client.login(role)
        seen[role] = [
            error_codes(await caller.execute(CLAIMS)),
            error_codes(await caller.execute(BALANCE, id=patient)),
            error_codes(await caller.execute(PAYERS)),
            error_codes(await caller.execute(CREATE_ENCOUNTER, input=new_encounter)),
        ]
    # then billers and admins may, the others are refused each time
    forbidden = [["FORBIDDEN"]] * 4
    assert seen == {
        "front_desk": forbidden,
        "provider": forbidden,
        "nurse": forbidden,
        "biller": [[]] * 4,
        "admin": [[]] * 4,
    }
    # and each refusal is in the audit trail
    assert len(await denied_to(runtime, "front_desk")) == 4
    # and a biller, who reads the money, does not read the patient's notes
    notes = await biller.execute(NOTES, id=patient)
    assert error_codes(notes) == ["FORBIDDEN"]
    assert notes["data"]["patient"] is None or notes["data"]["patient"]["notes"] is None


async def test_billing_reads_and_writes_are_audited_against_the_patient(client, runtime):
    # given a billed patient (the writes)
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    patient_pk, patient = await _billed(biller, runtime, practice, 1)
    # when a biller reads the claims and the balance
    await biller.data(CLAIMS)
    await biller.data(BALANCE, id=patient)
    # then the writes were recorded, each against the patient
    written = await audit_events(runtime, "Encounter", "ChargeLine", "Claim", "LedgerEntry")
    creations = sorted((e.resource_type, e.patient_id) for e in written if e.action == "create")
    assert creations == sorted(
        [("Encounter", patient_pk), ("Claim", patient_pk)]
        + [("ChargeLine", patient_pk)] * 2
        + [("LedgerEntry", patient_pk)] * 2
    )
    # and so were the reads, one folded event per kind of record, linked to the patient
    reads = await audit_events(runtime, "Claim", "ChargeLine", "ClaimEvent", "Encounter", "Account")
    read_types = {e.resource_type for e in reads if e.action == "read"}
    assert read_types == {"Claim", "ChargeLine", "ClaimEvent", "Encounter", "Account"}
    async with runtime.sessions() as session:
        linked = set(
            await session.scalars(
                select(AuditEventPatient.event_seq).where(
                    AuditEventPatient.patient_id == patient_pk
                )
            )
        )
    for event in reads:
        if event.action == "read":
            assert event.patient_id == patient_pk or event.seq in linked, event.resource_type
    assert all(e.actor_username == "biller" for e in reads)


async def test_claims_with_their_lines_load_in_a_constant_number_of_statements(
    client, runtime, statements
):
    # given two patients' claims: 2, then 6, each with two lines
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    await _billed(biller, runtime, practice, 2)
    await biller.data(CLAIMS)  # warm up: the first operation loads the policy
    # when the claims are read with their lines, events, payer, patient and encounter
    with statements() as few:
        small = await biller.data(CLAIMS)
    await _billed(biller, runtime, practice, 4)
    with statements() as many:
        large = await biller.data(CLAIMS)
    # then three times the claims take the same statements
    assert small["claims"]["totalCount"] == 2 and large["claims"]["totalCount"] == 6
    assert all(len(e["node"]["lines"]) == 2 for e in large["claims"]["edges"])
    assert many.count == few.count, (few.count, many.count)
    assert pk_of(large["claims"]["edges"][0]["node"]["id"]) > 0
