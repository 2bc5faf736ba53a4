"""Imported 835 remittances, the claim payments they carried, the provider-level (PLB)
adjustments, and the work queue of claim payments that matched no claim (staff-only rows).

A remittance is known by its payer, its TRN02 trace number and the hash of its content, so the
same file imported twice posts once, while a payer reusing a trace number for a different
payment is not silently dropped.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, str_enum, utcnow
from app.text import LINE, MACHINE


class WorkItemState(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # posted to the claim a biller named
    DISMISSED = "dismissed"  # not ours to post; the biller said why


class Remittance(Base):
    """One 835 transaction (ST..SE): one payment (BPR) and its trace (TRN)."""

    __tablename__ = "remittances"
    __table_args__ = (UniqueConstraint("payer_code", "trace_number", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payer_code: Mapped[str] = mapped_column(String(80), info=MACHINE)  # N1*PR N104 / REF*2U
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"), index=True)
    trace_number: Mapped[str] = mapped_column(String(80), info=MACHINE)  # TRN02
    content_hash: Mapped[str] = mapped_column(String(64), info=MACHINE)  # of the transaction
    file_hash: Mapped[str] = mapped_column(String(64), info=MACHINE)  # of the whole file
    payment_cents: Mapped[int]  # BPR02, negative for a debit
    payment_method: Mapped[str] = mapped_column(String(3), info=MACHINE)  # BPR04
    payment_date: Mapped[date | None]  # BPR16
    production_date: Mapped[date | None]  # DTM*405
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class RemittanceClaim(Base):
    """One CLP loop as the payer sent it; `claim_id` once matched (or resolved). `detail` holds
    the codes and money of the payment (JSON, no names) so that a queued one can be posted."""

    __tablename__ = "remittance_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittances.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    control_number: Mapped[str] = mapped_column(String(80), info=MACHINE)  # CLP01
    status: Mapped[str] = mapped_column(String(2), info=MACHINE)  # CLP02
    charge_cents: Mapped[int]
    paid_cents: Mapped[int]
    patient_responsibility_cents: Mapped[int]
    payer_claim_number: Mapped[str] = mapped_column(String(50), info=MACHINE)  # CLP07
    detail: Mapped[str] = mapped_column(Text, info=MACHINE)
    posted_at: Mapped[datetime | None]


class ProviderAdjustmentEntry(Base):
    """The provider ledger: one PLB amount (the guide's sign: + withheld, - paid in addition)."""

    __tablename__ = "provider_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittances.id"), index=True)
    provider_code: Mapped[str] = mapped_column(String(80), info=MACHINE)  # PLB01
    fiscal_period_end: Mapped[date | None]
    reason: Mapped[str] = mapped_column(String(2), info=MACHINE)  # PLB03-1, e.g. WO, L6
    reference: Mapped[str] = mapped_column(String(80), info=MACHINE)  # PLB03-2
    amount_cents: Mapped[int]
    posted_at: Mapped[datetime] = mapped_column(default=utcnow)


class RemittanceWorkItem(Base):
    """A claim payment no claim (or no line of its claim) matched: a biller resolves it to a
    claim (posting it then) or dismisses it with a reason."""

    __tablename__ = "remittance_work_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    remittance_claim_id: Mapped[int] = mapped_column(
        ForeignKey("remittance_claims.id"), unique=True
    )
    problem: Mapped[str] = mapped_column(String(20), info=MACHINE)  # unmatched_claim / _line
    state: Mapped[WorkItemState] = mapped_column(str_enum(WorkItemState), index=True)
    dismiss_reason: Mapped[str | None] = mapped_column(String(400), info=LINE)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
