"""Per-application call statistics: counted on every call, read by the key's owner. No HTTP.

Every API call whose key exists is counted by (key, UTC day, method, outcome), where the
outcome is ``0`` for a success or the API error code. Counting is on every call's path, so
it only bumps a dict entry under a lock; the counts reach SQLite (``app_stats``) in one
batch when someone reads the statistics, or at most every ``flush_every`` seconds.

Example:
    >>> from ipernity_nb.sandbox.state import State
    >>> from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP
    >>> st = State(None, seed="empty")
    >>> rec = StatsRecorder(st)
    >>> key = DEMO_DESKTOP_APP["api_key"]
    >>> rec.record(key, "test.hello", 0, 1780272000); rec.record(key, "test.hello", 104, 1780272000)
    >>> with st.connection() as db:
    ...     got = read_stats(db, key, now=1780272000, recorder=rec)
    >>> got["calls"], got["errors"], got["by_code"][0]["label"]
    (2, 1, 'Signature missing')
    >>> st.close()
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .. import catalog
from .grants import member_count
from .state import State

__all__ = ["StatsRecorder", "read_stats"]

log = logging.getLogger("ipernity_nb.sandbox")

DAY = 86400
#: How many days the statistics page shows by default, and at most.
DEFAULT_DAYS, MAX_DAYS = 30, 366


def _day(now: int) -> str:
    return datetime.fromtimestamp(now - now % DAY, tz=UTC).strftime("%Y-%m-%d")


class StatsRecorder:
    """Counts calls in memory and writes them to ``app_stats`` in batches."""

    def __init__(self, state: State, *, flush_every: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.state = state
        self.flush_every = flush_every
        self._clock = clock
        self._counts: dict[tuple[str, str, str, int], int] = {}
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._next_flush = clock() + flush_every
        self._day_start, self._day_text = -1, ""

    def record(self, api_key: str, method: str, code: int, now: int) -> None:
        """Count one call (``code`` 0 for success). Cheap: a dict bump, a batch write now and then."""
        start = now - now % DAY
        if start != self._day_start:  # the day's text is computed once per day, not per call
            self._day_start, self._day_text = start, _day(now)
        k = (api_key, self._day_text, method, code)
        with self._lock:
            self._counts[k] = self._counts.get(k, 0) + 1
        if self._clock() >= self._next_flush:
            self.flush()

    def flush(self) -> None:
        """Write the pending counts (one transaction); called before the statistics are read."""
        with self._flush_lock:
            self._next_flush = self._clock() + self.flush_every
            with self._lock:
                pending, self._counts = self._counts, {}
            if not pending:
                return
            try:
                with self.state.transaction(write=True) as db:
                    db.executemany(
                        "INSERT INTO app_stats (api_key, day, method, code, calls) VALUES (?, ?, ?, ?, ?)"
                        " ON CONFLICT (api_key, day, method, code) DO UPDATE SET calls = calls + excluded.calls",
                        [(*k, n) for k, n in pending.items()],
                    )
            except (sqlite3.Error, RuntimeError):  # the sandbox is closing: the counts go with it
                log.debug("statistics not flushed: the database is closed")


def _label(code: int, method: str) -> str:
    if code == 0:
        return "ok"
    for e in catalog.generic_errors():
        if e["code"] == code:
            return str(e["label"])
    spec = catalog.methods().get(method)
    return dict(spec.errors).get(code, "error") if spec is not None else "error"


def read_stats(
    db: sqlite3.Connection,
    api_key: str,
    *,
    days: int = DEFAULT_DAYS,
    now: int | None = None,
    recorder: StatsRecorder | None = None,
) -> dict[str, Any]:
    """The key's statistics over the last ``days`` UTC days (today included).

    Returns ``calls``, ``errors``, ``members`` (who authorized it), ``by_day`` (every day of the
    window, zeros included), ``by_method``, ``by_code`` and ``rows`` (day, method, code,
    label, calls: the raw counts a notebook turns into a DataFrame).
    """
    if recorder is not None:
        recorder.flush()
    days = max(1, min(int(days), MAX_DAYS))
    now = int(time.time()) if now is None else now
    first = _day(now - (days - 1) * DAY)
    rows = db.execute(
        "SELECT day, method, code, calls FROM app_stats WHERE api_key = ? AND day >= ? ORDER BY day, method, code",
        (api_key, first),
    ).fetchall()
    by_day = {_day(now - k * DAY): {"calls": 0, "errors": 0} for k in range(days - 1, -1, -1)}
    by_method: dict[str, dict[str, int]] = {}
    by_code: dict[int, int] = {}
    out_rows = []
    for r in rows:
        n, err = r["calls"], r["code"] != 0
        d = by_day.setdefault(r["day"], {"calls": 0, "errors": 0})
        m = by_method.setdefault(r["method"], {"calls": 0, "errors": 0})
        d["calls"] += n
        m["calls"] += n
        if err:
            d["errors"] += n
            m["errors"] += n
            by_code[r["code"]] = by_code.get(r["code"], 0) + n
        label = _label(r["code"], r["method"])
        out_rows.append({"day": r["day"], "method": r["method"], "code": r["code"], "label": label, "calls": n})
    total = sum(d["calls"] for d in by_day.values())
    return {
        "api_key": api_key,
        "days": days,
        "from": first,
        "to": _day(now),
        "calls": total,
        "errors": sum(by_code.values()),
        "members": member_count(db, api_key),
        "by_day": [{"day": k, **v} for k, v in sorted(by_day.items())],
        "by_method": [
            {"method": k, **v} for k, v in sorted(by_method.items(), key=lambda kv: (-kv[1]["calls"], kv[0]))
        ],
        "by_code": [
            {"code": c, "label": _label(c, ""), "calls": n} for c, n in sorted(by_code.items(), key=lambda kv: -kv[1])
        ],
        "rows": out_rows,
    }
