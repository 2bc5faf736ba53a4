"""Identifiers shared across domains, as pure functions: Luhn check digits, NPIs, MRNs.

Nothing here touches the database; drawing the next MRN number is `app.counters.next_value`.
"""

from __future__ import annotations

MRN_DIGITS = 7  # an MRN is this many digits of its sequence number and a Luhn check digit
MRN_MAX_SEQUENCE = 10**MRN_DIGITS - 1
_NPI_PREFIX = "80840"  # the card issuer prefix the NPI's check digit is computed under


def luhn_check_digit(digits: str) -> int:
    """The digit that makes `digits + digit` pass the Luhn check (used for MRNs, as NPIs do)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def _checked_digits(value: str, length: int, prefix: str = "") -> bool:
    """`value` is `length` ASCII digits, the last the Luhn check digit of `prefix` + the rest."""
    return (
        len(value) == length
        and value.isascii()
        and value.isdigit()
        and luhn_check_digit(prefix + value[:-1]) == int(value[-1])
    )


def npi_is_valid(npi: str) -> bool:
    """An NPI is 10 digits whose last is the Luhn check digit of '80840' + the first nine."""
    return _checked_digits(npi, 10, _NPI_PREFIX)


def mrn_for(sequence: int) -> str:
    """The MRN of the `sequence`-th patient: 7 digits (zero-padded) and their Luhn check digit."""
    if not 0 <= sequence <= MRN_MAX_SEQUENCE:
        raise ValueError(f"An MRN holds a sequence number from 0 to {MRN_MAX_SEQUENCE}.")
    number = f"{sequence:0{MRN_DIGITS}d}"
    return f"{number}{luhn_check_digit(number)}"


def mrn_is_valid(mrn: str) -> bool:
    """An MRN is 8 digits, the last the Luhn check digit of the first seven."""
    return _checked_digits(mrn, MRN_DIGITS + 1)
