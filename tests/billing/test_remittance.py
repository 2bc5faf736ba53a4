"""importRemittance through the GraphQL endpoint: matched claims post payments, adjustments and
patient responsibility to the cent; the same file twice posts nothing; reversals take the
earlier posting back; PLB amounts reach the provider ledger; bad files post nothing; unmatched
claim payments wait in the work queue until a biller resolves them."""

from __future__ import annotations

from sqlalchemy import func, select

from app.billing.models import LedgerEntry
from app.billing.remittance_models import ProviderAdjustmentEntry, Remittance, RemittanceClaim
from tests.billing.remittance_835 import ClaimPaid, Line, remittance_835
from tests.billing.support import (
    CLAIM,
    advance,
    balance,
    done,
    encounter,
    insured_patient,
    line,
    set_up_practice,
)
from tests.fixtures.edi import sample_files

IMPORT = """
mutation($input: ImportRemittanceInput!) {
  importRemittance(input: $input) {
    remittances { id traceNumber payment { amountCents } alreadyImported postedClaims queuedClaims }
    userErrors { field code message }
  }
}
"""
QUEUE = """
query {
  remittanceWorkQueue { id problem state claimControlNumber claimStatus paid { amountCents } }
}
"""
RESOLVE = """
mutation($input: ResolveRemittanceItemInput!) {
  resolveRemittanceItem(input: $input) { item { id state dismissReason } userErrors { code } }
}
"""


async def _import(client, text):
    return (await client.data(IMPORT, input={"file": text}))["importRemittance"]


async def _counts(runtime):
    async with runtime.sessions() as session:
        return [
            await session.scalar(select(func.count()).select_from(model))
            for model in (LedgerEntry, Remittance, RemittanceClaim, ProviderAdjustmentEntry)
        ]


async def _submitted_claim(biller, runtime, practice, patient, coverage, codes):
    """A SUBMITTED claim of an encounter with one line per code: (claim, its lines)."""
    found = await encounter(biller, practice, patient)
    lines = [await line(biller, found["id"], code) for code in codes]
    claim = (await done(biller, "createClaim", encounterId=found["id"], coverageId=coverage))[
        "claim"
    ]
    await done(biller, "markClaimReady", claimId=claim["id"])
    await advance(runtime, claim["id"], "submit")
    return claim, lines


async def _state(client, claim_id):
    found = (await client.data(CLAIM, id=claim_id))["claim"]
    return found["state"], found["payerClaimNumber"]


async def _practice_with_claims(client, runtime):
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    _, patient, coverage = await insured_patient(runtime, biller)
    paid, paid_lines = await _submitted_claim(
        biller, runtime, practice, patient, coverage, ["99213", "99214"]
    )
    denied, denied_lines = await _submitted_claim(
        biller, runtime, practice, patient, coverage, ["99213"]
    )
    return biller, patient, (paid, paid_lines), (denied, denied_lines)


def _payment(paid, paid_lines, denied, denied_lines):
    """8,000 + 15,000 billed: 15,000 paid, 4,000 contractual, 3,000 the patient's; the other
    claim (8,000) denied."""
    first, second = paid_lines
    return [
        ClaimPaid(
            paid["controlNumber"],
            "1",
            [
                # the payer dropped nothing, but names the line by REF*6R only
                Line(
                    "99213",
                    first["lineControlNumber"],
                    8_000,
                    5_000,
                    [("CO", "45", 1_000), ("PR", "2", 1_000)],
                    remarks=("N130",),
                ),
                Line(
                    "99214",
                    second["lineControlNumber"],
                    15_000,
                    10_000,
                    [("CO", "45", 3_000), ("PR", "1", 2_000)],
                ),
            ],
            payer_claim_number="PCN-PAID",
        ),
        ClaimPaid(
            denied["controlNumber"],
            "4",
            [Line("99213", denied_lines[0]["lineControlNumber"], 8_000, 0, [("CO", "50", 8_000)])],
            payer_claim_number="PCN-DENIED",
        ),
    ]


async def test_a_matching_835_posts_payments_adjustments_and_patient_share(client, runtime):
    # given a patient with two submitted claims billing 23,000 and 8,000 cents
    biller, patient, (paid, paid_lines), (denied, denied_lines) = await _practice_with_claims(
        client, runtime
    )
    assert await balance(biller, patient) == {"insurance": 31_000, "patient": 0, "total": 31_000}
    text = remittance_835(_payment(paid, paid_lines, denied, denied_lines), plb=[("WO", "X1", 500)])
    # when the 835 is imported
    result = await _import(biller, text)
    # then both claims are posted, none queued
    assert result["userErrors"] == []
    assert [
        (r["postedClaims"], r["queuedClaims"], r["alreadyImported"]) for r in result["remittances"]
    ] == [(2, 0, False)]
    assert result["remittances"][0]["payment"] == {"amountCents": 14_500}
    # and the balance is the ledger's sum to the cent: 31,000 - 15,000 paid - 4,000 - 8,000
    # adjusted, 3,000 moved to the patient
    assert await balance(biller, patient) == {"insurance": 1_000, "patient": 3_000, "total": 4_000}
    assert await _state(biller, paid["id"]) == ("PARTIALLY_PAID", "PCN-PAID")
    assert await _state(biller, denied["id"]) == ("DENIED", "PCN-DENIED")
    async with runtime.sessions() as session:
        rows = (
            await session.execute(
                select(
                    LedgerEntry.kind,
                    LedgerEntry.responsibility,
                    LedgerEntry.amount_cents,
                    LedgerEntry.group_code,
                    LedgerEntry.reason_code,
                    LedgerEntry.remark_codes,
                )
                .where(LedgerEntry.charge_line_id == int(first_line_pk(paid_lines)))
                .where(LedgerEntry.kind != "charge")
                .order_by(LedgerEntry.id)
            )
        ).all()
        plb = (
            await session.execute(
                select(ProviderAdjustmentEntry.reason, ProviderAdjustmentEntry.amount_cents)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("payment", "insurance", -5_000, None, None, None),
        ("adjustment", "insurance", -1_000, "CO", "45", "N130"),
        ("transfer", "insurance", -1_000, "PR", "2", "N130"),
        ("transfer", "patient", 1_000, "PR", "2", "N130"),
    ]
    # and the PLB amount is in the provider ledger, not a patient's
    assert [tuple(r) for r in plb] == [("WO", 500)]
    # when the same file is imported again
    before = await _counts(runtime)
    again = await _import(biller, text)
    # then it says so and posts nothing
    assert [(r["alreadyImported"], r["postedClaims"]) for r in again["remittances"]] == [(True, 0)]
    assert await _counts(runtime) == before
    assert await balance(biller, patient) == {"insurance": 1_000, "patient": 3_000, "total": 4_000}


def first_line_pk(lines):
    from tests.fixtures.graphql import pk_of

    return pk_of(lines[0]["id"])


async def test_a_reversal_takes_the_posting_back_and_the_claim_is_paid_again(client, runtime):
    # given the 835 above imported
    biller, patient, (paid, paid_lines), (denied, denied_lines) = await _practice_with_claims(
        client, runtime
    )
    original = _payment(paid, paid_lines, denied, denied_lines)
    assert (await _import(biller, remittance_835(original)))["userErrors"] == []
    # when a later 835 reverses the paid claim (CLP02 22) and pays it in full
    first, second = paid_lines
    reversal = ClaimPaid(
        paid["controlNumber"],
        "22",
        [
            Line(
                "99213",
                first["lineControlNumber"],
                -8_000,
                -5_000,
                [("CO", "45", -1_000), ("PR", "2", -1_000)],
            ),
            Line(
                "99214",
                second["lineControlNumber"],
                -15_000,
                -10_000,
                [("CO", "45", -3_000), ("PR", "1", -2_000)],
            ),
        ],
        payer_claim_number="PCN-PAID",
    )
    full = ClaimPaid(
        paid["controlNumber"],
        "1",
        [
            Line("99213", first["lineControlNumber"], 8_000, 7_000, [("CO", "45", 1_000)]),
            Line("99214", second["lineControlNumber"], 15_000, 12_000, [("CO", "45", 3_000)]),
        ],
        payer_claim_number="PCN-PAID-2",
    )
    result = await _import(biller, remittance_835([reversal, full], trace="TRACE2"))
    # then the earlier rows are negated and the new payment posted: PAID, nothing owed on it
    assert result["userErrors"] == []
    assert result["remittances"][0]["postedClaims"] == 2
    assert await _state(biller, paid["id"]) == ("PAID", "PCN-PAID-2")
    # only the denied claim's 8,000 written off; the paid claim's 23,000 fully settled
    assert await balance(biller, patient) == {"insurance": 0, "patient": 0, "total": 0}


async def test_a_reversal_alone_moves_the_claim_back(client, runtime):
    biller, patient, (paid, paid_lines), (denied, denied_lines) = await _practice_with_claims(
        client, runtime
    )
    original = _payment(paid, paid_lines, denied, denied_lines)
    await _import(biller, remittance_835(original))
    # when the denial is reversed
    reversal = ClaimPaid(
        denied["controlNumber"],
        "22",
        [Line("99213", denied_lines[0]["lineControlNumber"], -8_000, 0, [("CO", "50", -8_000)])],
    )
    result = await _import(biller, remittance_835([reversal], trace="TRACE3"))
    assert result["userErrors"] == []
    # then the claim is ACCEPTED again and its 8,000 is owed by the insurance again
    assert (await _state(biller, denied["id"]))[0] == "ACCEPTED"
    assert await balance(biller, patient) == {"insurance": 9_000, "patient": 3_000, "total": 12_000}


async def test_an_unbalanced_or_corrupted_file_posts_nothing(client, runtime):
    biller, patient, (paid, paid_lines), (denied, denied_lines) = await _practice_with_claims(
        client, runtime
    )
    claims = _payment(paid, paid_lines, denied, denied_lines)
    before = await _counts(runtime)
    # when the payment differs from the claims' sum by a cent
    unbalanced = await _import(biller, remittance_835(claims, payment=14_999))
    # then it is refused with a typed code
    assert [e["code"] for e in unbalanced["userErrors"]] == ["REMITTANCE_UNBALANCED"]
    assert unbalanced["remittances"] == []
    # when a CAS segment is corrupted (its amount is not a number)
    corrupted = remittance_835(claims).replace("CAS*CO*45*10~", "CAS*CO*45*1O~", 1)
    refused = await _import(biller, corrupted)
    # then pyx12's problems come back as userErrors
    assert refused["userErrors"] and {e["code"] for e in refused["userErrors"]} == {
        "INVALID_X12_FILE"
    }
    assert all(e["field"] == ["input", "file"] or e["field"] for e in refused["userErrors"])
    assert await _counts(runtime) == before
    assert await balance(biller, patient) == {"insurance": 31_000, "patient": 0, "total": 31_000}


async def test_the_guides_samples_queue_their_claims(client, runtime):
    # given no claim the samples name
    biller = await client.login("biller")
    await set_up_practice(biller, runtime)
    samples = sample_files("X221-")
    assert samples
    queued = 0
    for path in samples:
        # when each sample is imported
        result = await _import(biller, path.read_text())
        # then it is read and its claims are queued, nothing posted
        assert result["userErrors"] == [], (path.name, result["userErrors"])
        assert all(r["postedClaims"] == 0 for r in result["remittances"])
        queued += sum(r["queuedClaims"] for r in result["remittances"])
    assert (await _counts(runtime))[0] == 0
    found = (await biller.data(QUEUE))["remittanceWorkQueue"]
    assert len(found) == queued > 0
    assert {item["problem"] for item in found} == {"unmatched_claim"}
    # and importing them all again adds nothing
    for path in samples:
        again = await _import(biller, path.read_text())
        assert all(r["alreadyImported"] for r in again["remittances"])
    assert len((await biller.data(QUEUE))["remittanceWorkQueue"]) == queued


async def test_resolving_a_work_item_posts_it_to_the_claim(client, runtime):
    biller, patient, (paid, paid_lines), (denied, denied_lines) = await _practice_with_claims(
        client, runtime
    )
    claims = _payment(paid, paid_lines, denied, denied_lines)
    claims[1].control_number = "TYPO-1"  # the payer mistyped the denied claim's number
    result = await _import(biller, remittance_835(claims))
    assert [(r["postedClaims"], r["queuedClaims"]) for r in result["remittances"]] == [(1, 1)]
    assert (await _state(biller, denied["id"]))[0] == "SUBMITTED"
    item = (await biller.data(QUEUE))["remittanceWorkQueue"]
    assert [(i["problem"], i["claimControlNumber"]) for i in item] == [
        ("unmatched_claim", "TYPO-1")
    ]
    # when the biller names neither a claim nor a reason
    neither = (await biller.data(RESOLVE, input={"id": item[0]["id"]}))["resolveRemittanceItem"]
    assert [e["code"] for e in neither["userErrors"]] == ["RESOLUTION_REQUIRED"]
    # when the biller resolves it to the denied claim
    resolved = (await biller.data(RESOLVE, input={"id": item[0]["id"], "claimId": denied["id"]}))[
        "resolveRemittanceItem"
    ]
    # then it is posted then: the claim is DENIED and its charge adjusted
    assert resolved["userErrors"] == [] and resolved["item"]["state"] == "resolved"
    assert (await _state(biller, denied["id"]))[0] == "DENIED"
    assert await balance(biller, patient) == {"insurance": 1_000, "patient": 3_000, "total": 4_000}
    assert (await biller.data(QUEUE))["remittanceWorkQueue"] == []
    # and it cannot be resolved twice
    twice = (await biller.data(RESOLVE, input={"id": item[0]["id"], "dismissReason": "dup"}))[
        "resolveRemittanceItem"
    ]
    assert [e["code"] for e in twice["userErrors"]] == ["WORK_ITEM_CLOSED"]
