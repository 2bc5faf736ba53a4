"""The claim's transition table, and the shapes of billing codes (no database)."""

from __future__ import annotations

import pytest

from app.billing import codes
from app.billing.models import ClaimState
from app.billing.states import TRANSITIONS, next_state

S = ClaimState


@pytest.mark.parametrize(
    ("step", "current", "expected"),
    [
        ("ready", S.DRAFT, S.READY),
        ("ready", S.READY, None),
        ("submit", S.READY, S.SUBMITTED),
        ("submit", S.DRAFT, None),
        ("accept", S.SUBMITTED, S.ACCEPTED),
        ("reject", S.ACCEPTED, S.REJECTED),
        ("reopen", S.REJECTED, S.DRAFT),
        ("pay", S.ACCEPTED, S.PAID),
        ("pay_partially", S.PAID, S.PARTIALLY_PAID),  # a reversal
        ("deny", S.PAID, S.DENIED),
        ("void", S.PAID, S.VOID),
        ("void", S.SUBMITTED, None),
        ("void", S.VOID, None),
    ],
)
def test_each_step_moves_only_from_its_states(step, current, expected):
    assert next_state(step, current) == expected


def test_nothing_leaves_void():
    assert all(S.VOID not in sources for sources, _ in TRANSITIONS.values())


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("99213", True),
        ("3044F", True),
        ("0001U", True),
        ("0075T", True),
        ("J1100", True),
        ("9921", False),
        ("992134", False),
        ("j1100", False),  # stored upper case; the services upper-case input first
        ("1234X", False),
        ("JJ100", False),
    ],
)
def test_procedure_codes_are_cpt_or_hcpcs(code, valid):
    assert codes.procedure_code_is_valid(code) is valid


def test_zip_codes_and_tax_ids_keep_their_digits():
    assert codes.zip_digits("01103-1234") == "011031234"
    assert codes.zip_digits("01103") == "01103"
    assert codes.zip_digits("0110") is None
    assert codes.tax_id_digits("12-3456789") == "123456789"
    assert codes.tax_id_digits("12-345") is None
    assert [codes.modifier_is_valid(m) for m in ("25", "LT", "2", "2S5", "-1")] == [
        True,
        True,
        False,
        False,
        False,
    ]
