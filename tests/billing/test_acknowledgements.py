"""importAcknowledgement: a 999 rejecting our transaction set rejects its batch's claims; a
277CA accepts or rejects each claim with the payer's codes and claim number; unknown claims
are reported; an invalid file changes nothing; a second import of a file changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.billing.models import Claim, ClaimEvent
from tests.billing.batch_support import claim, generate, import_ack, ready_claims
from tests.fixtures.edi import ack_277ca, ack_999


async def _history(runtime):
    async with runtime.sessions() as session:
        events = await session.scalar(select(func.count()).select_from(ClaimEvent))
        rows = await session.execute(select(Claim.id, Claim.state, Claim.payer_claim_number))
        return events, sorted(rows.all())


async def _batch(biller, runtime, count):
    claims = await ready_claims(biller, runtime, count)
    sent = await generate(biller, [c["id"] for c in claims])
    assert sent["userErrors"] == []
    return sent["batch"], sent["claims"]


async def test_a_999_accepting_moves_nothing_and_one_rejecting_rejects_the_batch(client, runtime):
    # given two batches of one claim each
    biller = await client.login("biller")
    one, two = await ready_claims(biller, runtime, 2)
    first_sent = await generate(biller, [one["id"]])
    second_sent = await generate(biller, [two["id"]])
    first, (kept,) = first_sent["batch"], first_sent["claims"]
    second, (rejected,) = second_sent["batch"], second_sent["claims"]
    # when a 999 accepts the first's transaction set and rejects the second's
    text = ack_999(
        first["controlNumber"], {first["controlNumber"]: "A", second["controlNumber"]: "R"}
    )
    imported = await import_ack(biller, text)
    # then the first's claim stays SUBMITTED, the second's is REJECTED with the 999's errors
    assert imported["userErrors"] == [] and imported["kind"] == "FUNCTIONAL"
    outcomes = {c["controlNumber"]: (c["outcome"], c["state"]) for c in imported["claims"]}
    assert outcomes == {
        kept["controlNumber"]: ("UNCHANGED", "SUBMITTED"),
        rejected["controlNumber"]: ("MOVED", "REJECTED"),
    }
    now = await claim(biller, rejected["id"])
    assert now["state"] == "REJECTED"
    assert now["events"][-1]["reason"].startswith(
        f"999 rejected transaction set {second['controlNumber']}"
    )
    # when the same 999 is imported again: nothing changes, no error
    before = await _history(runtime)
    again = await import_ack(biller, text)
    assert again["userErrors"] == []
    assert {c["outcome"] for c in again["claims"]} == {"UNCHANGED"}
    assert await _history(runtime) == before
    # and a 999 naming no batch of ours reports it, not an error
    stranger = await import_ack(biller, ack_999("777", {"000000777": "R"}))
    assert stranger["userErrors"] == []
    assert [(c["controlNumber"], c["outcome"]) for c in stranger["claims"]] == [
        ("000000777", "UNKNOWN")
    ]


async def test_a_277ca_accepts_one_claim_and_rejects_another(client, runtime):
    # given a batch of two claims
    biller = await client.login("biller")
    batch, (good, bad) = await _batch(biller, runtime, 2)
    # when the payer's 277CA takes the first (its claim number PCN123) and rejects the second,
    # and names a claim that is not ours
    text = ack_277ca(
        batch["controlNumber"],
        [
            (good["controlNumber"], 46_000, "PCN123"),
            (bad["controlNumber"], 8_000, ""),
            ("NOTOURS", 100, "X1"),
        ],
    )
    imported = await import_ack(biller, text)
    # then the first is ACCEPTED with the payer's number, the second REJECTED with its codes
    assert imported["userErrors"] == [] and imported["kind"] == "CLAIM_STATUS"
    by_number = {c["controlNumber"]: c for c in imported["claims"]}
    assert by_number[good["controlNumber"]]["outcome"] == "MOVED"
    accepted = await claim(biller, good["id"])
    assert accepted["state"] == "ACCEPTED" and accepted["payerClaimNumber"] == "PCN123"
    rejected = await claim(biller, bad["id"])
    assert rejected["state"] == "REJECTED" and rejected["payerClaimNumber"] is None
    assert rejected["events"][-1]["reason"] == "277CA rejected: A7:562:85"
    assert [e["toState"] for e in accepted["events"]] == ["DRAFT", "READY", "SUBMITTED", "ACCEPTED"]
    # and the unknown claim is reported, not an error
    assert by_number["NOTOURS"]["outcome"] == "UNKNOWN" and by_number["NOTOURS"]["claim"] is None
    # when the same 277CA is imported again: every claim unchanged, nothing written
    before = await _history(runtime)
    again = await import_ack(biller, text)
    assert again["userErrors"] == []
    assert [c["outcome"] for c in again["claims"]] == ["UNCHANGED", "UNCHANGED", "UNKNOWN"]
    assert await _history(runtime) == before


async def test_an_invalid_file_is_refused_with_pyx12s_problems(client, runtime):
    # given a submitted claim and a 277CA for it with its required BHT segment removed
    biller = await client.login("biller")
    batch, (sent,) = await _batch(biller, runtime, 1)
    text = ack_277ca(batch["controlNumber"], [(sent["controlNumber"], 46_000, "PCN9")])
    broken = "".join(s + "~\n" for s in text.split("~\n") if s and not s.startswith("BHT"))
    before = await _history(runtime)
    # when it is imported
    refused = await import_ack(biller, broken)
    # then it is refused with pyx12's findings and nothing changed
    assert refused["kind"] is None and refused["claims"] == []
    assert {e["code"] for e in refused["userErrors"]} == {"ACKNOWLEDGEMENT_INVALID"}
    assert refused["userErrors"][0]["message"]
    assert await _history(runtime) == before
    # and text that is no X12 at all, or another transaction, is refused too
    garbage = await import_ack(biller, "hello")
    assert {e["code"] for e in garbage["userErrors"]} == {"ACKNOWLEDGEMENT_INVALID"}
    assert await _history(runtime) == before
