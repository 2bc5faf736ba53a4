"""The claim's state machine: which step moves a claim from where to where."""

from __future__ import annotations

from app.billing.models import ClaimState

S = ClaimState
# Which states each step moves from, and to. `ready` also needs a clean scrub (claims.py).
TRANSITIONS: dict[str, tuple[tuple[ClaimState, ...], ClaimState]] = {
    "ready": ((S.DRAFT,), S.READY),
    "reopen": ((S.READY, S.REJECTED), S.DRAFT),  # back to editing (a rejected claim's fix)
    "submit": ((S.READY,), S.SUBMITTED),
    "accept": ((S.SUBMITTED,), S.ACCEPTED),
    "reject": ((S.SUBMITTED, S.ACCEPTED), S.REJECTED),
    "pay": ((S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_PAID, S.DENIED), S.PAID),
    "pay_partially": ((S.SUBMITTED, S.ACCEPTED, S.PAID, S.DENIED), S.PARTIALLY_PAID),
    "deny": ((S.SUBMITTED, S.ACCEPTED, S.PAID, S.PARTIALLY_PAID), S.DENIED),
    # an 835 reversal (CLP02 = 22) takes back the payer's decision: adjudicated again later
    "reverse": ((S.PAID, S.PARTIALLY_PAID, S.DENIED), S.ACCEPTED),
    "void": (
        (S.DRAFT, S.READY, S.REJECTED, S.ACCEPTED, S.PAID, S.PARTIALLY_PAID, S.DENIED),
        S.VOID,
    ),
}
# A claim the payer never held: voided here, without sending a void (frequency 8) claim
NEVER_SENT = (S.DRAFT, S.READY, S.REJECTED)
# A claim the payer holds under its claim number: what a corrected (7) claim may replace
CORRECTABLE = (S.ACCEPTED, S.PAID, S.PARTIALLY_PAID, S.DENIED)
# While a claim is on its way, its encounter's codes and lines are what was sent: locked
IN_FLIGHT = (S.READY, S.SUBMITTED, S.ACCEPTED)
# Lines added or removed while the claim holding the charges is here change the ledger at once
CHARGES_FOLLOW_LINES = (S.DRAFT, S.REJECTED)


def next_state(step: str, current: ClaimState) -> ClaimState | None:
    """The state `step` leads to from `current`, or None when the step is not allowed."""
    sources, target = TRANSITIONS[step]
    return target if current in sources else None
