"""An opt-in persistent cache of read calls, for notebook re-runs (requests-cache on SQLite).

``Client(..., cache=True)`` (``http.sqlite`` in platformdirs' user cache dir, e.g.
``~/.cache/ipernity_nb/``), ``cache="path.sqlite"`` or
``cache=CacheSettings(...)`` swaps the client's session for a :class:`HarvestSession`:

* only GET answers of read methods are stored — never a POST (writes, uploads), never an
  ``auth.*`` or ``upload.*`` method, never an error answer (docs/protocol.md §1.2, §5.1);
* the key is a SHA-256 of the whole signed request (URL with ``api_key``, ``auth_token`` and
  ``api_sig``), so two tokens or two apps never share an entry, and no key reveals a secret;
* the stored request URL and headers have ``auth_token``/``api_sig`` removed (requests-cache's
  ``ignored_parameters`` redaction), and an answer that would echo them is not stored, so the
  file holds no token, signature or secret (the secret is never sent at all, §3.3);
* ``with client.cache_mode("refresh"):`` re-fetches and overwrites, ``"off"`` bypasses the cache
  (neither read nor write) for the calls made inside the block, by any thread of that client.

The file and its directory are owner-only (0600 and 0700: the answers hold private docs'
metadata). Multi-page ``Client.frame`` results are also kept whole (:class:`FrameStore`), so a re-run
skips parsing and typing too. Hits show in the call log's ``from_cache`` column (a whole-frame
hit is one row); :func:`cache_counts` sums them.

Example:
    >>> s = CacheSettings.coerce("/tmp/ipernity_doc_cache.sqlite")
    >>> s.path.endswith("ipernity_doc_cache.sqlite"), s.expire_after
    (True, 86400)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import platformdirs
import requests
from requests_cache import CachedSession

from . import catalog
from .apisig import method_of_url
from .errors import SECRET_PARAMS, ParameterError, UnknownMethodError
from .files import atomic_write, private_dir, private_file
from .request import Caller

__all__ = [
    "CACHE_MODES",
    "DEFAULT_PATH",
    "CacheSettings",
    "FrameStore",
    "HarvestSession",
    "cache_counts",
    "cacheable",
    "cached_frame",
    "default_path",
]


def default_path() -> str:
    """Where ``cache=True`` keeps its file: ``http.sqlite`` in platformdirs' user cache dir (read now)."""
    return os.path.join(platformdirs.user_cache_dir("ipernity_nb", appauthor=False), "http.sqlite")


#: Where ``cache=True`` keeps its file on this system (as :func:`default_path` gave at import).
DEFAULT_PATH = default_path()
#: ``cache_mode`` values: use the cache, bypass it, or re-fetch and overwrite.
CACHE_MODES = ("on", "off", "refresh")
#: Parameters removed from every stored request (they are in the hashed key only).
REDACTED = (*sorted(SECRET_PARAMS), "Authorization", "Cookie")
_NEVER_PREFIXES = ("auth.", "upload.")


@dataclass(frozen=True)
class CacheSettings:
    """Where and how long: ``path`` (SQLite file), ``expire_after`` seconds (-1 = never expire).

    Example:
        >>> CacheSettings("harvest-cache.sqlite", expire_after=3600).expire_after
        3600
    """

    path: str = DEFAULT_PATH
    expire_after: int = 24 * 3600

    @classmethod
    def coerce(cls, value: Any) -> CacheSettings:
        """``True`` | path | ``CacheSettings`` -> ``CacheSettings``; anything else raises ParameterError."""
        if isinstance(value, CacheSettings):
            return value
        if value is True:
            return cls(path=default_path())
        if isinstance(value, (str, os.PathLike)) and os.fspath(value):
            return cls(path=os.fspath(value))
        raise ParameterError(
            f"cache must be True, a file path or CacheSettings(...); got {value!r}.",
            param="cache",
            expected="True, 'harvest.sqlite' or CacheSettings(path, expire_after)",
            received=value,
        )


def cacheable(method: str) -> bool:
    """Whether answers of ``method`` may be stored: read methods only, never auth or uploads.

    Example:
        >>> cacheable("doc.search"), cacheable("doc.setMeta"), cacheable("auth.checkToken")
        (True, False, False)
    """
    if method.startswith(_NEVER_PREFIXES):
        return False
    try:
        m = catalog.get(method)
    except UnknownMethodError:
        return False
    return not m.is_write


def _key(request: requests.PreparedRequest, **_: Any) -> str:
    """SHA-256 of verb, full signed URL and body: token- and app-specific, secret-free."""
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):  # a streamed upload (never stored: POST) has no bytes to hash
        body = b""
    h = hashlib.sha256(f"{request.method} {request.url}\n".encode())
    h.update(body)
    return h.hexdigest()


def _answer_ok(resp: requests.Response) -> bool:
    if resp.status_code != 200:
        return False
    content = resp.content or b""
    if content.lstrip()[:1] == b"<":
        return b'status="ok"' in content[:300]
    try:
        return json.loads(content).get("api", {}).get("status") == "ok"
    except (ValueError, AttributeError):
        return False


def _store(resp: requests.Response) -> bool:
    """requests-cache ``filter_fn``: store only ok answers of cacheable methods that echo no secret."""
    req = getattr(resp, "request", None)
    url = getattr(req, "url", None) or resp.url or ""
    if getattr(req, "method", "GET") != "GET" or not cacheable(method_of_url(url)):
        return False
    if getattr(resp, "from_cache", False):
        return True  # already vetted when it was stored (its URL is redacted now)
    if not _answer_ok(resp):
        return False
    secrets_sent = [v for k, v in parse_qsl(urlsplit(url).query) if k in REDACTED and len(v) >= 6]
    content = resp.content or b""
    return not any(v.encode() in content for v in secrets_sent)


class HarvestSession(CachedSession):
    """A ``requests_cache.CachedSession`` with the toolkit's rules and a client-wide mode switch."""

    def __init__(self, settings: CacheSettings) -> None:
        path = os.path.abspath(settings.path)
        folder = os.path.dirname(path)
        private_dir(folder, chmod_existing=path == os.path.abspath(default_path()))
        private_file(path)  # created 0600 before SQLite opens it; its -wal/-shm files copy the mode
        super().__init__(
            settings.path,
            backend="sqlite",
            expire_after=settings.expire_after,
            allowable_methods=("GET",),
            allowable_codes=(200,),
            cache_control=False,  # the API's own headers say nothing useful; our expiry rules
            key_fn=_key,
            filter_fn=_store,
            ignored_parameters=REDACTED,
            stale_if_error=False,
            wal=True,  # concurrent page workers read while one writes
        )
        self.cache_settings = settings
        self.mode = "on"

    def request(self, method: str, url: str, *args: Any, **kwargs: Any):  # type: ignore[override]
        if self.mode == "refresh":
            kwargs["force_refresh"] = True  # send, then overwrite the stored answer
        return super().request(method, url, *args, **kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any):  # type: ignore[override]
        if self.mode == "off":  # plain requests: the cache is neither read nor written
            return requests.Session.send(self, request, **kwargs)
        return super().send(request, **kwargs)

    @contextmanager
    def use(self, mode: str) -> Iterator[None]:
        """Set the mode (``"on"``, ``"off"``, ``"refresh"``) for the block, then restore it."""
        if mode not in CACHE_MODES:
            raise ParameterError(
                f"cache mode must be one of {', '.join(CACHE_MODES)}; got {mode!r}.",
                param="mode",
                expected=" | ".join(CACHE_MODES),
                received=mode,
            )
        before, self.mode = self.mode, mode
        try:
            yield
        finally:
            self.mode = before


def cached_session(cache: Any, base: requests.Session | None = None) -> HarvestSession:
    """A :class:`HarvestSession` for ``cache`` that keeps ``base``'s adapters, headers and auth."""
    s = HarvestSession(CacheSettings.coerce(cache))
    if base is not None:
        for prefix, adapter in base.adapters.items():
            s.mount(prefix, adapter)
        s.headers.update(base.headers)
        s.auth, s.proxies, s.verify, s.cert = base.auth, base.proxies, base.verify, base.cert
    return s


def cache_counts(calls: pd.DataFrame) -> dict[str, int]:
    """Hits and misses (HTTP calls) in a call log (``client.calls``).

    Example:
        >>> cache_counts(pd.DataFrame({"from_cache": [True, False, True]}))
        {'hits': 2, 'misses': 1}
    """
    hits = int(calls["from_cache"].fillna(False).astype(bool).sum()) if len(calls) else 0
    return {"hits": hits, "misses": len(calls) - hits}


class FrameStore:
    """Whole multi-page frames of ``Client.frame``, pickled beside the HTTP cache (``<path>.frames/``).

    A re-run of a multi-page harvest then costs one file read instead of N cached answers to
    parse and re-type (the HTTP cache alone still saves every round trip). Files are named by
    a SHA-256 of url, key, token, method and params, so they hold no secret and two tokens never
    share one; they follow the session's mode (``"off"``: unused, ``"refresh"``: rewritten) and
    ``expire_after``. Pickle is used because it restores the exact frame (dtypes, lists in
    cells, ``attrs``); the directory is the user's own cache, not a place to load files from others.
    """

    def __init__(self, settings: CacheSettings) -> None:
        self.dir = settings.path + ".frames"
        self.expire_after = settings.expire_after

    @staticmethod
    def key(caller: Caller, method: str, params: dict, pages: Any) -> str:
        creds = caller.credentials
        parts: list[object] = [caller.url, creds.api_key, creds.token, caller.lg, caller.format, method, str(pages)]
        parts.append(sorted((str(k), str(v)) for k, v in params.items()))
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self.dir, key + ".pkl")

    def get(self, key: str) -> pd.DataFrame | None:
        path = self._path(key)
        try:
            age = time.time() - os.path.getmtime(path)
        except OSError:
            return None
        if 0 <= self.expire_after < age:
            return None
        try:
            return pd.read_pickle(path)
        except Exception:  # a truncated or foreign file: recompute
            return None

    def put(self, key: str, df: pd.DataFrame) -> None:
        private_dir(self.dir, chmod_existing=True)
        buf = io.BytesIO()
        df.to_pickle(buf)
        atomic_write(self._path(key), buf.getvalue(), private=True)


def cached_frame(
    caller: Caller, method: str, params: dict, pages: Any, compute: Callable[[], pd.DataFrame]
) -> pd.DataFrame:
    """``compute()``, or the stored frame of the same harvest when the caller's cache allows it."""
    session = caller.session
    if not isinstance(session, HarvestSession) or session.mode == "off" or not cacheable(method):
        return compute()
    store = FrameStore(session.cache_settings)
    key = store.key(caller, method, params, pages)
    if session.mode == "on":
        start = time.perf_counter()
        df = store.get(key)
        if df is not None:
            caller.log.add(
                method=method,
                params=dict(params),
                verb="GET",
                from_cache=True,
                pages=df.attrs.get("pages"),
                duration_ms=(time.perf_counter() - start) * 1000,
            )
            return df
    df = compute()
    store.put(key, df)
    return df
