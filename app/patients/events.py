"""What happens to patient records that other parts react to, as typed domain events."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from app.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class BreakGlassGranted(DomainEvent):
    """A user opened a patient's notes by break-glass: compliance officers hear of it live."""

    grant_id: int
    user_id: int
    patient_id: int
    granted_at: datetime
