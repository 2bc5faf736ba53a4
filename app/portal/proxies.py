"""Proxy access: a login acting for patients other than its own (a parent for a child, a
guardian, a caregiver), granted and revoked by staff, each link with an end.

A link's end is an instant (`patient_access.ends_at`) that row scope compares with the clock
on every statement (app/authz.py `patients_of`), so access stops exactly then. A PARENT link
also ends when the patient reaches `Settings.proxy_parent_access_until_age`, if set: the end is
computed when the link is granted (the earlier of the two), so a later change of the setting
or of the birth date applies from the next grant.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import ALL_ROWS, Actor
from app.config import Settings
from app.db import get_or_not_found, utcnow
from app.errors import DomainError, NotFound
from app.patients.models import Patient
from app.portal.accounts import patient_login
from app.portal.errors import PortalErrorCode
from app.users.models import PatientAccess


class Relationship(enum.StrEnum):
    """How a login is related to a patient it acts for (`patient_access.relation`)."""

    SELF = "self"
    PARENT = "parent"
    GUARDIAN = "guardian"
    CAREGIVER = "caregiver"
    OTHER = "other"


def _midnight(day: date, settings: Settings) -> datetime:
    return datetime.combine(day, time(), settings.timezone)


def _birthday(born: date, age: int) -> date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # born on February 29th: the birthday is March 1st in common years
        return date(born.year + age, 3, 1)


async def _link(session: AsyncSession, user_id: int, patient_id: int) -> PatientAccess | None:
    return await session.scalar(
        select(PatientAccess).where(
            PatientAccess.user_id == user_id, PatientAccess.patient_id == patient_id
        )
    )


async def grant(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    *,
    username: str,
    patient_id: int,
    relationship: Relationship,
    ends_on: date | None,
) -> PatientAccess:
    """Let a portal login act for a patient until `ends_on` (access stops as that day begins,
    in the practice's time zone); granting again replaces the relationship and the end."""
    if relationship is Relationship.SELF:
        raise DomainError(
            PortalErrorCode.NOT_A_PROXY_LINK,
            "A login acts as itself by invitation.",
            ["relationship"],
        )
    user = await patient_login(session, username)
    patient = await get_or_not_found(session, Patient, patient_id, "Patient", "patient_id")
    now = utcnow()
    ends_at = _midnight(ends_on, settings) if ends_on is not None else None
    if ends_at is not None and ends_at <= now:
        raise DomainError(PortalErrorCode.END_DATE_PAST, "The end date has begun.", ["ends_on"])
    age = settings.proxy_parent_access_until_age
    if relationship is Relationship.PARENT and age is not None:
        of_age = _midnight(_birthday(patient.birth_date, age), settings)
        if of_age <= now:
            raise DomainError(
                PortalErrorCode.PROXY_AGE_LIMIT,
                f"A parent's access ends at {age}: the patient is past it.",
                ["relationship"],
            )
        ends_at = min(ends_at, of_age) if ends_at is not None else of_age
    link = await _link(session, user.id, patient.id)
    if link is not None and link.relation == Relationship.SELF:
        raise DomainError(
            PortalErrorCode.NOT_A_PROXY_LINK, "This is the patient's own login.", ["username"]
        )
    if link is None:
        link = PatientAccess(user_id=user.id, patient_id=patient.id)
        session.add(link)
    link.relation = relationship.value
    link.ends_at = ends_at
    await session.flush()
    trail.record(
        session,
        actor,
        "grant_proxy_access",
        "PatientAccess",
        link.id,
        patient_id=patient.id,
        detail={
            "user_id": user.id,
            "relationship": relationship.value,
            "ends_at": ends_at.isoformat() if ends_at else None,
        },
    )
    return link


async def revoke(
    session: AsyncSession, actor: Actor, *, username: str, patient_id: int
) -> PatientAccess:
    """End a proxy link now (kept, ended, for the record; granting again reopens it)."""
    user = await patient_login(session, username)
    link = await _link(session, user.id, patient_id)
    if link is None:
        raise NotFound("Proxy link", ["patient_id"])
    if link.relation == Relationship.SELF:
        raise DomainError(
            PortalErrorCode.NOT_A_PROXY_LINK, "Disable the login instead.", ["patient_id"]
        )
    now = utcnow()
    if link.ends_at is None or link.ends_at > now:
        link.ends_at = now
        trail.record(
            session, actor, "revoke_proxy_access", "PatientAccess", link.id, patient_id=patient_id
        )
    return link


@dataclass(frozen=True)
class MyPatient:
    """A patient the signed-in login may act for now, and how."""

    patient_id: int
    name: str
    relationship: Relationship
    ends_at: datetime | None


async def my_patients(session: AsyncSession, actor: Actor) -> list[MyPatient]:
    """Every patient the login may act for now, whichever one this request chose (the list
    to choose from): names read past the narrowed scope, for the login's own links only."""
    now = utcnow()
    links = (
        await session.execute(
            select(PatientAccess.patient_id, PatientAccess.relation, PatientAccess.ends_at)
            .where(
                PatientAccess.user_id == actor.user_id,
                or_(PatientAccess.ends_at.is_(None), PatientAccess.ends_at > now),
            )
            .order_by(PatientAccess.id)
        )
    ).all()
    names = {
        row.id: f"{row.preferred_name or row.given_name} {row.family_name}"
        for row in await session.execute(
            select(Patient.id, Patient.given_name, Patient.preferred_name, Patient.family_name)
            .where(Patient.id.in_([link.patient_id for link in links]))
            .execution_options(**ALL_ROWS)  # columns of the login's own links, no entities
        )
    }
    for link in links:
        trail.record(
            session, actor, "read", "PatientName", link.patient_id, patient_id=link.patient_id
        )
    return [
        MyPatient(
            link.patient_id, names[link.patient_id], Relationship(link.relation), link.ends_at
        )
        for link in links
        if link.patient_id in names
    ]
