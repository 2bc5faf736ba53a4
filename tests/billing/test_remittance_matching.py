"""How an 835's service lines find their charge lines, and which step a payment takes (no
database)."""

from __future__ import annotations

from app.billing.models import ChargeLine
from app.billing.remittance_posting import match_lines, step_of
from app.billing.x12.remittance import read_remittance
from tests.billing.remittance_835 import ClaimPaid, Line, remittance_835


def _charge(pk: int, code: str, modifiers: str, control: str) -> ChargeLine:
    return ChargeLine(id=pk, code=code, modifiers=modifiers, line_control_number=control)


def _payment(*lines: Line, status: str = "1"):
    return read_remittance(remittance_835([ClaimPaid("C1", status, list(lines))])).claims[0]


def test_a_payer_that_drops_a_modifier_still_matches_by_line_control_number():
    ours = [_charge(1, "99213", "25", "L1"), _charge(2, "99213", "", "L2")]
    paid = _payment(Line("99213", "L1", 11_000, 8_000, [("CO", "45", 3_000)]))
    assert [line.id for line in match_lines(paid, ours)] == [1]


def test_without_a_control_number_code_and_modifiers_match_only_when_unique():
    ours = [_charge(1, "99213", "25", "L1"), _charge(2, "99214", "", "L2")]
    unique = _payment(Line("99214", "OTHER", 15_000, 15_000))
    assert [line.id for line in match_lines(unique, ours)] == [2]
    twins = [*ours, _charge(3, "99214", "", "L3")]
    assert match_lines(unique, twins) is None
    modifier_dropped = _payment(Line("99213", "OTHER", 11_000, 11_000))
    assert match_lines(modifier_dropped, ours) is None


def test_paid_is_all_but_the_contractual_adjustment():
    full = _payment(Line("99213", "L1", 10_000, 7_000, [("CO", "45", 3_000)]))
    short = _payment(Line("99213", "L1", 10_000, 6_000, [("CO", "45", 3_000), ("PR", "2", 1_000)]))
    denied = _payment(Line("99213", "L1", 10_000, 0, [("CO", "50", 10_000)]), status="4")
    assert [step_of(p) for p in (full, short, denied)] == ["pay", "pay_partially", "deny"]
