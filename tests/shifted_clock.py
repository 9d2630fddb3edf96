"""A clock for ``Sandbox(clock=...)``: the wall clock plus an offset tests move forward.

Tests of expiry, quotas and "changed since" runs jump ahead with :meth:`ShiftedClock.advance`
instead of sleeping; time still flows, so pending work (async uploads) completes as usual.
"""

from __future__ import annotations

import threading
import time


class ShiftedClock:
    """``clock()`` -> Unix seconds, ``offset`` seconds ahead of the wall clock."""

    def __init__(self) -> None:
        self.offset = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Jump ``seconds`` ahead (the sandbox sees it on its next request)."""
        with self._lock:
            self.offset += seconds
