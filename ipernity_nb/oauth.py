"""OAuth 1.0a for ipernity (docs/protocol.md §4.4), with requests-oauthlib.

The frob flow (:class:`ipernity_nb.auth.DesktopFlow`) is the default; this is for apps that
already speak OAuth. ipernity supports OAuth 1.0/1.0a **without** ``oauth_verifier``, and
permissions ride on the authorize URL. After :meth:`OAuthFlow.finish` the client's calls are
OAuth-signed (HMAC-SHA1 over ``METHOD&url&params``, URL with its ``/json`` suffix) instead of
carrying ``api_key``/``auth_token``/``api_sig``: :func:`attach` sets ``client.auth`` to
requests-oauthlib's ``OAuth1``, which takes the place of the api_sig signer (both are a
``requests.auth.AuthBase``), so nothing added for one scheme has to be removed for the other.

Example:
    >>> flow = OAuthFlow()
    >>> start = flow.start(client, perms={"doc": "write"})     # doctest: +SKIP
    >>> # open start.url, log in, approve, then:
    >>> token = flow.finish()                                  # doctest: +SKIP
    >>> client.call("auth.checkToken", auth_token=client.token)["auth"]["user"]["username"]  # doctest: +SKIP
    'alice'
"""

from __future__ import annotations

import dataclasses
import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

import requests
from requests_oauthlib import OAuth1

from .auth import check_token
from .authtoken import Token, normalize_perms
from .errors import APIError, AuthError, ParameterError, ServerError, TransportError, error_for

if TYPE_CHECKING:
    from .client import Client

__all__ = ["OAuthFlow", "OAuthStart", "attach"]

log = logging.getLogger(__name__)


def attach(client: Client, token: str, token_secret: str) -> None:
    """Make ``client`` sign its calls with OAuth using the access ``token`` and ``token_secret``."""
    secret = client.secret
    if not secret:
        raise ParameterError("OAuth needs the API secret (the consumer secret).", param="secret")
    client.auth = OAuth1(client.api_key, secret, token, token_secret, signature_type="AUTH_HEADER")
    client.token = token  # lets the client relax caller defaults and check rights; never sent as such


@dataclass(frozen=True)
class OAuthStart:
    """The authorize link and the request token (its secret stays in the flow)."""

    url: str
    request_token: str
    perms: dict[str, str]

    def __repr__(self) -> str:
        return f"OAuthStart(url=<authorize link>, request_token=***, perms={self.perms!r})"

    def _repr_html_(self) -> str:
        return f'<a href="{html.escape(self.url)}" target="_blank" rel="noopener">Authorize on ipernity (OAuth)</a>'


def _form(resp: requests.Response, step: str) -> dict[str, str]:
    """Parse a token endpoint's form-encoded answer, or raise the API error it carries."""
    data = dict(parse_qsl(resp.text))
    if resp.ok and data.get("oauth_token") and data.get("oauth_token_secret"):
        return data
    if "code" in data:
        raise error_for(data["code"], data.get("message", "OAuth error"), method=f"oauth.{step}")
    raise ServerError(
        f"The OAuth {step} endpoint answered HTTP {resp.status_code} without a token; check site_url.",
        status=resp.status_code,
    )


class OAuthFlow:
    """OAuth 1.0a: request token -> user approves on ipernity -> access token (no verifier).

    Example:
        >>> flow = OAuthFlow()                                           # doctest: +SKIP
        >>> start = flow.start(client, perms={"doc": "read"})            # doctest: +SKIP
        >>> # open start.url, approve, then:
        >>> flow.finish()                                                # doctest: +SKIP
    """

    def __init__(self, *, callback: str | None = None) -> None:
        self.callback = callback
        self.client: Client | None = None
        self.started: OAuthStart | None = None
        self._request_secret = ""

    def __repr__(self) -> str:
        return f"OAuthFlow({'pending' if self.started else 'not started'})"

    def _get(self, client: Client, step: str, auth: OAuth1) -> dict[str, str]:
        url = f"{client.site_url}/apps/oauth/{step}"
        try:
            resp = requests.get(url, auth=auth, timeout=client.timeout)
        except requests.RequestException as exc:
            raise TransportError(f"Could not reach {client.site_url} for the OAuth {step} step.") from exc
        return _form(resp, step)

    def start(self, client: Client, perms: Mapping[str, str] | None = None) -> OAuthStart:
        """Get a request token and build the authorize link asking for ``perms``."""
        secret = client.secret
        if not secret:
            raise ParameterError("OAuth needs the API secret (the consumer secret).", param="secret")
        wanted = normalize_perms(perms if perms is not None else {"doc": "read"})
        asked = {f"perm_{s}": v for s, v in wanted.items() if v != "none"}
        if not asked:
            raise ParameterError("Ask for at least one right, e.g. perms={'doc': 'read'}.", param="perms")
        data = self._get(client, "request", OAuth1(client.api_key, secret, callback_uri=self.callback))
        self.client, self._request_secret = client, data["oauth_token_secret"]
        url = f"{client.site_url}/apps/oauth/authorize?" + urlencode({"oauth_token": data["oauth_token"], **asked})
        self.started = OAuthStart(url=url, request_token=data["oauth_token"], perms=wanted)
        return self.started

    def finish(self) -> Token:
        """Exchange the approved request token for an access token; the client then signs with OAuth."""
        if self.client is None or self.started is None:
            raise ParameterError("Call start(client, perms) first, approve, then finish().", param="oauth_token")
        client, secret = self.client, self.client.secret
        auth = OAuth1(client.api_key, secret, self.started.request_token, self._request_secret)
        try:
            data = self._get(client, "access", auth)
        except APIError as err:
            if err.code == 107:
                raise AuthError(
                    err.code,
                    err.message,
                    method=err.method,
                    hint="The request token is not approved (yet), was denied or expired: open the link, approve, "
                    "and finish again; otherwise start a new OAuth authorization.",
                ) from err
            raise
        attach(client, data["oauth_token"], data["oauth_token_secret"])
        self.started = None
        token = dataclasses.replace(check_token(client), token=data["oauth_token"])
        client.token = token.token
        log.info("authorized with OAuth as %s", token.username)
        return token
