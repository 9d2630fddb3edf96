"""The signing client: call any API method, get a dict, a record iterator or a typed DataFrame.

Every call is validated against the catalog before anything is sent, carries ``api_key``
(and ``auth_token`` when a token is set) and is signed whenever the secret is known — signing
an unsigned method is harmless (docs/protocol.md §3.3). Methods the catalog marks POST-only,
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
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from . import catalog
from .apisig import Credentials
from .cache import CacheSettings, HarvestSession, cached_frame, cached_session
from .calllog import CallLog, mask_key
from .completeness import flag_incomplete
from .envelope import FORMATS
from .errors import ParameterError
from .export import export
from .fanout import frame_each
from .frames import Located, frame_from_records, locate
from .harvest import OnPage, frame_pages, walk_pages
from .paging import DEFAULT_WORKERS, check_workers, max_pages_of
from .request import Caller
from .transport import BoundedAdapter, Limits, RetryPolicy, Throttle, check_timeout, install_log_redaction
from .upload import upload

__all__ = ["API_URL", "DEFAULT_TIMEOUT", "SITE_URL", "Client"]

API_URL = "https://api.ipernity.com/api/"
SITE_URL = "https://www.ipernity.com"
#: (connect, read) seconds. Never ``None``: a silent server must not hang a notebook.
DEFAULT_TIMEOUT = (5.0, 30.0)


def _on_caller(name: str, doc: str) -> property:
    """A Client attribute that lives on its :class:`~ipernity_nb.request.Caller` (one copy)."""

    def get(self: Client) -> Any:
        return getattr(self.caller, name)

    def set(self: Client, value: Any) -> None:
        setattr(self.caller, name, value)

    return property(get, set, doc=doc)


class Client:
    """A client for the ipernity API (or the sandbox, given its ``api_url``).

    ``token`` is the user's auth token (set it after an authorization flow); ``rights`` maps
    scope -> level for that token when known (``auth`` sets both), so a call the token cannot
    make raises :class:`~ipernity_nb.errors.RightsError` before anything is sent.

    Requests go through :attr:`caller` (validate, sign, send, retry, log; request.py), signed by
    :attr:`auth` (the api_sig scheme by default; an OAuth flow swaps in requests-oauthlib's
    ``OAuth1``). Harvests: ``workers`` threads (default 6; 1 = sequential) fetch pages 2..N of a
    multi-page ``frame``/``walk``/``export`` over the one session, whose connection pool is sized for
    them; ``split=True`` on those gets every doc.search result past the 3000 cap (posted-date
    windows, harvest.py); ``cache=True | "file.sqlite" | CacheSettings(...)`` keeps read answers (and
    whole multi-page frames) for notebook re-runs (cache.py; ``with client.cache_mode("refresh" |
    "off"):`` per block).

    Resilience (transport.py): ``timeout=(connect, read)`` seconds bounds every socket wait,
    ``deadline`` (seconds) every answer as a whole, ``max_bytes`` its size after decompression;
    ``retries`` (default on: 4 attempts, backoff with full jitter, at most 60 s; ``0`` = none, or a
    :class:`~ipernity_nb.transport.RetryPolicy`) repeats READ calls after connection errors,
    timeouts, cut-off answers, HTTP 429/502/503/504 and API 500/503/112/113 (honouring
    ``Retry-After``); a write is repeated only when its request never left this machine, otherwise
    it raises :class:`~ipernity_nb.errors.WriteUncertainError` saying how to check. ``throttle=5``
    keeps the client under 5 calls per second (shared by all its threads).

    Example:
        >>> c = Client("5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718", token="1-abc")
        >>> c
        Client(url='https://api.ipernity.com/api/', api_key='5f3e…', token=True, format='json')
    """

    url = _on_caller("url", "The API root URL (ends in /api/).")
    format = _on_caller("format", "The answer format: json or xml.")
    lg = _on_caller("lg", "The language sent as ``lg`` with every call, or None.")
    timeout = _on_caller("timeout", "(connect, read) seconds for every socket wait.")
    session = _on_caller("session", "The requests Session every call goes through.")
    retries = _on_caller("retries", "Retry policy for reads (and writes never sent).")
    throttle = _on_caller("throttle", "Client-side rate limit shared by every thread using this client, or None.")
    rights = _on_caller("rights", "Scope -> level the token grants, when known (calls it cannot make fail early).")
    auth = _on_caller("auth", "What signs requests: None = the api_sig scheme; an OAuth flow sets OAuth1.")

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
        deadline: float = Limits.deadline,
        max_bytes: int = Limits.max_bytes,
        auth: AuthBase | None = None,
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
        check_workers(workers)
        try:
            policy = RetryPolicy.coerce(retries)
            pacer = throttle if isinstance(throttle, Throttle) or throttle is None else Throttle(throttle)
            #: Bounds on every answer: total ``deadline`` seconds, ``max_bytes`` after decompression.
            self.limits = Limits(deadline=deadline, max_bytes=max_bytes)
        except (ValueError, TypeError) as exc:
            raise ParameterError(str(exc), param="retries/throttle/deadline/max_bytes") from None
        #: The app key and secret and the user token every request is signed with.
        self.credentials = Credentials(api_key, secret or None, token)
        #: Threads fetching pages 2..N of a multi-page frame/walk/export (1 = sequential).
        self.workers = workers
        self._pool = 0
        http = requests.Session() if session is None else session
        self._mount(http, workers)
        if cache is not None and cache is not False:  # opt-in persistent cache of read calls (cache.py)
            http = cached_session(cache, base=http)
        self._log = CallLog(max_log)
        #: Validates, signs, sends, retries and logs every request (request.py).
        self.caller = Caller(
            self.credentials,
            url=url if url.endswith("/") else url + "/",
            format=format,
            timeout=timeout,
            session=http,
            retries=policy,
            throttle=pacer,
            log=self._log,
            lg=lg,
        )
        self.caller.auth = auth
        install_log_redaction()  # urllib3 DEBUG logs print signed GET URLs
        self.site_url = site_url.rstrip("/")
        self.progress = progress

    def _mount(self, session: requests.Session, workers: int) -> None:
        """Mount the bounded adapter where the session has requests' default one (a custom one is kept)."""
        mounted = dict(session.adapters)
        prefixes = [p for p in ("https://", "http://") if _replaceable(mounted.get(p))]
        if prefixes:
            self._pool = max(10, workers)  # requests' default pool, or wider for the workers
            adapter = BoundedAdapter(pool_maxsize=self._pool, limits=self.limits)
            for prefix in prefixes:
                session.mount(prefix, adapter)

    def _widen_pool(self, workers: int) -> None:
        """Let ``workers`` threads share keep-alive connections (a wider adapter, if this client mounted one)."""
        if isinstance(self.session.get_adapter(self.url), BoundedAdapter) and workers > self._pool:
            self._mount(self.session, workers)

    @property
    def api_key(self) -> str:
        """The application's API key (shown masked in reprs and the call log)."""
        return self.credentials.api_key

    @api_key.setter
    def api_key(self, value: str) -> None:
        self.credentials.api_key = value

    @property
    def token(self) -> str | None:
        """The user's auth token, or None (never shown in reprs, errors or the call log)."""
        return self.credentials.token

    @token.setter
    def token(self, value: str | None) -> None:
        self.credentials.token = value

    # --- small public helpers -----------------------------------------------------------

    @property
    def secret(self) -> str | None:
        """The API secret (never shown in reprs, errors or the call log)."""
        return self.credentials.secret

    @secret.setter
    def secret(self, value: str | None) -> None:
        self.credentials.secret = value or None

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
        return self.caller.send(method, params)

    def pages(
        self,
        method: str,
        params: Mapping[str, Any],
        *,
        max_pages: int | None = None,
        workers: int | None = None,
        split: bool = False,
    ) -> Iterator[tuple[int, Located]]:
        """``(page number, located records)`` of every page of ``method``, in order, each once.

        The page engine behind :meth:`walk`, :meth:`frame` and :meth:`export` (harvest.py), for
        code that needs the pages themselves. ``split=True`` de-duplicates across windows.

        Example:
            >>> [p for p, _ in client.pages("doc.search", {"per_page": 10}, max_pages=2)]  # doctest: +SKIP
            [1, 2]
        """
        n = check_workers(self.workers if workers is None else workers, method)
        self._widen_pool(n)
        return walk_pages(self.caller.send, method, params, max_pages=max_pages, workers=n, split=split)

    def walk(self, method: str, /, workers: int | None = None, split: bool = False, **params: Any) -> Iterator[dict]:
        """Yield the records of every page of a list method (raw dicts, as in the payload).

        ``per_page`` defaults to the catalog maximum; doc.search stops at its 3000-result cap.
        Pages after the first are fetched by ``workers`` threads (default ``client.workers``)
        and yielded in page order; a page that fails raises ``PagesNotFetchedError``.
        ``split=True``: every doc.search result past the cap, as in :meth:`frame`.

        Example:
            >>> sum(1 for _ in client.walk("doc.search", text="cat"))  # doctest: +SKIP
            42
        """
        for _, loc in self.pages(method, params, workers=workers, split=split):
            yield from loc.records

    def frame(
        self,
        method: str,
        /,
        pages: int | str = 1,
        progress: bool | None = None,
        workers: int | None = None,
        split: bool = False,
        on_page: OnPage | None = None,
        **params: Any,
    ) -> pd.DataFrame:
        """The answer as a typed DataFrame: one page (``pages=1``), ``N`` pages or ``"all"``.

        A progress bar (tqdm.auto) shows multi-page work unless ``progress=False``
        (default: ``client.progress``); ``on_page(done, expected)`` is told after each page.
        Pages after the first are fetched concurrently by ``workers`` threads (default
        ``client.workers``; 1 = sequential), rows kept in page order.

        doc.search stops at 3000 results (docs/protocol.md §2.4). ``split=True`` (with
        ``pages="all"``) gets them all: the posted-date range (or your ``posted_min``/``posted_max``)
        is cut into windows of under 3000 by bisection on ``total``, every window's pages are
        fetched by the one pool, rows come window by window (oldest first; newest first for
        ``sort="posted-desc"``), your ``sort`` within a window, de-duplicated by ``doc_id``;
        ``attrs["total"]`` is then the sum of the windows' totals.

        Example:
            >>> df = client.frame("doc.search", text="cat", pages="all")  # doctest: +SKIP
            >>> df.attrs["total"] == len(df)  # doctest: +SKIP
            True
            >>> every = client.frame("doc.search", pages="all", split=True)  # doctest: +SKIP
        """
        max_pages = max_pages_of(pages, method)
        if max_pages == 1 and not split:
            loc = locate(method, self.caller.send(method, params, _page_of(method, params)))
            if on_page is not None:
                on_page(1, 1)
            return flag_incomplete(frame_from_records(method, loc.records, info=loc.info, params=params))
        show = self.progress if progress is None else progress

        def compute() -> pd.DataFrame:
            walked = self.pages(method, params, max_pages=max_pages, workers=workers, split=split)
            return frame_pages(walked, method, params, max_pages=max_pages, split=split, progress=show, on_page=on_page)

        key = f"{pages}|split" if split else pages  # a split harvest is not the capped one
        return flag_incomplete(cached_frame(self.caller, method, params, key, compute), split=split)

    def frame_each(
        self,
        method: str,
        /,
        ids: Any,
        param: str | None = None,
        workers: int | None = None,
        progress: bool | None = None,
        errors: str = "raise",
        **params: Any,
    ) -> pd.DataFrame:
        """``method`` called once per id (a list, ``Series``, a frame's column), ``workers`` at a time:
        one typed frame with the parent id as a column; failed ids named (:mod:`ipernity_nb.fanout`).

        Example:
            >>> tags = client.frame_each("doc.tags.getList", docs.doc_id)  # doctest: +SKIP
            >>> tags.groupby("doc_id").size()  # doctest: +SKIP
        """
        self._widen_pool(check_workers(self.workers if workers is None else workers, method))  # shared keep-alive
        return frame_each(self, method, ids, param=param, workers=workers, progress=progress, errors=errors, **params)


def _replaceable(adapter: object) -> bool:
    """requests' own default adapter (or one of ours): safe to swap for a wider bounded one."""
    if isinstance(adapter, BoundedAdapter) or adapter is None:
        return True
    retry = getattr(adapter, "max_retries", None)
    return type(adapter) is HTTPAdapter and getattr(retry, "total", None) == 0 and getattr(retry, "read", None) is False


def _page_of(method: str, params: Mapping[str, Any]) -> int | None:
    if not catalog.get(method).paginated:
        return None
    try:
        return int(params.get("page") or 1)
    except (TypeError, ValueError):
        return None
