"""Who is asking, and may they: a Casbin enforcer over policies/ (role, resource, action)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import casbin

from app.config import PROJECT_ROOT

POLICY_DIR = PROJECT_ROOT / "policies"

STAFF_ROLES = (
    "admin",
    "provider",
    "nurse",
    "front_desk",
    "biller",
    "inventory_manager",
    "compliance_officer",
)


@dataclass(frozen=True)
class Actor:
    """The caller of one operation: identity, roles, and where the request came from (for audit)."""

    user_id: int | None
    username: str
    roles: tuple[str, ...] = ()
    ip: str | None = None
    request_id: str | None = None

    def for_request(self, request_id: str) -> Actor:
        return replace(self, request_id=request_id)


SYSTEM = Actor(user_id=None, username="system", roles=("system",))


class Authorizer:
    """Role-based decisions. The policy names roles; a user holding several gets their union."""

    def __init__(self, policy_dir: Path = POLICY_DIR) -> None:
        self._enforcer = casbin.Enforcer(
            str(policy_dir / "model.conf"), str(policy_dir / "policy.csv")
        )
        self._decisions: dict[tuple[str, str, str], bool] = {}

    def can(self, actor: Actor | None, resource: str, action: str) -> bool:
        if actor is None:
            return False
        return any(self._allows(role, resource, action) for role in actor.roles)

    def _allows(self, role: str, resource: str, action: str) -> bool:
        """The policy is fixed for the life of the process, so each decision is made once
        (evaluating the model costs ~0.1 ms, and a page of patients asks hundreds of times)."""
        decision = self._decisions.get((role, resource, action))
        if decision is None:
            decision = bool(self._enforcer.enforce(role, resource, action))
            self._decisions[(role, resource, action)] = decision
        return decision

    def known(self, resource: str, action: str) -> bool:
        """Whether any policy line speaks of this pair (a typo in a guard fails a test)."""
        return any(p[1] == resource and p[2] in (action, "*") for p in self._enforcer.get_policy())
