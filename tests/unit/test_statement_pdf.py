"""The patient statement PDF, read back with pypdf: names, every amount, the balance due."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from app.billing.statement_pdf import (
    AgingBucket,
    Statement,
    StatementLine,
    money,
    render_statement,
)
from app.billing.x12.documents import Address

LINES = (
    StatementLine(dt.date(2026, 10, 2), "Office visit, established patient", "99213", 15000),
    StatementLine(dt.date(2026, 10, 2), "Electrocardiogram", "93000", 123456),
    StatementLine(dt.date(2026, 10, 20), "Insurance payment, ACME HEALTH", "INS", 0, 90000),
    StatementLine(dt.date(2026, 10, 20), "Contractual adjustment", "CO45", 0, 0, 28456),
    StatementLine(dt.date(2026, 11, 3), "Patient payment, card", "PAY", 0, 2500),
)


def _statement(**changes: object) -> Statement:
    values: dict[str, object] = {
        "practice_name": "Riverside Family Practice",
        "practice_address": Address("12 River Rd", "Springfield", "IL", "627011234"),
        "practice_phone": "(217) 555-0100",
        "patient_name": "Łukasz Wójcik-Dvořák",
        "patient_address": Address("5 Elm St", "Springfield", "IL", "62702", line2="Apt 3"),
        "account_number": "A-000042",
        "statement_date": dt.date(2026, 11, 29),
        "due_date": dt.date(2026, 12, 20),
        "lines": LINES,
        "previous_balance_cents": 4000,
        "balance_due_cents": 4000 + 15000 + 123456 - 90000 - 28456 - 2500,
        "aging": (AgingBucket("0-30", 17500), AgingBucket("31-60", 4000)),
    }
    values.update(changes)
    return Statement(**values)  # type: ignore[arg-type]


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_money_is_formatted_from_integer_cents() -> None:
    assert [money(c) for c in (0, 5, 123456, 100000000, -2500)] == [
        "$0.00",
        "$0.05",
        "$1,234.56",
        "$1,000,000.00",
        "-$25.00",
    ]


def test_the_pdf_reads_back_with_names_amounts_and_balance() -> None:
    pdf = render_statement(_statement())
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert "Lukasz Wójcik-Dvorák" in text  # Ł and ř are outside the core fonts' Latin-1
    assert "Riverside Family Practice" in text
    assert "Springfield, IL 62701-1234" in text
    assert "A-000042" in text
    for amount in ("$150.00", "$1,234.56", "$900.00", "$284.56", "$25.00", "$40.00"):
        assert amount in text
    assert "99213" in text and "Electrocardiogram" in text
    assert "Balance due: $215.00" in text
    assert "$175.00" in text and "31-60 days" in text


def test_a_long_statement_runs_onto_more_pages() -> None:
    lines = LINES * 20
    balance = 4000 + 20 * (15000 + 123456 - 90000 - 28456 - 2500)
    pdf = render_statement(_statement(lines=lines, balance_due_cents=balance))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 1
    assert money(balance) in reader.pages[-1].extract_text()


def test_a_statement_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(ValueError, match="balance due"):
        render_statement(_statement(balance_due_cents=1))
