"""National Drug Codes: the FDA's 10-digit forms (4-4-2, 5-3-2, 5-4-1) and the 11-digit 5-4-2
form billing uses (HIPAA), normalized to 11 digits by zero-padding the short segment.

A 10-digit code without hyphens is ambiguous (which segment is short?), so it is refused; 11
digits without hyphens can only be 5-4-2.
"""

from __future__ import annotations

import re

_SEGMENTS = re.compile(r"(\d+)-(\d+)-(\d+)")
_FORMS = {(4, 4, 2), (5, 3, 2), (5, 4, 1), (5, 4, 2)}


def normalize_ndc(value: str) -> str | None:
    """The 11-digit form of an NDC, or None when `value` is not one of its forms."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) == 11:
        return value
    found = _SEGMENTS.fullmatch(value)
    if found is None:
        return None
    labeler, product, package = found.groups()
    if (len(labeler), len(product), len(package)) not in _FORMS:
        return None
    return labeler.zfill(5) + product.zfill(4) + package.zfill(2)


def format_ndc(eleven: str) -> str:
    """An 11-digit NDC as 5-4-2 with hyphens (how it is shown and printed on claims)."""
    return f"{eleven[:5]}-{eleven[5:9]}-{eleven[9:]}"
