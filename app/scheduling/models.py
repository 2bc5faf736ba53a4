"""Scheduling tables (FHIR Schedule, Slot, Appointment): where, who, when, and what is held.

No double booking: on PostgreSQL two exclusion constraints (btree_gist over tstzrange, created in
the migration) refuse overlapping held appointments for one provider or one room; on SQLite the
booking's write-locked transaction serializes the check and the insert.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta

from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, String, Text, and_, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, RowScope, Timestamped, str_enum
from app.text import LINE, MACHINE, MULTILINE, NAME


class AppointmentStatus(enum.StrEnum):
    """FHIR AppointmentStatus (NOAPPOINTMENT is FHIR's `noshow`).

    Only BOOKED and ARRIVED hold time."""

    PROPOSED = "proposed"
    BOOKED = "booked"
    ARRIVED = "arrived"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NOAPPOINTMENT = "noappointment"


HELD_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)

# The longest visit an appointment type may take (an appointment lasts its type's duration).
# It bounds time-window reads from below: an appointment that overlaps [a, b) starts after
# a - MAX_VISIT, so the starts_at indexes serve the read instead of every earlier row.
MIN_VISIT_MINUTES, MAX_VISIT_MINUTES = 5, 480
MAX_VISIT = timedelta(minutes=MAX_VISIT_MINUTES)


class ExceptionKind(enum.StrEnum):
    TIME_OFF = "time_off"
    EXTRA_HOURS = "extra_hours"


class WaitlistStatus(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    BOOKED = "booked"
    REMOVED = "removed"  # taken off the list (the patient no longer wants it)
    EXPIRED = "expired"  # closed by staff because its window is over or no longer fits


OPEN_WAITLIST = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class OfferStatus(enum.StrEnum):
    """What came of an offer, as stored (an OPEN offer whose time has begun has lapsed)."""

    OPEN = "open"
    ACCEPTED = "accepted"  # the patient booked the offered time
    CLOSED = "closed"  # the entry was booked another time, removed or expired


class Location(Timestamped, Base):
    __tablename__ = "locations"
    __row_scope__ = RowScope.PRACTICE

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, info=NAME)
    timezone: Mapped[str] = mapped_column(String(64), info=LINE)  # IANA, e.g. America/New_York
    address: Mapped[str | None] = mapped_column(String(400), info=LINE)
    phone: Mapped[str | None] = mapped_column(String(32), info=LINE)


class Room(Timestamped, Base):
    __tablename__ = "rooms"
    __row_scope__ = RowScope.PRACTICE

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), info=NAME)
    room_type: Mapped[str] = mapped_column(String(32), info=NAME)  # exam, procedure, therapy, ...


class Provider(Timestamped, Base):
    __tablename__ = "providers"
    __row_scope__ = RowScope.PRACTICE

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    npi: Mapped[str] = mapped_column(String(10), unique=True, info=LINE)
    specialty: Mapped[str] = mapped_column(String(100), info=LINE)
    active: Mapped[bool] = mapped_column(default=True)
    # The secret in the provider's iCalendar feed URL; rotate it to revoke old subscriptions.
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True, info=MACHINE)


class AppointmentType(Timestamped, Base):
    __tablename__ = "appointment_types"
    __row_scope__ = RowScope.PRACTICE
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="positive_duration"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, info=NAME)
    duration_minutes: Mapped[int]
    color: Mapped[str] = mapped_column(String(7), default="#4a90d9", info=LINE)
    bookable_online: Mapped[bool] = mapped_column(default=False)
    room_type: Mapped[str | None] = mapped_column(String(32), info=NAME)
    active: Mapped[bool] = mapped_column(default=True)


class AvailabilityTemplate(Timestamped, Base):
    """Weekly working hours of a provider at a location, in the location's local time."""

    __tablename__ = "availability_templates"
    __row_scope__ = RowScope.PRACTICE
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("start_time < end_time", name="start_before_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    weekday: Mapped[int]  # 0 Monday .. 6 Sunday
    start_time: Mapped[time]
    end_time: Mapped[time]
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]


class AvailabilityException(Timestamped, Base):
    """Time off (removes availability) or extra hours (adds it), as absolute instants."""

    __tablename__ = "availability_exceptions"
    __row_scope__ = RowScope.PRACTICE
    __table_args__ = (CheckConstraint("starts_at < ends_at", name="start_before_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    kind: Mapped[ExceptionKind] = mapped_column(str_enum(ExceptionKind))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(200), info=LINE)


class AppointmentSeries(Timestamped, Base):
    """A recurring visit: the RFC 5545 rule its occurrences were made from."""

    __tablename__ = "appointment_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    rrule: Mapped[str] = mapped_column(String(400), info=LINE)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Appointment(Timestamped, Base):
    __tablename__ = "appointments"
    __row_scope__ = RowScope.PATIENT
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="start_before_end"),
        Index("ix_appointments_provider_starts_at", "provider_id", "starts_at"),
        Index("ix_appointments_location_starts_at", "location_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"), index=True)
    appointment_type_id: Mapped[int] = mapped_column(ForeignKey("appointment_types.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[AppointmentStatus] = mapped_column(str_enum(AppointmentStatus))
    reason: Mapped[str | None] = mapped_column(String(400), info=LINE)
    notes: Mapped[str | None] = mapped_column(Text, info=MULTILINE)
    cancellation_reason: Mapped[str | None] = mapped_column(String(400), info=LINE)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("appointment_series.id"), index=True)
    # Bumped by every UPDATE (SQLAlchemy's version counter): a caller that read version n can
    # ask for its change to apply only if nobody changed the appointment since.
    version: Mapped[int] = mapped_column(server_default=text("1"))

    __mapper_args__ = {"version_id_col": version}

    @classmethod
    def overlapping(cls, starts: datetime, ends: datetime) -> ColumnElement[bool]:
        """Appointments overlapping [starts, ends), as an index range on starts_at."""
        return and_(cls.starts_at > starts - MAX_VISIT, cls.starts_at < ends, cls.ends_at > starts)


class WaitlistEntry(Timestamped, Base):
    """A patient waiting for earlier or any time: offered freed time that matches."""

    __tablename__ = "waitlist_entries"
    __row_scope__ = RowScope.PATIENT
    __table_args__ = (Index("ix_waitlist_entries_location_id_status", "location_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    appointment_type_id: Mapped[int] = mapped_column(ForeignKey("appointment_types.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    earliest: Mapped[datetime]
    latest: Mapped[datetime]
    status: Mapped[WaitlistStatus] = mapped_column(str_enum(WaitlistStatus))
    notes: Mapped[str | None] = mapped_column(String(400), info=MULTILINE)


class WaitlistOffer(Timestamped, Base):
    """Freed time offered to a waiting patient: which opening, when (created_at), the message
    that told them, and what came of it."""

    __tablename__ = "waitlist_offers"
    __row_scope__ = RowScope.PATIENT
    __table_args__ = (CheckConstraint("starts_at < ends_at", name="start_before_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    waitlist_entry_id: Mapped[int] = mapped_column(ForeignKey("waitlist_entries.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[OfferStatus] = mapped_column(str_enum(OfferStatus))
    # The email that carried it; null when the patient has no address to send it to.
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
