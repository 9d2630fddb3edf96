"""Retries, backoff and client-side throttling for the HTTP layer of :class:`~ipernity_nb.Client`.

What is retried (docs/protocol.md §5.1 for the codes):

* READ methods: connection errors, timeouts, HTTP 429/502/503/504, API codes 500/503 (service)
  and 112/113 (quotas) — waiting ``Retry-After`` when the server sends it, else exponential
  backoff with full jitter, bounded both in attempts and in total time.
* WRITE methods: only when the server certainly did not act — the connection was refused or
  could not be established, so no byte of the request left this machine. Any other failure of
  a write raises :class:`WriteUncertainError`, which says the write may or may not have
  happened and how to check.

:class:`Throttle` is a thread-safe token bucket (calls per second), so concurrent page fetches
share one budget. :func:`install_log_redaction` makes urllib3's DEBUG log (which prints the
full GET URL, including ``api_sig`` and ``auth_token``) secret-free; the client installs it.

Example:
    >>> policy = RetryPolicy(attempts=4, base=0.5, cap=8.0, total=30.0)
    >>> [round(policy.backoff(n, jitter=False), 2) for n in (1, 2, 3, 4)]
    [0.5, 1.0, 2.0, 4.0]
    >>> is_retryable_read(status=503), is_retryable_read(code=112), is_retryable_read(code=1)
    (True, True, False)
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from .errors import ParameterError, WriteUncertainError

__all__ = [
    "RETRY_CODES",
    "RETRY_STATUS",
    "RetryPolicy",
    "Throttle",
    "WriteUncertainError",
    "check_timeout",
    "install_log_redaction",
    "is_retryable_read",
    "never_sent",
    "redact_text",
    "seconds",
]

#: HTTP statuses worth retrying for a read: rate limit and gateway/availability failures.
RETRY_STATUS = frozenset({429, 502, 503, 504})
#: API error codes worth retrying for a read: service error/unavailable, application/IP quota.
RETRY_CODES = frozenset({500, 503, 112, 113})

_SECRET_QUERY = re.compile(r"(api_sig|auth_token|secret|password|oauth_signature|oauth_token_secret)=[^&\s'\"]*")


def is_retryable_read(*, status: int | None = None, code: int | None = None) -> bool:
    """Whether a read answered with HTTP ``status`` or API ``code`` is worth another attempt."""
    return (status is not None and status in RETRY_STATUS) or (code is not None and code in RETRY_CODES)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry: ``attempts`` in all (1 = no retry), backoff ``base``
    doubling up to ``cap`` seconds per wait, and at most ``total`` seconds spent overall.

    ``Retry-After`` is honoured but never beyond ``cap`` or the remaining ``total`` budget: a
    server asking for an hour gets an error saying so instead of a hung notebook.

    Example:
        >>> RetryPolicy.coerce(0).attempts, RetryPolicy.coerce(5).attempts  # 5 RE-tries
        (1, 6)
    """

    attempts: int = 4
    base: float = 0.5
    cap: float = 8.0
    total: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base < 0 or self.cap < 0 or self.total < 0:
            raise ValueError("RetryPolicy needs attempts >= 1 and non-negative base, cap and total")

    @classmethod
    def coerce(cls, value: RetryPolicy | int | bool | None) -> RetryPolicy:
        """``retries=`` of Client: a policy, a number of RE-tries (0/False/None = none), True = default."""
        if isinstance(value, RetryPolicy):
            return value
        if value is None or value is False:
            return cls(attempts=1)
        if value is True:
            return cls()
        if isinstance(value, int) and value >= 0:
            return cls(attempts=value + 1)
        raise ValueError(f"retries must be a RetryPolicy, True/False or a number >= 0; got {value!r}")

    def backoff(self, attempt: int, *, jitter: bool = True, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based): full jitter on the exponential."""
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        if not jitter:
            return ceiling
        return (rng or random).uniform(ceiling / 2, ceiling)

    def wait(self, attempt: int, retry_after: float | None, started: float) -> float | None:
        """The pause before the next attempt, or ``None`` when the count or time budget is spent."""
        if attempt >= self.attempts:
            return None
        pause = self.backoff(attempt)
        if retry_after is not None and retry_after >= 0:
            pause = max(pause, min(retry_after, self.cap))
        left = self.total - (time.monotonic() - started)
        if pause > left:
            return None
        return pause


class Throttle:
    """A token bucket: at most ``rate`` calls per second on average, bursts up to ``burst``.

    Thread-safe: every thread calling :meth:`acquire` shares the one budget.

    Example:
        >>> t = Throttle(1000)
        >>> t.acquire() >= 0
        True
    """

    def __init__(self, rate: float, burst: float | None = None) -> None:
        if not rate or rate <= 0:
            raise ValueError(f"throttle must be a positive number of calls per second; got {rate!r}")
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, self.rate))
        self._tokens = self.burst
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until one is available; returns the seconds slept."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1.0  # reserve now (may go negative): later callers queue behind us
            debt = -self._tokens
        pause = debt / self.rate if debt > 0 else 0.0
        if pause:
            time.sleep(pause)
        return pause

    def __repr__(self) -> str:
        return f"Throttle(rate={self.rate:g}/s, burst={self.burst:g})"


def redact_text(text: str, secrets: tuple[str | None, ...] = ()) -> str:
    """``text`` with secret query parameters and the given secret strings replaced by ``***``."""
    clean = _SECRET_QUERY.sub(r"\1=***", text)
    for s in secrets:
        if s:
            clean = clean.replace(s, "***")
    return clean


class _RedactFilter(logging.Filter):
    """Rewrite a record so its formatted message carries no signature or token."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a malformed record is not ours to fix; let logging report it
            return True
        clean = redact_text(msg)
        if clean != msg:
            record.msg, record.args = clean, None
        return True


_FILTER = _RedactFilter()
#: urllib3 logs "GET /api/doc.get/json?api_key=…&auth_token=…&api_sig=… 200" at DEBUG here.
_NOISY_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "requests_cache", "requests_cache.session")


def install_log_redaction() -> None:
    """Attach the redacting filter to urllib3's loggers (idempotent).

    Chosen over POSTing every signed call: GET stays GET (cacheable, as documented, and what
    the call log shows), and the filter also covers any other library logging the URL.
    """
    for name in _NOISY_LOGGERS:
        lg = logging.getLogger(name)
        if _FILTER not in lg.filters:
            lg.addFilter(_FILTER)


def check_timeout(timeout: Any) -> None:
    """Refuse timeouts that could wait forever (None, 0, negative) on any request."""
    parts = timeout if isinstance(timeout, tuple) else (timeout,)
    ok = len(parts) in (1, 2) and all(
        isinstance(t, (int, float)) and not isinstance(t, bool) and 0 < t < float("inf") for t in parts
    )
    if not ok:
        raise ParameterError(
            f"timeout must be seconds > 0 or (connect, read) seconds; got {timeout!r}. None would wait "
            "forever on a silent server; e.g. timeout=(5, 30).",
            param="timeout",
            expected="a positive number or a (connect, read) pair",
            received=timeout,
        )


def seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None  # an HTTP-date Retry-After: fall back to backoff


def never_sent(exc: BaseException) -> bool:
    """True when the connection itself failed (refused, DNS, connect timeout): no request byte left."""
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError  # urllib3 comes with requests

    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        cur = todo.pop()
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, (NewConnectionError, ConnectTimeoutError)):
            return True
        todo.extend([getattr(cur, "reason", None), cur.__cause__, cur.__context__])
        todo.extend(a for a in getattr(cur, "args", ()) if isinstance(a, BaseException))
    return False
