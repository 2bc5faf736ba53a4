"""The 837P's envelopes and header: ISA/GS/ST around the claims, then BHT, submitter, receiver.

ISA13, GS06, ST02 and BHT03 all carry the interchange's control number (drawn from
app/counters.py, so it never repeats), which lets a 999 or a payer's question about any of them
lead back to one file. One functional group holds one transaction set holding every claim.
"""

from __future__ import annotations

import datetime as dt

from app.billing.x12.documents import Interchange
from app.billing.x12.segments import COMPONENT, REPETITION, digits, optional_text, segment, text

VERSION = "005010X222A1"
_MAX_CONTROL = 999_999_999  # ISA13 is exactly nine digits


def open_envelope(interchange: Interchange) -> list[str]:
    """ISA and GS: who sends to whom, when, under which control number."""
    number = control_number(interchange)
    when = _utc(interchange.created_at)
    sender = text(interchange.sender_id, "sender_id", 15, min_len=2)
    receiver = text(interchange.receiver_id, "receiver_id", 15, min_len=2)
    isa = segment(
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        sender.ljust(15),
        "ZZ",
        receiver.ljust(15),
        when.strftime("%y%m%d"),
        when.strftime("%H%M"),
        REPETITION,
        "00501",
        number,
        "0",
        "P" if interchange.production else "T",
        COMPONENT,
    )
    gs = segment(
        "GS",
        "HC",
        sender,
        receiver,
        when.strftime("%Y%m%d"),
        when.strftime("%H%M"),
        number,
        "X",
        VERSION,
    )
    return [isa, gs]


def transaction_header(interchange: Interchange) -> list[str]:
    """ST, BHT, the 1000A submitter (NM1*41 and its contact) and the 1000B receiver (NM1*40)."""
    number = control_number(interchange)
    when = _utc(interchange.created_at)
    submitter, receiver = interchange.submitter, interchange.receiver
    return [
        segment("ST", "837", number, VERSION),
        segment("BHT", "0019", "00", number, when.strftime("%Y%m%d"), when.strftime("%H%M"), "CH"),
        segment(
            "NM1",
            "41",
            "1" if submitter.first_name.strip() else "2",
            text(submitter.name, "submitter.name", 60),
            optional_text(submitter.first_name, "submitter.first_name", 35),
            "",
            "",
            "",
            "46",
            text(submitter.identifier, "submitter.identifier", 80, min_len=2),
        ),
        segment(
            "PER",
            "IC",
            optional_text(submitter.contact_name, "submitter.contact_name", 60),
            "TE",
            digits(submitter.contact_phone, "submitter.contact_phone", (10,), "a 10-digit phone"),
        ),
        segment(
            "NM1",
            "40",
            "2",
            text(receiver.name, "receiver.name", 60),
            "",
            "",
            "",
            "",
            "46",
            text(receiver.identifier, "receiver.identifier", 80, min_len=2),
        ),
    ]


def close_envelope(interchange: Interchange, transaction_segments: int) -> list[str]:
    """SE (its count includes ST and SE themselves), GE and IEA, each closing one envelope."""
    number = control_number(interchange)
    return [
        segment("SE", str(transaction_segments), number),
        segment("GE", "1", number),
        segment("IEA", "1", number),
    ]


def control_number(interchange: Interchange) -> str:
    """The interchange's control number as ISA13 needs it: nine digits, zero-padded."""
    number = interchange.control_number
    if isinstance(number, bool) or not isinstance(number, int) or not 0 < number <= _MAX_CONTROL:
        raise ValueError(f"control_number must be from 1 to {_MAX_CONTROL}, not {number!r}")
    return f"{number:09d}"


def _utc(moment: dt.datetime) -> dt.datetime:
    """The file's creation time in UTC; a naive time is refused, since its zone is unknown."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("created_at must be timezone-aware")
    return moment.astimezone(dt.UTC)
