"""roles, permissionCatalog, and the mutations that change roles (admins: access_policy)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.access import service
from app.access.service import RoleRules
from schema.context import Context
from schema.errors import UserError, run_mutation
from schema.permissions import can


@strawberry.type(description="An action on a kind of resource, e.g. `read` on `patient`.")
class Permission:
    resource: str = strawberry.field(description="What kind of thing, e.g. `patient`, `note`.")
    action: str = strawberry.field(description="What may be done to it, e.g. `read`, `write`.")


@strawberry.type(
    description="A role users hold: what it may do is its permissions and those it inherits. "
    "Admins only (access_policy read)."
)
class Role:
    name: str = strawberry.field(description="lowercase_snake_case, unique.")
    description: str = strawberry.field(description="What the role is for, in words.")
    builtin: bool = strawberry.field(description="Shipped with the product: it cannot be deleted.")
    permissions: list[Permission] = strawberry.field(
        description="Granted to this role itself; it also holds those of the roles it inherits."
    )
    inherits: list[str] = strawberry.field(
        description="Roles (groups such as `staff`) whose permissions this role holds too."
    )

    @classmethod
    def from_rules(cls, rules: RoleRules) -> Role:
        return cls(
            name=rules.role.name,
            description=rules.role.description,
            builtin=rules.role.builtin,
            permissions=[Permission(resource=r, action=a) for r, a in rules.grants],
            inherits=rules.parents,
        )


@strawberry.input(description="A new custom role, with no permissions yet.")
class CreateRoleInput:
    name: str = strawberry.field(description="lowercase_snake_case, at most 32 characters.")
    description: str = strawberry.field(default="", description="What the role is for.")


@strawberry.input(description="A permission of a role, to grant or revoke.")
class RolePermissionInput:
    role: str = strawberry.field(description="The role's name.")
    resource: str = strawberry.field(description="A resource of the permission catalog.")
    action: str = strawberry.field(description="An action on it, from the permission catalog.")


@strawberry.input(description="A custom role to delete.")
class DeleteRoleInput:
    name: str = strawberry.field(description="The role's name.")


@strawberry.type(description="Result of a change to a role.")
class RolePayload:
    role: Role | None = strawberry.field(description="The role as it is now; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success."
    )


@strawberry.type(description="Result of deleteRole.")
class DeleteRolePayload:
    ok: bool = strawberry.field(description="Whether the role is gone.")
    user_errors: list[UserError] = strawberry.field(
        description="Why it was not deleted; empty on success."
    )


async def _change_role(info: Info[Context, Any], work: Any) -> RolePayload:
    """Run a change, then reload this process's policy at once (others within seconds)."""
    rules, errors = await run_mutation(info, work)
    if rules is not None:
        await info.context.runtime.policy.refresh()
    return RolePayload(role=Role.from_rules(rules) if rules else None, user_errors=errors)


def _permission_change(change: Any, description: str) -> Any:
    """grantPermission or revokePermission: the same input, payload and guard."""

    async def resolve(
        self: Any,
        info: Info[Context, Any],
        input: Annotated[
            RolePermissionInput, strawberry.argument(description="The role and the permission.")
        ],
    ) -> RolePayload:
        return await _change_role(
            info,
            lambda s, a: change(
                s, a, role=input.role, resource=input.resource, action=input.action
            ),
        )

    return strawberry.mutation(
        resolver=resolve, extensions=can("access_policy", "write"), description=description
    )


@strawberry.type
class AccessQueries:
    @strawberry.field(extensions=can("access_policy", "read"), description="Every role, by name.")
    async def roles(self, info: Info[Context, Any]) -> list[Role]:
        async with info.context.op.db() as session:
            return [Role.from_rules(rules) for rules in await service.list_roles(session)]

    @strawberry.field(
        extensions=can("access_policy", "read"),
        description="Every permission there is: what a role can be granted.",
    )
    def permission_catalog(self) -> list[Permission]:
        return [Permission(resource=r, action=a) for r, a in service.catalog()]


@strawberry.type
class AccessMutations:
    @strawberry.mutation(
        extensions=can("access_policy", "write"),
        description="A custom role, with no permissions until granted (audited).",
    )
    async def create_role(
        self,
        info: Info[Context, Any],
        input: Annotated[CreateRoleInput, strawberry.argument(description="The new role.")],
    ) -> RolePayload:
        return await _change_role(
            info,
            lambda s, a: service.create_role(s, a, name=input.name, description=input.description),
        )

    grant_permission = _permission_change(
        service.grant_permission,
        "Give a role a permission (audited). Every app instance applies it within "
        "`policy_refresh_seconds`.",
    )
    revoke_permission = _permission_change(
        service.revoke_permission,
        "Take a permission from a role (audited). Every app instance applies it within "
        "`policy_refresh_seconds`.",
    )

    @strawberry.mutation(
        extensions=can("access_policy", "write"),
        description="Custom roles only, and only while no user holds them.",
    )
    async def delete_role(
        self,
        info: Info[Context, Any],
        input: Annotated[DeleteRoleInput, strawberry.argument(description="The role.")],
    ) -> DeleteRolePayload:
        _, errors = await run_mutation(
            info, lambda s, a: service.delete_role(s, a, name=input.name)
        )
        if not errors:
            await info.context.runtime.policy.refresh()
        return DeleteRolePayload(ok=not errors, user_errors=errors)
