"""Who may do what: a Casbin enforcer over the policy this process last loaded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import casbin
from casbin.persist.adapter import Adapter

from app.access.policy import MODEL_PATH, Permission, Policy, defaults

if TYPE_CHECKING:
    from app.authz import Actor


class _Snapshot(Adapter):
    """Hands Casbin a policy already read (our database access is async, Casbin's is not)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def load_policy(self, model: Any) -> None:
        for grant in sorted(self.policy.grants):
            model.add_policy("p", "p", list(grant))
        for parent in sorted(self.policy.parents):
            model.add_policy("g", "g", list(parent))


class Authorizer:
    """Role-based decisions. The policy names roles; a user holding several gets their union.

    It allows nothing until the first `load` (from the database: app.access.watcher), and each
    load replaces the whole policy at once, so no decision sees half of a change.
    """

    def __init__(self) -> None:
        self._catalog: frozenset[Permission] = defaults().catalog
        self.version: int | None = None
        self._enforcer = casbin.Enforcer(str(MODEL_PATH), _Snapshot(Policy()))
        self._decisions: dict[tuple[str, str, str], bool] = {}

    def load(self, policy: Policy, version: int) -> None:
        self._enforcer = casbin.Enforcer(str(MODEL_PATH), _Snapshot(policy))
        self._decisions = {}
        self.version = version

    def can(self, actor: Actor | None, resource: str, action: str) -> bool:
        if actor is None:
            return False
        return any(self._allows(role, resource, action) for role in actor.roles)

    def _allows(self, role: str, resource: str, action: str) -> bool:
        """Each decision is made once per loaded policy (evaluating the model costs ~0.1 ms, and
        a page of patients asks hundreds of times); `load` forgets them."""
        decision = self._decisions.get((role, resource, action))
        if decision is None:
            decision = bool(self._enforcer.enforce(role, resource, action))
            self._decisions[(role, resource, action)] = decision
        return decision

    def known(self, resource: str, action: str) -> bool:
        """Whether the catalog has this pair (a typo in a guard fails a test)."""
        return (resource, action) in self._catalog or (resource, "*") in self._catalog
