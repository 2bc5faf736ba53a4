"""ICD-10-CM codes, validated against the CMS code set shipped in simple-icd-10-cm."""

from __future__ import annotations

from dataclasses import dataclass

import simple_icd_10_cm as cm


@dataclass(frozen=True)
class Icd10Code:
    code: str  # dotted form, e.g. E11.9
    description: str


def lookup(raw: str) -> Icd10Code | None:
    """The code in its dotted form, or None when it is not a diagnosis code of ICD-10-CM.

    Chapters and blocks (e.g. "E08-E13") are groupings, not codes, and are refused.
    """
    candidate = raw.strip().upper()
    if not candidate or not cm.is_valid_item(candidate):
        return None
    if cm.is_chapter(candidate) or cm.is_block(candidate):
        return None
    dotted = cm.add_dot(candidate) if "." not in candidate else candidate
    return Icd10Code(dotted, cm.get_description(candidate))
