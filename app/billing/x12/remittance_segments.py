"""Split a validated X12 interchange into segments, and read its money, dates and quantities.

The readers of what payers send back (835 remittances, 999 and 277CA acknowledgements) share
this: pyx12 checks the file, pyx12's raw reader finds the separators the ISA declares, and the
readers then only look elements up by position. Money is parsed with `Decimal` so that
"810.8" is exactly 81080 cents; an amount with fractions of a cent is refused, never rounded.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pyx12.errors
import pyx12.rawx12file

from app.billing.x12.validation import X12Problem, validate


class InvalidX12File(ValueError):
    """The file is refused; `problems` says why (pyx12's findings, or what the reader needed)."""

    def __init__(self, problems: Sequence[X12Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.segment or '?'}: {p.message}" for p in self.problems))


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: `elements[0]` is the segment id, so `self[1]` is e.g. CLP01."""

    elements: tuple[str, ...]
    component_separator: str
    position: int  # 1-based position in the interchange, for problem reports

    @property
    def id(self) -> str:
        return self.elements[0]

    def __getitem__(self, index: int) -> str:
        """Element `index` (1-based, as the guides number them); "" when absent."""
        return self.elements[index] if index < len(self.elements) else ""

    def components(self, index: int) -> tuple[str, ...]:
        """The components of composite element `index` (SVC01 `HC:99213:25` -> 3 parts)."""
        value = self[index]
        return tuple(value.split(self.component_separator)) if value else ()

    def component(self, index: int, part: int) -> str:
        """Component `part` (1-based) of composite element `index`; "" when absent."""
        parts = self.components(index)
        return parts[part - 1] if part <= len(parts) else ""

    def problem(self, code: str, message: str) -> InvalidX12File:
        """An `InvalidX12File` pointing at this segment."""
        return InvalidX12File([X12Problem(self.id, self.position, code, message)])


def read_segments(text: str, transaction: str, version: str) -> list[Segment]:
    """Validate `text` with pyx12, then split it; refuse anything but `transaction`/`version`.

    pyx12 validates any transaction it has a map for, so an 837 handed to the 835 reader would
    pass validation: the ST01/GS08 check keeps each reader to its own kind of file.
    """
    problems = validate(text)
    if problems:
        raise InvalidX12File(problems)
    try:
        raw = pyx12.rawx12file.RawX12File(io.StringIO(text))
        lines = list(raw)
    except pyx12.errors.X12Error as exc:  # validate() accepted it, so this is unexpected
        raise InvalidX12File([X12Problem("ISA", 1, "unreadable", str(exc))]) from exc
    segments = [
        Segment(tuple(line.split(raw.ele_term)), raw.subele_term, position)
        for position, line in enumerate(lines, start=1)
    ]
    for segment in segments:
        if segment.id == "GS" and segment[8] != version:
            raise segment.problem("wrong_version", f"expected {version}, got {segment[8]}")
        if segment.id == "ST" and segment[1] != transaction:
            raise segment.problem("wrong_transaction", f"expected {transaction}, got {segment[1]}")
    return segments


def split_transactions(segments: Sequence[Segment]) -> list[list[Segment]]:
    """The segments of each ST..SE transaction set, in file order (ST and SE included)."""
    transactions: list[list[Segment]] = []
    for segment in segments:
        if segment.id == "ST":
            transactions.append([])
        if transactions and segment.id not in ("GE", "IEA", "GS", "ISA"):
            transactions[-1].append(segment)
    return transactions


def cents(segment: Segment, index: int) -> int:
    """Element `index` as signed integer cents ("" is 0); fractions of a cent are refused."""
    value = segment[index]
    if not value:
        return 0
    try:
        amount = Decimal(value) * 100
    except InvalidOperation as exc:
        raise segment.problem("amount", f"{value!r} is not an amount") from exc
    if amount != amount.to_integral_value():
        raise segment.problem("amount", f"{value!r} has fractions of a cent")
    return int(amount)


def quantity(segment: Segment, index: int) -> Decimal | None:
    """Element `index` as an exact decimal quantity (units can be fractional), None if absent."""
    value = segment[index]
    try:
        return Decimal(value) if value else None
    except InvalidOperation as exc:
        raise segment.problem("quantity", f"{value!r} is not a number") from exc


def date(segment: Segment, index: int) -> dt.date | None:
    """A CCYYMMDD element as a date (None if absent); pyx12 has already checked the format."""
    value = segment[index]
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date()
    except ValueError as exc:
        raise segment.problem("date", f"{value!r} is not a CCYYMMDD date") from exc
