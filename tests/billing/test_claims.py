"""Claims: charges reach the ledger, balances are its sums, a claim leaves DRAFT only when
clean, illegal transitions are refused with nothing changed, history and lineage are kept."""

from __future__ import annotations

from sqlalchemy import func, select

from app.billing.models import Claim, ClaimEvent, LedgerEntry
from tests.billing.support import (
    CLAIM,
    OTHER,
    advance,
    balance,
    codes,
    done,
    encounter,
    insured_patient,
    ledger_sum,
    line,
    mutate,
    set_up_practice,
)
from tests.fixtures.graphql import pk_of
from tests.fixtures.patients import add_coverage
from tests.fixtures.scheduling import make_patient


async def _counts(runtime):
    async with runtime.sessions() as session:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model))
            for model in (Claim, ClaimEvent, LedgerEntry)
        } | {
            "states": [
                tuple(r)
                for r in await session.execute(select(Claim.id, Claim.state, Claim.updated_at))
            ]
        }


async def test_a_claim_posts_its_charges_and_the_balance_is_the_ledger_sum(client, runtime):
    # given an encounter with two lines (8,000 + 2 x 15,000 cents)
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    patient_pk, patient, coverage = await insured_patient(runtime, biller)
    found = await encounter(biller, practice, patient)
    await line(biller, found["id"])
    await line(biller, found["id"], "99214", units=2, diagnosisPointers=[1, 2])
    assert await balance(biller, patient) == {"insurance": 0, "patient": 0, "total": 0}
    # when it is billed to the patient's coverage
    claim = (await done(biller, "createClaim", encounterId=found["id"], coverageId=coverage))[
        "claim"
    ]
    # then a DRAFT claim with a control number bills 38,000 cents, posted to the ledger
    assert claim["state"] == "DRAFT" and claim["frequency"] == "ORIGINAL"
    assert claim["controlNumber"].isdigit() and claim["payer"]["payerId"] == "60054"
    assert claim["totalCharge"] == {"amountCents": 38_000}
    assert await balance(biller, patient) == {"insurance": 38_000, "patient": 0, "total": 38_000}
    # when a line is added and another removed while the claim is a draft
    extra = await line(biller, found["id"], "99213", modifiers=["25"], diagnosisPointers=[2])
    first = (await biller.data(CLAIM, id=claim["id"]))["claim"]
    await done(biller, "removeChargeLine", chargeLineId=extra["id"])
    # then the ledger follows the lines: each balance is the sum of the rows
    assert first["totalCharge"] == {"amountCents": 38_000 + 8_000}  # Acme prices 99213 alone
    assert await balance(biller, patient) == {"insurance": 38_000, "patient": 0, "total": 38_000}
    assert await ledger_sum(runtime, patient_id=patient_pk) == 38_000
    assert await ledger_sum(runtime, charge_line_id=pk_of(extra["id"])) == 0
    # when it is marked ready (it is clean)
    ready = (await done(biller, "markClaimReady", claimId=claim["id"]))["claim"]
    # then it is READY, its history says who moved it and why, and its encounter is locked
    assert ready["state"] == "READY"
    assert [(e["fromState"], e["toState"], e["actorUsername"]) for e in ready["events"]] == [
        (None, "DRAFT", "biller"),
        ("DRAFT", "READY", "biller"),
    ]
    assert ready["events"][1]["reason"] == "Scrubbed clean"
    locked = await mutate(biller, "addChargeLine", encounterId=found["id"], code="99213")
    assert codes(locked) == ["ENCOUNTER_LOCKED"]
    # and a second claim of the encounter (another coverage) posts no charge of its own
    await add_coverage(biller, patient, payerId=OTHER, priority=2, periodStart="2024-01-01")
    coverages = await _coverage_ids(biller, patient)
    secondary = await done(biller, "createClaim", encounterId=found["id"], coverageId=coverages[1])
    assert secondary["claim"]["totalCharge"] == {"amountCents": 38_000}
    assert await balance(biller, patient) == {"insurance": 38_000, "patient": 0, "total": 38_000}


COVERAGES = "query($id: ID!) { patient(id: $id) { coverages { id } } }"


async def _coverage_ids(client, patient):
    return [c["id"] for c in (await client.data(COVERAGES, id=patient))["patient"]["coverages"]]


async def test_illegal_claim_changes_are_refused_with_a_typed_error_and_nothing_changes(
    client, runtime
):
    # given a READY claim, a PAID one without a payer claim number, a SUBMITTED one
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    _, patient, coverage = await insured_patient(runtime, biller)
    _, stranger, _ = await insured_patient(runtime, biller)
    claims, encounters = {}, {}
    for name in ("ready", "paid", "submitted", "draft"):
        found = encounters[name] = await encounter(biller, practice, patient)
        await line(biller, found["id"])
        created = await done(biller, "createClaim", encounterId=found["id"], coverageId=coverage)
        claims[name] = created["claim"]["id"]
        if name != "draft":
            await done(biller, "markClaimReady", claimId=claims[name])
    await advance(runtime, claims["paid"], "submit", "accept", "pay")
    await advance(runtime, claims["submitted"], "submit")
    _, unknown_payer_patient, unknown_coverage = await insured_patient(runtime, biller, "00000")
    unbilled = await encounter(biller, practice, unknown_payer_patient)
    before = await _counts(runtime)
    # when
    refused = {
        "ready again": await mutate(biller, "markClaimReady", claimId=claims["ready"]),
        "correct a draft": await mutate(
            biller, "createCorrectedClaim", claimId=claims["draft"], reason="Wrong code"
        ),
        "correct without number": await mutate(
            biller, "createCorrectedClaim", claimId=claims["paid"], reason="Wrong code"
        ),
        "void submitted": await mutate(
            biller, "voidClaim", claimId=claims["submitted"], reason="Duplicate"
        ),
        "void without reason": await mutate(
            biller, "voidClaim", claimId=claims["ready"], reason="  "
        ),
        "bill twice": await mutate(
            biller, "createClaim", encounterId=encounters["draft"]["id"], coverageId=coverage
        ),
        "unknown payer": await mutate(
            biller, "createClaim", encounterId=unbilled["id"], coverageId=unknown_coverage
        ),
        "another's coverage": await mutate(
            biller,
            "createClaim",
            encounterId=(await encounter(biller, practice, stranger))["id"],
            coverageId=coverage,
        ),
    }
    # then each says why, and no claim, event or ledger row changed
    assert {name: codes(payload) for name, payload in refused.items()} == {
        "ready again": ["INVALID_CLAIM_TRANSITION"],
        "correct a draft": ["INVALID_CLAIM_TRANSITION"],
        "correct without number": ["PAYER_CLAIM_NUMBER_REQUIRED"],
        "void submitted": ["INVALID_CLAIM_TRANSITION"],
        "void without reason": ["CLAIM_REASON_REQUIRED"],
        "bill twice": ["CLAIM_EXISTS"],
        "unknown payer": ["UNKNOWN_PAYER"],
        "another's coverage": ["COVERAGE_NOT_OF_PATIENT"],
    }
    assert all(payload["claim"] is None for payload in refused.values())
    assert await _counts(runtime) == before
    assert (await biller.data(CLAIM, id=claims["ready"]))["claim"]["state"] == "READY"


async def test_void_and_corrected_claims_keep_their_lineage_and_move_the_charges(client, runtime):
    # given a ready claim, and a paid one whose payer claim number is known
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    patient_pk, patient, coverage = await insured_patient(runtime, biller)
    made = {}
    for name in ("ready", "paid"):
        found = await encounter(biller, practice, patient)
        await line(biller, found["id"])
        claim = await done(biller, "createClaim", encounterId=found["id"], coverageId=coverage)
        made[name] = (found["id"], claim["claim"]["id"])
        await done(biller, "markClaimReady", claimId=made[name][1])
    await advance(runtime, made["paid"][1], "submit", "accept", "pay", payer_claim_number="PCN-1")
    assert await ledger_sum(runtime, patient_id=patient_pk) == 16_000
    # when the ready claim is voided (the payer never had it)
    voided = (await done(biller, "voidClaim", claimId=made["ready"][1], reason="Duplicate visit"))[
        "claim"
    ]
    # then it is VOID, its charges reversed, the reason in its history
    assert (voided["id"], voided["state"]) == (made["ready"][1], "VOID")
    assert voided["events"][-1] == {
        "fromState": "READY",
        "toState": "VOID",
        "actorUsername": "biller",
        "reason": "Duplicate visit",
    }
    assert await balance(biller, patient) == {"insurance": 8_000, "patient": 0, "total": 8_000}
    # when the paid claim's encounter gets another line, and a corrected claim replaces it
    encounter_id, paid = made["paid"]
    await line(biller, encounter_id, "99214")
    corrected = (
        await done(biller, "createCorrectedClaim", claimId=paid, reason="Missed the 99214")
    )["claim"]
    # then the replacement (frequency 7) names its parent and the payer's claim number, bills
    # both lines, and holds the charges now (moved from the original)
    assert corrected["frequency"] == "REPLACEMENT" and corrected["state"] == "DRAFT"
    assert corrected["parentClaim"] == {"id": paid}
    assert corrected["payerClaimNumber"] == "PCN-1"
    assert corrected["totalCharge"] == {"amountCents": 23_000}
    assert corrected["events"][0]["reason"].endswith("Missed the 99214")
    assert await ledger_sum(runtime, claim_id=pk_of(paid)) == 0
    assert await ledger_sum(runtime, claim_id=pk_of(corrected["id"])) == 23_000
    assert await balance(biller, patient) == {"insurance": 23_000, "patient": 0, "total": 23_000}
    again = await mutate(biller, "createCorrectedClaim", claimId=paid, reason="Again")
    assert codes(again) == ["CLAIM_EXISTS"]
    # when the original (which the payer holds) is voided
    void = (await done(biller, "voidClaim", claimId=paid, reason="Billed in error"))["claim"]
    # then it is VOID and a void claim (frequency 8) naming it goes to the payer
    assert void["frequency"] == "VOID" and void["state"] == "DRAFT"
    assert void["parentClaim"] == {"id": paid} and void["payerClaimNumber"] == "PCN-1"
    original = (await biller.data(CLAIM, id=paid))["claim"]
    assert [e["toState"] for e in original["events"]] == [
        "DRAFT",
        "READY",
        "SUBMITTED",
        "ACCEPTED",
        "PAID",
        "VOID",
    ]
    assert await ledger_sum(runtime, patient_id=patient_pk) == 23_000


async def test_a_patient_without_coverage_of_the_payer_is_not_billed(client, runtime):
    # given a patient whose only coverage starts after the visit
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    _, patient = await make_patient(runtime)
    coverage = await add_coverage(biller, patient, periodStart="2026-01-01")
    found = await encounter(biller, practice, patient, "2025-06-02")
    # when
    refused = await mutate(
        biller, "createClaim", encounterId=found["id"], coverageId=coverage["id"]
    )
    # then
    assert codes(refused) == ["COVERAGE_NOT_IN_FORCE"]
