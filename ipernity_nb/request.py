"""How one API request is made: validate → sign → send → retry → log (the one place it happens).

:class:`Caller` is owned by :class:`~ipernity_nb.Client` and used by every feature through its
public methods. :meth:`Caller.prepare` validates against the catalog and adds ``lg``;
signing is the ``auth`` object's job (:class:`~ipernity_nb.apisig.ApiSigAuth` by default,
requests-oauthlib's ``OAuth1`` after an OAuth flow); the uploaded file is never signed
(docs/protocol.md §8.2) and is streamed by requests-toolbelt's ``MultipartEncoder``.
:meth:`Caller.send` retries READ calls per the :class:`~ipernity_nb.transport.RetryPolicy` and a
write only when it never left this machine; every attempt is one call-log row. Errors carry
``sent``, ``retryable``, ``retry_after`` and ``attempts``; their chains hold no signed URL or body.

Example:
    >>> from ipernity_nb import Client
    >>> c = Client("5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718")
    >>> p = c.caller.prepare("test.echo", {"echo": "hi"})
    >>> p.verb, p.fields, p.url
    ('GET', {'echo': 'hi'}, 'https://api.ipernity.com/api/test.echo/json')
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

import requests
from requests.auth import AuthBase
from requests_toolbelt import MultipartEncoder, MultipartEncoderMonitor

from . import catalog
from .apisig import ApiSigAuth, Credentials
from .calllog import CallLog
from .envelope import parse
from .errors import (
    APIError,
    IpernityError,
    ParameterError,
    RightsError,
    ServerError,
    TransportError,
)
from .frames import locate
from .transport import (
    BodyTooLarge,
    DeadlineExceeded,
    RetryPolicy,
    Throttle,
    WriteUncertainError,
    is_retryable_read,
    never_sent,
    redact_text,
    retry_after_seconds,
)

__all__ = ["Caller", "Prepared", "Upload"]

#: What ``file=`` may be: a path, the bytes, or an open binary file.
Upload = str | os.PathLike | bytes | bytearray | IO[bytes]
#: Called with the number of file bytes each block of an upload carried.
OnRead = Callable[[int], Any]


@dataclass(frozen=True)
class Prepared:
    """A validated request, before signing: ``fields`` exclude the key, token and signature."""

    method: catalog.Method
    fields: dict[str, str]
    upload: Upload | None
    verb: str
    url: str


class Caller:
    """Validate, sign, send, retry and log API requests over one ``requests`` session.

    The :class:`~ipernity_nb.Client` builds it and exposes its settings as attributes; every
    attribute here is public and may be changed between calls (``auth`` to sign with OAuth).
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        url: str,
        format: str,
        timeout: float | tuple[float, float],
        session: requests.Session,
        retries: RetryPolicy,
        throttle: Throttle | None,
        log: CallLog,
        lg: str | None = None,
    ) -> None:
        self.credentials = credentials
        self.url = url
        self.format = format
        self.timeout = timeout
        self.session = session
        self.retries = retries
        self.throttle = throttle
        self.log = log
        self.lg = lg
        #: Scope -> level the token grants, when known: calls it cannot make fail before sending.
        self.rights: dict[str, str] | None = None
        #: What signs each request; ``None`` = the api_sig scheme over :attr:`credentials`.
        self.auth: AuthBase | None = None

    # --- preparing ----------------------------------------------------------------------

    def endpoint(self, method: str) -> str:
        """The URL of ``method`` in this caller's format."""
        return self.url + method + ("/xml" if self.format == "xml" else "/json")

    def signer(self) -> AuthBase:
        """The auth object in use: :attr:`auth`, else :class:`ApiSigAuth` over the credentials."""
        return self.auth if self.auth is not None else ApiSigAuth(self.credentials)

    def check_rights(self, m: catalog.Method) -> None:
        """Raise :class:`RightsError` when the known rights of the token do not cover ``m``."""
        if self.rights is None or m.permission is None or self.credentials.token is None:
            return
        scope, level = m.permission
        have = self.rights.get(scope)
        if not catalog.level_allows(have, level):
            raise RightsError(m.name, scope, level, have)

    def prepare(self, method: str, params: Mapping[str, Any]) -> Prepared:
        """Validate ``params`` for ``method`` (catalog, rights, secret, file) and add ``lg``."""
        m = catalog.get(method)
        token = self.credentials.token
        given = dict(params)
        if token and "auth_token" not in given:
            given["auth_token"] = token  # validation only: auth.checkToken lists it as required
        sent = catalog.validate(method, given, has_token=token is not None)
        if token and sent.get("auth_token") == token:
            del sent["auth_token"]  # the signer adds the client's own token (or OAuth replaces it)
        if m.signed and not self.credentials.secret:
            raise ParameterError(
                f"{method} must be signed (docs/protocol.md §3.3) but this Client has no API secret: "
                "pass it as Client(api_key, secret).",
                method=method,
                param="secret",
                expected="the API secret paired with the key",
            )
        self.check_rights(m)
        upload = sent.pop("file", None)
        if isinstance(upload, (str, os.PathLike)) and not os.path.isfile(upload):
            raise ParameterError(
                f"{method}: file {os.fspath(upload)!r} does not exist; pass a path, bytes or an open binary file.",
                method=method,
                param="file",
                received=upload,
            )
        fields = {k: str(v) for k, v in sent.items()}
        if self.lg and "lg" not in fields:
            fields["lg"] = self.lg  # the 2026 lg change, docs/protocol.md §8.1
        verb = "POST" if m.is_write or upload is not None else "GET"
        return Prepared(m, fields, upload, verb, self.endpoint(method))  # type: ignore[arg-type]

    # --- sending ------------------------------------------------------------------------

    def send(
        self,
        method: str,
        params: Mapping[str, Any],
        page: int | None = None,
        *,
        on_read: OnRead | None = None,
        retry: bool = True,
    ) -> dict:
        """Prepare, sign and send ``method``; retry per the policy; return the payload.

        ``page`` is what the call log shows; ``on_read`` gets an upload's file bytes as they
        are sent; ``retry=False`` makes exactly one attempt (uploads of a batch).
        """
        prep = self.prepare(method, params)
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            if self.throttle is not None:
                self.throttle.acquire()
            try:
                return self.attempt(prep, page, lambda: self._http(prep, on_read))
            except IpernityError as exc:
                pause = self._retry_pause(prep.method, exc, attempt, started) if retry else None
                if pause is None:
                    final = self._final(prep.method, exc, attempt, started)
                    if final is exc:
                        raise
                    raise final from exc
            time.sleep(pause)

    def attempt(self, prep: Prepared, page: int | None, exchange: Callable[[], requests.Response]) -> dict:
        """One HTTP exchange (``exchange()``), parsed and checked: one call-log row per attempt."""
        log: dict[str, Any] = {"method": prep.method.name, "params": self._log_params(prep)}
        log.update(verb=prep.verb, page=page)
        start = time.perf_counter()
        try:
            resp = exchange()
            cached = bool(getattr(resp, "from_cache", False))  # set by requests-cache when installed
            log.update(status=resp.status_code, bytes=len(resp.content), from_cache=cached)
            wait = retry_after_seconds(resp.headers.get("Retry-After"))
            try:
                payload = parse(resp.content, self.format, prep.method.name, status=resp.status_code, retry_after=wait)
            except IpernityError as exc:
                exc.retry_after = wait if exc.retry_after is None else exc.retry_after
                exc.sent = True
                raise
            _check_root(prep.method, payload)
            if page is not None:
                log["pages"] = locate(prep.method.name, payload).info.get("pages")
            log["code"] = None
            return payload
        except APIError as exc:
            log.update(code=exc.code, error=type(exc).__name__)
            raise
        except IpernityError as exc:
            log["error"] = type(exc).__name__
            raise
        finally:
            log["duration_ms"] = (time.perf_counter() - start) * 1000
            self.log.add(**log)

    def _log_params(self, prep: Prepared) -> dict[str, object]:
        shown: dict[str, object] = dict(prep.fields, api_key=self.credentials.api_key)
        if self.credentials.token:
            shown["auth_token"] = "***"
        if self.credentials.secret and self.auth is None:
            shown["api_sig"] = "***"
        if prep.upload is not None:
            shown["file"] = prep.upload
        return shown

    def _http(self, prep: Prepared, on_read: OnRead | None) -> requests.Response:
        """Send ``prep``; any failure becomes a :class:`TransportError` whose chain holds no secret."""
        what: TransportError | None = None
        try:
            auth = self.signer()
            if prep.verb == "GET":
                return self.session.get(prep.url, params=prep.fields, timeout=self.timeout, auth=auth)
            if prep.upload is None:
                return self.session.post(prep.url, data=prep.fields, timeout=self.timeout, auth=auth)
            fields = auth.sign_fields(prep.method.name, prep.fields) if isinstance(auth, ApiSigAuth) else prep.fields
            with _opened(prep.upload) as (name, fh, size):
                body = _multipart(fields, name, fh, size, on_read)
                headers = {"Content-Type": body.content_type}
                return self.session.post(prep.url, data=body, headers=headers, timeout=self.timeout, auth=auth)
        except requests.RequestException as exc:
            what = self._transport_error(prep, exc)
        # raised outside the except block: no __context__ holding the signed URL or body
        raise what

    def _transport_error(self, prep: Prepared, exc: requests.RequestException) -> TransportError:
        method = prep.method.name
        detail = redact_text(f"{type(exc).__name__}: {exc}", (self.credentials.token, self.credentials.secret))
        if isinstance(exc, DeadlineExceeded):
            return TransportError(
                f"{method}: the answer from {self.url} was still arriving after the deadline. The server is "
                "too slow or stalling: retry later, or raise Client(deadline=…).",
                method=method,
                sent=True,
            )
        if isinstance(exc, BodyTooLarge):
            return TransportError(
                f"{method}: the answer from {self.url} is larger than the client's cap ({detail}). Ask for fewer "
                "results (per_page, extra=) or raise Client(max_bytes=…).",
                method=method,
                sent=True,
            )
        if isinstance(exc, requests.Timeout):
            return TransportError(
                f"{method}: no answer from {self.url} within {self.timeout} s. Retry, or pass a longer "
                "timeout=(connect, read) to Client.",
                method=method,
                sent=not isinstance(exc, requests.ConnectTimeout),
                retryable=True,
            )
        if isinstance(exc, requests.ConnectionError):
            return TransportError(
                f"{method}: could not connect to {self.url}. Check the url and your network (for the "
                "sandbox: is it running?).",
                method=method,
                sent=not never_sent(exc),
                retryable=True,
            )
        if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
            return TransportError(
                f"{method}: the answer from {self.url} was cut off or garbled ({type(exc).__name__}). Retry.",
                method=method,
                sent=True,
                retryable=True,
            )
        # a bad URL or the like: repeating cannot help
        return TransportError(f"{method}: the request failed ({detail}).", method=method, sent=None)

    # --- retrying -----------------------------------------------------------------------

    def _retry_pause(self, m: catalog.Method, exc: IpernityError, attempt: int, started: float) -> float | None:
        """Seconds to wait before retrying after ``exc``, or None to give up now."""
        exc.retryable = _retryable(exc)
        if not exc.retryable or (m.is_write and exc.sent is not False):
            return None  # a write is repeated only when no byte of it reached the server
        return self.retries.wait(attempt, exc.retry_after, started)

    def _final(self, m: catalog.Method, exc: IpernityError, attempt: int, started: float) -> IpernityError:
        """The error to raise when giving up: writes whose effect is unknown say so and how to check."""
        exc.attempts = attempt
        no_answer = exc.status is None or exc.status >= 500 if isinstance(exc, TransportError) else False
        if m.is_write and no_answer and exc.sent is not False:  # a 4xx/429 refused it: not uncertain
            final: IpernityError = WriteUncertainError(
                f"{exc} The write {m.name} MAY OR MAY NOT have happened (the request reached the server "
                f"but no answer came back), so it was not repeated. Check with a read before retrying "
                f"(e.g. the matching .get or .getList method), then call {m.name} again only if needed.",
                method=m.name,
                status=exc.status if isinstance(exc, TransportError) else None,
            )
        elif m.is_write and isinstance(exc, APIError) and exc.code == 500:
            final = WriteUncertainError(
                f"{exc} The write {m.name} MAY OR MAY NOT have happened (service error while acting); it was "
                "not repeated. Check with a read (e.g. the matching .get method) before calling it again.",
                method=m.name,
            )
        else:
            if attempt > 1:
                exc.add_note(f"gave up after {attempt} attempts in {time.monotonic() - started:.1f} s")
            return exc
        final.sent, final.attempts = True, attempt
        return final


def _retryable(exc: IpernityError) -> bool:
    if isinstance(exc, APIError):
        return is_retryable_read(code=exc.code)
    if isinstance(exc, TransportError) and exc.status is not None:
        return is_retryable_read(status=exc.status) or exc.retryable
    return exc.retryable


def _check_root(m: catalog.Method, payload: Mapping[str, Any]) -> None:
    """An ok answer must carry the method's response root: a missing one is not an empty result."""
    if m.response_root and not any(r in payload for r in m.response_root) and not m.is_write:
        raise ServerError(
            f"{m.name}: the server answered ok but without {' or '.join(m.response_root)!r}, so the answer is "
            "incomplete (a proxy or a server fault). Retry; if it persists, report it.",
            method=m.name,
            status=200,
            sent=True,
            retryable=True,
        )


@contextmanager
def _opened(upload: Upload) -> Iterator[tuple[str, IO[bytes] | bytes, int | None]]:
    """The ``file`` part's name, readable body and size (a path is opened here and closed after)."""
    if isinstance(upload, (bytes, bytearray)):
        yield "upload", bytes(upload), len(upload)
    elif isinstance(upload, (str, os.PathLike)):
        with open(upload, "rb") as fh:
            yield os.path.basename(os.fspath(upload)), fh, os.path.getsize(upload)
    else:
        yield os.path.basename(str(getattr(upload, "name", "upload"))), upload, None


def _multipart(
    fields: Mapping[str, str], name: str, body: IO[bytes] | bytes, size: int | None, on_read: OnRead | None
) -> MultipartEncoder | MultipartEncoderMonitor:
    """A streamed multipart body: signed fields first, the unsigned file last, progress in file bytes."""
    enc = MultipartEncoder(fields=[*fields.items(), ("file", (name, body, "application/octet-stream"))])
    if on_read is None:
        return enc
    total = size if size is not None else max(enc.len - len(enc.boundary_value) - 8, 0)
    before = enc.len - total - len(enc.boundary_value) - 8  # fields and the file part's headers
    done = 0

    def progress(monitor: MultipartEncoderMonitor) -> None:
        nonlocal done
        now = min(total, max(0, monitor.bytes_read - before))
        if now > done:
            on_read(now - done)
            done = now

    return MultipartEncoderMonitor(enc, progress)
