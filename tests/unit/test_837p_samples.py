"""Hand-built Interchanges for the 837P writer's tests, and the simplest claim's own checks.

The other test_837p_* modules import these builders; `segments_of` reads a written file back
into lists of elements so a test can assert on single segments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from app.billing.x12.documents import (
    Address,
    ClaimDocument,
    Interchange,
    Party,
    Payer,
    Person,
    ServiceLine,
)
from app.billing.x12.validation import validate
from app.billing.x12.writer import write_837p

PRACTICE = Party(
    name="Main Street Family Medicine",
    identifier="1234567893",
    address=Address("100 Main St", "Springfield", "IL", "627011234", line2="Suite 2"),
    tax_id="37-1234567",
    taxonomy="207Q00000X",
    contact_name="Billing Office",
    contact_phone="(217) 555-0100",
)
DOCTOR = Party(name="Okafor", first_name="Ada", identifier="9876543213", taxonomy="207Q00000X")
KEY_HEALTH = Payer("Key Health", "KH001", "CI", Address("1 Payer Plaza", "Chicago", "IL", "60601"))
JANE = Person(
    last_name="Smith",
    first_name="Jane",
    birth_date=dt.date(1980, 5, 1),
    sex="F",
    address=Address("236 N Main St", "Springfield", "IL", "62702"),
    member_id="JS00111223",
)
TED = Person(
    last_name="Smith",
    first_name="Ted",
    birth_date=dt.date(2012, 3, 9),
    sex="M",
    address=Address("236 N Main St", "Springfield", "IL", "62702"),
)
SERVED = dt.date(2026, 11, 2)


def line(number: int = 1, **changes: object) -> ServiceLine:
    """An office visit line; `changes` override any field."""
    base = ServiceLine(
        control_number=f"L{number}",
        procedure_code="99213",
        modifiers=(),
        charge_cents=12500,
        units=1,
        service_date=SERVED,
        diagnosis_pointers=(1,),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def claim(number: int = 1, **changes: object) -> ClaimDocument:
    """Jane's own primary claim with one line; `changes` override any field."""
    base = ClaimDocument(
        control_number=f"C{number:05d}",
        payer=KEY_HEALTH,
        billing_provider=PRACTICE,
        subscriber=JANE,
        relationship="18",
        patient=JANE,
        responsibility="P",
        place_of_service="11",
        diagnoses=("E119",),
        lines=(line(),),
        rendering_provider=DOCTOR,
        group_number="GRP-77",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def interchange(*claims: ClaimDocument, control_number: int = 42) -> Interchange:
    """A test-mode interchange from our clearinghouse account to the clearinghouse."""
    return Interchange(
        control_number=control_number,
        sender_id="PRACTICE01",
        receiver_id="CLEARHOUSE",
        submitter=Party(
            name="Main Street Family Medicine",
            identifier="SUB123",
            contact_name="Billing Office",
            contact_phone="2175550100",
        ),
        receiver=Party(name="Clearing House Inc", identifier="CLEAR01"),
        created_at=dt.datetime(2026, 11, 29, 20, 30, tzinfo=dt.UTC),
        claims=claims or (claim(),),
        production=False,
    )


def segments_of(text: str) -> list[list[str]]:
    """The file's segments, each as its elements (the tag first)."""
    assert text.endswith("~")
    return [segment.split("*") for segment in text[:-1].split("~")]


def tagged(segments: list[list[str]], tag: str, first: str | None = None) -> list[list[str]]:
    """The segments with this tag (and, when given, this first element)."""
    return [s for s in segments if s[0] == tag and (first is None or s[1] == first)]


def test_one_claim_one_line_is_valid() -> None:
    text = write_837p(interchange())
    assert validate(text) == []


def test_the_envelope_carries_one_control_number_and_right_counts() -> None:
    text = write_837p(interchange(control_number=42))
    segments = segments_of(text)
    isa = text.split("~")[0]
    assert len(isa) == 105  # fixed width: 106 with its terminator
    assert isa[3] == "*" and isa[-1] == ":" and isa.split("*")[11] == "^"
    assert segments[0][13] == "000000042"  # ISA13
    assert tagged(segments, "GS")[0][6] == "000000042"
    assert tagged(segments, "GE")[0][1:] == ["1", "000000042"]
    assert tagged(segments, "IEA")[0][1:] == ["1", "000000042"]
    st, se = tagged(segments, "ST")[0], tagged(segments, "SE")[0]
    assert st[1:] == ["837", "000000042", "005010X222A1"]
    assert se[2] == st[2]
    start = segments.index(st)
    assert int(se[1]) == segments.index(se) - start + 1  # ST to SE, both counted


def test_the_simplest_claim_reads_back_segment_by_segment() -> None:
    segments = segments_of(write_837p(interchange()))
    assert tagged(segments, "HL") == [["HL", "1", "", "20", "1"], ["HL", "2", "1", "22", "0"]]
    assert tagged(segments, "SBR") == [["SBR", "P", "18", "GRP-77", "", "", "", "", "", "CI"]]
    assert tagged(segments, "NM1", "85")[0][-2:] == ["XX", "1234567893"]
    assert tagged(segments, "N4")[0] == ["N4", "Springfield", "IL", "627011234"]
    assert tagged(segments, "REF", "EI") == [["REF", "EI", "371234567"]]
    assert tagged(segments, "NM1", "IL") == [
        ["NM1", "IL", "1", "Smith", "Jane", "", "", "", "MI", "JS00111223"]
    ]
    assert tagged(segments, "DMG") == [["DMG", "D8", "19800501", "F"]]
    assert tagged(segments, "NM1", "PR")[0][-2:] == ["PI", "KH001"]
    clm = ["CLM", "C00001", "125", "", "", "11:B:1", "Y", "A", "Y", "Y"]
    assert tagged(segments, "CLM") == [clm]
    assert tagged(segments, "HI") == [["HI", "ABK:E119"]]
    assert tagged(segments, "NM1", "82") == [
        ["NM1", "82", "1", "Okafor", "Ada", "", "", "", "XX", "9876543213"]
    ]
    assert tagged(segments, "SV1") == [["SV1", "HC:99213", "125", "UN", "1", "", "", "1"]]
    assert tagged(segments, "DTP", "472") == [["DTP", "472", "D8", "20261102"]]
    assert tagged(segments, "REF", "6R") == [["REF", "6R", "L1"]]
    assert not tagged(segments, "REF", "F8")
    assert not tagged(segments, "PAT")


def test_the_same_interchange_always_gives_the_same_text() -> None:
    assert write_837p(interchange()) == write_837p(interchange())
