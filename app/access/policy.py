"""The policy as values (what the Authorizer loads), and the default one shipped in policies/."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field

import casbin

from app.config import PROJECT_ROOT

POLICY_DIR = PROJECT_ROOT / "policies"
MODEL_PATH = POLICY_DIR / "model.conf"

Permission = tuple[str, str]  # (resource, action)


@dataclass(frozen=True)
class Policy:
    """Every rule at once: grants `(role, resource, action)` and parents `(role, parent)`."""

    grants: frozenset[tuple[str, str, str]] = frozenset()
    parents: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class BuiltinRole:
    name: str
    description: str


@dataclass(frozen=True)
class Defaults:
    """policies/roles.csv and policies/policy.csv: what `practice migrate` puts in an empty
    database. The pairs policy.csv speaks of are the catalog: the only permissions there are
    (a guard naming another pair fails a test; granting another is refused)."""

    roles: tuple[BuiltinRole, ...]
    policy: Policy
    catalog: frozenset[Permission] = field(init=False)

    def __post_init__(self) -> None:
        pairs = frozenset((resource, action) for _, resource, action in self.policy.grants)
        object.__setattr__(self, "catalog", pairs)


@functools.cache
def defaults() -> Defaults:
    with (POLICY_DIR / "roles.csv").open() as lines:
        rows = csv.reader(
            (line for line in lines if not line.startswith("#")), skipinitialspace=True
        )
        roles = tuple(BuiltinRole(name, description) for name, description in filter(None, rows))
    enforcer = casbin.Enforcer(str(MODEL_PATH), str(POLICY_DIR / "policy.csv"))
    policy = Policy(
        grants=frozenset((sub, obj, act) for sub, obj, act in enforcer.get_policy()),
        parents=frozenset((role, parent) for role, parent in enforcer.get_grouping_policy()),
    )
    named = {r for r, _, _ in policy.grants} | {r for pair in policy.parents for r in pair}
    unknown = named - {role.name for role in roles}
    if unknown:
        raise ValueError(f"policies/policy.csv names roles missing from roles.csv: {unknown}")
    return Defaults(roles, policy)
