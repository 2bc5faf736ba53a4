"""Checks every patient-record rule shares: trimming, text that fits its column, the practice's
today, and the patient a change is about."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import text
from app.config import Settings
from app.db import Base, get_or_not_found
from app.patients.models import Patient


def trimmed(fields: dict[str, Any]) -> dict[str, Any]:
    """Text trimmed; blank text is no value (enum members, str-based too, are left alone)."""
    return {
        name: (value.strip() or None)
        if isinstance(value, str) and not isinstance(value, enum.Enum)
        else value
        for name, value in fields.items()
    }


def check_lengths(model: type[Base], fields: dict[str, Any]) -> None:
    """Each text as its column takes it (app/text.py: its kind of text, and its length), checked
    before the rules that read it, so the error names the field however the row is written."""
    for name, value in fields.items():
        if isinstance(value, str):
            text.check_column(model.__table__.c[name], value, name)  # type: ignore[attr-defined]


def today(settings: Settings) -> date:
    """Today in the practice's time zone (a birth date 'in the future' is judged there)."""
    return datetime.now(settings.timezone).date()


async def existing_patient(session: AsyncSession, patient_id: int) -> Patient:
    """The patient a change is about, or NOT_FOUND."""
    return await get_or_not_found(session, Patient, patient_id, "Patient", "patient_id")
