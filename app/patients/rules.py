"""Checks every patient-record rule shares: trimming, labels in messages, column lengths, the
practice's today, and the patient a change is about."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Base, get_or_not_found
from app.errors import CommonErrorCode, DomainError
from app.patients.models import Patient


def label(name: str) -> str:
    """A field's name as a message says it: "family_name" -> "Family name"."""
    return name.replace("_", " ").capitalize()


def trimmed(fields: dict[str, Any]) -> dict[str, Any]:
    """Text trimmed; blank text is no value (enum members, str-based too, are left alone)."""
    return {
        name: (value.strip() or None)
        if isinstance(value, str) and not isinstance(value, enum.Enum)
        else value
        for name, value in fields.items()
    }


def check_lengths(model: type[Base], fields: dict[str, Any]) -> None:
    """Text longer than its column is the caller's mistake, on every database alike (PostgreSQL
    would refuse it with an error, SQLite would store it)."""
    for name, value in fields.items():
        length = getattr(model.__table__.c[name].type, "length", None)  # type: ignore[attr-defined]
        if isinstance(value, str) and length is not None and len(value) > length:
            raise DomainError(
                CommonErrorCode.INVALID_INPUT,
                f"{label(name)} is longer than {length} characters.",
                [name],
            )


def today(settings: Settings) -> date:
    """Today in the practice's time zone (a birth date 'in the future' is judged there)."""
    return datetime.now(settings.timezone).date()


async def existing_patient(session: AsyncSession, patient_id: int) -> Patient:
    """The patient a change is about, or NOT_FOUND."""
    return await get_or_not_found(session, Patient, patient_id, "Patient", "patient_id")
