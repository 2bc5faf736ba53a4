"""Patient payments, refunds and write-offs through the GraphQL endpoint: the ledger rows they
post, the balance (a credit below zero), idempotency (a retry and two requests at once record
one payment), the limits, who may do what, and the audit trail."""

from __future__ import annotations

import asyncio
from typing import Any

from app.billing import payments
from tests.billing.support import (
    balance,
    codes,
    done,
    encounter,
    insured_patient,
    ledger_sum,
    line,
    set_up_practice,
)
from tests.fixtures.access import audit_events, denied_to
from tests.fixtures.graphql import error_codes, pk_of

PAYLOAD = (
    "transaction { id kind amount { amountCents } method reference reason patientId paymentId "
    "claimId } userErrors { field code message }"
)
RECORD = f"""
mutation($input: RecordPaymentInput!) {{ recordPayment(input: $input) {{ {PAYLOAD} }} }}
"""
REFUND = f"""
mutation($input: RefundPaymentInput!) {{ refundPayment(input: $input) {{ {PAYLOAD} }} }}
"""
WRITE_OFF = f"mutation($input: WriteOffInput!) {{ writeOff(input: $input) {{ {PAYLOAD} }} }}"
OWED = 5_000  # what each test patient owes the practice themselves (patient responsibility)


async def _owing(client, runtime) -> dict[str, Any]:
    """A biller, and a patient with a claim who owes OWED cents (posted as the 835 posting
    will: a patient-responsibility charge row)."""
    from app.authz import SYSTEM
    from app.billing import ledger
    from app.billing.models import LedgerKind, Responsibility
    from app.transaction import unit_of_work

    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    patient_pk, patient, coverage = await insured_patient(runtime, biller)
    visit = await encounter(biller, practice, patient)
    charge_line = await line(biller, visit["id"])
    claim = await done(biller, "createClaim", encounterId=visit["id"], coverageId=coverage)
    async with unit_of_work(runtime.sessions) as session:
        await ledger.post(
            session,
            SYSTEM,
            kind=LedgerKind.CHARGE,
            amount_cents=OWED,
            patient_id=patient_pk,
            responsibility=Responsibility.PATIENT,
            source="test",
        )
    return {
        "biller": biller,
        "patient": patient,
        "patient_pk": patient_pk,
        "claim": claim["claim"]["id"],
        "line": charge_line["id"],
    }


async def _record(caller, patient: str, cents: int, key: str, **extra: Any) -> dict[str, Any]:
    values = {"patientId": patient, "amountCents": cents, "method": "CARD", "idempotencyKey": key}
    return (await caller.data(RECORD, input={**values, **extra}))["recordPayment"]


async def test_a_payment_posts_its_allocations_and_the_rest_as_credit(client, runtime):
    # given a patient who owes 50.00, with a claim and a charge line
    setup = await _owing(client, runtime)
    biller, patient = setup["biller"], setup["patient"]
    insurance = (await balance(biller, patient))["insurance"]
    # when they pay 80.00 by check: 20.00 to the claim, 10.00 to the line, the rest unallocated
    paid = await _record(
        biller,
        patient,
        8_000,
        "pay-1",
        method="CHECK",
        reference="chk 1001",
        allocations=[
            {"claimId": setup["claim"], "amountCents": 2_000},
            {"chargeLineId": setup["line"], "amountCents": 1_000},
        ],
    )
    # then it is recorded
    assert paid["userErrors"] == []
    found = paid["transaction"]
    assert (found["kind"], found["amount"]["amountCents"], found["method"]) == (
        "PAYMENT",
        8_000,
        "CHECK",
    )
    assert found["reference"] == "chk 1001"
    # and the ledger holds -80.00 from it: 20.00 on the claim, 10.00 on the line
    source = f"txn:{pk_of(found['id'])}"
    assert await ledger_sum(runtime, source=source) == -8_000
    assert await ledger_sum(runtime, source=source, claim_id=pk_of(setup["claim"])) == -2_000
    assert await ledger_sum(runtime, source=source, charge_line_id=pk_of(setup["line"])) == -1_000
    # and the patient's balance is a 30.00 credit; what insurance owes is unchanged
    assert await balance(biller, patient) == {
        "insurance": insurance,
        "patient": -3_000,
        "total": insurance - 3_000,
    }


async def test_the_same_idempotency_key_records_one_payment(client, runtime):
    # given a patient and a payment
    setup = await _owing(client, runtime)
    biller, patient = setup["biller"], setup["patient"]
    first = await _record(biller, patient, 2_500, "visit-42")
    # when the client sends it again
    again = await _record(biller, patient, 2_500, "visit-42")
    # then the first payment comes back and nothing more is posted
    assert again == first
    assert (await balance(biller, patient))["patient"] == OWED - 2_500
    # and the key sent for another payment is refused, changing nothing
    other = await _record(biller, patient, 9_900, "visit-42")
    assert codes(other) == ["IDEMPOTENCY_KEY_REUSED"]
    assert (await balance(biller, patient))["patient"] == OWED - 2_500


async def test_two_requests_with_one_key_at_once_record_one_payment(client, runtime):
    # given a patient
    setup = await _owing(client, runtime)
    biller, patient = setup["biller"], setup["patient"]
    # when the same payment is sent twice at once
    first, second = await asyncio.gather(
        _record(biller, patient, 1_200, "tap-7"), _record(biller, patient, 1_200, "tap-7")
    )
    # then both answers are the one payment, posted once
    assert first["userErrors"] == second["userErrors"] == []
    assert first["transaction"]["id"] == second["transaction"]["id"]
    assert (await balance(biller, patient))["patient"] == OWED - 1_200


async def test_a_request_losing_the_insert_race_returns_the_winner(client, runtime, monkeypatch):
    # given a payment recorded, and a second request whose look-up ran before it committed
    # (the window two concurrent requests share: its first look-up finds nothing)
    setup = await _owing(client, runtime)
    biller, patient = setup["biller"], setup["patient"]
    winner = await _record(biller, patient, 1_200, "race-1")
    real = payments._by_key
    calls: list[str] = []

    async def late(session, key):
        calls.append(key)
        return None if len(calls) == 1 else await real(session, key)

    monkeypatch.setattr(payments, "_by_key", late)
    # when that request inserts: the unique key refuses it
    loser = await _record(biller, patient, 1_200, "race-1")
    # then it answers with the winner's payment and posts nothing
    assert len(calls) == 2
    assert loser == winner
    assert (await balance(biller, patient))["patient"] == OWED - 1_200


async def test_bad_payments_are_refused_and_change_nothing(client, runtime):
    # given a patient with a claim, and another patient
    setup = await _owing(client, runtime)
    biller, patient = setup["biller"], setup["patient"]
    _, stranger, _ = await insured_patient(runtime, biller)
    over = [{"claimId": setup["claim"], "amountCents": 1_001}]
    theirs = [{"claimId": setup["claim"], "amountCents": 10}]
    # when payments break each rule
    refused = [
        await _record(biller, patient, 0, "k1"),
        await _record(biller, patient, 100, " "),
        await _record(biller, patient, 1_000, "k3", allocations=over),
        await _record(biller, stranger, 1_000, "k4", allocations=theirs),
        await _record(biller, patient, 1_000, "k5", allocations=[{"amountCents": 10}]),
    ]
    # then each is refused with its code, and no money moved
    assert [codes(p) for p in refused] == [
        ["INVALID_AMOUNT"],
        ["IDEMPOTENCY_KEY_REQUIRED"],
        ["ALLOCATIONS_EXCEED_PAYMENT"],
        ["NOT_FOUND"],
        ["INVALID_ALLOCATION"],
    ]
    assert refused[3]["userErrors"][0]["field"] == ["allocations", "0", "claimId"]
    assert (await balance(biller, patient))["patient"] == OWED
    assert await ledger_sum(runtime, patient_id=pk_of(stranger)) == 0


async def test_refunds_never_exceed_the_payment_less_earlier_refunds(client, runtime):
    # given a payment of 50.00
    setup = await _owing(client, runtime)
    biller, patient = setup["biller"], setup["patient"]
    payment = (await _record(biller, patient, 5_000, "r-1"))["transaction"]["id"]

    async def refund(cents: int, reason: str = "overpaid") -> dict[str, Any]:
        found = await biller.data(
            REFUND, input={"paymentId": payment, "amountCents": cents, "reason": reason}
        )
        return found["refundPayment"]

    # when 30.00 is refunded, then 25.00, then 20.00
    first, too_much, last = await refund(3_000), await refund(2_500), await refund(2_000)
    # then the first and last are recorded, the second refused: only 20.00 was left
    assert first["userErrors"] == last["userErrors"] == []
    assert first["transaction"]["paymentId"] == payment
    assert first["transaction"]["kind"] == "REFUND"
    assert codes(too_much) == ["REFUND_EXCEEDS_PAYMENT"]
    assert codes(await refund(1)) == ["REFUND_EXCEEDS_PAYMENT"]
    assert codes(await refund(0)) == ["INVALID_AMOUNT"]
    # and the refunds gave the balance back: the patient owes what they did before paying
    assert (await balance(biller, patient))["patient"] == OWED


async def test_a_write_off_lowers_the_balance_never_below_zero(client, runtime):
    # given a patient who owes 50.00
    setup = await _owing(client, runtime)
    biller, patient = setup["biller"], setup["patient"]

    async def write_off(cents: int, reason: str = "hardship", **extra: Any) -> dict[str, Any]:
        values = {"patientId": patient, "amountCents": cents, "reason": reason, **extra}
        return (await biller.data(WRITE_OFF, input=values))["writeOff"]

    # when more than is owed, or without a reason, is written off
    assert codes(await write_off(OWED + 1)) == ["WRITE_OFF_EXCEEDS_BALANCE"]
    assert codes(await write_off(100, " ")) == ["ACCOUNT_REASON_REQUIRED"]
    # then nothing changed
    assert (await balance(biller, patient))["patient"] == OWED
    # when 15.00 of the claim is written off
    done_ = await write_off(1_500, claimId=setup["claim"])
    # then the balance is 35.00 and the ledger row names the claim
    assert done_["userErrors"] == []
    assert (done_["transaction"]["kind"], done_["transaction"]["claimId"]) == (
        "WRITE_OFF",
        setup["claim"],
    )
    assert (await balance(biller, patient))["patient"] == OWED - 1_500
    assert await ledger_sum(runtime, kind="write_off", claim_id=pk_of(setup["claim"])) == -1_500


async def test_front_desk_takes_payments_but_only_billers_refund_or_write_off(client, runtime):
    # given a patient who owes, and a payment
    setup = await _owing(client, runtime)
    biller, patient = setup["biller"], setup["patient"]
    payment = (await _record(biller, patient, 1_000, "b-1"))["transaction"]["id"]
    refund = {"paymentId": payment, "amountCents": 100, "reason": "r"}
    write_off = {"patientId": patient, "amountCents": 100, "reason": "r"}
    # when each role records a payment, refunds and writes off
    seen = {}
    for role in ("front_desk", "provider", "nurse", "biller", "admin"):
        caller = await client.login(role)
        record = {
            "patientId": patient,
            "amountCents": 100,
            "method": "CASH",
            "idempotencyKey": f"copay-{role}",
        }
        seen[role] = [
            error_codes(await caller.execute(RECORD, input=record)),
            error_codes(await caller.execute(REFUND, input=refund)),
            error_codes(await caller.execute(WRITE_OFF, input=write_off)),
        ]
    # then front desk may record a copay only; billers and admins may do all
    assert seen == {
        "front_desk": [[], ["FORBIDDEN"], ["FORBIDDEN"]],
        "provider": [["FORBIDDEN"]] * 3,
        "nurse": [["FORBIDDEN"]] * 3,
        "biller": [[], [], []],
        "admin": [[], [], []],
    }
    # and the refusals are audited
    assert len(await denied_to(runtime, "front_desk")) == 2
    # and every transaction's creation is audited against the patient, with its ledger rows
    created = [
        (e.actor_username, e.patient_id)
        for e in await audit_events(runtime, "AccountTransaction")
        if e.action == "create"
    ]
    expected_actors = [
        "biller",
        "front_desk",
        "biller",
        "biller",
        "biller",
        "admin",
        "admin",
        "admin",
    ]
    assert created == [(actor, setup["patient_pk"]) for actor in expected_actors]
    # and the payments, refunds and write-offs net out as posted
    assert (await balance(biller, patient))["patient"] == OWED - 1_000 - 300 + 200 - 200
