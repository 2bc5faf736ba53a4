"""The scrubber names every problem of a claim with its code, and a claim with any cannot
leave DRAFT. Problems the API refuses at entry (a bad code, modifier or NPI) reach a claim as
data written before a rule or a code set changed: those rows are written directly here."""

from __future__ import annotations

from sqlalchemy import update

from app.billing.models import BillingProvider, ChargeLine, ClaimEvent, Encounter
from tests.billing.support import (
    ACME,
    CLAIM,
    codes,
    days_ago,
    done,
    encounter,
    line,
    mutate,
    set_up_practice,
)
from tests.fixtures.graphql import pk_of
from tests.fixtures.patients import add_coverage
from tests.fixtures.scheduling import make_patient, rows


async def _write(runtime, statement):
    async with runtime.sessions() as session:
        await session.execute(statement)
        await session.commit()


async def _scrub(biller, claim_id):
    payload = await done(biller, "scrubClaim", claimId=claim_id)
    return payload["problems"]


def _codes(problems):
    return sorted({p["code"] for p in problems})


async def test_every_problem_is_named_with_its_code_and_a_claim_with_any_stays_a_draft(
    client, runtime
):
    # given a patient without an address, covered as a spouse with no subscriber birth date
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    _, patient = await make_patient(runtime)
    coverage = await add_coverage(
        biller, patient, payerId=ACME, relationship="SPOUSE", subscriberName="Doe, John"
    )
    # and an encounter with nothing on it, billed while no billing provider is set up
    empty = await encounter(biller, practice, patient, diagnoses=())
    empty_claim = (
        await done(biller, "createClaim", encounterId=empty["id"], coverageId=coverage["id"])
    )["claim"]["id"]
    await _write(runtime, BillingProvider.__table__.delete())
    # when it is scrubbed
    problems = await _scrub(biller, empty_claim)
    # then
    assert _codes(problems) == [
        "MISSING_BILLING_PROVIDER",
        "MISSING_DIAGNOSIS",
        "MISSING_PATIENT_ADDRESS",
        "MISSING_SUBSCRIBER_DATA",
        "NO_CHARGE_LINES",
    ]
    assert {"code": "MISSING_SUBSCRIBER_DATA", "field": ["subscriber", "birthDate"]} in [
        {"code": p["code"], "field": p["field"]} for p in problems
    ]

    # given the billing provider back with a 5-digit ZIP, and an encounter dated tomorrow
    # whose lines charge nothing (J1100 is 0 in Acme's schedule), point at no diagnosis, and
    # point past the diagnoses once they shrink
    await done(
        biller,
        "updateBillingProvider",
        name="Demo Family Practice",
        npi="1234567893",
        taxId="123456789",
        address={"line1": "1 Main St", "city": "Springfield", "state": "MA", "postalCode": "01103"},
    )
    future = await encounter(biller, practice, patient, days_ago(-2))
    zero = await line(biller, future["id"], "J1100", diagnosisPointers=[1])
    pointless = await line(biller, future["id"], "99213", diagnosisPointers=[])
    past_end = await line(biller, future["id"], "99213", diagnosisPointers=[2])
    await done(biller, "setEncounterDiagnoses", encounterId=future["id"], diagnoses=["E11.9"])
    # and data from before the rules: a retired diagnosis code, a malformed procedure code and
    # modifier, an NPI that fails its check digit
    await _write(
        runtime,
        update(Encounter).where(Encounter.id == pk_of(future["id"])).values(diagnoses="E10.9X"),
    )
    await _write(
        runtime,
        update(ChargeLine)
        .where(ChargeLine.id == pk_of(zero["id"]))
        .values(code="9921A", modifiers="2S5"),
    )
    await _write(runtime, update(BillingProvider).values(npi="1234567890"))
    claim = (
        await done(biller, "createClaim", encounterId=future["id"], coverageId=coverage["id"])
    )["claim"]["id"]
    # when it is scrubbed
    problems = await _scrub(biller, claim)
    # then every problem is there with its code, the line's at the line
    assert _codes(problems) == [
        "INVALID_DIAGNOSIS",
        "INVALID_NPI",
        "INVALID_PROCEDURE_CODE",
        "MISSING_PATIENT_ADDRESS",
        "MISSING_POINTER",
        "MISSING_SUBSCRIBER_DATA",
        "MODIFIER_NOT_ALLOWED",
        "POINTER_OUT_OF_RANGE",
        "SERVICE_DATE_IN_FUTURE",
        "ZERO_CHARGE",
        "ZIP_WITHOUT_PLUS4",
    ]
    at = {(p["code"], p["lineControlNumber"]) for p in problems}
    assert ("ZERO_CHARGE", zero["lineControlNumber"]) in at
    assert ("MODIFIER_NOT_ALLOWED", zero["lineControlNumber"]) in at
    assert ("MISSING_POINTER", pointless["lineControlNumber"]) in at
    assert ("POINTER_OUT_OF_RANGE", past_end["lineControlNumber"]) in at
    invalid = next(p for p in problems if p["code"] == "INVALID_DIAGNOSIS")
    assert invalid["field"] == ["diagnoses", "0"]
    # when it is marked ready anyway
    before = len(await rows(runtime, ClaimEvent))
    refused = await mutate(biller, "markClaimReady", claimId=claim)
    # then one CLAIM_NOT_CLEAN per problem, and it is still a DRAFT with no new history
    assert codes(refused) == ["CLAIM_NOT_CLEAN"] * len(problems)
    assert refused["claim"] is None
    assert (await biller.data(CLAIM, id=claim))["claim"]["state"] == "DRAFT"
    assert len(await rows(runtime, ClaimEvent)) == before


async def test_a_clean_claim_scrubs_to_nothing_and_becomes_ready(client, runtime):
    # given
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    from tests.billing.support import insured_patient

    _, patient, coverage = await insured_patient(runtime, biller)
    found = await encounter(biller, practice, patient)
    await line(biller, found["id"], diagnosisPointers=[1, 2])
    claim = (await done(biller, "createClaim", encounterId=found["id"], coverageId=coverage))[
        "claim"
    ]["id"]
    # when / then
    assert await _scrub(biller, claim) == []
    assert (await done(biller, "markClaimReady", claimId=claim))["claim"]["state"] == "READY"
