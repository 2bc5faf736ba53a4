"""Every table's model, imported in one place so Alembic and tests see the whole metadata."""

from app.access.models import Role, RoleParent, RolePermission
from app.audit.models import AuditEvent, AuditEventPatient
from app.counters import Counter
from app.db import Base
from app.outbox.models import OutboxMessage
from app.patients.models import Allergy, BreakGlassGrant, Coverage, Note, Patient, Problem
from app.persisted_queries import PersistedQuery
from app.scheduling.models import (
    Appointment,
    AppointmentSeries,
    AppointmentType,
    AvailabilityException,
    AvailabilityTemplate,
    Location,
    Provider,
    Room,
    WaitlistEntry,
    WaitlistOffer,
)
from app.users.models import (
    LoginThrottle,
    PatientAccess,
    RefreshToken,
    TotpCredential,
    User,
    UserRole,
)

__all__ = [
    "Allergy",
    "Appointment",
    "AppointmentSeries",
    "AppointmentType",
    "AuditEvent",
    "AuditEventPatient",
    "AvailabilityException",
    "AvailabilityTemplate",
    "Base",
    "BreakGlassGrant",
    "Counter",
    "Coverage",
    "Location",
    "LoginThrottle",
    "Note",
    "OutboxMessage",
    "Patient",
    "PatientAccess",
    "PersistedQuery",
    "Problem",
    "Provider",
    "RefreshToken",
    "Role",
    "RoleParent",
    "RolePermission",
    "Room",
    "TotpCredential",
    "User",
    "UserRole",
    "WaitlistEntry",
    "WaitlistOffer",
]
