"""Billing set-up for tests, through the GraphQL API as a biller: a clinic, the billing
provider, payers, fee schedules, a patient with coverage, encounters with lines and claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from app.runtime import Runtime
from tests.fixtures.graphql import GraphQLClient
from tests.fixtures.patients import add_coverage
from tests.fixtures.scheduling import Clinic, make_clinic, make_patient

ERRORS = "userErrors { field code message }"
LINE_FIELDS = (
    "id code modifiers units unitPrice { amountCents currency } charge { amountCents } "
    "diagnosisPointers lineControlNumber"
)
CLAIM_FIELDS = (
    "id controlNumber state frequency payerClaimNumber totalCharge { amountCents } "
    "payer { payerId } parentClaim { id } events { fromState toState actorUsername reason }"
)
ENCOUNTER_FIELDS = (
    f"id serviceDate appointmentId diagnoses {{ code description }} chargeLines {{ {LINE_FIELDS} }}"
)

# What each mutation's payload is asked for (userErrors added)
_PAYLOADS = {
    "createPayer": "payer { id name payerId filingIndicator }",
    "updateBillingProvider": "billingProvider { name npi taxId address { postalCode } }",
    "createFeeSchedule": "feeSchedule { id name validFrom validUntil payer { payerId } }",
    "setFeeScheduleEntry": "feeSchedule { id entries { code modifiers price { amountCents } } }",
    "createEncounter": f"encounter {{ {ENCOUNTER_FIELDS} }}",
    "setEncounterDiagnoses": f"encounter {{ {ENCOUNTER_FIELDS} }}",
    "addChargeLine": f"chargeLine {{ {LINE_FIELDS} }}",
    "removeChargeLine": "chargeLine { id }",
    "createClaim": f"claim {{ {CLAIM_FIELDS} }}",
    "markClaimReady": f"claim {{ {CLAIM_FIELDS} }}",
    "voidClaim": f"claim {{ {CLAIM_FIELDS} }}",
    "createCorrectedClaim": f"claim {{ {CLAIM_FIELDS} }}",
    "scrubClaim": "claim { id state } problems { code message field lineControlNumber }",
}
MUTATIONS = {name: f"{fields} {ERRORS}" for name, fields in _PAYLOADS.items()}
INPUTS = {
    "createPayer": "CreatePayerInput",
    "updateBillingProvider": "UpdateBillingProviderInput",
    "createFeeSchedule": "CreateFeeScheduleInput",
    "setFeeScheduleEntry": "SetFeeScheduleEntryInput",
    "createEncounter": "CreateEncounterInput",
    "setEncounterDiagnoses": "SetEncounterDiagnosesInput",
    "addChargeLine": "AddChargeLineInput",
    "removeChargeLine": "RemoveChargeLineInput",
    "createClaim": "CreateClaimInput",
    "markClaimReady": "ClaimIdInput",
    "voidClaim": "ClaimReasonInput",
    "createCorrectedClaim": "ClaimReasonInput",
    "scrubClaim": "ClaimIdInput",
}

BALANCE = """
query($id: ID!) {
  patientBalance(patientId: $id) {
    insurance { amountCents } patientResponsibility { amountCents } total { amountCents currency }
  }
}
"""
CLAIM = f"query($id: ID!) {{ claim(id: $id) {{ {CLAIM_FIELDS} }} }}"

ACME, OTHER = "60054", "87726"  # X12 payer ids
DEFAULT_PRICES = {("99213", ()): 10_000, ("99213", ("25",)): 11_000, ("99214", ()): 15_000}
ACME_PRICES = {("99213", ()): 8_000, ("J1100", ()): 0}


def document(name: str) -> str:
    return f"mutation($input: {INPUTS[name]}!) {{ {name}(input: $input) {{ {MUTATIONS[name]} }} }}"


async def mutate(client: GraphQLClient, mutation: str, /, **input: Any) -> dict[str, Any]:
    """The payload of a billing mutation (userErrors included)."""
    return (await client.data(document(mutation), input=input))[mutation]


async def done(client: GraphQLClient, mutation: str, /, **input: Any) -> dict[str, Any]:
    """The payload of a billing mutation that must succeed."""
    payload = await mutate(client, mutation, **input)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


def days_ago(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


@dataclass
class Practice:
    clinic: Clinic
    payers: dict[str, str]  # X12 payer id -> Payer global id
    schedules: dict[str, str]  # "default" / X12 payer id -> FeeSchedule global id


async def set_up_practice(biller: GraphQLClient, runtime: Runtime) -> Practice:
    clinic = await make_clinic(runtime)
    await done(
        biller,
        "updateBillingProvider",
        name="Demo Family Practice",
        npi="1234567893",
        taxId="12-3456789",
        address={
            "line1": "1 Main St",
            "city": "Springfield",
            "state": "ma",
            "postalCode": "01103-1234",
        },
    )
    payers = {}
    for payer_id, name in ((ACME, "Acme Health"), (OTHER, "Other Mutual")):
        created = await done(
            biller, "createPayer", name=name, payerId=payer_id, filingIndicator="CI"
        )
        payers[payer_id] = created["payer"]["id"]
    schedules = {}
    for key, payer, prices, start in (
        ("default", None, DEFAULT_PRICES, "2020-01-01"),
        (ACME, payers[ACME], ACME_PRICES, "2025-01-01"),
    ):
        created = await done(
            biller, "createFeeSchedule", name=f"{key} fees", payerId=payer, validFrom=start
        )
        schedules[key] = created["feeSchedule"]["id"]
        for (code, modifiers), cents in prices.items():
            await done(
                biller,
                "setFeeScheduleEntry",
                feeScheduleId=schedules[key],
                code=code,
                modifiers=list(modifiers),
                priceCents=cents,
            )
    return Practice(clinic, payers, schedules)


ADDRESS = {
    "address_line1": "12 Elm St",
    "city": "Springfield",
    "state": "MA",
    "postal_code": "01103",
}


async def insured_patient(
    runtime: Runtime, biller: GraphQLClient, payer_id: str = ACME, **coverage: Any
) -> tuple[int, str, str]:
    """A patient with an address and a primary coverage: (pk, Patient id, Coverage id)."""
    patient_pk, patient = await make_patient(runtime, **ADDRESS)
    added = await add_coverage(
        biller, patient, payerId=payer_id, periodStart="2024-01-01", **coverage
    )
    return patient_pk, patient, added["id"]


async def encounter(
    biller: GraphQLClient,
    practice: Practice,
    patient: str,
    service_date: str | None = None,
    diagnoses: tuple[str, ...] = ("E11.9", "I10"),
) -> dict[str, Any]:
    created = await done(
        biller,
        "createEncounter",
        patientId=patient,
        providerId=practice.clinic.provider_id,
        locationId=practice.clinic.location_id,
        serviceDate=service_date or days_ago(3),
    )
    encounter_id = created["encounter"]["id"]
    if diagnoses:
        await done(
            biller, "setEncounterDiagnoses", encounterId=encounter_id, diagnoses=list(diagnoses)
        )
    return created["encounter"]


async def line(
    biller: GraphQLClient, encounter_id: str, code: str = "99213", **extra: Any
) -> dict[str, Any]:
    values = {"encounterId": encounter_id, "code": code, "diagnosisPointers": [1], **extra}
    return (await done(biller, "addChargeLine", **values))["chargeLine"]


async def balance(client: GraphQLClient, patient: str) -> dict[str, int]:
    found = (await client.data(BALANCE, id=patient))["patientBalance"]
    return {
        "insurance": found["insurance"]["amountCents"],
        "patient": found["patientResponsibility"]["amountCents"],
        "total": found["total"]["amountCents"],
    }


async def advance(
    runtime: Runtime, claim_id: str, *steps: str, payer_claim_number: str | None = None
) -> None:
    """Move a claim as batches, acknowledgements and remittances will (their services call
    app.billing.claims directly), as the system."""
    from app.authz import SYSTEM
    from app.billing import claims
    from app.transaction import unit_of_work
    from tests.fixtures.graphql import pk_of

    async with unit_of_work(runtime.sessions) as session:
        for step in steps:
            await claims.move_claim(session, SYSTEM, pk_of(claim_id), step, f"test: {step}")
        if payer_claim_number:
            await claims.set_payer_claim_number(
                session, SYSTEM, pk_of(claim_id), payer_claim_number
            )


async def ledger_sum(runtime: Runtime, **where: Any) -> int:
    """The sum of the ledger rows matching `where` (column=value), read directly."""
    from sqlalchemy import func, select

    from app.billing.models import LedgerEntry

    async with runtime.sessions() as session:
        conditions = [getattr(LedgerEntry, name) == value for name, value in where.items()]
        total = await session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(*conditions)
        )
    return int(total or 0)
