"""generateClaimBatch: READY claims become one pyx12-valid 837P, stored and SUBMITTED, under a
control number that never repeats; anything else is refused with nothing changed. The file is
downloaded with a bearer token by billers only."""

from __future__ import annotations

from sqlalchemy import func, select

from app.billing.batch_models import ClaimBatch, ClaimBatchClaim
from app.billing.models import Claim, ClaimEvent
from app.billing.x12.validation import validate
from app.counters import Counter
from tests.billing.batch_support import claim, generate, ready_claims


async def _counts(runtime):
    async with runtime.sessions() as session:
        counts = {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model))
            for model in (ClaimBatch, ClaimBatchClaim, ClaimEvent)
        }
        counts["states"] = sorted((await session.execute(select(Claim.id, Claim.state))).all())
        counts["counter"] = await session.scalar(
            select(Counter.value).where(Counter.name == "x12_interchange")
        )
    return counts


async def test_ready_claims_make_a_valid_837p_and_are_submitted(client, runtime):
    # given three READY claims
    biller = await client.login("biller")
    claims = await ready_claims(biller, runtime, 3)
    # when two are batched, then the third alone
    first = await generate(biller, [c["id"] for c in claims[:2]])
    second = await generate(biller, [claims[2]["id"]])
    # then each batch is stored, counted and priced (8,000 + 2 x 15,000 + 8,000 cents)
    assert first["userErrors"] == [] and second["userErrors"] == []
    batch = first["batch"]
    assert batch["claimCount"] == 2 and batch["totalCharge"] == {"amountCents": 46_000}
    assert batch["downloadPath"] == f"/claims/batches/{batch['id']}.837"
    # and the control numbers differ
    assert batch["controlNumber"] != second["batch"]["controlNumber"]
    assert len(batch["controlNumber"]) == 9 and batch["controlNumber"].isdigit()
    # and the claims are SUBMITTED, their history saying which batch sent them
    for sent in first["claims"] + second["claims"]:
        assert sent["state"] == "SUBMITTED"
        assert sent["events"][-1]["fromState"] == "READY"
        assert sent["events"][-1]["reason"].startswith("Sent in batch ")
    assert (await claim(biller, claims[0]["id"]))["state"] == "SUBMITTED"
    # and the stored file validates with zero pyx12 problems, carrying both claims
    async with runtime.sessions() as session:
        text = await session.scalar(
            select(ClaimBatch.file_text).where(ClaimBatch.id == int(batch["id"]))
        )
    assert validate(text) == []
    assert f"ST*837*{batch['controlNumber']}*005010X222A1~" in text
    for sent in claims[:2]:
        assert f"CLM*{sent['controlNumber']}*" in text
    assert "REF*6R*" in text


async def test_a_claim_not_ready_refuses_the_whole_batch(client, runtime):
    # given a READY claim and a DRAFT one
    biller = await client.login("biller")
    ready, draft = await ready_claims(biller, runtime, 1, drafts=1)
    before = await _counts(runtime)
    # when both are batched
    refused = await generate(biller, [ready["id"], draft["id"]])
    # then CLAIM_NOT_READY names the draft, and nothing changed (the counter included)
    assert refused["batch"] is None and refused["claims"] == []
    assert [e["code"] for e in refused["userErrors"]] == ["CLAIM_NOT_READY"]
    assert "DRAFT" in refused["userErrors"][0]["message"]
    assert await _counts(runtime) == before
    # and an empty list is refused too
    empty = await generate(biller, [])
    assert [e["code"] for e in empty["userErrors"]] == ["BATCH_SIZE"]


async def test_the_file_downloads_with_a_billers_token_only(client, runtime):
    # given a batch
    biller = await client.login("biller")
    claims = await ready_claims(biller, runtime, 1)
    batch = (await generate(biller, [claims[0]["id"]]))["batch"]
    path = batch["downloadPath"]
    # when a biller downloads it: the X12 text, not cached
    got = await client.http.get(path, headers={"Authorization": f"Bearer {biller.token}"})
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/plain")
    assert got.headers["cache-control"] == "no-store"
    assert got.text.startswith("ISA*") and validate(got.text) == []
    # then front desk is forbidden, no token or a bad one unauthenticated, an unknown id 404
    front_desk = await client.login("front_desk")
    denied = await client.http.get(path, headers={"Authorization": f"Bearer {front_desk.token}"})
    assert denied.status_code == 403 and "ISA" not in denied.text
    assert (await client.http.get(path)).status_code == 401
    bad = await client.http.get(path, headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    unknown = await client.http.get(
        "/claims/batches/999999.837", headers={"Authorization": f"Bearer {biller.token}"}
    )
    assert unknown.status_code == 404
    # and the download and the refusal are in the audit trail
    from app.audit.models import AuditEvent

    async with runtime.sessions() as session:
        outcomes = (
            await session.scalars(
                select(AuditEvent.outcome).where(
                    AuditEvent.resource_type == "ClaimBatch", AuditEvent.action == "read"
                )
            )
        ).all()
    assert sorted(set(outcomes)) == ["denied", "success"]
