"""The shapes of billing codes, as pure functions: CPT/HCPCS, modifiers, ZIP codes, tax ids.

ICD-10-CM codes are checked against the code set itself (app/patients/icd10.py); NPIs by their
Luhn check digit (app/identifiers.py).
"""

from __future__ import annotations

import re

_CPT = re.compile(r"\d{5}|\d{4}[FTU]")  # Category I, or II (F) / III (T) / PLA (U)
_HCPCS = re.compile(r"[A-Z]\d{4}")  # HCPCS Level II
_MODIFIER = re.compile(r"[A-Z0-9]{2}")
_ZIP = re.compile(r"\d{5}(?:-?\d{4})?")
_TAX_ID = re.compile(r"\d{2}-?\d{7}")
FILING_INDICATORS = frozenset(
    # SBR09 claim filing indicator codes of the 837P
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "AM",
        "BL",
        "CH",
        "CI",
        "DS",
        "FI",
        "HM",
        "LM",
        "MA",
        "MB",
        "MC",
        "OF",
        "TV",
        "VA",
        "WC",
        "ZZ",
    ]
)
STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
    ]
)


def procedure_code_is_valid(code: str) -> bool:
    """A CPT code (5 digits, or 4 digits and F, T or U) or a HCPCS Level II code (a letter and
    4 digits)."""
    return bool(_CPT.fullmatch(code) or _HCPCS.fullmatch(code))


def modifier_is_valid(modifier: str) -> bool:
    """A CPT/HCPCS modifier: two letters or digits (25, 59, LT, GT...)."""
    return bool(_MODIFIER.fullmatch(modifier))


def zip_digits(value: str) -> str | None:
    """The 5 or 9 digits of a ZIP code written 12345, 123456789 or 12345-6789; None otherwise."""
    value = value.strip()
    return value.replace("-", "") if _ZIP.fullmatch(value) else None


def tax_id_digits(value: str) -> str | None:
    """The 9 digits of an EIN written 123456789 or 12-3456789; None otherwise."""
    value = value.strip()
    return value.replace("-", "") if _TAX_ID.fullmatch(value) else None


def undotted(icd10: str) -> str:
    """An ICD-10-CM code as claims carry it: E11.9 -> E119."""
    return icd10.replace(".", "")
