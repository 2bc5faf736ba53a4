"""`claim_document` maps a claim's rows into the plain values the 837P writer reads."""

from __future__ import annotations

from datetime import date

import pytest

from app.billing.claim_documents import claim_document
from app.billing.models import Claim
from app.billing.scrubber import problems_of
from app.billing.x12.documents import Frequency
from app.errors import DomainError
from tests.billing.support import (
    ACME,
    days_ago,
    done,
    encounter,
    insured_patient,
    line,
    set_up_practice,
)
from tests.fixtures.graphql import pk_of
from tests.fixtures.patients import add_coverage
from tests.fixtures.scheduling import make_patient


async def _document(runtime, claim_id):
    async with runtime.sessions() as session:
        claim = await session.get(Claim, pk_of(claim_id))
        return await claim_document(session, claim)


async def test_a_claim_becomes_the_document_the_837p_writer_reads(client, runtime):
    # given a clean claim with two lines, the second with modifiers and two units
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    _, patient, coverage = await insured_patient(runtime, biller, groupNumber="G-77")
    found = await encounter(biller, practice, patient, days_ago(4))
    first = await line(biller, found["id"], diagnosisPointers=[1, 2])
    second = await line(
        biller, found["id"], "99214", modifiers=["25", "59"], units=2, diagnosisPointers=[2]
    )
    claim = (await done(biller, "createClaim", encounterId=found["id"], coverageId=coverage))[
        "claim"
    ]
    # when
    document = await _document(runtime, claim["id"])
    # then
    assert document.control_number == claim["controlNumber"]
    assert (document.payer.payer_id, document.payer.filing_indicator) == (ACME, "CI")
    assert document.billing_provider.identifier == "1234567893"
    assert document.billing_provider.tax_id == "123456789"
    assert document.billing_provider.address.postal_code == "011031234"
    assert (document.relationship, document.responsibility) == ("18", "P")
    assert document.subscriber.member_id == "W123456789"
    assert document.subscriber.last_name == document.patient.last_name
    assert document.patient.address.postal_code == "01103"
    assert document.group_number == "G-77"
    assert document.diagnoses == ("E119", "I10")
    assert document.frequency == Frequency.ORIGINAL and document.payer_claim_number == ""
    assert [
        (
            service.control_number,
            service.procedure_code,
            service.modifiers,
            service.units,
            service.charge_cents,
            service.diagnosis_pointers,
        )
        for service in document.lines
    ] == [
        (first["lineControlNumber"], "99213", (), 1, 8_000, (1, 2)),
        (second["lineControlNumber"], "99214", ("25", "59"), 2, 30_000, (2,)),
    ]
    assert all(
        service.service_date == date.fromisoformat(days_ago(4)) for service in document.lines
    )
    assert document.total_cents == 38_000
    assert document.rendering_provider is not None
    assert all(service.rendering_provider is None for service in document.lines)
    assert problems_of(document, date.today()) == []


async def test_a_claim_without_what_every_claim_carries_has_no_document(client, runtime):
    # given a coverage whose subscriber (the spouse) has no birth date
    biller = await client.login("biller")
    practice = await set_up_practice(biller, runtime)
    _, patient = await make_patient(runtime)
    coverage = await add_coverage(biller, patient, relationship="SPOUSE", subscriberName="Ann Lee")
    found = await encounter(biller, practice, patient)
    claim = (await done(biller, "createClaim", encounterId=found["id"], coverageId=coverage["id"]))[
        "claim"
    ]
    # when / then
    with pytest.raises(DomainError) as refused:
        await _document(runtime, claim["id"])
    assert refused.value.code == "CLAIM_INCOMPLETE"
