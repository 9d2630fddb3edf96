"""Rate limits and fault injection for one sandbox app: off by default, deterministic with a seed.

Two switches, both held on the app instance (never module globals) and changeable at run time
(``Sandbox(faults=..., quota=..., maintenance=...)``, CLI flags, ``POST /_sandbox/config``):

* ``quota``: ``{"app_per_minute": 600, "ip_per_second": 20}`` — keys ``app_per_<unit>`` and
  ``ip_per_<unit>`` with unit ``second``/``minute``/``hour``/``day``. Over the limit the API
  answers, as the live service does, an HTTP 200 envelope with code 112 "Application Quota
  Error" (per ``api_key``) or 113 "Client IP Quota Error" (per remote address), plus an HTTP
  ``Retry-After`` header (seconds to the end of the fixed window; docs/protocol.md §5.1).
  Order (our choice, the live order is not documented): 113 is counted for every API request
  before any check (a flood of bad keys still exhausts the address); 112 right after the key
  checks 100/101 (it is per application, so it needs a valid key), before format/method/
  signature/token checks. Injected faults come before both: the "proxy" answers first.
* ``faults``: ``{"rate": 0.15, "http_codes": [502, 503], "api_codes": [500, 503],
  "latency": (0.0, 0.05), "drop": 0.02, "seed": 7}``. ``rate`` is the fraction of API calls
  that fail, half as an HTTP error page from a "proxy" (HTML body, ``http_codes``) and half
  as an API error envelope (``api_codes``, HTTP 200); ``drop`` the fraction whose connection
  is closed without an answer; ``latency`` seconds added to every call (a number, or a
  ``(min, max)`` range drawn at random). ``maintenance=True`` answers 501 "Maintenance mode"
  to every API call. Faults touch ``/api/`` only, never the control plane, site or media.

Example:
    >>> f = Faults(faults={"rate": 1.0, "http_codes": [502], "api_codes": [], "seed": 1})
    >>> f.decide().action
    ('http', 502)
    >>> q = Faults(quota={"ip_per_minute": 1})
    >>> q.check_ip("127.0.0.1", now=60.0), q.check_ip("127.0.0.1", now=61.0)[0]
    (None, 113)
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["PROXY_PAGES", "Decision", "Faults", "parse_faults", "parse_quota"]

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_FAULT_KEYS = {"rate", "http_codes", "api_codes", "latency", "drop", "seed"}
_HTTP_OK = (500, 502, 503, 504)
_API_OK = (500, 501, 503)

#: HTML bodies a reverse proxy sends when the API behind it is down.
PROXY_PAGES = {
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
}


def proxy_page(code: int) -> str:
    """An nginx-style error page (what clients see when the proxy, not the API, answers)."""
    title = PROXY_PAGES.get(code, f"{code} Error")
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )


def parse_quota(quota: dict[str, Any] | None) -> dict[str, tuple[int, int]]:
    """``{"app_per_minute": 600}`` -> ``{"app": (600, 60)}``; raises ``ValueError`` naming bad keys."""
    out: dict[str, tuple[int, int]] = {}
    for key, value in (quota or {}).items():
        kind, _, unit = key.partition("_per_")
        if kind not in ("app", "ip") or unit not in _UNITS:
            raise ValueError(
                f"unknown quota key {key!r}: use app_per_<unit> or ip_per_<unit>, unit in {sorted(_UNITS)}"
            )
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"quota {key!r} must be a positive integer (calls per {unit}), not {value!r}")
        out[kind] = (value, _UNITS[unit])
    return out


def parse_faults(faults: dict[str, Any] | None) -> dict[str, Any]:
    """Validate a fault configuration; returns a normalised copy (``ValueError`` names the bad key)."""
    f = dict(faults or {})
    unknown = set(f) - _FAULT_KEYS
    if unknown:
        raise ValueError(f"unknown fault keys {sorted(unknown)}: use {sorted(_FAULT_KEYS)}")
    for key in ("rate", "drop"):
        v = f.get(key, 0.0)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
            raise ValueError(f"faults[{key!r}] must be a fraction between 0 and 1, not {v!r}")
        f[key] = float(v)
    for key, allowed in (("http_codes", _HTTP_OK), ("api_codes", _API_OK)):
        codes = list(f.get(key, [502, 503] if key == "http_codes" else [500, 503]))
        if any(c not in allowed for c in codes):
            raise ValueError(f"faults[{key!r}] must be drawn from {list(allowed)}, not {codes!r}")
        f[key] = codes
    lat = f.get("latency", 0.0)
    if isinstance(lat, (int, float)) and not isinstance(lat, bool):
        lat = (float(lat), float(lat))
    if not (isinstance(lat, (list, tuple)) and len(lat) == 2 and 0 <= lat[0] <= lat[1] <= 60):
        raise ValueError(f"faults['latency'] must be seconds or a (min, max) pair within 0..60, not {lat!r}")
    f["latency"] = (float(lat[0]), float(lat[1]))
    f.setdefault("seed", None)
    if f["rate"] and not (f["http_codes"] or f["api_codes"]):
        raise ValueError("faults['rate'] > 0 needs at least one of http_codes / api_codes")
    return f


@dataclass(frozen=True)
class Decision:
    """What to do with one API call: wait ``latency`` seconds, then ``action``.

    ``action`` is ``None`` (answer normally), ``("drop", 0)``, ``("http", code)`` (proxy page),
    ``("api", code)`` (API error envelope) or ``("api", 501)`` in maintenance mode.
    """

    latency: float = 0.0
    action: tuple[str, int] | None = None


class Faults:
    """Thread-safe quota counters and a seeded fault generator for one app."""

    def __init__(
        self, faults: dict[str, Any] | None = None, quota: dict[str, Any] | None = None, maintenance: bool = False
    ) -> None:
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, str, int], int] = {}
        self.faults: dict[str, Any] = {}
        self.quota: dict[str, tuple[int, int]] = {}
        self.maintenance = False
        self._rng = random.Random()
        self.configure(faults=faults or {}, quota=quota or {}, maintenance=maintenance)

    def configure(
        self,
        faults: dict[str, Any] | None = None,
        quota: dict[str, Any] | None = None,
        maintenance: bool | None = None,
    ) -> dict[str, Any]:
        """Replace the given switches (``None`` keeps one); validates everything before changing anything."""
        new_faults = parse_faults(faults) if faults is not None else None
        new_quota = parse_quota(quota) if quota is not None else None
        with self._lock:
            if new_faults is not None:
                self.faults = new_faults
                self._rng = random.Random(new_faults["seed"])  # same seed, same sequence of faults
            if new_quota is not None:
                self.quota = new_quota
                self._counters.clear()
            if maintenance is not None:
                self.maintenance = bool(maintenance)
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        """The current switches as JSON-able data (what ``GET /_sandbox/config`` shows)."""
        with self._lock:
            f = dict(self.faults)
            f["latency"] = list(f.get("latency", (0.0, 0.0)))
            rev = {v: k for k, v in _UNITS.items()}
            q = {f"{kind}_per_{rev[win]}": n for kind, (n, win) in self.quota.items()}
            return {"faults": f, "quota": q, "maintenance": self.maintenance}

    @property
    def active(self) -> bool:
        """Anything to do at all (keeps the normal path free of locks and random draws)."""
        f = self.faults
        return bool(self.maintenance or f.get("rate") or f.get("drop") or f.get("latency", (0, 0))[1])

    def decide(self) -> Decision:
        """Draw the fate of one API call (one lock, a fixed number of draws: deterministic per seed)."""
        with self._lock:
            f = self.faults
            lo, hi = f.get("latency", (0.0, 0.0))
            latency = lo if lo == hi else self._rng.uniform(lo, hi)
            if self.maintenance:
                return Decision(latency, ("api", 501))
            r_drop, r_fail, r_kind, r_code = (self._rng.random() for _ in range(4))
            if r_drop < f.get("drop", 0.0):
                return Decision(latency, ("drop", 0))
            if r_fail < f.get("rate", 0.0):
                http, api = f["http_codes"], f["api_codes"]
                kinds = [k for k, codes in (("http", http), ("api", api)) if codes]
                kind = kinds[int(r_kind * len(kinds))]
                codes = http if kind == "http" else api
                return Decision(latency, (kind, codes[int(r_code * len(codes))]))
            return Decision(latency, None)

    def _hit(self, kind: str, who: str, now: float | None) -> tuple[int, int] | None:
        limit = self.quota.get(kind)
        if limit is None:
            return None
        n, window = limit
        t = time.time() if now is None else now
        slot = int(t // window)
        with self._lock:
            if len(self._counters) > 10000:  # forget finished windows
                self._counters = {k: v for k, v in self._counters.items() if k[2] >= slot}
            key = (kind, who, slot)
            count = self._counters.get(key, 0) + 1
            self._counters[key] = count
        if count <= n:
            return None
        retry = max(1, math.ceil((slot + 1) * window - t))
        return (112 if kind == "app" else 113), retry

    def check_ip(self, addr: str, now: float | None = None) -> tuple[int, int] | None:
        """Count a call from ``addr``: ``None`` when allowed, else ``(113, retry_after_seconds)``."""
        return self._hit("ip", addr, now)

    def check_app(self, api_key: str, now: float | None = None) -> tuple[int, int] | None:
        """Count a call with ``api_key``: ``None`` when allowed, else ``(112, retry_after_seconds)``."""
        return self._hit("app", api_key, now)
