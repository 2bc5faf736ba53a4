"""The appointment lifecycle table (TRANSITIONS, RESCHEDULABLE), without a database."""

from app.scheduling.models import HELD_STATUSES, AppointmentStatus
from app.scheduling.states import RESCHEDULABLE, TRANSITIONS

PROPOSED = AppointmentStatus.PROPOSED
BOOKED = AppointmentStatus.BOOKED
ARRIVED = AppointmentStatus.ARRIVED
FULFILLED = AppointmentStatus.FULFILLED
CANCELLED = AppointmentStatus.CANCELLED
NOAPPOINTMENT = AppointmentStatus.NOAPPOINTMENT
FINAL = {FULFILLED, CANCELLED, NOAPPOINTMENT}


def step_from(status: AppointmentStatus) -> dict[str, AppointmentStatus]:
    """The steps a visit in `status` may take, and the status each leads to."""
    return {step: target for step, (sources, target) in TRANSITIONS.items() if status in sources}


def test_each_status_allows_exactly_these_steps():
    assert {status: step_from(status) for status in AppointmentStatus} == {
        PROPOSED: {"cancel": CANCELLED},
        BOOKED: {"check_in": ARRIVED, "no_show": NOAPPOINTMENT, "cancel": CANCELLED},
        ARRIVED: {"complete": FULFILLED},
        FULFILLED: {},
        CANCELLED: {},
        NOAPPOINTMENT: {},
    }


def test_a_visit_that_has_ended_takes_no_further_step():
    # given the statuses a visit ends in
    # when / then no step starts from any of them, and each is some step's target
    assert [s for s in FINAL if step_from(s)] == []
    assert {target for _, target in TRANSITIONS.values()} == FINAL | {ARRIVED}


def test_a_booked_visit_can_reach_every_final_status():
    # given the steps as a graph
    reached, frontier = set(), {BOOKED}
    # when it is walked from BOOKED
    while frontier:
        reached |= frontier
        frontier = {t for s in frontier for t in step_from(s).values()} - reached
    # then every status but PROPOSED is reachable
    assert reached == set(AppointmentStatus) - {PROPOSED}


def test_only_visits_not_yet_started_can_be_moved():
    # an arrived visit has started; an ended one is over
    assert set(RESCHEDULABLE) == {PROPOSED, BOOKED}
    assert set(RESCHEDULABLE).isdisjoint(FINAL | {ARRIVED})


def test_a_visit_can_be_moved_exactly_when_it_can_be_cancelled():
    assert set(RESCHEDULABLE) == set(TRANSITIONS["cancel"][0])


def test_checking_in_keeps_the_time_held_and_every_other_step_frees_it():
    # (HELD_STATUSES are the statuses the no-double-booking checks count)
    assert {step: target in HELD_STATUSES for step, (_, target) in TRANSITIONS.items()} == {
        "check_in": True,
        "complete": False,
        "no_show": False,
        "cancel": False,
    }
