"""How ``Client`` makes one request: prepare, sign, send, retry, log (the one place it happens).

Preparation validates against the catalog, adds ``api_key``/``auth_token``/``lg`` and signs
(docs/protocol.md §3.3; the uploaded file is never signed, §8.2). Sending goes through the
client's ``requests`` session with its timeout and throttle; READ calls are retried per the
client's :class:`~ipernity_nb.transport.RetryPolicy`, a write only when it never left this
machine. Every attempt is one call-log row.

Example:
    >>> from ipernity_nb import Client
    >>> isinstance(Client("key"), RequestMixin)
    True
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from . import catalog
from .envelope import parse
from .errors import APIError, IpernityError, ParameterError, RateLimitError, RightsError, TransportError
from .frames import locate
from .signing import api_sig
from .transport import WriteUncertainError, is_retryable_read, never_sent, redact_text, seconds

__all__ = ["RequestMixin"]


class RequestMixin:
    """The request half of :class:`~ipernity_nb.client.Client` (which sets every attribute used here)."""

    api_key: str
    _secret: str | None
    token: str | None
    rights: dict[str, str] | None
    url: str
    format: str
    lg: str | None
    timeout: Any
    session: requests.Session
    retries: Any
    throttle: Any
    _log: Any

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
                f"{method} must be signed (docs/protocol.md §3.3) but this Client has no API secret: "
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
            sent["lg"] = self.lg  # the 2026 lg change, docs/protocol.md §8.1
        if self._secret:
            sent["api_sig"] = api_sig(sent, self._secret, method)  # the file is never signed (§8.2)
        return m, sent, upload

    def _endpoint(self, method: str) -> str:
        return self.url + method + ("/xml" if self.format == "xml" else "/json")

    def _send(self, method: str, params: Mapping[str, Any], page: int | None) -> dict:
        m, sent, upload = self._prepare(method, params)
        verb = "POST" if m.is_write or upload is not None else "GET"
        url = self._endpoint(method)
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            if self.throttle is not None:
                self.throttle.acquire()
            try:
                return self._attempt(
                    method, verb, sent, upload, page, lambda: self._http(verb, url, sent, upload, method)
                )
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

    def _attempt(
        self,
        method: str,
        verb: str,
        sent: dict,
        upload: Any,
        page: int | None,
        exchange: Callable[[], requests.Response],
    ) -> dict:
        """One HTTP exchange (``exchange()``), parsed and logged: one call-log row per attempt.

        ``upload`` is only what the log shows for the ``file`` part (it is never signed, §8.2).
        """
        log: dict[str, Any] = {"method": method, "params": dict(sent, **({"file": upload} if upload else {}))}
        log.update(verb=verb, page=page)
        start = time.perf_counter()
        resp = None
        try:
            resp = exchange()
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
        secrets = (self.token, self._secret)
        seen: set[int] = set()
        cur: BaseException | None = exc
        while cur is not None and id(cur) not in seen:
            seen.add(id(cur))
            cur.args = tuple(_clean_arg(a, secrets) for a in cur.args)
            if isinstance(getattr(cur, "url", None), str):
                cur.url = redact_text(cur.url, secrets)  # type: ignore[attr-defined]
            cur = cur.__cause__ or cur.__context__


def _clean_arg(arg: object, secrets: tuple[str | None, ...]) -> object:
    """``arg`` itself when its text shows no secret, else its redacted text."""
    clean = redact_text(str(arg), secrets)
    return arg if clean == str(arg) else clean


def _file_part(upload: Any) -> tuple[Any, dict]:
    """The unsigned multipart ``file`` part from a path, bytes or an open binary file."""
    if isinstance(upload, (bytes, bytearray)):
        return None, {"file": ("upload", bytes(upload))}
    if isinstance(upload, (str, os.PathLike)):
        fh = open(upload, "rb")  # noqa: SIM115 - closed by the caller after sending
        return fh, {"file": (os.path.basename(os.fspath(upload)), fh)}
    name = os.path.basename(str(getattr(upload, "name", "upload")))
    return None, {"file": (name, upload)}
