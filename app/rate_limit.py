"""Counting refusals per key (a client address, a URL) in fixed windows, in process memory.

Enough to stop one client hammering a secret URL and to bound what its refusals write; each
process counts on its own, so N processes allow N times the limit.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class RefusalCounter:
    """At most `limit` refusals per key in a window of `window_seconds`; then the key waits for
    its window to end. Holds at most `max_keys` keys (the oldest windows are forgotten first), so
    a flood of distinct keys cannot exhaust memory."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window_seconds, clock, max_keys
        self._windows: OrderedDict[Hashable, tuple[float, int]] = OrderedDict()

    def _current(self, key: Hashable) -> tuple[float, int]:
        now = self.clock()
        started, count = self._windows.get(key, (now, 0))
        return (now, 0) if now - started >= self.window else (started, count)

    def wait(self, key: Hashable) -> int | None:
        """Whole seconds until `key` may be refused again without being over the limit; None if
        it is within the limit now."""
        started, count = self._current(key)
        if count <= self.limit:
            return None
        return max(1, math.ceil(started + self.window - self.clock()))

    def add(self, key: Hashable) -> int:
        """Count one refusal of `key`; how many it has had in this window, this one included."""
        started, count = self._current(key)
        self._windows[key] = (started, count + 1)
        self._windows.move_to_end(key)
        while len(self._windows) > self.max_keys:
            self._windows.popitem(last=False)
        return count + 1
