"""What a person may type into stored text: one rule for every text column.

Each text column declares its kind (`mapped_column(..., info=text.NAME)`); app/db.py applies the
rule to every row before it is written, whichever service wrote it, and a service whose input
is named differently from its column checks it first with `check_column`. Characters that
change how text *looks* without being seen -- control characters, bidirectional overrides and
isolates (the "Trojan Source" trick: a name or note displayed in another order than stored),
and in names invisible formatting characters (a zero-width space makes "Smith" a different
name to duplicate detection) -- are refused, not silently removed.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from typing import Any

from app.errors import CommonErrorCode, DomainError


class TextKind(enum.Enum):
    NAME = "name"  # a name or label: one line, no invisible formatting characters, not blank
    LINE = "line"  # one line of text (an address line, a reason)
    MULTILINE = "multiline"  # paragraphs (notes): line feeds and tabs allowed
    MACHINE = "machine"  # written by the system (hashes, tokens, audit, outbox): only no NUL


NAME = {"text": TextKind.NAME}
LINE = {"text": TextKind.LINE}
MULTILINE = {"text": TextKind.MULTILINE}
MACHINE = {"text": TextKind.MACHINE}

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _ranges(chars: list[str]) -> str:
    """A regex character class body for these characters, as ranges."""
    points = sorted(ord(c) for c in chars)
    parts, start = [], points[0]
    for before, point in zip(points, [*points[1:], -1], strict=True):
        if point != before + 1:
            parts.append(f"\\U{start:08x}" + ("" if start == before else f"-\\U{before:08x}"))
            start = point
    return "".join(parts)


_CONTROLS = [chr(c) for c in range(0x20)] + [chr(c) for c in range(0x7F, 0xA0)]
_PLANES_WITH_FORMAT = [*range(0x20000), *range(0xE0000, 0xE1000)]  # planes 0, 1 and 14
_FORMAT = [c for c in map(chr, _PLANES_WITH_FORMAT) if unicodedata.category(c) == "Cf"]
# Lone surrogates cannot be encoded for the database; line/paragraph separators end lines.
_ALWAYS = [*BIDI_CONTROLS, "\u2028", "\u2029", *map(chr, range(0xD800, 0xE000))]
_LINE_CONTROLS = [c for c in _CONTROLS if c not in "\n\t"]  # paragraphs keep \n and \t
_REFUSED = {
    TextKind.NAME: re.compile(f"[{_ranges(_CONTROLS + _FORMAT + _ALWAYS)}]"),
    TextKind.LINE: re.compile(f"[{_ranges(_CONTROLS + _ALWAYS)}]"),
    TextKind.MULTILINE: re.compile(f"[{_ranges(_LINE_CONTROLS + _ALWAYS)}]"),
    TextKind.MACHINE: re.compile("\x00"),
}


def label(name: str) -> str:
    """A field's name as a message says it: "family_name" -> "Family name"."""
    return name.replace("_", " ").capitalize()


def _what(char: str) -> str:
    if char in BIDI_CONTROLS:
        return "a bidirectional override"
    if char in "\n\r\u2028\u2029":
        return "a line break"
    if unicodedata.category(char) == "Cf":
        return "an invisible formatting character"
    if unicodedata.category(char) == "Cs":
        return "a lone surrogate"
    return "a control character"


def check(value: str, kind: TextKind, field: str) -> None:
    """Refuse `value` as text of this kind: INVALID_TEXT naming the character and where it is,
    or REQUIRED for a name that is blank."""
    found = _REFUSED[kind].search(value)
    if found is not None:
        char = found.group()
        raise DomainError(
            CommonErrorCode.INVALID_TEXT,
            f"{label(field)} holds {_what(char)} (U+{ord(char):04X}) at character "
            f"{found.start() + 1}.",
            [field],
        )
    if kind == TextKind.NAME and not value.strip():
        raise DomainError(CommonErrorCode.REQUIRED, f"{label(field)} is required.", [field])


def kind_of(column: Any) -> TextKind:
    """A column's declared kind; an undeclared text column is one line (a test finds those)."""
    kind: TextKind = column.info.get("text", TextKind.LINE)
    return kind


def check_column(column: Any, value: str, field: str) -> None:
    """`value` as it would be stored in `column`: its kind of text, and its length."""
    check(value, kind_of(column), field)
    length = getattr(column.type, "length", None)
    if length is not None and len(value) > length:
        raise DomainError(
            CommonErrorCode.INVALID_INPUT,
            f"{label(field)} is longer than {length} characters.",
            [field],
        )


def required(value: str, field: str) -> str:
    """A name or label as stored: trimmed, and not blank."""
    value = value.strip()
    if not value:
        raise DomainError(CommonErrorCode.REQUIRED, f"{label(field)} is required.", [field])
    return value
