"""Shared steps of the batch and acknowledgement tests: READY claims, and a batch of them."""

from __future__ import annotations

from typing import Any

from app.runtime import Runtime
from tests.billing.support import (
    ERRORS,
    done,
    encounter,
    insured_patient,
    line,
    set_up_practice,
)
from tests.fixtures.graphql import GraphQLClient

CLAIM_FIELDS = "id controlNumber state payerClaimNumber events { fromState toState reason }"
GENERATE = f"""
mutation($input: GenerateClaimBatchInput!) {{
  generateClaimBatch(input: $input) {{
    batch {{ id controlNumber claimCount totalCharge {{ amountCents }} downloadPath }}
    claims {{ {CLAIM_FIELDS} }}
    {ERRORS}
  }}
}}
"""
IMPORT = f"""
mutation($input: ImportAcknowledgementInput!) {{
  importAcknowledgement(input: $input) {{
    kind
    claims {{ controlNumber outcome state reason claim {{ {CLAIM_FIELDS} }} }}
    {ERRORS}
  }}
}}
"""
CLAIM = f"query($id: ID!) {{ claim(id: $id) {{ {CLAIM_FIELDS} }} }}"


async def ready_claims(
    biller: GraphQLClient, runtime: Runtime, count: int, drafts: int = 0
) -> list[dict[str, Any]]:
    """`count` scrubbed READY claims then `drafts` DRAFT ones, each its own patient's, the
    first with two lines."""
    practice = await set_up_practice(biller, runtime)
    claims = []
    for index in range(count + drafts):
        _, patient, coverage = await insured_patient(runtime, biller)
        found = await encounter(biller, practice, patient)
        await line(biller, found["id"])
        if index == 0:
            await line(biller, found["id"], "99214", units=2, diagnosisPointers=[1, 2])
        created = await done(biller, "createClaim", encounterId=found["id"], coverageId=coverage)
        if index < count:
            await done(biller, "markClaimReady", claimId=created["claim"]["id"])
        claims.append(created["claim"])
    return claims


async def generate(client: GraphQLClient, claim_ids: list[str]) -> dict[str, Any]:
    return (await client.data(GENERATE, input={"claimIds": claim_ids}))["generateClaimBatch"]


async def import_ack(client: GraphQLClient, text: str) -> dict[str, Any]:
    return (await client.data(IMPORT, input={"file": text}))["importAcknowledgement"]


async def claim(client: GraphQLClient, claim_id: str) -> dict[str, Any]:
    return (await client.data(CLAIM, id=claim_id))["claim"]
