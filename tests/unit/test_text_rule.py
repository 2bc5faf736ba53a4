"""The rule for typed text (app/text.py), and every text column saying which kind it holds."""

import pytest
from sqlalchemy import Column

import app.models  # noqa: F401  (every table)
from app.db import Base
from app.errors import DomainError
from app.text import TextKind, check


def is_text(column: Column) -> bool:
    try:
        return column.type.python_type is str  # an Enum's is its class
    except NotImplementedError:
        return False


def test_every_text_column_declares_its_kind():
    undeclared = [
        f"{table.name}.{column.key}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if is_text(column) and "text" not in column.info
    ]
    assert undeclared == []


@pytest.mark.parametrize(
    ("value", "kind", "refused"),
    [
        ("Zoë O'Brien-Núñez", TextKind.NAME, None),
        ("محمد", TextKind.NAME, None),
        ("Doe\u202e", TextKind.NAME, "INVALID_TEXT"),
        ("Do\u2066e", TextKind.LINE, "INVALID_TEXT"),
        ("Sm\u200bith", TextKind.NAME, "INVALID_TEXT"),
        ("Sm\u200dith", TextKind.NAME, "INVALID_TEXT"),
        ("\u00ad", TextKind.NAME, "INVALID_TEXT"),
        ("   ", TextKind.NAME, "REQUIRED"),
        ("Hives\u200b", TextKind.LINE, None),
        ("a\tb", TextKind.LINE, "INVALID_TEXT"),
        ("a\nb", TextKind.LINE, "INVALID_TEXT"),
        ("a\u2028b", TextKind.MULTILINE, "INVALID_TEXT"),
        ("a\rb", TextKind.MULTILINE, "INVALID_TEXT"),
        ("a\x85b", TextKind.MULTILINE, "INVALID_TEXT"),
        ("a\x7fb", TextKind.MULTILINE, "INVALID_TEXT"),
        ("S: cough\n\tO: clear \U0001f469\u200d\u2695", TextKind.MULTILINE, None),
        ("x\ud800", TextKind.MULTILINE, "INVALID_TEXT"),
        ("a\x00", TextKind.MACHINE, "INVALID_TEXT"),
        ("line\r\nerror\x1b[0m", TextKind.MACHINE, None),
    ],
)
def test_the_rule(value, kind, refused):
    if refused is None:
        check(value, kind, "field")
        return
    with pytest.raises(DomainError) as caught:
        check(value, kind, "family_name")
    assert (caught.value.code, caught.value.field) == (refused, ["family_name"])


def test_the_message_names_the_character_and_where_it_is():
    with pytest.raises(DomainError) as caught:
        check("Ann\u202eDoe", TextKind.NAME, "family_name")
    assert caught.value.message == (
        "Family name holds a bidirectional override (U+202E) at character 4."
    )
