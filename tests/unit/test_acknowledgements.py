"""The 999 and 277CA readers, on small files built from the guides' structure (no samples ship)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.billing.x12.acknowledgements import (
    AckStatus,
    ClaimStatusCode,
    ElementError,
    SegmentError,
    read_277ca,
    read_999,
)
from app.billing.x12.remittance_segments import InvalidX12File
from app.billing.x12.validation import validate
from tests.fixtures.edi import ack_277ca, ack_999, sample_files


def test_the_built_files_are_valid_for_pyx12() -> None:
    assert validate(ack_999("17", {"0001": "A", "0002": "E", "0003": "R"})) == []
    assert validate(ack_277ca("BATCH1", [("CLM1", 15000, "PAY1"), ("CLM2", 995, "")])) == []


def test_999_gives_each_transaction_set_its_outcome_and_errors() -> None:
    (group,) = read_999(ack_999("17", {"0001": "A", "0002": "R"}))
    assert (group.functional_id, group.group_control_number) == ("HC", "17")
    assert (group.status, group.code) == (AckStatus.PARTIALLY_ACCEPTED, "P")
    accepted, rejected = group.transactions
    assert (accepted.control_number, accepted.status, accepted.segment_errors) == (
        "0001",
        AckStatus.ACCEPTED,
        (),
    )
    assert (rejected.transaction_type, rejected.control_number) == ("837", "0002")
    assert (rejected.status, rejected.code, rejected.error_codes) == (
        AckStatus.REJECTED,
        "R",
        ("5",),
    )
    assert rejected.segment_errors == (
        SegmentError("NM1", 22, "2010", "8", (ElementError(9, None, "67", "1", ""),)),
    )
    assert not rejected.status.accepted


def test_999_accepted_with_errors_counts_as_accepted() -> None:
    (group,) = read_999(ack_999("18", {"0001": "E"}))
    assert group.status == AckStatus.ACCEPTED
    assert group.transactions[0].status == AckStatus.ACCEPTED_WITH_ERRORS
    assert group.transactions[0].status.accepted


def test_277ca_classifies_each_claim() -> None:
    accepted, rejected = read_277ca(
        ack_277ca("BATCH1", [("CLM1", 15000, "PAY1"), ("CLM2", 995, "")])
    )
    assert (accepted.patient_control_number, accepted.payer_claim_number) == ("CLM1", "PAY1")
    assert accepted.status == AckStatus.ACCEPTED
    assert accepted.statuses == (ClaimStatusCode("A2", "20", "PR"),)
    assert (accepted.action_code, accepted.charge_cents) == ("WQ", 15000)
    assert accepted.effective_date == dt.date(2026, 11, 29)
    assert (accepted.batch_reference, accepted.payer_id, accepted.billing_provider_id) == (
        "BATCH1",
        "12345",
        "1234567893",
    )
    assert (accepted.patient_last_name, accepted.member_id) == ("DOE", "W00004")
    assert (rejected.patient_control_number, rejected.payer_claim_number) == ("CLM2", "")
    assert rejected.status == AckStatus.REJECTED
    assert rejected.statuses == (ClaimStatusCode("A7", "562", "85"),)
    assert (rejected.action_code, rejected.charge_cents) == ("U", 995)


def test_277ca_service_line_statuses_do_not_change_the_claim() -> None:
    text = ack_277ca("BATCH1", [("CLM1", 15000, "PAY1")])
    line = "SVC*HC:99213*150*****1~\nSTC*A3:21*20261129*U~\nREF*FJ*LINE1~\n"
    count = int(text.split("SE*")[1].split("*")[0])
    text = text.replace(f"SE*{count}*", f"{line}SE*{count + 3}*")
    assert validate(text) == []
    (claim,) = read_277ca(text)
    assert claim.status == AckStatus.ACCEPTED
    assert claim.statuses == (ClaimStatusCode("A2", "20", "PR"),)


def test_invalid_acknowledgements_are_refused_with_pyx12_problems() -> None:
    with pytest.raises(InvalidX12File) as refused:
        read_999(ack_999("17", {"0001": "A"}).replace("IK5*A", "IK5*Q"))
    assert {p.segment for p in refused.value.problems} == {"IK5"}
    with pytest.raises(InvalidX12File) as refused:
        read_277ca(ack_277ca("B", [("CLM1", 100, "PAY1")]).replace("*WQ*1.00", "*ZZ*1.00"))
    assert refused.value.problems
    assert all("STC03" in p.message for p in refused.value.problems)


def test_each_reader_refuses_the_other_kinds_of_file() -> None:
    with pytest.raises(InvalidX12File):
        read_999(ack_277ca("B", [("CLM1", 100, "PAY1")]))
    with pytest.raises(InvalidX12File):
        read_277ca(sample_files("X221-era-sample")[0].read_text())
