"""Every table's model, imported in one place so Alembic and tests see the whole metadata."""

from app.access.models import Role, RoleParent, RolePermission
from app.audit.models import AuditEvent, AuditEventPatient
from app.billing.batch_models import ClaimBatch, ClaimBatchClaim
from app.billing.models import (
    BillingProvider,
    ChargeLine,
    Claim,
    ClaimEvent,
    Encounter,
    FeeSchedule,
    FeeScheduleEntry,
    LedgerEntry,
    Payer,
)
from app.billing.remittance_models import (
    ProviderAdjustmentEntry,
    Remittance,
    RemittanceClaim,
    RemittanceWorkItem,
)
from app.counters import Counter
from app.db import Base
from app.inventory.models import (
    Item,
    Lot,
    StockBalance,
    StockLocation,
    StockMovement,
    Supplier,
)
from app.outbox.models import OutboxMessage
from app.patients.models import Allergy, BreakGlassGrant, Coverage, Note, Patient, Problem
from app.persisted_queries import PersistedQuery
from app.portal.models import PasswordReset, PatientInvitation
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
    "BillingProvider",
    "BreakGlassGrant",
    "ChargeLine",
    "Claim",
    "ClaimBatch",
    "ClaimBatchClaim",
    "ClaimEvent",
    "Counter",
    "Coverage",
    "Encounter",
    "FeeSchedule",
    "FeeScheduleEntry",
    "Item",
    "LedgerEntry",
    "Location",
    "LoginThrottle",
    "Lot",
    "Note",
    "OutboxMessage",
    "PasswordReset",
    "Patient",
    "PatientAccess",
    "PatientInvitation",
    "Payer",
    "PersistedQuery",
    "Problem",
    "Provider",
    "ProviderAdjustmentEntry",
    "RefreshToken",
    "Remittance",
    "RemittanceClaim",
    "RemittanceWorkItem",
    "Role",
    "RoleParent",
    "RolePermission",
    "Room",
    "StockBalance",
    "StockLocation",
    "StockMovement",
    "Supplier",
    "TotpCredential",
    "User",
    "UserRole",
    "WaitlistEntry",
    "WaitlistOffer",
]
