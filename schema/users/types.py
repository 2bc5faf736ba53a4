"""Users as other domains show them."""

from __future__ import annotations

import strawberry

from app.users.service import StaffName


@strawberry.type
class StaffMember:
    username: str
    full_name: str

    @classmethod
    def from_model(cls, user: StaffName) -> StaffMember:
        return cls(username=user.username, full_name=user.full_name)
