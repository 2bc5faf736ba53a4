"""What the 837P writer refuses, naming the field, and how it writes money."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from app.billing.x12.documents import Address, Frequency
from app.billing.x12.segments import money
from app.billing.x12.writer import write_837p
from tests.unit.test_837p_samples import JANE, PRACTICE, TED, claim, interchange, line

THIRTEEN = ("E119", "I10", "J069", "M5450", "R0602", "Z0000", "K219",
            "F419", "G4700", "N390", "L309", "H6590", "R51")  # fmt: skip


@pytest.mark.parametrize(
    ("cents", "written"),
    [(12345, "123.45"), (10000, "100"), (12340, "123.4"), (5, "0.05"), (0, "0"),
     (-150, "-1.5"), (100000000001, "1000000000.01")],
)  # fmt: skip
def test_money_is_the_shortest_decimal_of_integer_cents(cents: int, written: str) -> None:
    assert money(cents) == written


@pytest.mark.parametrize("amount", [1.5, "100", True])
def test_money_refuses_anything_but_integer_cents(amount: object) -> None:
    with pytest.raises(ValueError, match="integer cents"):
        money(amount)  # type: ignore[arg-type]


def refused(match: str, *claims, **interchange_changes) -> None:
    """write_837p raises ValueError with `match` in its message."""
    document = replace(interchange(*claims), **interchange_changes)
    with pytest.raises(ValueError, match=match):
        write_837p(document)


def test_thirteen_diagnoses() -> None:
    refused(r"claims\[0\]\.diagnoses has 13; a claim takes 1 to 12", claim(diagnoses=THIRTEEN))


def test_five_modifiers() -> None:
    five = line(modifiers=("25", "59", "XU", "76", "77"))
    refused(r"claims\[0\]\.lines\[0\]\.modifiers has 5", claim(lines=(five,)))


@pytest.mark.parametrize("frequency", [Frequency.REPLACEMENT, Frequency.VOID])
def test_a_replacement_or_void_without_the_payer_claim_number(frequency: Frequency) -> None:
    refused(r"claims\[0\]\.payer_claim_number is required", claim(frequency=frequency))


@pytest.mark.parametrize(
    ("pointers", "message"),
    [((), "has 0"), ((1, 1), "repeats"), ((2,), "has 2; the claim has 1"),
     ((1, 2, 3, 4, 5), "has 5")],
)  # fmt: skip
def test_bad_diagnosis_pointers(pointers: tuple[int, ...], message: str) -> None:
    bad = line(diagnosis_pointers=pointers)
    refused(rf"claims\[0\]\.lines\[0\]\.diagnosis_pointers {message}", claim(lines=(bad,)))


def test_no_lines_and_too_many_lines() -> None:
    refused(r"claims\[0\]\.lines has 0", claim(lines=()))
    refused(r"lines has 51", claim(lines=tuple(line(n) for n in range(51))))


def test_control_numbers_longer_than_payers_echo_back() -> None:
    refused(r"claims\[0\]\.control_number must be 1 to 20", claim(control_number="C" * 21))
    refused(r"lines\[0\]\.control_number must be 1 to 30",
            claim(lines=(line(control_number="L" * 31),)))  # fmt: skip


def test_a_repeated_line_control_number() -> None:
    refused(r"lines\[1\]\.control_number 'L1' repeats", claim(lines=(line(1), line(1))))


@pytest.mark.parametrize("delimiter", ["*", ":", "^", "~"])
def test_a_delimiter_in_a_name(delimiter: str) -> None:
    jane = replace(JANE, last_name=f"Smith{delimiter}Jones")
    refused(
        rf"claims\[0\]\.subscriber\.last_name contains '\{delimiter}', an X12 delimiter",
        claim(subscriber=jane, patient=jane),
    )


def test_a_delimiter_in_an_address_line() -> None:
    moved = replace(JANE, address=replace(JANE.address, line2="Apt 4*B"))  # type: ignore[type-var]
    refused(r"subscriber\.address\.line2 contains", claim(subscriber=moved, patient=moved))


def test_characters_outside_the_x12_set() -> None:
    ted = replace(TED, first_name="李")
    document = claim(relationship="19", patient=ted)
    refused(r"claims\[0\]\.patient\.first_name contains '李'", document)


def test_a_name_too_long_for_its_element() -> None:
    long_name = replace(PRACTICE, name="A" * 61)
    refused(r"billing_provider\.name must be 1 to 60 characters", claim(billing_provider=long_name))


def test_a_billing_provider_without_zip_plus_4_or_tax_id_or_valid_npi() -> None:
    five_digit = replace(PRACTICE, address=Address("1 Main St", "Springfield", "IL", "62701"))
    refused(r"billing_provider\.address\.postal_code '62701' is not a ZIP\+4",
            claim(billing_provider=five_digit))  # fmt: skip
    refused(r"billing_provider\.tax_id", claim(billing_provider=replace(PRACTICE, tax_id="")))
    bad_npi = replace(PRACTICE, identifier="1234567890")
    refused(r"billing_provider\.identifier '1234567890' is not a valid NPI",
            claim(billing_provider=bad_npi))  # fmt: skip


def test_missing_addresses_the_guide_requires() -> None:
    homeless = replace(JANE, address=None)
    refused(r"claims\[0\]\.subscriber\.address is required",
            claim(subscriber=homeless, patient=homeless))  # fmt: skip
    refused(r"claims\[0\]\.patient\.address is required",
            claim(relationship="19", patient=replace(TED, address=None)))  # fmt: skip


def test_bad_codes() -> None:
    refused(r"diagnoses\[0\] 'E11\.9' is not an ICD-10-CM code", claim(diagnoses=("E11.9",)))
    refused(r"lines\[0\]\.procedure_code '9921' is not",
            claim(lines=(line(procedure_code="9921"),)))  # fmt: skip
    refused(r"claims\[0\]\.relationship '18 ' is not", claim(relationship="18 ", patient=TED))
    refused(r"claims\[0\]\.frequency '2' is not 1, 7 or 8", claim(frequency="2"))
    refused(r"lines\[0\]\.units must be a whole number from 1", claim(lines=(line(units=0),)))


def test_envelope_inputs() -> None:
    refused("claims has 0; an 837P carries 1 to 5000", claims=())
    refused("claims has 5001", claims=(claim(),) * 5001)
    refused("created_at must be timezone-aware", created_at=dt.datetime(2026, 11, 29, 20))
    refused("control_number must be from 1 to 999999999", control_number=10**9)
    refused("sender_id must be 2 to 15 characters", sender_id="A" * 16)
    refused(r"submitter\.contact_phone '555-0100' is not", claim(),
            submitter=replace(interchange().submitter, contact_phone="555-0100"))  # fmt: skip
