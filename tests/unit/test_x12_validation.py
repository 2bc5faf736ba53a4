"""The pyx12 wrapper finds real problems and passes the guides' own samples."""

from __future__ import annotations

import pytest

from app.billing.x12.validation import validate
from tests.fixtures.edi import sample_files

SAMPLES = sample_files("X221-") + sample_files("X222-")


def test_the_wheel_ships_both_kinds_of_sample() -> None:
    assert len(sample_files("X221-")) >= 5
    assert len(sample_files("X222-")) >= 10


@pytest.mark.parametrize("path", SAMPLES[:4], ids=lambda path: path.name)
def test_guide_samples_are_valid(path) -> None:
    assert validate(path.read_text()) == []


def test_a_corrupted_group_code_is_reported_with_its_segment() -> None:
    text = sample_files("X221-multiple-claims-single-check")[0].read_text()
    problems = validate(text.replace("CAS*PR", "CAS*ZZ", 1))
    assert [problem.segment for problem in problems] == ["CAS"]
    assert "CAS*ZZ" in problems[0].message


def test_text_that_is_not_x12_is_one_problem_not_an_exception() -> None:
    problems = validate("this is not an interchange")
    assert len(problems) == 1
    assert problems[0].code == "invalid"
