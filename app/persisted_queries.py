"""Registered GraphQL documents (persisted queries), by the SHA-256 of their text.

Stored in the database so that every app instance knows what any of them registered. Rows are
added at runtime by authenticated callers (automatic persisted queries; bounded per user per
hour and in total) or ahead of time by `practice queries register`; they are never changed.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, Text, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.text import MACHINE


class PersistedQuery(Base):
    __tablename__ = "persisted_queries"
    __table_args__ = (Index("ix_persisted_queries_user_registered_at", "user_id", "registered_at"),)

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, info=MACHINE)
    document: Mapped[str] = mapped_column(Text, info=MACHINE)
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # who registered it: "user:<username>" at runtime, "cli" for `practice queries register`
    registered_by: Mapped[str] = mapped_column(String(80), info=MACHINE)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


def sha256_of(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


async def find(session: AsyncSession, sha256: str) -> str | None:
    """The registered document with this hash (persisted queries are not anyone's rows)."""
    statement = select(PersistedQuery.document).where(PersistedQuery.sha256 == sha256)
    return await session.scalar(statement)


async def add(
    session: AsyncSession, document: str, registered_by: str, user_id: int | None = None
) -> bool:
    """Registers `document` under its hash; False when it was registered already."""
    values = {
        "sha256": sha256_of(document),
        "document": document,
        "registered_at": utcnow(),
        "registered_by": registered_by,
        "user_id": user_id,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(PersistedQuery).values(**values).on_conflict_do_nothing()
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def room_for(session: AsyncSession, user_id: int, per_hour: int, at_most: int) -> bool:
    """Whether this user may register one more: under `per_hour` of theirs in the last hour,
    and the table under `at_most` rows."""
    since = utcnow() - timedelta(hours=1)
    recent = await session.scalar(
        select(func.count())
        .select_from(PersistedQuery)
        .where(PersistedQuery.user_id == user_id, PersistedQuery.registered_at > since)
    )
    if (recent or 0) >= per_hour:
        return False
    total = await session.scalar(select(func.count()).select_from(PersistedQuery))
    return (total or 0) < at_most


async def listing(session: AsyncSession) -> list[PersistedQuery]:
    statement = select(PersistedQuery).order_by(PersistedQuery.registered_at)
    return list((await session.scalars(statement)).all())
