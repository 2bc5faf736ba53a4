"""Secondary claims: the primary's payment and adjustments in 2320/2330 and 2430, balanced."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from app.billing.x12.documents import Adjustment, LineAdjudication, OtherPayer, Payer
from app.billing.x12.validation import validate
from app.billing.x12.writer import write_837p
from tests.unit.test_837p_samples import (
    JANE,
    KEY_HEALTH,
    claim,
    interchange,
    line,
    segments_of,
    tagged,
)

SECOND_HEALTH = Payer("Second Health", "SH002", "CI")
ADJUDICATED = dt.date(2026, 11, 20)


def adjudication(
    code: str, paid: int, *adjustments: Adjustment, units: int = 1
) -> LineAdjudication:
    """Key Health's decision on one line."""
    return LineAdjudication(
        payer_id="KH001",
        paid_cents=paid,
        procedure_code=code,
        modifiers=("25",) if code == "99214" else (),
        units=units,
        adjudicated_on=ADJUDICATED,
        adjustments=adjustments,
    )


def secondary(claim_adjustments: tuple[Adjustment, ...] = (), paid: int = 11000, **changes):
    """Jane's claim to Second Health after Key Health paid 120 on line 1, nothing on line 2.

    Line 1: 200 charged = 120 paid + 50 CO-45 + 30 PR-2. Line 2: 25 = 0 paid (no units) + 25 CO-97.
    Claim level: PR-1 10, so Key Health's claim payment is 120 - 10 = 110.
    """
    lines = (
        line(1, procedure_code="99214", modifiers=("25",), charge_cents=20000,
             other_payers=(adjudication("99214", 12000, Adjustment("CO", "45", 5000),
                                        Adjustment("PR", "2", 3000)),)),
        line(2, procedure_code="81002", charge_cents=2500,
             other_payers=(adjudication("81002", 0, Adjustment("CO", "97", 2500), units=0),)),
    )  # fmt: skip
    primary = OtherPayer(
        payer=KEY_HEALTH,
        subscriber=JANE,
        relationship="18",
        responsibility="P",
        paid_cents=paid,
        adjudicated_on=ADJUDICATED,
        adjustments=claim_adjustments or (Adjustment("PR", "1", 1000),),
        group_number="GRP-77",
    )
    base = claim(payer=SECOND_HEALTH, responsibility="S", lines=lines, other_payers=(primary,))
    return replace(base, **changes)


def test_a_secondary_claim_with_claim_and_line_adjustments_is_valid() -> None:
    text = write_837p(interchange(secondary()))
    assert validate(text) == []
    segments = segments_of(text)
    assert tagged(segments, "SBR")[0][1] == "S"
    other = segments.index(["SBR", "P", "18", "GRP-77", "", "", "", "", "", "CI"])
    assert segments[other + 1 : other + 10] == [
        ["CAS", "PR", "1", "10"],
        ["AMT", "D", "110"],  # no AMT*EAF here: the lines carry it
        ["OI", "", "", "Y", "", "", "Y"],
        ["NM1", "IL", "1", "Smith", "Jane", "", "", "", "MI", "JS00111223"],
        ["N3", "236 N Main St"],
        ["N4", "Springfield", "IL", "62702"],
        ["NM1", "PR", "2", "Key Health", "", "", "", "", "PI", "KH001"],
        ["N3", "1 Payer Plaza"],
        ["N4", "Chicago", "IL", "60601"],
    ]
    assert segments[other + 10] == ["LX", "1"]  # lines carry the dates, so no 2330B DTP*573


def test_each_line_carries_the_primary_adjudication() -> None:
    segments = segments_of(write_837p(interchange(secondary())))
    first = segments.index(["REF", "6R", "L1"])
    assert segments[first + 1 : first + 6] == [
        ["SVD", "KH001", "120", "HC:99214:25", "", "1"],
        ["CAS", "CO", "45", "50"],
        ["CAS", "PR", "2", "30"],
        ["DTP", "573", "D8", "20261120"],
        ["AMT", "EAF", "30"],
    ]
    second = segments.index(["REF", "6R", "L2"])
    assert segments[second + 1 : second + 5] == [
        ["SVD", "KH001", "0", "HC:81002", "", "0"],
        ["CAS", "CO", "97", "25"],
        ["DTP", "573", "D8", "20261120"],
        ["AMT", "EAF", "0"],  # even when nothing is left to the patient
    ]


def test_claim_level_only_adjudication_dates_the_other_payer_and_splits_cas() -> None:
    """No 2430: the 2330B carries DTP*573; seven CO reasons take two CAS segments."""
    reasons = [Adjustment("CO", str(45 + n), 100) for n in range(7)]
    primary = OtherPayer(
        payer=KEY_HEALTH,
        subscriber=JANE,
        relationship="18",
        responsibility="P",
        paid_cents=12500 - 700 - 2000,
        adjudicated_on=ADJUDICATED,
        adjustments=(*reasons, Adjustment("PR", "3", 2000)),
    )
    document = claim(payer=SECOND_HEALTH, responsibility="S", other_payers=(primary,))
    text = write_837p(interchange(document))
    assert validate(text) == []
    segments = segments_of(text)
    assert tagged(segments, "CAS") == [
        ["CAS", "CO", *[e for n in range(6) for e in (str(45 + n), "1", "")][:-1]],
        ["CAS", "CO", "51", "1"],
        ["CAS", "PR", "3", "20"],
    ]
    assert tagged(segments, "AMT") == [["AMT", "D", "98"], ["AMT", "EAF", "20"]]
    payer = segments.index(["NM1", "PR", "2", "Key Health", "", "", "", "", "PI", "KH001"])
    assert segments[payer + 3] == ["DTP", "573", "D8", "20261120"]
    assert not tagged(segments, "SVD")


def test_a_line_that_does_not_balance_is_refused() -> None:
    document = secondary()
    broken = replace(document.lines[1], charge_cents=2600)
    with pytest.raises(ValueError, match=r"claims\[0\]\.lines\[1\]: payer 'KH001' paid 0"):
        write_837p(interchange(replace(document, lines=(document.lines[0], broken))))


def test_a_claim_payment_that_does_not_match_its_lines_is_refused() -> None:
    with pytest.raises(ValueError, match=r"claims\[0\]\.other_payers\[0\]: the lines' paid"):
        write_837p(interchange(secondary(paid=12000)))


def test_claim_figures_that_do_not_add_up_are_refused() -> None:
    primary = OtherPayer(KEY_HEALTH, JANE, "18", "P", 10000, ADJUDICATED)  # 25 unexplained
    document = claim(payer=SECOND_HEALTH, responsibility="S", other_payers=(primary,))
    with pytest.raises(ValueError, match="does not add up to the claim's charge 125"):
        write_837p(interchange(document))


def test_a_line_adjudicated_by_an_unknown_payer_is_refused() -> None:
    document = secondary()
    stray = replace(document.lines[1].other_payers[0], payer_id="ZZ999")
    lines = (document.lines[0], replace(document.lines[1], other_payers=(stray,)))
    with pytest.raises(ValueError, match="'ZZ999', which is not among the claim's other_payers"):
        write_837p(interchange(replace(document, lines=lines)))


def test_more_than_five_cas_segments_are_refused() -> None:
    groups = [Adjustment(group, "45", 100) for group in ("CO", "CR", "OA", "PI", "PR")]
    split = [Adjustment("CO", str(n), 100) for n in range(1, 7)]
    primary = OtherPayer(
        KEY_HEALTH, JANE, "18", "P", 12500 - 1100, ADJUDICATED, adjustments=(*groups, *split)
    )
    document = claim(payer=SECOND_HEALTH, responsibility="S", other_payers=(primary,))
    with pytest.raises(ValueError, match=r"other_payers\[0\]\.adjustments needs 6 CAS segments"):
        write_837p(interchange(document))


def test_a_cas_group_outside_the_guide_is_refused() -> None:
    primary = OtherPayer(
        KEY_HEALTH, JANE, "18", "P", 12000, ADJUDICATED, adjustments=(Adjustment("ZZ", "45", 500),)
    )
    document = claim(payer=SECOND_HEALTH, responsibility="S", other_payers=(primary,))
    with pytest.raises(ValueError, match=r"adjustments\[0\]\.group 'ZZ' is not a CAS group"):
        write_837p(interchange(document))


def test_zero_adjustments_are_left_out() -> None:
    adjustments = (Adjustment("CO", "45", 500), Adjustment("OA", "23", 0))
    primary = OtherPayer(KEY_HEALTH, JANE, "18", "P", 12000, ADJUDICATED, adjustments=adjustments)
    document = claim(payer=SECOND_HEALTH, responsibility="S", other_payers=(primary,))
    segments = segments_of(write_837p(interchange(document)))
    assert tagged(segments, "CAS") == [["CAS", "CO", "45", "5"]]
