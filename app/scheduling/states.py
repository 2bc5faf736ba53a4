"""The appointment's state machine (FHIR statuses): which step moves it from where to where."""

from __future__ import annotations

from app.scheduling.models import AppointmentStatus

# Which status each lifecycle step moves from, and to.
TRANSITIONS: dict[str, tuple[tuple[AppointmentStatus, ...], AppointmentStatus]] = {
    "check_in": ((AppointmentStatus.BOOKED,), AppointmentStatus.ARRIVED),
    "no_show": ((AppointmentStatus.BOOKED,), AppointmentStatus.NOAPPOINTMENT),
    "complete": ((AppointmentStatus.ARRIVED,), AppointmentStatus.FULFILLED),
    "cancel": ((AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED), AppointmentStatus.CANCELLED),
}
# Only a visit that has not begun can move.
RESCHEDULABLE = (AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED)


def next_status(step: str, current: AppointmentStatus) -> AppointmentStatus | None:
    """The status `step` leads to from `current`, or None when the step is not allowed."""
    sources, target = TRANSITIONS[step]
    return target if current in sources else None
