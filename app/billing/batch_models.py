"""Claim batches: each 837P file generated, kept as sent (for download and for matching its
acknowledgements by its ST02 control number), and the claims it carried."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.text import MACHINE


class ClaimBatch(Base):
    """One 837P interchange. Its ISA13/GS06/ST02/BHT03 all carry `control_number` (envelope.py),
    drawn from a counter so it never repeats. Holds many patients' claims: staff rows only."""

    __tablename__ = "claim_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    control_number: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    file_text: Mapped[str] = mapped_column(Text, info=MACHINE)
    claim_count: Mapped[int]
    total_cents: Mapped[int]


class ClaimBatchClaim(Base):
    """A claim sent in a batch (a rejected claim, fixed, goes again in a later one)."""

    __tablename__ = "claim_batch_claims"

    batch_id: Mapped[int] = mapped_column(ForeignKey("claim_batches.id"), primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True, index=True)
