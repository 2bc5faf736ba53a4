"""Default grants added after a database already holds its policy.

`practice migrate` installs policies/ only into a database that never held a policy, so a
permission added to policies/policy.csv later reaches existing databases through the migration
that introduces it, by calling `add_default_grants`. A fresh database skips it (its policy
version is still 0 during the migrations) and gets the grant from policies/ afterwards.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def add_default_grants(grants: list[tuple[str, str, str]]) -> None:
    """Insert (role, resource, action) rows missing from an installed policy; bump its version
    so every running process reloads it."""
    bind = op.get_bind()
    version = bind.execute(
        sa.text("SELECT value FROM counters WHERE name = 'access_policy'")
    ).scalar()
    if not version:
        return
    roles = {row[0] for row in bind.execute(sa.text("SELECT name FROM roles"))}
    for role, resource, action in grants:
        if role not in roles:
            continue  # an admin deleted the role: not ours to bring back
        exists = bind.execute(
            sa.text(
                "SELECT 1 FROM role_permissions"
                " WHERE role = :role AND resource = :resource AND action = :action"
            ),
            {"role": role, "resource": resource, "action": action},
        ).scalar()
        if not exists:
            bind.execute(
                sa.text(
                    "INSERT INTO role_permissions (role, resource, action)"
                    " VALUES (:role, :resource, :action)"
                ),
                {"role": role, "resource": resource, "action": action},
            )
    bind.execute(sa.text("UPDATE counters SET value = value + 1 WHERE name = 'access_policy'"))
