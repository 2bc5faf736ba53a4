"""X12 elements and segments as text: delimiters, safe free text, codes, money and dates.

X12 has no escape character: a `*`, `:`, `^` or `~` inside a name would end the element, the
component or the whole segment there and shift everything after it into the wrong place, so
text holding one is refused with a ValueError naming the field, never written. Accents are
dropped (pyx12 and payers take only the X12 extended character set, which is ASCII); any other
character outside that set is refused the same way. Money is integer cents written as the
shortest X12 decimal (12345 -> "123.45", 10000 -> "100"), computed on integers, never floats.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

SEGMENT = "~"
ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
DELIMITERS = (SEGMENT, ELEMENT, COMPONENT, REPETITION)

# The X12 5010 extended character set (as pyx12 checks it) without our four delimiters.
_OUTSIDE_CHARSET = re.compile(r"""[^A-Za-z0-9!"&'()+,\-./;?= %@\[\]_{}\\|<>`#$]""")

Element = str | tuple[str, ...]  # a tuple is a composite element, written with COMPONENT


def segment(tag: str, *elements: Element) -> str:
    """One segment with its terminator; empty trailing elements and components are left off."""
    parts = [tag]
    for element in elements:
        if isinstance(element, tuple):
            element = COMPONENT.join(element).rstrip(COMPONENT)
        parts.append(element)
    while parts[-1] == "":
        parts.pop()
    return ELEMENT.join(parts) + SEGMENT


def text(value: str, field: str, max_len: int, min_len: int = 1) -> str:
    """Free text (a name, an address line, an identifier) made safe for one element."""
    plain = " ".join(_without_accents(value).split())
    if not plain:
        raise ValueError(f"{field} is required")
    for delimiter in DELIMITERS:
        if delimiter in plain:
            raise ValueError(f"{field} contains {delimiter!r}, an X12 delimiter")
    outside = _OUTSIDE_CHARSET.search(plain)
    if outside:
        raise ValueError(f"{field} contains {outside.group()!r}, outside the X12 character set")
    if not min_len <= len(plain) <= max_len:
        raise ValueError(f"{field} must be {min_len} to {max_len} characters, not {len(plain)}")
    return plain


def optional_text(value: str, field: str, max_len: int) -> str:
    """Like `text`, but blank stays blank (the element is left empty)."""
    return text(value, field, max_len) if value.strip() else ""


def code(value: str, field: str, pattern: str, meaning: str) -> str:
    """A code that must match `pattern` exactly (a CPT code, a modifier, a state...)."""
    if not re.fullmatch(pattern, value, re.ASCII):
        raise ValueError(f"{field} {value!r} is not {meaning}")
    return value


def digits(value: str, field: str, lengths: tuple[int, ...], meaning: str) -> str:
    """A number written as digits only (a ZIP code, a tax id, a phone number), punctuation off."""
    plain = re.sub(r"[\s().+-]", "", value)
    if not (plain.isascii() and plain.isdigit() and len(plain) in lengths):
        raise ValueError(f"{field} {value!r} is not {meaning}")
    return plain


def money(cents: int) -> str:
    """Integer cents as an X12 decimal amount: 12345 -> "123.45", 10000 -> "100", -50 -> "-0.5"."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise ValueError(f"amounts are integer cents, not {cents!r}")
    whole, fraction = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    if fraction == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:02d}".rstrip("0")


def count(value: int, field: str, least: int = 1) -> str:
    """A whole number of units, at least `least` (a payer may pay none of a line's units)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{field} must be a whole number from {least}, not {value!r}")
    return str(value)


def date8(value: dt.date) -> str:
    """A date as CCYYMMDD (the D8 format)."""
    return value.strftime("%Y%m%d")


def _without_accents(value: str) -> str:
    """`José Müller` -> `Jose Muller`: compatibility-decomposed, combining marks dropped."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
