"""The signing client: call any API method, get a dict, a record iterator or a typed DataFrame.

Every call is validated against the catalog before anything is sent, carries ``api_key``
(and ``auth_token`` when a token is set) and is signed whenever the secret is known — signing
an unsigned method is harmless (ipernity-api.md §3.3). Methods the catalog marks POST-only,
and uploads, are POSTed; the rest use GET (§1.2).

Example:
    >>> from ipernity_nb import Client
    >>> from ipernity_nb.sandbox import Sandbox
    >>> from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as app
    >>> with Sandbox() as sb:  # doctest: +SKIP
    ...     client = Client(app["api_key"], app["secret"], url=sb.api_url)
    ...     client.call("test.hello")
    {'hello': 'hello world!'}
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

import pandas as pd
import requests

from . import catalog
from .cache import CacheSettings, HarvestSession, cached_frame, cached_session
from .calllog import CallLog, mask_key
from .envelope import FORMATS, parse
from .errors import APIError, IpernityError, ParameterError, RateLimitError, RightsError, TransportError
from .frames import frame_from_parts, frame_from_records, locate, normalize_records
from .paging import DEFAULT_WORKERS, iter_pages, iter_pages_concurrent, pages_expected
from .signing import api_sig
from .transport import (
    RetryPolicy,
    Throttle,
    WriteUncertainError,
    check_timeout,
    install_log_redaction,
    is_retryable_read,
    never_sent,
    seconds,
)

__all__ = ["API_URL", "DEFAULT_TIMEOUT", "SITE_URL", "Client"]

API_URL = "https://api.ipernity.com/api/"
SITE_URL = "https://www.ipernity.com"
#: (connect, read) seconds. Never ``None``: a silent server must not hang a notebook.
DEFAULT_TIMEOUT = (5.0, 30.0)

_SECRET_QUERY = re.compile(r"(api_sig|auth_token|secret|password)=[^&\s'\"]*")


class Client:
    """A client for the ipernity API (or the sandbox, given its ``api_url``).

    ``token`` is the user's auth token (set it after an authorization flow); ``rights`` maps
    scope -> level for that token when known (``auth`` sets both), so a call the token cannot
    make raises :class:`~ipernity_nb.errors.RightsError` before anything is sent.

    Harvests (issue 8): ``workers`` threads fetch pages 2..N of a multi-page ``frame``/``walk``/
    ``export`` over the one session (default 4; 1 = sequential); ``cache=True | "file.sqlite" |
    CacheSettings(...)`` keeps read answers (and whole multi-page frames) for notebook re-runs
    (cache.py; ``with client.cache_mode("refresh" | "off"):`` per block).

    Resilience (transport.py): ``timeout=(connect, read)`` seconds bounds every request;
    ``retries`` (default on: 4 attempts, backoff with jitter, at most 60 s; ``0`` = none, or a
    :class:`~ipernity_nb.transport.RetryPolicy`) repeats READ calls after connection errors,
    timeouts, HTTP 429/502/503/504 and API 500/503/112/113 (honouring ``Retry-After``); a write
    is repeated only when its request never left this machine, otherwise it raises
    :class:`~ipernity_nb.transport.WriteUncertainError` saying how to check. ``throttle=5``
    keeps the client under 5 calls per second (shared by all its threads).

    Example:
        >>> c = Client("5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718", token="1-abc")
        >>> c
        Client(url='https://api.ipernity.com/api/', api_key='5f3e…', token=True, format='json')
    """

    def __init__(
        self,
        api_key: str,
        secret: str | None = None,
        *,
        token: str | None = None,
        url: str = API_URL,
        site_url: str = SITE_URL,
        format: str = "json",
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        lg: str | None = None,
        progress: bool = True,
        max_log: int = 1000,
        retries: RetryPolicy | int | bool | None = True,
        throttle: float | Throttle | None = None,
        workers: int = DEFAULT_WORKERS,
        cache: bool | str | os.PathLike | CacheSettings | None = None,
    ) -> None:
        if not api_key or not isinstance(api_key, str):
            raise ParameterError(
                "Client needs an API key (get one at https://www.ipernity.com/apps/key, or use the sandbox's "
                "DEMO_DESKTOP_APP).",
                param="api_key",
            )
        if format not in FORMATS:
            raise ParameterError(
                f"format must be one of {', '.join(FORMATS)}; got {format!r}.",
                param="format",
                expected=" or ".join(FORMATS),
                received=format,
            )
        check_timeout(timeout)
        try:
            policy = RetryPolicy.coerce(retries)
            pacer = throttle if isinstance(throttle, Throttle) or throttle is None else Throttle(throttle)
        except (ValueError, TypeError) as exc:
            raise ParameterError(str(exc), param="retries/throttle") from None
        self.api_key = api_key
        self._secret = secret or None
        self.token = token
        self.rights: dict[str, str] | None = None
        self.url = url if url.endswith("/") else url + "/"
        self.site_url = site_url.rstrip("/")
        self.format = format
        self.timeout = timeout
        self.session = session if session is not None else requests.Session()
        if cache is not None and cache is not False:  # opt-in persistent cache of read calls (cache.py)
            self.session = cached_session(cache, base=self.session)
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ParameterError(f"workers must be a positive integer; got {workers!r}.", param="workers")
        #: Threads fetching pages 2..N of a multi-page frame/walk/export (1 = sequential).
        self.workers = workers
        #: Retry policy for reads (and for writes the server certainly never received).
        self.retries = policy
        #: Client-side rate limit shared by every thread using this client, or None.
        self.throttle = pacer
        install_log_redaction()  # urllib3 DEBUG logs print signed GET URLs
        self.lg = lg
        self.progress = progress
        self._log = CallLog(max_log)

    # --- small public helpers -----------------------------------------------------------

    @property
    def secret(self) -> str | None:
        """The API secret (never shown in reprs, errors or the call log)."""
        return self._secret

    @secret.setter
    def secret(self, value: str | None) -> None:
        self._secret = value or None

    def __repr__(self) -> str:
        return (
            f"Client(url={self.url!r}, api_key={mask_key(self.api_key)!r}, token={self.token is not None}, "
            f"format={self.format!r})"
        )

    @property
    def calls(self) -> pd.DataFrame:
        """The call log (time, method, redacted params, verb, status, code, duration …), oldest first."""
        return self._log.frame()

    def clear_calls(self) -> None:
        """Empty the call log."""
        self._log.clear()

    def upload(self, file: str | os.PathLike, /, **params: Any) -> dict:
        """Upload a file with a byte progress bar, wait for its ticket, return the new doc (``doc.get``).

        Keywords: title, description, keywords, visibility, license, safety, geo=(lat, lng),
        album, permissions, … and ``replace=doc_id`` (PRO) — see :func:`ipernity_nb.upload.upload`.

        Example:
            >>> client.upload("cat.png", title="Cat", visibility="friends")["doc_id"]  # doctest: +SKIP
            '1000042'
        """
        from .upload import upload  # lazy: keeps the upload machinery out of plain client imports

        return upload(self, file, **params)

    def cache_mode(self, mode: str) -> AbstractContextManager[None]:
        """Within the block, ``"refresh"`` re-fetches (and re-stores) cached calls, ``"off"`` bypasses the cache.

        Needs ``Client(..., cache=...)``. Hits are in ``client.calls["from_cache"]``.

        Example:
            >>> with client.cache_mode("refresh"):  # doctest: +SKIP
            ...     df = client.frame("doc.search", text="cat", pages="all")
        """
        if not isinstance(self.session, HarvestSession):
            raise ParameterError(
                "This Client has no cache: create it with Client(..., cache=True or 'harvest.sqlite').",
                param="cache",
            )
        return self.session.use(mode)

    def export(self, method: str, /, path: str | os.PathLike, format: str = "parquet", **kwargs: Any) -> dict:
        """Stream every page of ``method`` to a Parquet or CSV file; see :func:`ipernity_nb.export.export`."""
        from .export import export

        return export(self, method, path, format=format, **kwargs)

    def check_token(self) -> dict:
        """Re-read the token's user and rights (``auth.checkToken``) and refresh :attr:`rights`.

        Returns the ``auth`` block; :func:`ipernity_nb.auth.check_token` gives a ``Token``.
        Raises :class:`~ipernity_nb.errors.AuthError` (107) when the token was revoked.
        """
        if not self.token:
            raise ParameterError("This Client has no token: authorize first (AuthForm or DesktopFlow).", param="token")
        auth = self.call("auth.checkToken", auth_token=self.token).get("auth", {})
        perms = auth.get("permissions") or auth.get("perms") or {}
        self.rights = {scope: str(level) for scope, level in perms.items()}
        return auth

    # --- calls ----------------------------------------------------------------------------

    def call(self, method: str, /, **params: Any) -> dict:
        """Call ``method`` and return the payload (what sits beside ``api`` in the answer).

        Example:
            >>> client.call("test.echo", echo="hi")  # doctest: +SKIP
            {'echo': 'hi'}
        """
        return self._send(method, params, None)

    def walk(self, method: str, /, workers: int | None = None, **params: Any) -> Iterator[dict]:
        """Yield the records of every page of a list method (raw dicts, as in the payload).

        ``per_page`` defaults to the catalog maximum; doc.search stops at its 3000-result cap.
        Pages after the first are fetched by ``workers`` threads (default ``client.workers``)
        and yielded in page order; a page that fails raises ``PagesNotFetchedError``.

        Example:
            >>> sum(1 for _ in client.walk("doc.search", text="cat"))  # doctest: +SKIP
            42
        """
        for _, loc in self._pages(method, params, None, workers):
            yield from loc.records

    def frame(
        self,
        method: str,
        /,
        pages: int | str = 1,
        progress: bool | None = None,
        workers: int | None = None,
        **params: Any,
    ) -> pd.DataFrame:
        """The answer as a typed DataFrame: one page (``pages=1``), ``N`` pages or ``"all"``.

        A progress bar (tqdm.auto) shows multi-page work unless ``progress=False``
        (default: ``client.progress``). Pages after the first are fetched concurrently by
        ``workers`` threads (default ``client.workers``; 1 = sequential), rows kept in page order.

        Example:
            >>> df = client.frame("doc.search", text="cat", pages="all")  # doctest: +SKIP
            >>> df.attrs["total"] == len(df)  # doctest: +SKIP
            True
        """
        if pages == "all":
            max_pages = None
        elif isinstance(pages, int) and not isinstance(pages, bool) and pages >= 1:
            max_pages = pages
        else:
            raise ParameterError(
                f"pages must be a positive integer or 'all'; got {pages!r}.",
                method=method,
                param="pages",
                expected="1, 2, … or 'all'",
                received=pages,
            )
        if max_pages == 1:
            loc = locate(method, self._send(method, params, _page_of(method, params)))
            return frame_from_records(method, loc.records, info=loc.info, params=params)
        return cached_frame(
            self, method, params, pages, lambda: self._frame_pages(method, params, max_pages, progress, workers)
        )

    def _frame_pages(
        self, method: str, params: dict, max_pages: int | None, progress: bool | None, workers: int | None
    ) -> pd.DataFrame:
        show = self.progress if progress is None else progress
        bar = None
        parts: list[pd.DataFrame] = []
        first = last = None
        try:
            for page, loc in self._pages(method, params, max_pages, workers):
                if first is None:
                    first = loc
                    if show:
                        from tqdm.auto import tqdm

                        total = pages_expected(loc, page or 1, max_pages, method)
                        bar = tqdm(total=total, desc=method, unit="page")
                last = loc
                if loc.records:  # flatten now, while the workers wait on the network (overlap)
                    parts.append(normalize_records(loc.records))
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        info = dict(first.info if first else {})
        if last is not None and "pages" not in info and "pages" in last.info:
            info["pages"] = last.info["pages"]
        return frame_from_parts(method, parts, info=info, params=params)

    def _pages(
        self, method: str, params: Mapping[str, Any], max_pages: int | None, workers: int | None
    ) -> Iterator[tuple[int, Any]]:
        """Pages of a walk: sequential for ``workers=1``, else a bounded pool over the one session."""
        n = self.workers if workers is None else workers
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ParameterError(
                f"workers must be a positive integer; got {n!r}.", method=method, param="workers", received=n
            )
        if n == 1:
            return iter_pages(self._send, method, params, max_pages=max_pages)
        _ensure_pool(self.session, self.url, n)
        return iter_pages_concurrent(self._send, method, params, max_pages=max_pages, workers=n)

    # --- the one place a request is made ----------------------------------------------------

    def _check_rights(self, m: catalog.Method) -> None:
        if self.rights is None or m.permission is None or self.token is None:
            return
        scope, level = m.permission
        have = self.rights.get(scope)
        if not catalog.level_allows(have, level):
            raise RightsError(m.name, scope, level, have)

    def _prepare(self, method: str, params: Mapping[str, Any]) -> tuple[catalog.Method, dict[str, Any], Any]:
        m = catalog.get(method)
        params = dict(params)
        if self.token and "auth_token" not in params:
            params["auth_token"] = self.token  # before validation: auth.checkToken lists it as required
        sent = catalog.validate(method, params, has_token=self.token is not None)
        if m.signed and not self._secret:
            raise ParameterError(
                f"{method} must be signed (ipernity-api.md §3.3) but this Client has no API secret: "
                "pass it as Client(api_key, secret).",
                method=method,
                param="secret",
                expected="the API secret paired with the key",
            )
        self._check_rights(m)
        upload = sent.pop("file", None)
        if isinstance(upload, (str, os.PathLike)) and not os.path.isfile(upload):
            raise ParameterError(
                f"{method}: file {os.fspath(upload)!r} does not exist; pass a path, bytes or an open binary file.",
                method=method,
                param="file",
                received=upload,
            )
        sent["api_key"] = self.api_key
        if self.lg and "lg" not in sent:
            sent["lg"] = self.lg  # the 2026 lg change, ipernity-api.md §8.1
        if self._secret:
            sent["api_sig"] = api_sig(sent, self._secret, method)  # the file is never signed (§8.2)
        return m, sent, upload

    def _send(self, method: str, params: Mapping[str, Any], page: int | None) -> dict:
        m, sent, upload = self._prepare(method, params)
        verb = "POST" if m.is_write or upload is not None else "GET"
        url = self.url + method + ("/xml" if self.format == "xml" else "/json")
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            if self.throttle is not None:
                self.throttle.acquire()
            try:
                return self._attempt(method, verb, url, sent, upload, page)
            except IpernityError as exc:
                pause = self._retry_pause(m, exc, attempt, started)
                if pause is None:
                    final = self._final(m, exc, attempt, started)
                    if final is exc:
                        raise
                    raise final from exc
            time.sleep(pause)

    def _retry_pause(self, m: catalog.Method, exc: IpernityError, attempt: int, started: float) -> float | None:
        """Seconds to wait before retrying after ``exc``, or None to give up now."""
        if not self._retryable(m, exc) or (m.is_write and getattr(exc, "_sent", True)):
            return None  # a write is repeated only when no byte of it reached the server
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            retry_after = exc.retry_after
        else:
            retry_after = getattr(exc, "_retry_after", None)
        return self.retries.wait(attempt, retry_after, started)

    @staticmethod
    def _retryable(m: catalog.Method, exc: IpernityError) -> bool:
        if isinstance(exc, APIError):
            return is_retryable_read(code=exc.code)
        if isinstance(exc, TransportError) and exc.status is not None:
            return is_retryable_read(status=exc.status)
        if getattr(exc, "_no_retry", False):
            return False
        return isinstance(exc, TransportError)  # no answer at all: connection error or timeout

    def _final(self, m: catalog.Method, exc: IpernityError, attempt: int, started: float) -> IpernityError:
        """The error to raise when giving up: writes whose effect is unknown say so and how to check."""
        no_answer = exc.status is None or exc.status >= 500 if isinstance(exc, TransportError) else False
        if m.is_write and no_answer and getattr(exc, "_sent", True):  # a 4xx/429 refused it: not uncertain
            return WriteUncertainError(
                f"{exc} The write {m.name} MAY OR MAY NOT have happened (the request reached the server "
                f"but no answer came back), so it was not repeated. Check with a read before retrying "
                f"(e.g. the matching .get or .getList method), then call {m.name} again only if needed.",
                method=m.name,
                status=exc.status,
            )
        if m.is_write and isinstance(exc, APIError) and exc.code == 500:
            return WriteUncertainError(
                f"{exc} The write {m.name} MAY OR MAY NOT have happened (service error while acting); it was "
                "not repeated. Check with a read (e.g. the matching .get method) before calling it again.",
                method=m.name,
            )
        if attempt > 1 and exc.args:
            exc.args = (f"{exc.args[0]} (gave up after {attempt} attempts in {time.monotonic() - started:.1f} s)",)
        return exc

    def _attempt(self, method: str, verb: str, url: str, sent: dict, upload: Any, page: int | None) -> dict:
        """One HTTP exchange, logged (one call-log row per attempt)."""
        log: dict[str, Any] = {"method": method, "params": dict(sent, **({"file": upload} if upload else {}))}
        log.update(verb=verb, page=page)
        start = time.perf_counter()
        resp = None
        try:
            resp = self._http(verb, url, sent, upload, method)
            cached = bool(getattr(resp, "from_cache", False))  # set by requests-cache when installed
            log.update(status=resp.status_code, bytes=len(resp.content), from_cache=cached)
            payload = parse(
                resp.content,
                self.format,
                method,
                status=resp.status_code,
                retry_after=resp.headers.get("Retry-After"),
            )
            if page is not None:
                log["pages"] = locate(method, payload).info.get("pages")
            log["code"] = None
            return payload
        except APIError as exc:
            log.update(code=exc.code, error=type(exc).__name__)
            raise
        except IpernityError as exc:
            log["error"] = type(exc).__name__
            if resp is not None:
                exc._retry_after = seconds(resp.headers.get("Retry-After"))  # type: ignore[attr-defined]
            raise
        finally:
            log["duration_ms"] = (time.perf_counter() - start) * 1000
            self._log.add(**log)

    def _http(self, verb: str, url: str, sent: dict[str, Any], upload: Any, method: str) -> requests.Response:
        opened = None
        try:
            if verb == "GET":
                return self.session.get(url, params=sent, timeout=self.timeout)
            files = None
            if upload is not None:
                opened, files = _file_part(upload)
            return self.session.post(url, data=sent, files=files, timeout=self.timeout)
        except requests.Timeout as exc:
            self._scrub(exc)
            err = TransportError(
                f"{method}: no answer from {self.url} within {self.timeout} s. Retry, or pass a longer "
                "timeout=(connect, read) to Client.",
                method=method,
            )
            err._sent = not isinstance(exc, requests.ConnectTimeout)  # type: ignore[attr-defined]
            raise err from exc
        except requests.ConnectionError as exc:
            self._scrub(exc)
            err = TransportError(
                f"{method}: could not connect to {self.url}. Check the url and your network (for the "
                "sandbox: is it running?).",
                method=method,
            )
            err._sent = not never_sent(exc)  # type: ignore[attr-defined]
            raise err from exc
        except requests.RequestException as exc:
            self._scrub(exc)
            err = TransportError(f"{method}: the request failed ({type(exc).__name__}).", method=method)
            err._no_retry = True  # type: ignore[attr-defined]  # a bad URL or the like: repeating cannot help
            raise err from exc
        finally:
            if opened is not None:
                opened.close()

    def _scrub(self, exc: BaseException) -> None:
        """Remove signatures and tokens from a chained exception's text (URLs carry them)."""
        secrets = [s for s in (self.token, self._secret) if s]
        seen: set[int] = set()
        cur: BaseException | None = exc
        while cur is not None and id(cur) not in seen:
            seen.add(id(cur))
            args = []
            for a in cur.args:
                text = str(a)
                clean = _SECRET_QUERY.sub(r"\1=***", text)
                for s in secrets:
                    clean = clean.replace(s, "***")
                args.append(clean if clean != text else a)
            cur.args = tuple(args)
            for attr in ("url",):
                if isinstance(getattr(cur, attr, None), str):
                    setattr(cur, attr, _SECRET_QUERY.sub(r"\1=***", getattr(cur, attr)))
            cur = cur.__cause__ or cur.__context__


def _ensure_pool(session: requests.Session, url: str, workers: int) -> None:
    """Let ``workers`` threads share the session's keep-alive connections to ``url``'s host.

    The adapter is kept (it may carry retry settings); only its pool is widened when too small.
    """
    try:
        adapter = session.get_adapter(url)
    except Exception:  # an exotic session: leave it alone
        return
    size = getattr(adapter, "_pool_maxsize", None)
    if isinstance(size, int) and size < workers and hasattr(adapter, "init_poolmanager"):
        adapter.init_poolmanager(adapter._pool_connections, workers, block=adapter._pool_block)


def _page_of(method: str, params: Mapping[str, Any]) -> int | None:
    if not catalog.get(method).paginated:
        return None
    try:
        return int(params.get("page") or 1)
    except (TypeError, ValueError):
        return None


def _file_part(upload: Any) -> tuple[Any, dict]:
    """The unsigned multipart ``file`` part from a path, bytes or an open binary file."""
    if isinstance(upload, (bytes, bytearray)):
        return None, {"file": ("upload", bytes(upload))}
    if isinstance(upload, (str, os.PathLike)):
        fh = open(upload, "rb")  # noqa: SIM115 - closed by the caller after sending
        return fh, {"file": (os.path.basename(os.fspath(upload)), fh)}
    name = os.path.basename(str(getattr(upload, "name", "upload")))
    return None, {"file": (name, upload)}
