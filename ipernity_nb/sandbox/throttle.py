"""Login throttling for the sandbox's site: a few wrong passwords, then a pause. No HTTP.

A classroom sandbox is shared, so guessing a classmate's password must be slow: after
``per_user`` failures for one user name (or ``per_address`` from one address) within
``window`` seconds, further attempts are refused until the oldest failure leaves the window.
The clock is injectable, so tests move time instead of sleeping.

Example:
    >>> t = [0.0]
    >>> th = LoginThrottle(per_user=2, window=60, clock=lambda: t[0])
    >>> th.fail("alice", "10.0.0.1"); th.fail("alice", "10.0.0.1")
    >>> th.wait("alice", "10.0.0.2")
    60
    >>> t[0] = 61.0
    >>> th.wait("alice", "10.0.0.2")
    0
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["LoginThrottle"]


class LoginThrottle:
    """Failures per user name and per address in a sliding window; bounded memory."""

    def __init__(
        self,
        *,
        per_user: int = 5,
        per_address: int = 20,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_tracked: int = 10_000,
    ) -> None:
        self.per_user, self.per_address, self.window = per_user, per_address, window
        self.clock = clock
        self.max_tracked = max_tracked
        self._fails: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._fails.get(key)
        if q is None:
            return deque()
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            del self._fails[key]
        return q

    def wait(self, username: str, address: str) -> int:
        """Seconds before ``username`` may try again from ``address`` (0: now)."""
        now = self.clock()
        worst = 0.0
        with self._lock:
            for key, limit in ((("u", username.lower()), self.per_user), (("a", address), self.per_address)):
                q = self._recent(key, now)
                if len(q) >= limit:
                    worst = max(worst, q[len(q) - limit] + self.window - now)
        return math.ceil(worst) if worst > 0 else 0

    def fail(self, username: str, address: str) -> None:
        """Count one wrong password."""
        now = self.clock()
        with self._lock:
            if len(self._fails) >= self.max_tracked:  # a flood of names: forget the oldest entries
                for key in list(self._fails)[: self.max_tracked // 10]:
                    del self._fails[key]
            for key in (("u", username.lower()), ("a", address)):
                self._fails.setdefault(key, deque(maxlen=max(self.per_user, self.per_address))).append(now)

    def succeed(self, username: str) -> None:
        """A right password clears the user name's failures (not the address's)."""
        with self._lock:
            self._fails.pop(("u", username.lower()), None)
