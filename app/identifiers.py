"""Identifiers with check digits (NPI, MRN): pure functions any domain can import."""

from __future__ import annotations

from app.counters import luhn_check_digit


def npi_is_valid(npi: str) -> bool:
    """An NPI is 10 digits whose last is the Luhn check digit of '80840' + the first nine."""
    return len(npi) == 10 and npi.isdigit() and luhn_check_digit("80840" + npi[:9]) == int(npi[9])
