"""Encounters: one appears by itself when a visit is fulfilled; diagnoses and charge lines are
checked as they are entered."""

from __future__ import annotations

from sqlalchemy import select

from app.billing.models import ChargeLine
from tests.billing.support import (
    ENCOUNTER_FIELDS,
    codes,
    done,
    encounter,
    insured_patient,
    line,
    mutate,
    set_up_practice,
)
from tests.fixtures.graphql import gid
from tests.fixtures.scheduling import book, days_ahead, rows

CHECK_IN = """
mutation($input: AppointmentIdInput!) {
  checkInAppointment(input: $input) { userErrors { code } }
}
"""
COMPLETE = """
mutation($input: AppointmentIdInput!) {
  completeAppointment(input: $input) { appointment { status } userErrors { code } }
}
"""
ENCOUNTERS = f"""
query($patient: ID) {{
  encounters(filter: {{patientId: $patient}}, first: 5) {{
    totalCount edges {{ node {{ {ENCOUNTER_FIELDS} patient {{ id }} provider {{ id }}
      location {{ id }} claims {{ id }} }} }}
  }}
}}
"""
ENCOUNTER = f"query($id: ID!) {{ encounter(id: $id) {{ {ENCOUNTER_FIELDS} }} }}"


async def test_an_encounter_appears_by_itself_when_a_visit_is_fulfilled(client, runtime):
    # given a visit booked, checked in, and a biller watching the patient's encounters
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    _, patient, _ = await insured_patient(runtime, biller)
    desk, provider = await client.login("front_desk"), await client.login("provider")
    clinic = practice.clinic
    day = days_ahead(clinic, 1)
    visit = await book(desk, clinic, patient, clinic.at(day, 16, 30))
    await desk.data(CHECK_IN, input={"appointmentId": visit["id"]})
    assert (await biller.data(ENCOUNTERS, patient=patient))["encounters"]["totalCount"] == 0
    # when the provider completes the visit
    completed = await provider.data(COMPLETE, input={"appointmentId": visit["id"]})
    # then its encounter is there: the visit's patient, provider, location and local date
    assert completed["completeAppointment"]["appointment"]["status"] == "FULFILLED"
    found = (await biller.data(ENCOUNTERS, patient=patient))["encounters"]
    assert found["totalCount"] == 1
    made = found["edges"][0]["node"]
    assert made["appointmentId"] == visit["id"]
    assert made["serviceDate"] == day.isoformat()
    assert made["patient"]["id"] == patient
    assert made["provider"]["id"] == clinic.provider_id
    assert made["location"]["id"] == clinic.location_id
    assert (made["diagnoses"], made["chargeLines"], made["claims"]) == ([], [], [])
    # and it can be coded at once
    await done(biller, "setEncounterDiagnoses", encounterId=made["id"], diagnoses=["e119"])
    added = await line(biller, made["id"])
    assert added["unitPrice"]["amountCents"] == 8_000


async def test_diagnoses_are_icd10cm_codes_at_most_twelve_and_each_once(client, runtime):
    # given
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    _, patient, _ = await insured_patient(runtime, biller)
    found = await encounter(biller, practice, patient, diagnoses=())
    # when
    invalid = await mutate(
        biller, "setEncounterDiagnoses", encounterId=found["id"], diagnoses=["I10", "E11.99999"]
    )
    block = await mutate(
        biller, "setEncounterDiagnoses", encounterId=found["id"], diagnoses=["E08-E13"]
    )
    twice = await mutate(
        biller, "setEncounterDiagnoses", encounterId=found["id"], diagnoses=["E11.9", "e119"]
    )
    many = await mutate(
        biller,
        "setEncounterDiagnoses",
        encounterId=found["id"],
        diagnoses=[f"S0{i}.0XXA" for i in range(13)],
    )
    saved = await done(
        biller, "setEncounterDiagnoses", encounterId=found["id"], diagnoses=["e119", "I10"]
    )
    # then
    assert invalid["userErrors"][0]["code"] == "INVALID_DIAGNOSIS_CODE"
    assert invalid["userErrors"][0]["field"] == ["diagnoses", "1"]
    assert codes(block) == ["INVALID_DIAGNOSIS_CODE"]
    assert codes(twice) == ["DUPLICATE_DIAGNOSIS"]
    assert codes(many) == ["TOO_MANY_DIAGNOSES"]
    assert saved["encounter"]["diagnoses"] == [
        {"code": "E11.9", "description": "Type 2 diabetes mellitus without complications"},
        {"code": "I10", "description": "Essential (primary) hypertension"},
    ]
    again = (await biller.data(ENCOUNTER, id=found["id"]))["encounter"]
    assert [d["code"] for d in again["diagnoses"]] == ["E11.9", "I10"]


async def test_charge_lines_are_checked_and_removed_lines_are_kept_out_of_the_encounter(
    client, runtime
):
    # given an encounter with two diagnoses
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    _, patient, _ = await insured_patient(runtime, biller)
    found = await encounter(biller, practice, patient)
    base = {"encounterId": found["id"], "code": "99213", "diagnosisPointers": [1]}
    # when lines break the rules
    refused = {
        "code": await mutate(biller, "addChargeLine", **{**base, "code": "9921A"}),
        "modifier": await mutate(biller, "addChargeLine", **{**base, "modifiers": ["2S5"]}),
        "five modifiers": await mutate(
            biller, "addChargeLine", **{**base, "modifiers": ["25", "59", "LT", "RT", "76"]}
        ),
        "pointer": await mutate(biller, "addChargeLine", **{**base, "diagnosisPointers": [3]}),
        "five pointers": await mutate(
            biller, "addChargeLine", **{**base, "diagnosisPointers": [1, 2, 1, 2, 1]}
        ),
        "units": await mutate(biller, "addChargeLine", **{**base, "units": 0}),
        "encounter": await mutate(
            biller, "addChargeLine", **{**base, "encounterId": gid("Encounter", 999)}
        ),
    }
    # then each is refused with its code, and no line was written
    assert {name: codes(payload) for name, payload in refused.items()} == {
        "code": ["INVALID_PROCEDURE_CODE"],
        "modifier": ["INVALID_MODIFIER"],
        "five modifiers": ["INVALID_MODIFIER"],
        "pointer": ["INVALID_POINTER"],
        "five pointers": ["INVALID_POINTER"],
        "units": ["INVALID_UNITS"],
        "encounter": ["NOT_FOUND"],
    }
    assert refused["encounter"]["userErrors"][0]["field"] == ["encounterId"]
    assert await rows(runtime, ChargeLine) == []
    # when a HCPCS line and a CPT category II line are added, and the first is removed
    hcpcs = await line(biller, found["id"], "j1100", modifiers=["rt"])
    category_ii = await mutate(biller, "addChargeLine", **{**base, "code": "3044F"})
    removed = await done(biller, "removeChargeLine", chargeLineId=hcpcs["id"])
    again = await mutate(biller, "removeChargeLine", chargeLineId=hcpcs["id"])
    # then the HCPCS code was accepted (upper-cased), category II has no price, and the removed
    # line is kept (marked) but no longer on the encounter
    assert (hcpcs["code"], hcpcs["modifiers"]) == ("J1100", ["RT"])
    assert codes(category_ii) == ["NO_PRICE"]
    assert removed["chargeLine"]["id"] == hcpcs["id"]
    assert codes(again) == ["LINE_REMOVED"]
    assert (await biller.data(ENCOUNTER, id=found["id"]))["encounter"]["chargeLines"] == []
    async with runtime.sessions() as session:
        kept = (await session.scalars(select(ChargeLine))).one()
    assert kept.removed_at is not None
