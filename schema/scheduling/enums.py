"""Scheduling enums as the API shows them, every value described for the caller."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import strawberry

from app.outbox.models import MessageStatus
from app.scheduling import models
from app.scheduling.events import Change


def described(
    cls: type[enum.Enum], *, description: str, values: Mapping[str, str], name: str | None = None
) -> Any:
    """A domain enum as a GraphQL enum, with a description for each value (app/ enums cannot
    carry strawberry's per-value descriptions, so they are added here; a missing one fails at
    import)."""
    wrapped = strawberry.enum(cls, name=name, description=description)
    for value in wrapped.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values[value.name]
    return wrapped


AppointmentStatus = described(
    models.AppointmentStatus,
    description="Where a visit stands (FHIR AppointmentStatus). Only BOOKED and ARRIVED hold "
    "the provider's (and room's) time.",
    values={
        "PROPOSED": "Suggested, not yet confirmed; holds no time.",
        "BOOKED": "Confirmed; holds the time.",
        "ARRIVED": "The patient checked in; holds the time.",
        "FULFILLED": "The visit took place (billing's cue).",
        "CANCELLED": "Called off before it began; its time was freed.",
        "NOAPPOINTMENT": "The patient did not come (FHIR's noshow).",
    },
)

ExceptionKind = described(
    models.ExceptionKind,
    description="What an availability exception does to a provider's weekly hours.",
    values={
        "TIME_OFF": "Removes hours (at one location, or at all when it names none).",
        "EXTRA_HOURS": "Adds hours at one location.",
    },
)

ScheduleChangeKind = described(
    Change,
    name="ScheduleChangeKind",
    description="What happened to an appointment, as pushed by scheduleChanged.",
    values={
        "BOOKED": "Newly booked.",
        "RESCHEDULED": "Moved in time, or to another provider, location or room.",
        "CHECKED_IN": "The patient arrived (status BOOKED to ARRIVED).",
        "COMPLETED": "The visit took place (status ARRIVED to FULFILLED).",
        "NO_SHOW": "The patient did not come (status BOOKED to NOAPPOINTMENT).",
        "CANCELLED": "Called off (status to CANCELLED); its time is offered to the waitlist.",
    },
)

WaitlistStatus = described(
    models.WaitlistStatus,
    description="Where a waitlist entry stands. WAITING and OFFERED entries are open.",
    values={
        "WAITING": "Waiting for matching time to free up.",
        "OFFERED": "Freed time was offered; waiting for the patient to book.",
        "BOOKED": "The patient booked the type at the location; closed.",
        "REMOVED": "Taken off the list (the patient no longer wants it); closed.",
        "EXPIRED": "Closed by the practice (its window is over, or it no longer fits).",
    },
)


@strawberry.enum(description="Which occurrences of a recurring series a change applies to.")
class SeriesScope(enum.Enum):
    THIS = strawberry.enum_value("this", description="Only the named occurrence.")
    THIS_AND_FOLLOWING = strawberry.enum_value(
        "this_and_following",
        description="The named occurrence and every later one of its series that can still change.",
    )


@strawberry.enum(description="What came of an offer of freed time to a waitlist entry.")
class WaitlistOfferState(enum.Enum):
    OPEN = strawberry.enum_value(
        "open",
        description="Offered, and the time has not begun. Whoever confirms first gets it, so "
        "the time may be taken by another patient meanwhile.",
    )
    ACCEPTED = strawberry.enum_value("accepted", description="The patient booked this time.")
    CLOSED = strawberry.enum_value(
        "closed", description="The entry was booked at another time, removed or expired."
    )
    LAPSED = strawberry.enum_value(
        "lapsed", description="The offered time began before the patient booked."
    )

    @classmethod
    def of(cls, status: models.OfferStatus, lapsed: bool) -> WaitlistOfferState:
        if status is models.OfferStatus.OPEN and lapsed:
            return cls.LAPSED
        return cls[status.name]


@strawberry.enum(description="Whether the email carrying an offer reached the outbox's server.")
class OfferDelivery(enum.Enum):
    PENDING = strawberry.enum_value("pending", description="Queued; not sent yet.")
    SENT = strawberry.enum_value("sent", description="Handed to the mail server.")
    FAILED = strawberry.enum_value("failed", description="Gave up after the last retry.")
    CANCELLED = strawberry.enum_value("cancelled", description="Withdrawn before sending.")
    NO_ADDRESS = strawberry.enum_value(
        "no_address", description="Nothing was sent: the patient has no email address."
    )

    @classmethod
    def of(cls, status: MessageStatus | None) -> OfferDelivery:
        return cls.NO_ADDRESS if status is None else cls[status.name]
