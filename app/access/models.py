"""Roles and the Casbin rules stored for them: permissions (`p`) and parents (`g`)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped
from app.text import LINE, MACHINE, NAME

# The counter (app.counters) bumped in the transaction of every policy change; each process
# polls it to learn that its copy of the policy is stale.
POLICY_VERSION = "access_policy"


class Role(Timestamped, Base):
    """A role exists before any permission is granted to it; builtin ones cannot be deleted."""

    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(32), primary_key=True, info=NAME)  # as user_roles.role
    description: Mapped[str] = mapped_column(String(200), default="", info=LINE)
    builtin: Mapped[bool] = mapped_column(default=False)


class RolePermission(Base):
    """`p, role, resource, action`: the role may do the action on that kind of resource."""

    __tablename__ = "role_permissions"

    role: Mapped[str] = mapped_column(
        ForeignKey("roles.name", ondelete="CASCADE"), primary_key=True, info=MACHINE
    )
    resource: Mapped[str] = mapped_column(String(64), primary_key=True, info=MACHINE)
    action: Mapped[str] = mapped_column(String(32), primary_key=True, info=MACHINE)


class RoleParent(Base):
    """`g, role, parent`: the role holds every permission of its parent (a group such as staff)."""

    __tablename__ = "role_parents"

    role: Mapped[str] = mapped_column(
        ForeignKey("roles.name", ondelete="CASCADE"), primary_key=True, info=MACHINE
    )
    parent: Mapped[str] = mapped_column(
        ForeignKey("roles.name", ondelete="CASCADE"),
        primary_key=True,
        index=True,
        info=MACHINE,
    )
