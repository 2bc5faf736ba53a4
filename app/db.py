"""Database plumbing: the declarative Base, the engine and its SQLite pragmas, sessions."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import get_history
from sqlalchemy.types import TypeDecorator

from app import text
from app.config import Settings
from app.errors import NotFound

R = TypeVar("R")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored as UTC; SQLite keeps no offset, so it is restored here."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(cls: type[enum.Enum]) -> Enum:
    """Enums are stored as their values in a VARCHAR with a CHECK (portable across databases)."""
    return Enum(
        cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        name=cls.__name__.lower(),
    )


async def get_or_not_found(
    session: AsyncSession, model: type[R], id_: int, what: str, *field: str
) -> R:
    """The row with this primary key, or NOT_FOUND naming the (domain) field that gave the id."""
    row = await session.get(model, id_)
    if row is None:
        raise NotFound(what, list(field))
    return row


def utcnow() -> datetime:
    return datetime.now(UTC)


class RowScope(enum.Enum):
    """Which callers a table's rows are for (app/authz.py `visible_rows` turns it into SQL)."""

    STAFF = "staff"  # the practice's staff only (the default: a new table is closed to others)
    PRACTICE = "practice"  # the practice's shared catalog, for every signed-in caller
    PATIENT = "patient"  # about one patient: staff, and that patient's own users
    LOGIN = "login"  # a login's own rows (its patient links): staff, and that login


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}
    __row_scope__: ClassVar[RowScope] = RowScope.STAFF
    __patient_column__: ClassVar[str] = "patient_id"  # which column names the patient
    __login_column__: ClassVar[str] = "user_id"  # which column names the login


class Timestamped:
    """Created/updated columns every table carries."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@event.listens_for(Session, "before_flush")
def _refuse_text_that_does_not_fit(session: Session, _context: Any, _instances: Any) -> None:
    """Text that breaks app/text.py's rule for its column, or is longer than the column, is the
    caller's fault on every database: a domain error naming the field, before any SQL is sent.

    Every new row is checked; of a changed row, only the values that change (a value stored
    before the rule existed does not block an unrelated change).
    """
    for row in [*session.new, *session.dirty]:
        is_new = row in session.new
        for column in row.__table__.columns:
            value = getattr(row, column.key, None)
            if not isinstance(value, str):
                continue
            if is_new or get_history(row, column.key).added:
                text.check_column(column, value, column.key)


def create_engine(settings: Settings, **kwargs: Any) -> AsyncEngine:
    """The engine of write transactions; `read_only(engine)` gives its read-only view."""
    # hide_parameters: statement values (patient data) never appear in exception messages
    engine = create_async_engine(
        settings.database_url, echo=settings.database_echo, hide_parameters=True, **kwargs
    )
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
    return engine


_READ_ONLY = "practice_read_only"  # an execution option, and a key of Connection.info


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The engine (same pool) for sessions that only read.

    On SQLite their transactions BEGIN deferred and never take the write lock: in WAL mode they
    read a snapshot beside the one writer. On both databases a write in one of them fails,
    rather than being rolled back unseen with the read.
    """
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{_READ_ONLY: True})
    return engine.execution_options(postgresql_readonly=True)


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    """WAL synced at every commit, foreign keys, a busy timeout; BEGIN IMMEDIATE for writes,
    deferred BEGIN for reads.

    A deferred SQLite transaction that later writes fails with SQLITE_BUSY whatever the timeout;
    taking the write lock up front serializes writers instead (and with them check-then-insert
    races such as booking a slot). Reads never write, so they take no lock at all.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        # SQLite's own lower() folds ASCII only: "Élodie" must match "élodie" as on PostgreSQL.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # FULL: every commit syncs the WAL before it returns, so what the API acknowledged
        # survives a power cut (NORMAL syncs only at checkpoints; see bench/durability.py).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = bool(connection.get_execution_options().get(_READ_ONLY, False))
        # One pool serves both kinds of session: switch query_only only when the kind changes.
        if connection.info.get(_READ_ONLY, False) != read_only:
            cursor = connection.connection.cursor()
            cursor.execute(f"PRAGMA query_only={int(read_only)}")
            cursor.close()
            connection.info[_READ_ONLY] = read_only
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


def create_sessionmaker(
    engine: AsyncEngine, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """`info` is copied into every session (the event bus rides along this way)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info or {})
