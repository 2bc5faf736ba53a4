"""Patient records' reactions to their own events (see app/events.py)."""

from __future__ import annotations

from app import live
from app.events import Handling, handles
from app.patients.events import BreakGlassGranted


@handles(BreakGlassGranted)
async def publish_break_glass(handling: Handling, event: BreakGlassGranted) -> None:
    """Compliance officers watching `breakGlassGranted` see the grant once it commits."""
    live.publish(handling.session, event)
