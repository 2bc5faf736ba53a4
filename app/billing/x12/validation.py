"""Validate an X12 interchange with pyx12 against its implementation guide.

Every file we write is checked before it leaves, and every file we read is checked before it
posts anything. pyx12's own `x12valid` prints "OK" even when it fails to build its 999, so we
call the document walker directly with no 997/999 output and read its JSON error report.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyx12.params
import pyx12.x12n_document


@dataclass(frozen=True, slots=True)
class X12Problem:
    """One validation finding: where (segment id and line) and pyx12's message."""

    segment: str
    line: int
    code: str
    message: str


class _Capture(logging.Handler):
    """Keeps pyx12's logged errors (it logs walker errors it does not put in the report)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def validate(text: str) -> list[X12Problem]:
    """Every problem pyx12 finds in `text`; an empty list means the file is valid."""
    report = io.StringIO()
    capture = _Capture()
    logger = logging.getLogger("pyx12")
    logger.addHandler(capture)
    try:
        valid = pyx12.x12n_document.x12n_document(
            pyx12.params.params(), io.StringIO(text), fd_997=None, fd_html=None, fd_json=report
        )
    except Exception as exc:  # pyx12 raises on input it cannot walk at all
        return [X12Problem("", 0, "unreadable", str(exc) or type(exc).__name__)]
    finally:
        logger.removeHandler(capture)
    problems = list(_problems(json.loads(report.getvalue() or '{"interchanges": []}')))
    if not valid and not problems:
        message = "; ".join(capture.messages) or "pyx12 rejected the file"
        problems.append(X12Problem("", 0, "invalid", message))
    return problems


def _problems(node: dict[str, Any]) -> Iterator[X12Problem]:
    """Walk pyx12's nested report (interchange, group, transaction, segment, element)."""
    segment = str(node.get("seg_id") or "")
    line = int(node.get("cur_line") or 0)
    for error in node.get("errors", []):
        code = str(error.get("err_cde") or "")
        yield X12Problem(segment, line, code, str(error.get("err_str") or ""))
    for key in ("interchanges", "groups", "transactions", "segments", "elements"):
        for child in node.get(key, []):
            yield from _problems(child)
