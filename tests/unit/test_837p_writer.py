"""The 837P writer on batches: several claims and lines, dependants (2000C), corrections, voids."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from app.billing.x12.documents import Address, Adjustment, Frequency, OtherPayer, Party, Payer
from app.billing.x12.validation import validate
from app.billing.x12.writer import write_837p
from tests.unit.test_837p_samples import (
    DOCTOR,
    JANE,
    KEY_HEALTH,
    PRACTICE,
    TED,
    claim,
    interchange,
    line,
    segments_of,
    tagged,
)

TWELVE = (
    "E119", "I10", "J069", "M5450", "R0602", "Z0000",
    "K219", "F419", "G4700", "N390", "L309", "H6590",
)  # fmt: skip
PARTNER = Party(name="Ruiz", first_name="Marta", identifier="1999996667")
CLINIC_TWO = Party(
    name="Eastside Clinic",
    identifier="1581234568",
    address=Address("9 East Ave", "Springfield", "IL", "627039876"),
    tax_id="371234568",
)


def busy_batch() -> tuple:
    """Four claims, two billing providers, twelve diagnoses, modifiers, four pointers, and a
    dependant's secondary claim whose primary subscriber is his mother."""
    first = claim(
        1,
        diagnoses=TWELVE,
        lines=(
            line(1, procedure_code="99214", modifiers=("25",), charge_cents=20000,
                 diagnosis_pointers=(1, 2, 3, 4)),
            line(2, procedure_code="93000", modifiers=("59", "XU", "76", "77"), charge_cents=4550,
                 diagnosis_pointers=(5, 12)),
            line(3, procedure_code="81002", charge_cents=1205, units=2, place_of_service="02",
                 diagnosis_pointers=(10,), rendering_provider=PARTNER),
        ),
    )  # fmt: skip
    second = claim(2, relationship="19", patient=TED, diagnoses=("J069", "R509"),
                   lines=(line(1, diagnosis_pointers=(2, 1)), line(2, procedure_code="87880",
                          charge_cents=3333, modifiers=("QW",))))  # fmt: skip
    third = claim(3, billing_provider=CLINIC_TWO, rendering_provider=None)
    primary = OtherPayer(
        KEY_HEALTH,
        JANE,
        "19",
        "P",
        9000,
        dt.date(2026, 11, 20),
        adjustments=(Adjustment("CO", "45", 2500), Adjustment("PR", "3", 1000)),
    )
    fourth = claim(
        4,
        billing_provider=CLINIC_TWO,
        relationship="19",
        patient=TED,
        payer=Payer("Second Health", "SH002", "CI"),
        responsibility="S",
        subscriber=replace(JANE, member_id="SH-JANE-1"),
        other_payers=(primary,),
    )
    return first, second, third, fourth


def cents(amount: str) -> int:
    """An X12 amount read back as integer cents (exactly, through Decimal)."""
    return int(Decimal(amount) * 100)


def claims_of(segments: list[list[str]]) -> list[list[list[str]]]:
    """The segments of each claim, from its CLM up to the next HL or SE."""
    found: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for segment in segments:
        if segment[0] == "CLM":
            current = [segment]
            found.append(current)
        elif segment[0] in ("HL", "SE"):
            current = None
        elif current is not None:
            current.append(segment)
    return found


def test_a_busy_batch_is_valid() -> None:
    assert validate(write_837p(interchange(*busy_batch()))) == []


def test_each_claim_total_is_the_sum_of_its_lines() -> None:
    batch = busy_batch()
    written = claims_of(segments_of(write_837p(interchange(*batch))))
    assert len(written) == 4
    for document, segments in zip(batch, written, strict=True):
        lines = tagged(segments, "SV1")
        assert cents(segments[0][2]) == sum(cents(sv1[2]) for sv1 in lines)
        assert cents(segments[0][2]) == document.total_cents
        assert [lx[1] for lx in tagged(segments, "LX")] == [str(n + 1) for n in range(len(lines))]
        refs = [ref[2] for ref in tagged(segments, "REF", "6R")]
        assert refs == [item.control_number for item in document.lines]
    assert written[0][0][2] == "257.55"  # 200 + 45.50 + 12.05


def test_hierarchy_numbers_parents_in_file_order() -> None:
    segments = segments_of(write_837p(interchange(*busy_batch())))
    assert tagged(segments, "HL") == [
        ["HL", "1", "", "20", "1"],  # Main Street
        ["HL", "2", "1", "22", "0"],  # Jane, her own claim
        ["HL", "3", "1", "22", "1"],  # Jane as subscriber of...
        ["HL", "4", "3", "23", "0"],  # ...Ted, her son
        ["HL", "5", "", "20", "1"],  # Eastside
        ["HL", "6", "5", "22", "0"],
        ["HL", "7", "5", "22", "1"],  # Jane at Second Health...
        ["HL", "8", "7", "23", "0"],  # ...for Ted's secondary claim
    ]
    assert tagged(segments, "NM1", "85")[1][3] == "Eastside Clinic"


def test_claims_of_one_provider_share_its_level_even_when_interleaved() -> None:
    first, _, third, _ = busy_batch()
    again = replace(first, control_number="X")
    segments = segments_of(write_837p(interchange(first, third, again)))
    assert [hl[3] for hl in tagged(segments, "HL")] == ["20", "22", "22", "20", "22"]
    assert [clm[1] for clm in tagged(segments, "CLM")] == ["C00001", "X", "C00003"]


def test_diagnoses_modifiers_pointers_and_line_place_of_service() -> None:
    segments = segments_of(write_837p(interchange(*busy_batch())))
    hi = tagged(segments, "HI")[0]
    assert hi[1] == "ABK:E119"
    assert hi[2:] == [f"ABF:{code}" for code in TWELVE[1:]]
    sv1 = tagged(segments, "SV1")
    assert sv1[0] == ["SV1", "HC:99214:25", "200", "UN", "1", "", "", "1:2:3:4"]
    assert sv1[1] == ["SV1", "HC:93000:59:XU:76:77", "45.5", "UN", "1", "", "", "5:12"]
    assert sv1[2] == ["SV1", "HC:81002", "12.05", "UN", "2", "02", "", "10"]


def test_a_line_rendered_by_someone_else_names_them_in_2420a() -> None:
    segments = segments_of(write_837p(interchange(*busy_batch())))
    first_claim = claims_of(segments)[0]
    renderers = [s[3] for s in tagged(first_claim, "NM1", "82")]
    assert renderers == ["Okafor", "Ruiz"]  # 2310B for the claim, 2420A for line 3 only
    after_line_3 = first_claim[first_claim.index(["REF", "6R", "L3"]) + 1]
    assert after_line_3 == ["NM1", "82", "1", "Ruiz", "Marta", "", "", "", "XX", "1999996667"]


def test_a_dependant_gets_a_patient_level_and_the_subscriber_no_demographics() -> None:
    text = write_837p(interchange(claim(relationship="19", patient=TED)))
    assert validate(text) == []
    segments = segments_of(text)
    assert tagged(segments, "SBR")[0][1:3] == ["P", ""]
    patient_hl = segments.index(["HL", "3", "2", "23", "0"])
    assert segments[patient_hl + 1 : patient_hl + 6] == [
        ["PAT", "19"],
        ["NM1", "QC", "1", "Smith", "Ted"],
        ["N3", "236 N Main St"],
        ["N4", "Springfield", "IL", "62702"],
        ["DMG", "D8", "20120309", "M"],
    ]
    assert segments[patient_hl + 6][0] == "CLM"
    assert tagged(segments, "DMG") == [["DMG", "D8", "20120309", "M"]]  # not Jane's (RFI 2281)
    assert len(tagged(segments, "N3")) == 3  # practice, payer, Ted


def test_a_replacement_and_a_void_name_the_payer_claim_they_replace() -> None:
    corrected = claim(1, frequency=Frequency.REPLACEMENT, payer_claim_number="PCN-2026-0001",
                      onset_date=dt.date(2026, 10, 30))  # fmt: skip
    void = claim(2, frequency=Frequency.VOID, payer_claim_number="PCN-2026-0002",
                 lines=(line(1), line(2, charge_cents=1000)))  # fmt: skip
    text = write_837p(interchange(corrected, void))
    assert validate(text) == []
    segments = segments_of(text)
    replacement_clm, void_clm = tagged(segments, "CLM")
    assert replacement_clm[5] == "11:B:7"
    start = segments.index(replacement_clm)
    assert segments[start + 1 : start + 4] == [
        ["DTP", "431", "D8", "20261030"],
        ["REF", "F8", "PCN-2026-0001"],
        ["HI", "ABK:E119"],
    ]
    assert void_clm[2] == "135"
    assert void_clm[5] == "11:B:8"
    assert segments[segments.index(void_clm) + 1] == ["REF", "F8", "PCN-2026-0002"]


def test_an_original_claim_never_sends_a_payer_claim_number() -> None:
    segments = segments_of(write_837p(interchange(claim(payer_claim_number="PCN-OLD"))))
    assert not tagged(segments, "REF", "F8")


def test_accents_are_dropped_and_case_kept() -> None:
    jose = replace(JANE, first_name="José", last_name="Müller-Öz")
    text = write_837p(interchange(claim(subscriber=jose, patient=jose)))
    assert tagged(segments_of(text), "NM1", "IL")[0][3:5] == ["Muller-Oz", "Jose"]


def test_production_files_say_p_and_providers_may_be_organisations() -> None:
    production = replace(interchange(claim(rendering_provider=None)), production=True)
    text = write_837p(production)
    assert segments_of(text)[0][15] == "P"
    assert not tagged(segments_of(text), "NM1", "82")


def test_doctor_without_taxonomy_gets_no_prv() -> None:
    plain = replace(DOCTOR, taxonomy="")
    segments = segments_of(write_837p(interchange(claim(rendering_provider=plain))))
    assert tagged(segments, "PRV") == [["PRV", "BI", "PXC", "207Q00000X"]]
    assert PRACTICE.taxonomy == "207Q00000X"


def test_a_renderer_is_named_only_where_it_differs_by_npi() -> None:
    solo = replace(PRACTICE, name="Okafor", first_name="Ada")  # bills under her own NPI
    same_doctor = replace(DOCTOR, taxonomy="")  # another copy of Dr Okafor's record
    lines = (line(1, rendering_provider=same_doctor), line(2, rendering_provider=solo))
    segments = segments_of(write_837p(interchange(claim(lines=lines))))
    assert len(tagged(segments, "NM1", "82")) == 2  # 2310B, and 2420A for line 2 only
    segments = segments_of(
        write_837p(interchange(claim(billing_provider=solo, rendering_provider=solo)))
    )
    assert not tagged(segments, "NM1", "82")


def test_medicare_as_secondary_says_why_in_sbr05() -> None:
    medicare = Payer("Medicare Part B", "MCR01", "MB")
    document = claim(payer=medicare, responsibility="S", insurance_type="12")
    sbr = tagged(segments_of(write_837p(interchange(document))), "SBR")[0]
    assert sbr == ["SBR", "S", "18", "GRP-77", "", "12", "", "", "", "MB"]
    with pytest.raises(ValueError, match=r"claims\[0\]\.insurance_type '99' is not an SBR05"):
        write_837p(interchange(replace(document, insurance_type="99")))
