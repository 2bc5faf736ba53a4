"""Named counters for human-facing numbers (MRN, later claim numbers) that must never repeat."""

from __future__ import annotations

from sqlalchemy import String, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.authz import ALL_ROWS
from app.db import Base
from app.text import MACHINE


class Counter(Base):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True, info=MACHINE)
    value: Mapped[int]


async def next_value(session: AsyncSession, name: str) -> int:
    """Increment and return; the row lock serializes concurrent callers on both databases.

    Each counter's row is created by the migration that introduces it.
    """
    stmt = (
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
        .execution_options(**ALL_ROWS)  # a counter is the practice's, whoever's request this is
    )
    return (await session.execute(stmt)).scalar_one()
