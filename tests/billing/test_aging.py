"""accountsReceivable through the GraphQL endpoint: a fixed data set with a claim in each age
bucket and patient payments, aged to the cent by payer, patient and responsibility; days in
A/R; a constant number of statements; who may read it."""

from __future__ import annotations

from datetime import date, timedelta

from tests.billing.support import (
    done,
    encounter,
    insured_patient,
    line,
    set_up_practice,
)
from tests.fixtures.access import audit_events
from tests.fixtures.graphql import error_codes

BUCKET = "days0To30 { amountCents } days31To60 { amountCents } days61To90 { amountCents } "
BUCKET += "days91To120 { amountCents } over120Days { amountCents } total { amountCents }"
AR = f"""
query($asOf: Date!) {{
  accountsReceivable(asOf: $asOf) {{
    asOf daysInAr
    total {{ {BUCKET} }} insurance {{ {BUCKET} }} patientResponsibility {{ {BUCKET} }}
    byPayer {{ payerId aging {{ {BUCKET} }} }}
    byPatient {{ patientId insurance {{ {BUCKET} }} patientResponsibility {{ {BUCKET} }} }}
  }}
}}
"""
RECORD = """
mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { userErrors { code } } }
"""
# days before today -> the codes billed (ACME prices 99213 at 80.00; 99214 falls back to the
# default schedule's 150.00)
VISITS = {10: ("99213",), 45: ("99214",), 75: ("99213", "99214"), 100: ("99213",), 200: ("99214",)}


def cents(bucket: dict) -> list[int]:
    names = ("days0To30", "days31To60", "days61To90", "days91To120", "over120Days", "total")
    return [bucket[name]["amountCents"] for name in names]


async def _claim(biller, practice, patient, coverage, days: int, codes: tuple[str, ...]) -> str:
    visit = await encounter(biller, practice, patient, (date.today() - timedelta(days)).isoformat())
    for code in codes:
        await line(biller, visit["id"], code)
    created = await done(biller, "createClaim", encounterId=visit["id"], coverageId=coverage)
    return created["claim"]["id"]


async def test_receivables_are_aged_to_the_cent(client, runtime):
    # given a claim in each bucket, a patient payment on the 45-day claim, and an unallocated one
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    patient_pk, patient, coverage = await insured_patient(runtime, biller)
    claims = {
        days: await _claim(biller, practice, patient, coverage, days, codes)
        for days, codes in VISITS.items()
    }
    payment = {"patientId": patient, "method": "CASH"}
    allocated = [{"claimId": claims[45], "amountCents": 1_000}]
    await biller.data(
        RECORD,
        input={**payment, "amountCents": 1_000, "idempotencyKey": "a", "allocations": allocated},
    )
    await biller.data(RECORD, input={**payment, "amountCents": 500, "idempotencyKey": "b"})
    # when the report is read as of today
    report = (await biller.data(AR, asOf=date.today().isoformat()))["accountsReceivable"]
    # then each bucket holds its claims' charges, the payments lower the patient's share
    assert cents(report["insurance"]) == [8_000, 15_000, 23_000, 8_000, 15_000, 69_000]
    assert cents(report["patientResponsibility"]) == [-500, -1_000, 0, 0, 0, -1_500]
    assert cents(report["total"]) == [7_500, 14_000, 23_000, 8_000, 15_000, 67_500]
    assert [(p["payerId"], cents(p["aging"])) for p in report["byPayer"]] == [
        (practice.payers["60054"], [8_000, 15_000, 23_000, 8_000, 15_000, 69_000])
    ]
    [account] = report["byPatient"]
    assert account["patientId"] == patient
    assert cents(account["patientResponsibility"]) == [-500, -1_000, 0, 0, 0, -1_500]
    # and days in A/R: 675.00 / (690.00 charged in 90 days / 90)
    assert report["daysInAr"] == 88.0
    # and a day before all of it, nothing is owed
    before = (date.today() - timedelta(days=1)).isoformat()
    empty = (await biller.data(AR, asOf=before))["accountsReceivable"]
    assert cents(empty["total"]) == [0] * 6 and empty["byPatient"] == []
    assert empty["daysInAr"] is None
    # and the read of the patient's account is audited
    reads = await audit_events(runtime, "Account")
    assert any(e.action == "read" and e.patient_id == patient_pk for e in reads)


async def test_the_report_takes_the_same_statements_for_more_data(client, runtime, statements):
    # given one patient with a claim
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    _, patient, coverage = await insured_patient(runtime, biller)
    await _claim(biller, practice, patient, coverage, 10, ("99213",))
    today = date.today().isoformat()
    await biller.data(AR, asOf=today)  # warm up: the first operation loads the policy
    with statements() as few:
        small = await biller.data(AR, asOf=today)
    # when three more patients have claims in other buckets
    for days in (40, 95, 130):
        _, other, other_coverage = await insured_patient(runtime, biller)
        await _claim(biller, practice, other, other_coverage, days, ("99214",))
    with statements() as many:
        large = await biller.data(AR, asOf=today)
    # then the report grew, its statements did not
    assert len(small["accountsReceivable"]["byPatient"]) == 1
    assert len(large["accountsReceivable"]["byPatient"]) == 4
    assert many.count == few.count, (few.count, many.count)


async def test_only_billers_and_admins_read_receivables(client, runtime):
    seen = {}
    for role in ("front_desk", "provider", "nurse", "biller", "admin"):
        caller = await client.login(role)
        seen[role] = error_codes(await caller.execute(AR, asOf="2026-01-01"))
    forbidden = ["FORBIDDEN"]
    assert seen == {
        "front_desk": forbidden,
        "provider": forbidden,
        "nurse": forbidden,
        "biller": [],
        "admin": [],
    }
