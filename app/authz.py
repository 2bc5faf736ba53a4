"""Who is asking, and may they: the actor, and the Casbin enforcer over the stored policy."""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.access.authorizer import Authorizer as Authorizer  # its home since policies are stored

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
