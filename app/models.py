"""Every table's model, imported in one place so Alembic and tests see the whole metadata."""

from app.audit.models import AuditEvent
from app.counters import Counter
from app.db import Base
from app.patients.models import Allergy, BreakGlassGrant, Coverage, Note, Patient, Problem
from app.users.models import RefreshToken, User, UserRole

__all__ = [
    "Allergy",
    "AuditEvent",
    "Base",
    "BreakGlassGrant",
    "Counter",
    "Coverage",
    "Note",
    "Patient",
    "Problem",
    "RefreshToken",
    "User",
    "UserRole",
]
