"""The exception tree of ipernity_nb, and the API's error-code table.

Every error a user can meet derives from :class:`IpernityError`::

    IpernityError
    ├── ParameterError (also ValueError)      bad input caught before anything is sent
    │   └── UnknownMethodError                 method name not in the catalog ("did you mean …?")
    ├── TransportError                         network failure, timeout, non-API answer
    │   ├── ServerError                        HTTP 5xx or a body that is not an API envelope
    │   └── WriteUncertainError                a write got no answer: it may or may not have happened
    ├── RightsError                            the token lacks the scope/level a method needs
    ├── PagesNotFetchedError                   pages of a multi-page walk failed (never a short result)
    ├── ChildrenNotFetchedError                calls of a fan-out (Client.frame_each) failed: the ids named
    ├── SandboxOnlyError                       a sandbox feature (app statistics) asked of the live service
    ├── UploadError                            an upload ticket was invalid or the answer had none
    │   └── UploadTimeout                      a ticket was still processing when the wait ran out
    ├── SandboxError                           the offline sandbox refused a request made to it
    │   ├── ControlError                       a control-plane call (users, tokens, apps) was refused
    │   └── SignInError                        its sign-in or consent page refused the user or password
    └── APIError                               the API answered status="error" (code, message, method)
        ├── AuthError                          key, signature, token, account, OAuth (100-108, 130-135)
        │   ├── FrobError                      auth.getToken refused the frob (code 2)
        │   │   ├── FrobUsedError              already exchanged (frobs are single-use)
        │   │   ├── FrobExpiredError           older than its lifetime (a few minutes)
        │   │   └── FrobNotApprovedError       not approved yet, denied, or expired on the server
        │   └── TokenRevokedError              a token that worked answers 107: the member revoked the app
        ├── PermissionDeniedError              109 blocked, 110 insufficient permissions, 111 IP
        ├── RateLimitError                     112 application quota, 113 client-IP quota
        ├── PostRequiredError                  120 HTTP POST required
        ├── MethodNotFoundError                103 method not found (on the server side)
        ├── ServiceUnavailableError            500 service error, 501 maintenance, 503 unavailable
        └── NotFoundError                      method-specific "… not found" (usually code 1)

One warning, for results that are knowingly partial (a frame of one page when more exist, a
search stopped at its cap, a fan-out told to go on past failures)::

    UserWarning
    └── IncompleteResultWarning                the frame holds fewer rows than exist; attrs["incomplete"] says why

The classes raised by one feature stay importable from its module too
(``ipernity_nb.paging.PagesNotFetchedError``, ``ipernity_nb.transport.WriteUncertainError``,
``ipernity_nb.upload.UploadError``/``UploadTimeout``, ``ipernity_nb.auth.FrobError``,
``ipernity_nb.sandbox.control.ControlError`` …).

Messages name the problem, the API code and label where there is one, and what to do next.
They never contain the API secret, the auth token or a signature: build them only from
names, codes and labels, never from the request itself (:func:`redact` helps when a URL or
parameter mapping must be shown).

Example:
    >>> from ipernity_nb.errors import error_for
    >>> err = error_for(1, "Document not found", method="doc.get")
    >>> type(err).__name__, err.code
    ('NotFoundError', 1)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "APIError",
    "AuthError",
    "ChildrenNotFetchedError",
    "ControlError",
    "FrobError",
    "FrobExpiredError",
    "FrobNotApprovedError",
    "FrobUsedError",
    "IncompleteResultWarning",
    "IpernityError",
    "MethodNotFoundError",
    "NotFoundError",
    "PagesNotFetchedError",
    "ParameterError",
    "PermissionDeniedError",
    "PostRequiredError",
    "RateLimitError",
    "RightsError",
    "SandboxError",
    "SandboxOnlyError",
    "ServerError",
    "ServiceUnavailableError",
    "SignInError",
    "TokenRevokedError",
    "TransportError",
    "UnknownMethodError",
    "UploadError",
    "UploadTimeout",
    "WriteUncertainError",
    "error_for",
    "redact",
]

#: Parameter names whose values are secret and must never be shown.
SECRET_PARAMS = frozenset(
    {"api_sig", "auth_token", "secret", "api_secret", "password"}
    | {"oauth_signature", "oauth_token", "oauth_token_secret"}
)


class IpernityError(Exception):
    """Base class of every error raised by ipernity_nb.

    Errors from a request carry what the retry logic knew: ``sent`` (whether the request
    reached the server; ``None`` when not known), ``retryable`` (whether repeating it may help),
    ``retry_after`` (seconds the server asked to wait) and ``attempts`` (how many were made).
    """

    sent: bool | None = None
    retryable: bool = False
    retry_after: float | None = None
    attempts: int = 1


class ParameterError(IpernityError, ValueError):
    """A parameter is missing, unknown, of the wrong type or outside its allowed values.

    Raised before anything is sent. ``method``, ``param``, ``expected`` and ``received``
    say exactly what was wrong.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        param: str | None = None,
        expected: str | None = None,
        received: object = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.param = param
        self.expected = expected
        self.received = received


class UnknownMethodError(ParameterError):
    """The method name is not in the catalog; ``suggestions`` holds close matches."""

    def __init__(self, method: str, suggestions: list[str]) -> None:
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"Unknown API method {method!r}.{hint} List all methods with ipernity_nb.catalog.method_names().",
            method=method,
            expected="a catalog method name",
            received=method,
        )
        self.suggestions = suggestions


class TransportError(IpernityError):
    """The request did not produce an API answer (network failure, timeout, bad body)."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        status: int | None = None,
        sent: bool | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.status = status
        self.sent = sent
        self.retryable = retryable
        self.retry_after = retry_after


class ServerError(TransportError):
    """The server answered with an HTTP error or a body that is not an API envelope."""


class WriteUncertainError(TransportError):
    """A write failed in a way that leaves its effect unknown: it may or may not have happened.

    Not retried automatically (a second attempt could apply it twice). ``check`` says how to
    find out — typically a read of the object the write targets.
    """

    def __init__(self, message: str, *, method: str | None = None, status: int | None = None) -> None:
        super().__init__(message, method=method, status=status)
        self.check = message


class PagesNotFetchedError(IpernityError):
    """Some pages of a multi-page walk failed (after the transport's retries): never a short result.

    ``pages`` lists the page numbers not delivered; ``__cause__`` is the first failure.
    """

    def __init__(self, method: str, pages: list[int], cause: BaseException) -> None:
        self.method = method
        self.pages = pages
        shown = ", ".join(map(str, pages[:20])) + (" …" if len(pages) > 20 else "")
        super().__init__(
            f"{method}: page(s) {shown} could not be fetched ({type(cause).__name__}: {cause}). "
            "No partial result is returned; retry the harvest (a cache=… Client re-fetches only the missing pages)."
        )


class ChildrenNotFetchedError(IpernityError):
    """Calls of a fan-out failed (after the transport's retries): never a short result.

    ``failed`` maps each id not fetched to its error; ``frame`` holds the rows of the ids that
    were fetched (typed, with ``attrs["incomplete"]`` saying which are missing); ``__cause__`` is
    the first failure.
    """

    def __init__(self, method: str, failed: Mapping[object, BaseException], frame: object = None) -> None:
        self.method = method
        self.failed = dict(failed)
        self.frame = frame
        ids = list(self.failed)
        shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
        first = next(iter(self.failed.values()))
        super().__init__(
            f"{method}: {len(ids)} id(s) could not be fetched: {shown} (first: {type(first).__name__}: {first}). "
            "The rows fetched are in .frame; pass errors='warn' to get them with a warning instead, "
            "or retry these ids."
        )


class IncompleteResultWarning(UserWarning):
    """A frame holds fewer rows than exist; ``df.attrs["incomplete"]`` says how many and what fetches all."""


class UploadError(IpernityError):
    """An upload ticket was invalid (the server rejected the file after receiving it)."""

    def __init__(self, message: str, *, ticket: str | None = None) -> None:
        super().__init__(message)
        self.ticket = ticket


class UploadTimeout(UploadError):
    """A ticket was still processing when the bounded wait ran out."""


class SandboxOnlyError(IpernityError):
    """The feature exists only on a sandbox (the live service has no API for it); ``url`` says where to look."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class RightsError(IpernityError):
    """The current token lacks the right a method needs; detected before sending."""

    def __init__(self, method: str, scope: str, level: str, have: str | None) -> None:
        have_txt = f"it grants {scope}:{have}" if have else "there is no token"
        super().__init__(
            f"{method} needs the {scope}:{level} right, but {have_txt}. "
            f"Authorize again asking for perm_{scope}={level} (e.g. AuthForm(client, "
            f"perms={{{scope!r}: {level!r}}}))."
        )
        self.method = method
        self.scope = scope
        self.level = level
        self.have = have


class SandboxError(IpernityError):
    """The offline sandbox refused a request made to it (not an API answer: its own pages or control plane)."""


class ControlError(SandboxError, ValueError):
    """A control-plane operation was refused (unknown user, taken name, invalid rights …).

    ``status`` is the HTTP status the ``/_sandbox/`` endpoint answers with (400, 404, 409).
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class SignInError(SandboxError):
    """The sandbox's sign-in or consent page refused the request (wrong password, closed account …)."""


class APIError(IpernityError):
    """The API answered ``status="error"``; carries ``code``, ``message`` (label) and ``method``."""

    hint = "Check the method's documentation (api.methods.get) for what this code means."

    def __init__(self, code: int, message: str, *, method: str | None = None, hint: str | None = None) -> None:
        self.code = code
        self.message = message
        self.method = method
        if hint is not None:
            self.hint = hint
        where = f" in {method}" if method else ""
        super().__init__(f"API error {code} {message!r}{where}. {self.hint}")

    @property
    def doc_url(self) -> str | None:
        """The method's help page on ipernity.com, if the method is known."""
        return f"https://www.ipernity.com/help/api/method/{self.method}" if self.method else None

    def _repr_html_(self) -> str:
        from html import escape

        link = (
            f' — <a href="{escape(self.doc_url)}" target="_blank">{escape(self.method or "")} docs</a>'
            if self.doc_url
            else ""
        )
        return (
            '<div style="border-left:4px solid #c0392b;padding:4px 8px;background:#fdecea">'
            f"<b>{escape(type(self).__name__)}</b> code <b>{self.code}</b> "
            f"“{escape(self.message)}”{link}<br><small>{escape(self.hint)}</small></div>"
        )


class AuthError(APIError):
    """Key, signature, token or account problem (codes 100-108 and OAuth 130-135)."""

    hint = "Check the API key and secret, and authorize again if the token was revoked."


class FrobError(AuthError):
    """``auth.getToken`` refused the frob (code 2 "invalid or already used").

    The API gives the same code for an unknown, used, expired, denied or not yet approved
    frob (§4.3), so the flows pick the subclass from what they know: their own history
    (already exchanged -> :class:`FrobUsedError`), the frob's age (:class:`FrobExpiredError`),
    else :class:`FrobNotApprovedError`.
    """

    hint = "The frob is invalid or already used: start a new authorization."


class FrobUsedError(FrobError):
    """This frob was already exchanged for a token (frobs are single-use)."""

    hint = "This frob was already exchanged for a token (single use): start a new authorization."


class FrobExpiredError(FrobError):
    """The frob is older than its lifetime (a few minutes, §4.2)."""

    hint = "The frob has expired (frobs live a few minutes): start a new authorization and approve sooner."


class FrobNotApprovedError(FrobError):
    """The request was not approved yet, was denied, or the frob expired on the server side."""

    hint = (
        "The request is not approved: open the authorization link, log in and click approve, then finish "
        "again. If you clicked deny, or the frob expired (they live a few minutes), start a new authorization."
    )


class TokenRevokedError(AuthError):
    """A token that was valid answers 107 "Token invalid": the member revoked the application.

    Raised by :func:`ipernity_nb.auth.check_token` (which also drops the token from the token
    store it is given); ``code`` stays 107, so ``except AuthError`` still catches it.
    """

    hint = "This member revoked the application; authorize again (AuthForm(client) or DesktopFlow)."


class PermissionDeniedError(APIError):
    """The token or caller may not do this (109 blocked, 110 insufficient permissions, 111 IP)."""

    hint = "Authorize again with a higher level for the method's scope (see catalog permission)."


class RateLimitError(APIError):
    """A request quota is exhausted (112 application, 113 client IP); wait and retry."""

    hint = "Slow down: wait a little and retry (ipernity limits requests per application and IP)."

    def __init__(self, code: int, message: str, *, method: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(code, message, method=method)
        self.retry_after = retry_after


class PostRequiredError(APIError):
    """The method changes data and must be sent with HTTP POST (120)."""

    hint = "Send this method with POST (Client does so for every method the catalog marks POST)."


class MethodNotFoundError(APIError):
    """The server does not know the method (103)."""

    hint = "The server does not implement this method (doc.albums.add is a known case)."


class ServiceUnavailableError(APIError):
    """The service failed or is in maintenance (500, 501, 503); retry later."""

    hint = "The service is failing or in maintenance; retry later."


class NotFoundError(APIError):
    """The object does not exist or the caller may not see it (method-specific code)."""

    hint = "The id is wrong, or the item is private: a token with read rights may see it."


@dataclass(frozen=True)
class CodeInfo:
    """One row of the API's generic error table (docs/protocol.md §5.1)."""

    code: int
    label: str
    cls: type[APIError]
    hint: str


_AUTH_HINT_KEY = "Pass a valid api_key (get one at https://www.ipernity.com/apps/key)."
_AUTH_HINT_SIG = "The request signature did not match: check the API secret paired with this key."
_AUTH_HINT_TOKEN = "This method needs an authorized user: run the authorization flow (AuthForm) first."

#: The generic codes, their labels (as returned in ``message``) and what to do.
CODES: dict[int, CodeInfo] = {
    c.code: c
    for c in [
        CodeInfo(100, "API Key is missing", AuthError, _AUTH_HINT_KEY),
        CodeInfo(101, "API Key is invalid", AuthError, _AUTH_HINT_KEY),
        CodeInfo(102, "Invalid format", APIError, "Use format json or xml."),
        CodeInfo(103, "Method not found", MethodNotFoundError, MethodNotFoundError.hint),
        CodeInfo(104, "Signature missing", AuthError, "This method must be signed: give the Client your API secret."),
        CodeInfo(105, "Signature is invalid", AuthError, _AUTH_HINT_SIG),
        CodeInfo(106, "Token missing", AuthError, _AUTH_HINT_TOKEN),
        CodeInfo(107, "Token invalid", AuthError, "The token is unknown or revoked: authorize again (AuthForm)."),
        CodeInfo(108, "Account closed", AuthError, "The user's account is closed or suspended."),
        CodeInfo(109, "Action blocked", PermissionDeniedError, "A member or group blocklist forbids this action."),
        CodeInfo(110, "Insufficient permissions", PermissionDeniedError, PermissionDeniedError.hint),
        CodeInfo(111, "IP not allowed", PermissionDeniedError, "This application may not be used from this address."),
        CodeInfo(112, "Application Quota Error", RateLimitError, RateLimitError.hint),
        CodeInfo(113, "Client IP Quota Error", RateLimitError, RateLimitError.hint),
        CodeInfo(120, "HTTP POST required", PostRequiredError, PostRequiredError.hint),
        CodeInfo(121, "Invalid SOAP envelope", APIError, "Use the REST endpoint."),
        CodeInfo(122, "Invalid XML-RPC envelope", APIError, "Use the REST endpoint."),
        CodeInfo(130, "OAuth protocol version unsupported", AuthError, "Use OAuth 1.0a."),
        CodeInfo(131, "OAuth parameters are missing", AuthError, "Sign the call with all oauth_* parameters."),
        CodeInfo(132, "OAuth Clock skew", AuthError, "Check this machine's clock."),
        CodeInfo(133, "OAuth Nonce is invalid", AuthError, "Use a fresh nonce for every call."),
        CodeInfo(134, "OAuth Timestamp is invalid", AuthError, "Check this machine's clock."),
        CodeInfo(135, "OAuth Signature method unsupported", AuthError, "Use HMAC-SHA1."),
        CodeInfo(500, "Service error", ServiceUnavailableError, ServiceUnavailableError.hint),
        CodeInfo(501, "Maintenance mode", ServiceUnavailableError, "ipernity is in maintenance; retry later."),
        CodeInfo(503, "Service unavailable", ServiceUnavailableError, ServiceUnavailableError.hint),
    ]
}

_NOT_FOUND = re.compile(r"not found|is invalid or|does not exist", re.IGNORECASE)


def error_for(
    code: int | str, message: str, *, method: str | None = None, retry_after: float | None = None
) -> APIError:
    """Build the right :class:`APIError` subclass for an error envelope's code and label.

    Example:
        >>> error_for("110", "Insufficient permissions", method="doc.delete").code
        110
    """
    try:
        code = int(code)
    except (TypeError, ValueError, OverflowError):  # "1e400" or inf from a hostile server
        code = -1
    info = CODES.get(code)
    if info is not None:
        if info.cls is RateLimitError:
            return RateLimitError(code, message, method=method, retry_after=retry_after)
        return info.cls(code, message, method=method, hint=info.hint)
    if code < 100 and _NOT_FOUND.search(message or ""):
        return NotFoundError(code, message, method=method)
    return APIError(code, message, method=method)


def redact(params: Mapping[str, object]) -> dict[str, object]:
    """Return a copy of ``params`` with secret values replaced by ``'***'``.

    Example:
        >>> redact({"doc_id": 1, "auth_token": "123-abc"})
        {'doc_id': 1, 'auth_token': '***'}
    """
    return {k: ("***" if k in SECRET_PARAMS else v) for k, v in params.items()}
