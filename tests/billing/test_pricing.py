"""Fee schedules: the price of a charge is the payer's schedule in force on the date of
service, else the default one in force; set-up inputs are checked."""

from __future__ import annotations

from tests.billing.support import (
    ACME,
    OTHER,
    codes,
    days_ago,
    done,
    encounter,
    insured_patient,
    mutate,
    set_up_practice,
)

FEE_SCHEDULES = """
{ feeSchedules {
  name validFrom validUntil payer { payerId } entries { code modifiers price { amountCents } }
} }
"""


async def test_a_charge_takes_the_price_of_its_payer_schedule_in_force_on_the_date_of_service(
    client, runtime
):
    # given a default schedule since 2020 and Acme's contract since 2025
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    _, acme_patient, _ = await insured_patient(runtime, biller, ACME)
    _, other_patient, _ = await insured_patient(runtime, biller, OTHER)
    recent = await encounter(biller, practice, acme_patient)
    before_contract = await encounter(biller, practice, acme_patient, "2024-06-01")
    other = await encounter(biller, practice, other_patient)
    # when 99213 is charged on each, and 99213-25 and 99214 on the recent one
    priced = {}
    for name, found in (("recent", recent), ("before", before_contract), ("other", other)):
        added = await done(
            biller, "addChargeLine", encounterId=found["id"], code="99213", diagnosisPointers=[1]
        )
        priced[name] = added["chargeLine"]["unitPrice"]["amountCents"]
    with_modifier = await done(
        biller,
        "addChargeLine",
        encounterId=before_contract["id"],
        code="99213",
        modifiers=["25"],
        units=2,
        diagnosisPointers=[1, 2],
    )
    base_price = await done(
        biller,
        "addChargeLine",
        encounterId=recent["id"],
        code="99213",
        modifiers=["59"],
        diagnosisPointers=[2],
    )
    # then Acme's price applies from its contract on, the default's before it and for others
    assert priced == {"recent": 8_000, "before": 10_000, "other": 10_000}
    line = with_modifier["chargeLine"]
    assert (line["modifiers"], line["unitPrice"]["amountCents"]) == (["25"], 11_000)
    assert line["charge"]["amountCents"] == 22_000
    assert line["diagnosisPointers"] == [1, 2]
    # and a modifier without a price of its own takes the code's price
    assert base_price["chargeLine"]["unitPrice"] == {"amountCents": 8_000, "currency": "USD"}
    # and each line has a control number of its own
    numbers = [line["lineControlNumber"], base_price["chargeLine"]["lineControlNumber"]]
    assert len(set(numbers)) == 2 and all(n.isdigit() for n in numbers)


async def test_no_price_overlapping_schedules_and_bad_codes_are_refused(client, runtime):
    # given
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    _, patient, _ = await insured_patient(runtime, biller)
    found = await encounter(biller, practice, patient, days_ago(2))
    # when
    no_price = await mutate(
        biller, "addChargeLine", encounterId=found["id"], code="99215", diagnosisPointers=[1]
    )
    overlap = await mutate(
        biller,
        "createFeeSchedule",
        name="Acme 2026",
        payerId=practice.payers[ACME],
        validFrom="2026-01-01",
    )
    backwards = await mutate(
        biller, "createFeeSchedule", name="Old", validFrom="2019-05-01", validUntil="2019-01-01"
    )
    bad_code = await mutate(
        biller,
        "setFeeScheduleEntry",
        feeScheduleId=practice.schedules["default"],
        code="9921",
        priceCents=100,
    )
    bad_modifier = await mutate(
        biller,
        "setFeeScheduleEntry",
        feeScheduleId=practice.schedules["default"],
        code="G0008",
        modifiers=["2"],
        priceCents=100,
    )
    negative = await mutate(
        biller,
        "setFeeScheduleEntry",
        feeScheduleId=practice.schedules["default"],
        code="A0428",
        priceCents=-1,
    )
    # then
    assert codes(no_price) == ["NO_PRICE"]
    assert codes(overlap) == ["SCHEDULE_OVERLAP"]
    assert codes(backwards) == ["INVALID_VALIDITY"]
    assert codes(bad_code) == ["INVALID_PROCEDURE_CODE"]
    assert codes(bad_modifier) == ["INVALID_MODIFIER"]
    assert codes(negative) == ["INVALID_PRICE"]
    # and the schedules are as they were set up
    schedules = (await biller.data(FEE_SCHEDULES))["feeSchedules"]
    assert [(s["name"], s["payer"]) for s in schedules] == [
        ("default fees", None),
        (f"{ACME} fees", {"payerId": ACME}),
    ]
    assert {e["code"] for e in schedules[0]["entries"]} == {"99213", "99214"}


async def test_set_up_inputs_are_checked(client, runtime):
    # given
    biller = await client.login("biller")
    address = {"line1": "1 Main St", "city": "Springfield", "state": "MA", "postalCode": "01103"}
    provider = {"name": "Practice", "npi": "1234567893", "taxId": "123456789", "address": address}
    # when
    bad_npi = await mutate(biller, "updateBillingProvider", **{**provider, "npi": "1234567890"})
    bad_tax_id = await mutate(biller, "updateBillingProvider", **{**provider, "taxId": "12-34"})
    bad_zip = await mutate(
        biller,
        "updateBillingProvider",
        **{**provider, "address": {**address, "postalCode": "0110"}},
    )
    saved = await mutate(biller, "updateBillingProvider", **provider)
    payer = await mutate(biller, "createPayer", name="Acme", payerId=ACME, filingIndicator="ci")
    again = await mutate(biller, "createPayer", name="Acme 2", payerId=ACME, filingIndicator="CI")
    bad_indicator = await mutate(biller, "createPayer", name="X", payerId="1", filingIndicator="QQ")
    # then
    assert codes(bad_npi) == ["INVALID_BILLING_NPI"]
    assert codes(bad_tax_id) == ["INVALID_TAX_ID"]
    assert bad_zip["userErrors"] == [
        {
            "field": ["address", "postalCode"],
            "code": "INVALID_ZIP_CODE",
            "message": bad_zip["userErrors"][0]["message"],
        }
    ]
    assert saved["billingProvider"] == {
        "name": "Practice",
        "npi": "1234567893",
        "taxId": "123456789",
        "address": {"postalCode": "01103"},
    }
    assert payer["payer"]["filingIndicator"] == "CI"
    assert codes(again) == ["PAYER_ID_TAKEN"]
    assert codes(bad_indicator) == ["INVALID_FILING_INDICATOR"]
