"""Authorization: the :class:`Token`, the desktop (frob) and web (callback) flows, credentials.

The flows follow docs/protocol.md §4 and are split into steps so a widget, a terminal or a
script can drive them::

    >>> from ipernity_nb import Client
    >>> from ipernity_nb.auth import DesktopFlow
    >>> client = Client("my-key", "my-secret")                          # doctest: +SKIP
    >>> flow = DesktopFlow()
    >>> start = flow.start(client, perms={"doc": "write"})              # doctest: +SKIP
    >>> print(start.url)   # open it, log in, approve                   # doctest: +SKIP
    >>> token = flow.finish()   # client.token and client.rights are now set  # doctest: +SKIP

Credential resolution (:func:`client_from_env`), first match wins for each item:

1. explicit arguments (``api_key=``, ``secret=``, ``token=``);
2. environment variables ``IPERNITY_API_KEY``, ``IPERNITY_API_SECRET``, ``IPERNITY_AUTH_TOKEN``
   (and ``IPERNITY_API_URL`` / ``IPERNITY_SITE_URL`` to point at a sandbox);
3. the token store (:class:`ipernity_nb.tokenstore.TokenStore`) — only for the token, looked up
   by API key (and ``user=`` when several accounts are saved). The secret is never stored.

Secrets (API secret, auth token, ``api_sig``) never appear in reprs, error messages or logs:
:class:`Token` masks its token, :class:`FlowStart` masks the signature of its URL in its repr.
"""

from __future__ import annotations

import html
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from .authtoken import SCOPE_LEVELS, SCOPES, Token, apply_token, normalize_perms, set_credentials
from .errors import (
    APIError,
    AuthError,
    FrobError,
    FrobExpiredError,
    FrobNotApprovedError,
    FrobUsedError,
    IpernityError,
    ParameterError,
    TokenRevokedError,
    TransportError,
)
from .signing import api_sig

if TYPE_CHECKING:
    from .client import Client
    from .tokenstore import TokenStore

__all__ = [
    "SCOPES",
    "SCOPE_LEVELS",
    "DesktopFlow",
    "FlowStart",
    "FrobError",
    "FrobExpiredError",
    "FrobNotApprovedError",
    "FrobUsedError",
    "SandboxApprover",
    "Token",
    "WebFlow",
    "apply_token",
    "check_token",
    "client_from_env",
    "normalize_perms",
    "set_credentials",
]

log = logging.getLogger(__name__)

#: Frobs are "valid only a few minutes" (§4.2); the sandbox default is 600 s.
FROB_TTL = 600.0


def authorize_url(client: Client, perms: Mapping[str, str] | None, frob: str | None = None) -> str:
    """The signed authorization link (docs/protocol.md §3.2: signed without a method name).

    Example (the published §3.2 vector):
        >>> from types import SimpleNamespace
        >>> c = SimpleNamespace(api_key="6fa87ba500002712bd4eed6020f3bd72", secret="e9a599f0cf6ce193",
        ...                     site_url="http://www.ipernity.com")
        >>> authorize_url(c, {"network": "read"}).rsplit("=", 1)[1]
        'da183021cd39461108770b822fcd9398'
    """
    secret = client.secret
    if not client.api_key or not secret:
        raise ParameterError(
            "An authorization link needs the API key and its secret: pass both to Client(...) or set "
            "IPERNITY_API_KEY / IPERNITY_API_SECRET.",
            param="secret",
            expected="the API secret paired with the key",
        )
    wanted = {s: lvl for s, lvl in normalize_perms(perms).items() if lvl != "none"}
    if not wanted:
        raise ParameterError(
            "Ask for at least one right, e.g. perms={'doc': 'read'}.", param="perms", expected="a scope:level"
        )
    params: dict[str, str] = {"api_key": client.api_key}
    if frob:
        params["frob"] = frob
    params |= {f"perm_{s}": lvl for s, lvl in wanted.items()}
    params["api_sig"] = api_sig(params, secret)
    return f"{client.site_url.rstrip('/')}/apps/authorize?{urlencode(params)}"


def _masked_url(url: str) -> str:
    parts = urlsplit(url)
    q = parse_qs(parts.query)
    if "api_sig" in q:
        q["api_sig"] = ["***"]
    return parts._replace(query=urlencode(q, doseq=True, safe="*")).geturl()


def _frob_error(err: APIError, started_at: float | None, ttl: float, used: bool) -> APIError:
    """Turn ``auth.getToken``'s code 2 into an error that says what to do."""
    if err.code != 2:
        return err
    if used:
        cls: type[FrobError] = FrobUsedError
    elif "expire" in (err.message or "").lower() or (started_at is not None and time.monotonic() - started_at > ttl):
        cls = FrobExpiredError
    else:
        cls = FrobNotApprovedError
    return cls(err.code, err.message, method=err.method)


def _get_token(client: Client, frob: str, started_at: float | None, ttl: float, used: set[str]) -> Token:
    if not frob:
        raise ParameterError("No frob: start the authorization first.", param="frob", expected="a frob")
    try:
        payload = client.call("auth.getToken", frob=frob)
    except APIError as err:
        raise _frob_error(err, started_at, ttl, frob in used) from err
    used.add(frob)
    token = Token.from_payload(payload, api_key=client.api_key)
    apply_token(client, token)
    log.info("authorized as %s (%s)", token.username, ", ".join(f"{s}={v}" for s, v in token.rights.items()))
    return token


# --- flows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowStart:
    """What :meth:`DesktopFlow.start` returns: the frob and the link to open."""

    frob: str
    url: str
    perms: dict[str, str]

    def __repr__(self) -> str:
        return f"FlowStart(frob={self.frob!r}, url={_masked_url(self.url)!r}, perms={self.perms!r})"

    def _repr_html_(self) -> str:
        return f'<a href="{html.escape(self.url)}" target="_blank" rel="noopener">Authorize on ipernity</a>'


class DesktopFlow:
    """The desktop (frob) flow, docs/protocol.md §4.3 — the default: it needs no callback.

    Example:
        >>> flow = DesktopFlow()
        >>> start = flow.start(client, perms={"doc": "write"})      # doctest: +SKIP
        >>> # the user opens start.url, logs in and approves, then:
        >>> token = flow.finish()                                   # doctest: +SKIP
    """

    def __init__(self, *, frob_ttl: float = FROB_TTL) -> None:
        self.frob_ttl = frob_ttl
        self.client: Client | None = None
        self.started: FlowStart | None = None
        self._t0: float | None = None
        self._used: set[str] = set()

    def __repr__(self) -> str:
        state = "not started" if self.started is None else f"frob {self.started.frob} pending"
        return f"DesktopFlow({state})"

    def start(self, client: Client, perms: Mapping[str, str] | None = None) -> FlowStart:
        """Get a frob (signed ``auth.getFrob``) and build the signed authorize link with it."""
        wanted = normalize_perms(perms if perms is not None else {"doc": "read"})
        authorize_url(client, wanted, frob="check")  # fail early on a missing secret or empty rights
        payload = client.call("auth.getFrob")
        frob = payload.get("auth", {}).get("frob")
        if isinstance(frob, Mapping):
            frob = frob.get("content")
        if not frob:
            raise IpernityError("auth.getFrob answered without a frob; retry, or check the API URL.")
        self.client, self._t0 = client, time.monotonic()
        self.started = FlowStart(frob=str(frob), url=authorize_url(client, wanted, frob=str(frob)), perms=wanted)
        return self.started

    def finish(self, frob: str | None = None) -> Token:
        """Exchange the approved frob for a token (``auth.getToken``) and give it to the client."""
        if self.client is None or self.started is None:
            raise ParameterError("Call start(client, perms) first, then approve, then finish().", param="frob")
        # a second finish() resends the used frob on purpose: the server answers code 2 (FrobError)
        return _get_token(self.client, frob or self.started.frob, self._t0, self.frob_ttl, self._used)


class WebFlow:
    """The web (callback) flow, docs/protocol.md §4.2: the frob arrives on the app's callback URL.

    Example:
        >>> flow = WebFlow()
        >>> url = flow.authorize_url(client, perms={"doc": "read"})   # doctest: +SKIP
        >>> # the browser comes back to https://your.app/callback?frob=...
        >>> token = flow.finish("https://your.app/callback?frob=123-ab")   # doctest: +SKIP
    """

    def __init__(self, *, frob_ttl: float = FROB_TTL) -> None:
        self.frob_ttl = frob_ttl
        self.client: Client | None = None
        self._t0: float | None = None
        self._used: set[str] = set()

    def authorize_url(self, client: Client, perms: Mapping[str, str] | None = None) -> str:
        """The signed link (no frob: the site creates one and sends it to the callback)."""
        url = authorize_url(client, perms if perms is not None else {"doc": "read"})
        self.client, self._t0 = client, time.monotonic()
        return url

    @staticmethod
    def frob_from(callback: str) -> str:
        """The frob from a callback URL (``…?frob=…``) or a bare frob."""
        if "frob=" in callback:
            values = parse_qs(urlsplit(callback).query).get("frob") or parse_qs(callback).get("frob")
            if values:
                return values[0]
        if "?" in callback or "/" in callback:
            raise ParameterError(
                "The callback URL carries no frob parameter: was the request denied?",
                param="frob",
                expected="…?frob=<frob>",
            )
        return callback.strip()

    def finish(self, frob: str, client: Client | None = None) -> Token:
        """Exchange the frob (or the whole callback URL) for a token and give it to the client."""
        client = client or self.client
        if client is None:
            raise ParameterError("Call authorize_url(client, perms) first, or pass client=.", param="client")
        return _get_token(client, self.frob_from(frob), self._t0, self.frob_ttl, self._used)


def check_token(client: Client, *, store: TokenStore | None = None) -> Token:
    """Re-read the token's user and rights (``auth.checkToken``) and refresh ``client.rights``.

    Raises :class:`~ipernity_nb.errors.TokenRevokedError` (code 107, an ``AuthError``) when
    the member revoked the application: the client then holds no token, and ``store`` (if
    given) forgets it, so the next run asks to authorize again.

    Example:
        >>> check_token(client).username      # doctest: +SKIP
        'alice'
    """
    if not client.token:
        raise ParameterError("The client has no token: authorize first (AuthForm or DesktopFlow).", param="token")
    try:
        payload = client.call("auth.checkToken", auth_token=client.token)  # the catalog lists it as required
    except AuthError as err:
        if err.code != 107:
            raise
        revoked = Token(client.token, api_key=client.api_key)
        apply_token(client, None)
        if store is not None:
            store.discard(revoked)
        raise TokenRevokedError(err.code, err.message, method=err.method) from err
    token = Token.from_payload(payload, api_key=client.api_key, token=client.token)
    apply_token(client, token)
    return token


# --- credentials ------------------------------------------------------------------------------


def client_from_env(
    api_key: str | None = None,
    secret: str | None = None,
    token: str | Token | None = None,
    *,
    user: str | int | None = None,
    store: TokenStore | None = None,
    check: bool = False,
    **client_kwargs: Any,
) -> Client:
    """Build a :class:`~ipernity_nb.Client` from arguments, then the environment, then the token store.

    See the module docstring for the order. ``user`` picks one of several saved accounts;
    ``check=True`` verifies the token with ``auth.checkToken`` (and learns its rights).

    Example:
        >>> client = client_from_env()       # IPERNITY_API_KEY etc. set      # doctest: +SKIP
    """
    from .client import Client
    from .tokenstore import TokenStore

    env = os.environ
    api_key = api_key or env.get("IPERNITY_API_KEY")
    if not api_key:
        raise ParameterError(
            "No API key: pass api_key=..., or set IPERNITY_API_KEY (get a key at https://www.ipernity.com/apps/key, "
            "or use the sandbox's demo app).",
            param="api_key",
            expected="an API key",
        )
    secret = secret or env.get("IPERNITY_API_SECRET")
    for kw, var in (("url", "IPERNITY_API_URL"), ("site_url", "IPERNITY_SITE_URL")):
        if kw not in client_kwargs and env.get(var):
            client_kwargs[kw] = env[var]
    saved: Token | None = token if isinstance(token, Token) else None
    raw = token if isinstance(token, str) else None
    raw = raw or (None if saved else env.get("IPERNITY_AUTH_TOKEN"))
    if saved is None and raw is None:
        saved = (store if store is not None else TokenStore()).load(api_key, user)
    client = Client(api_key, secret, **client_kwargs)
    if saved is not None:
        apply_token(client, saved)
    elif raw:
        client.token = raw
    if check and client.token:
        check_token(client, store=store if store is not None else TokenStore())
    return client


# --- sandbox convenience ----------------------------------------------------------------------


class SandboxApprover:
    """Approve a pending frob as a demo user through the sandbox control plane (tutorials, tests).

    Talks HTTP only (``POST {site_url}/_sandbox/frobs/<frob>/approve``); absent for the real service.

    Example:
        >>> approver = SandboxApprover(sb.url, sb.admin_token)                 # doctest: +SKIP
        >>> approver.approve(start.frob, "alice", {"doc": "write"})            # doctest: +SKIP
    """

    def __init__(self, site_url: str, admin_token: str, *, timeout: tuple[float, float] = (5.0, 30.0)) -> None:
        self.site_url = site_url.rstrip("/")
        self._admin_token = admin_token
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SandboxApprover({self.site_url!r}, admin_token=***)"

    def approve(self, frob: str, username: str, perms: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Approve ``frob`` as ``username`` granting ``perms``; returns the control plane's answer."""
        url = f"{self.site_url}/_sandbox/frobs/{frob}/approve"
        body = {"username": username, "perms": {s: v for s, v in normalize_perms(perms).items() if v != "none"}}
        try:
            resp = requests.post(
                url, json=body, headers={"Authorization": f"Bearer {self._admin_token}"}, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise TransportError(f"Cannot reach the sandbox control plane at {self.site_url}: {exc}.") from exc
        if resp.status_code == 401:
            raise TransportError("The sandbox refused the admin token (401): pass the sandbox's admin_token.")
        if resp.status_code >= 400:
            try:
                detail = resp.json().get("error") or resp.text[:200]
            except ValueError:
                detail = resp.text[:200]
            raise TransportError(
                f"The sandbox could not approve the frob as {username!r} (HTTP {resp.status_code}): {detail}",
                status=resp.status_code,
            )
        try:
            return resp.json()
        except ValueError:
            return {}
