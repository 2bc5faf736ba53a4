"""Render a patient statement as a PDF, from plain values (no database, no network).

The billing domain builds a `Statement` from its ledger and serves these bytes at
`/statements/<id>.pdf`. A statement is mailed and read by anyone at the patient's address, so it
carries codes, short descriptions and money only: there is deliberately no field for clinical
notes. Only fpdf2's core fonts are used (nothing to download or embed); they cover Latin-1, so
other characters are reduced to their base letter ("Ł" -> "L") rather than failing the render.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.fonts import FontFace

from app.billing.x12.documents import Address

_COLUMNS = ("Date", "Code", "Description", "Charges", "Payments", "Adjustments")
_WIDTHS = (22, 20, 70, 26, 26, 26)
_ALIGN = ("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")
# Letters that Unicode does not decompose into a base letter plus an accent.
_UNDECOMPOSED = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ħ": "H",
        "ħ": "h",
        "\u0131": "i",
        "Œ": "OE",
        "œ": "oe",
    }
)


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One ledger row: a charge, or a payment/adjustment (positive amounts reduce the balance)."""

    date: dt.date
    description: str  # e.g. "Office visit, established patient"; never a clinical note
    code: str  # CPT/HCPCS for a charge, or a short payment/adjustment code
    charge_cents: int = 0
    payment_cents: int = 0
    adjustment_cents: int = 0


@dataclass(frozen=True, slots=True)
class AgingBucket:
    """What the patient owes by age, e.g. ("0-30", 4500)."""

    label: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class Statement:
    """Everything printed on a statement; `balance_due_cents` must equal the ledger's sum."""

    practice_name: str
    practice_address: Address
    practice_phone: str
    patient_name: str
    patient_address: Address
    account_number: str
    statement_date: dt.date
    due_date: dt.date
    lines: tuple[StatementLine, ...]
    previous_balance_cents: int
    balance_due_cents: int
    aging: tuple[AgingBucket, ...] = ()


def money(cents: int) -> str:
    """Integer cents as "$1,234.56" (or "-$1,234.56"), without floats."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"


def render_statement(statement: Statement) -> bytes:
    """The statement as PDF bytes; refuses (ValueError) a statement that does not add up."""
    _check_total(statement)
    pdf = FPDF(format="letter")
    pdf.set_title("Patient statement")
    pdf.set_creation_date(dt.datetime.combine(statement.statement_date, dt.time(), dt.UTC))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _header(pdf, statement)
    _lines(pdf, statement)
    _summary(pdf, statement)
    return bytes(pdf.output())


def _check_total(statement: Statement) -> None:
    expected = statement.previous_balance_cents + sum(
        line.charge_cents - line.payment_cents - line.adjustment_cents for line in statement.lines
    )
    if expected != statement.balance_due_cents:
        raise ValueError(
            f"balance due {statement.balance_due_cents} != previous balance and lines {expected}"
        )


def _header(pdf: FPDF, statement: Statement) -> None:
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(120, 7, _text(statement.practice_name))
    pdf.cell(0, 7, "STATEMENT", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    facts = (
        ("Statement date", statement.statement_date.isoformat()),
        ("Account number", statement.account_number),
        ("Due date", statement.due_date.isoformat()),
        ("Amount due", money(statement.balance_due_cents)),
    )
    practice = [*_address(statement.practice_address), statement.practice_phone]
    for row in range(max(len(practice), len(facts))):
        pdf.cell(120, 5, _text(practice[row]) if row < len(practice) else "")
        label, value = facts[row] if row < len(facts) else ("", "")
        pdf.cell(0, 5, f"{label}: {_text(value)}" if label else "", align="R")
        pdf.ln()
    pdf.ln(8)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, _text(statement.patient_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for line in _address(statement.patient_address):
        pdf.cell(0, 5, _text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)


def _lines(pdf: FPDF, statement: Statement) -> None:
    pdf.set_font("Helvetica", size=9)
    with pdf.table(
        col_widths=_WIDTHS,
        text_align=_ALIGN,
        width=sum(_WIDTHS),
        headings_style=FontFace(emphasis="BOLD"),
        line_height=5,
    ) as table:
        table.row(_COLUMNS)
        table.row(("", "", "Previous balance", money(statement.previous_balance_cents), "", ""))
        for line in statement.lines:
            table.row(
                (
                    line.date.isoformat(),
                    _text(line.code),
                    _text(line.description),
                    money(line.charge_cents) if line.charge_cents else "",
                    money(line.payment_cents) if line.payment_cents else "",
                    money(line.adjustment_cents) if line.adjustment_cents else "",
                )
            )


def _summary(pdf: FPDF, statement: Statement) -> None:
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, f"Balance due: {money(statement.balance_due_cents)}", align="R")
    pdf.ln(10)
    if statement.aging:
        pdf.set_font("Helvetica", size=9)
        with pdf.table(width=sum(_WIDTHS), text_align="RIGHT", line_height=5) as table:
            table.row([f"{_text(bucket.label)} days" for bucket in statement.aging])
            table.row([money(bucket.amount_cents) for bucket in statement.aging])


def _address(address: Address) -> list[str]:
    code = address.postal_code
    postal = f"{code[:5]}-{code[5:]}" if len(code) == 9 else code
    street = [address.line1, address.line2] if address.line2 else [address.line1]
    return [*street, f"{address.city}, {address.state} {postal}"]


def _text(value: str) -> str:
    """`value` in Latin-1, the core fonts' range: accents outside it drop, unknowns become "?"."""
    if value.isascii():
        return value
    value = value.translate(_UNDECOMPOSED)
    return "".join(
        char
        if char.encode("latin-1", "ignore")
        else unicodedata.normalize("NFKD", char)[0].encode("latin-1", "replace").decode("latin-1")
        for char in value
    )
