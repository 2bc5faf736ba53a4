"""Users as other domains show them."""

from __future__ import annotations

import strawberry

from app.users.service import StaffName


@strawberry.type(
    description="A staff member as shown on a record they wrote or booked: names only."
)
class StaffMember:
    username: str = strawberry.field(description="The login name.")
    full_name: str = strawberry.field(description="The name to show.")

    @classmethod
    def from_model(cls, user: StaffName) -> StaffMember:
        return cls(username=user.username, full_name=user.full_name)
