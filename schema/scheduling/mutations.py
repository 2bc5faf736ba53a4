"""Scheduling mutations, assembled from their use cases: set-up (admins), appointments and the
waitlist (front desk, clinicians)."""

from __future__ import annotations

import strawberry

from schema.scheduling.appointment_mutations import AppointmentMutations
from schema.scheduling.setup_mutations import SetupMutations
from schema.scheduling.waitlist_mutations import WaitlistMutations


@strawberry.type
class SchedulingMutations(SetupMutations, AppointmentMutations, WaitlistMutations):
    pass
