"""Retries, backoff and client-side throttling for the HTTP layer of :class:`~ipernity_nb.Client`.

What is retried (docs/protocol.md §5.1 for the codes):

* READ methods: connection errors, timeouts, a body cut mid-way, HTTP 429/502/503/504, API codes
  500/503 (service) and 112/113 (quotas) — waiting ``Retry-After`` (seconds or an HTTP-date) when
  the server sends it, else exponential backoff with full jitter, bounded in attempts and in time.
* WRITE methods: only when the server certainly did not act — the connection was refused or
  could not be established, so no byte of the request left this machine. Any other failure of
  a write raises :class:`WriteUncertainError`, which says the write may or may not have
  happened and how to check.

:class:`Throttle` is a thread-safe token bucket (calls per second), so concurrent page fetches
share one budget. :class:`BoundedAdapter` is the ``HTTPAdapter`` the client mounts: a pool as
wide as its workers, a urllib3 ``Retry`` (:class:`ConnectRetry`) that retries connections that could
not be opened (``Limits(connect_retries=2)``; its "Retrying" line demoted to DEBUG) and re-raises
read errors as themselves (the client's own loop retries those, and HTTP 429/5xx with their
``Retry-After``, one call-log row per attempt, within a total time budget, a cap on
``Retry-After`` a hostile server cannot stretch, and a clock tests can move: urllib3's ``Retry``
offers neither), and :class:`Limits` on every answer (a total deadline a server dripping bytes cannot
stretch, a size cap counted after decompression). :func:`install_log_redaction`
makes urllib3's DEBUG log (which prints the full GET URL, including ``api_sig`` and
``auth_token``) secret-free; the client installs it.

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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, InvalidHeader, NewConnectionError
from urllib3.util.retry import Retry

from .errors import SECRET_PARAMS, ParameterError, WriteUncertainError

__all__ = [
    "RETRY_CODES",
    "RETRY_STATUS",
    "BodyTooLarge",
    "BoundedAdapter",
    "ConnectRetry",
    "DeadlineExceeded",
    "Limits",
    "RetryPolicy",
    "Throttle",
    "WriteUncertainError",
    "check_timeout",
    "install_log_redaction",
    "is_retryable_read",
    "never_sent",
    "redact_text",
    "retry_after_seconds",
]

#: HTTP statuses worth retrying for a read: rate limit and gateway/availability failures.
RETRY_STATUS = frozenset({429, 502, 503, 504})
#: API error codes worth retrying for a read: service error/unavailable, application/IP quota.
RETRY_CODES = frozenset({500, 503, 112, 113})

_SECRET_QUERY = re.compile(
    "(" + "|".join(sorted(SECRET_PARAMS, key=len, reverse=True)) + r")=[^&\s'\"]*"  # longest name first
)


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
        """Seconds to wait after failed attempt number ``attempt`` (1-based): full jitter on the exponential.

        Full jitter (a uniform draw in ``[0, ceiling]``) spreads the retries of many threads or
        clients hit by the same outage the most.
        """
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        if not jitter:
            return ceiling
        return (rng or random).uniform(0.0, ceiling)

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
    """Rewrite a record so its formatted message carries no signature or token; demote
    urllib3's warning about a :class:`ConnectRetry` retry to DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and any(isinstance(a, ConnectRetry) for a in record.args or ()):
            # urllib3's "Retrying (...) after connection broken" for the client's own connect
            # retries: a DEBUG line (with logging set up, it still shows), never stderr unasked
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
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


def retry_after_seconds(value: object) -> float | None:
    """Seconds a ``Retry-After`` value asks for: delta-seconds or an HTTP-date; ``None`` if unreadable.

    Example:
        >>> retry_after_seconds("2"), retry_after_seconds("0.5"), retry_after_seconds("soon")
        (2.0, 0.5, None)
        >>> retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT")  # a date in the past: no wait
        0.0
    """
    if value is None or value == "":
        return None
    try:
        wait = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        try:  # the HTTP-date form, parsed by urllib3 (RFC 9110 §10.2.3)
            wait = Retry().parse_retry_after(str(value))
        except (InvalidHeader, ValueError, OverflowError, TypeError):
            return None
    if wait != wait or wait in (float("inf"), float("-inf")):  # nan / inf from a hostile server
        return None
    return max(0.0, wait)


@dataclass(frozen=True)
class Limits:
    """Bounds on one answer: ``deadline`` seconds for the whole exchange, from sending to the last byte
    of the answer (after a streamed upload, from its end: a large file may rightly take long),
    ``max_bytes`` of body after decompression, ``connect_retries`` urllib3 makes itself for connections
    never opened (within one call-log row; its log line is DEBUG, never on stderr; 0 leaves them
    all to the client's loop, a call-log row each).

    Example:
        >>> Limits().max_bytes // 2**20, Limits(deadline=5).deadline
        (64, 5)
    """

    deadline: float = 120.0
    max_bytes: int = 64 * 2**20
    connect_retries: int = 2

    def __post_init__(self) -> None:
        if not (0 < self.deadline < float("inf")) or self.max_bytes < 1 or self.connect_retries < 0:
            raise ValueError("Limits needs 0 < deadline < inf, max_bytes >= 1 and connect_retries >= 0")


class DeadlineExceeded(requests.RequestException):
    """The answer was still arriving when the exchange's deadline passed."""


class BodyTooLarge(requests.RequestException):
    """The answer's body (decompressed) grew past the size cap."""


class _BoundedBody:
    """A response's ``raw`` that stops reading at the deadline or the size cap.

    ``read1`` returns as soon as any bytes arrived, so a server sending one byte at a time meets
    the deadline check between bytes; urllib3 bounds what one read decompresses, so a small gzip
    body cannot expand past the cap in a single step.
    """

    def __init__(self, raw: Any, deadline_at: float, max_bytes: int, clock: Any = time.monotonic) -> None:
        self.raw = raw
        self.deadline_at = deadline_at
        self.max_bytes = max_bytes
        self.clock = clock
        self.read_so_far = 0

    def __getattr__(self, name: str) -> Any:  # headers, release_conn, closed … of the real raw
        return getattr(self.raw, name)

    def stream(self, amt: int = 2**16, decode_content: bool | None = None) -> Iterator[bytes]:
        read1 = getattr(self.raw, "read1", None)
        while True:
            if self.clock() > self.deadline_at:
                raise DeadlineExceeded("the answer was still arriving when the deadline passed")
            chunk = read1(amt, decode_content=decode_content) if read1 else self.raw.read(amt, decode_content)
            if not chunk:
                return
            self.read_so_far += len(chunk)
            if self.read_so_far > self.max_bytes:
                raise BodyTooLarge(f"the answer is larger than {self.max_bytes} bytes")
            yield chunk


class ConnectRetry(Retry):
    """The client's urllib3 ``Retry``: connections that could not be opened (no byte of the
    request left this machine, so reads and writes alike), a few times, quickly; read errors
    re-raised as themselves. Everything else is the client's own loop (:class:`RetryPolicy`)."""


class BoundedAdapter(HTTPAdapter):
    """The client's transport adapter: a pool of ``pool_maxsize`` connections per host, a urllib3
    ``Retry`` (connect retries per :class:`Limits`), and :class:`Limits` on every answer read in
    full (``stream=False``; a caller streaming a download bounds it itself).

    Example:
        >>> BoundedAdapter(pool_maxsize=6).limits.max_bytes == Limits().max_bytes
        True
    """

    def __init__(self, *, pool_maxsize: int = 10, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        # connect-level only: a refused or failed connection never carried a byte of the request
        # read=False re-raises a read timeout as itself (not wrapped), as requests' default does
        retry = ConnectRetry(
            total=None, connect=self.limits.connect_retries, read=False, status=0, other=0, redirect=False
        )
        retry = retry.new(backoff_factor=0.05)
        super().__init__(pool_maxsize=pool_maxsize, max_retries=retry)

    def send(self, request: requests.PreparedRequest, stream: bool = False, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        start = time.monotonic()
        resp = super().send(request, stream=True, **kwargs)
        if not isinstance(request.body, (bytes, str, type(None))):
            start = time.monotonic()  # a streamed upload may rightly take long: its answer gets the deadline
        if not stream:  # requests reads .content next, through the bounded raw
            resp.raw = _BoundedBody(resp.raw, start + self.limits.deadline, self.limits.max_bytes)
        return resp


def never_sent(exc: BaseException) -> bool:
    """True when the connection itself failed (refused, DNS, connect timeout): no request byte left."""
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
