"""The api_sig scheme as a ``requests`` auth object: adds ``api_key``, ``auth_token`` and ``api_sig``.

:class:`ApiSigAuth` is a :class:`requests.auth.AuthBase`, the same one-method contract as
requests-oauthlib's ``OAuth1``: a :class:`~ipernity_nb.Client` signs with whichever it is given,
so OAuth is a swap of ``client.auth``, not an undo of parameters already added. It reads the
:class:`Credentials` at each request, so a token set after an authorization flow is used at once.

The signature covers every parameter except ``api_sig`` and the uploaded file, sorted by name,
then the method name (docs/protocol.md §3.1, §3.3). A GET is signed in its query string, a
form-encoded POST in its body; a multipart upload's fields are signed before they are encoded
(:meth:`ApiSigAuth.sign_fields`), since its body is a stream.

Example:
    >>> import requests
    >>> creds = Credentials("5f3e7b1c9a", secret="a1b2c3", token="1-abc")
    >>> req = requests.Request("GET", "https://api.ipernity.com/api/test.echo/json", params={"echo": "hi"})
    >>> signed = requests.Request("GET", req.url, params={"echo": "hi"}, auth=ApiSigAuth(creds)).prepare()
    >>> sorted(k for k, _ in parse_qsl(urlsplit(signed.url).query))
    ['api_key', 'api_sig', 'auth_token', 'echo']
    >>> creds
    Credentials(api_key='5f3e…', secret=True, token=True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.auth import AuthBase

from .signing import api_sig

__all__ = ["ApiSigAuth", "Credentials", "method_of_url"]

_FORM = "application/x-www-form-urlencoded"


@dataclass
class Credentials:
    """The app's key and secret and the user's token: what a request is signed with.

    The secret and token never show in the repr.
    """

    api_key: str
    secret: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        key = f"{self.api_key[:4]}…" if self.api_key else ""
        return f"Credentials(api_key={key!r}, secret={self.secret is not None}, token={self.token is not None})"


def method_of_url(url: str) -> str:
    """``https://host/api/doc.search/json?…`` -> ``doc.search`` (the name the signature ends with).

    Example:
        >>> method_of_url("http://127.0.0.1:8080/api/doc.search/json?x=1")
        'doc.search'
    """
    parts = [p for p in urlsplit(url).path.split("/") if p]
    for i, p in enumerate(parts):
        if p == "api" and i + 1 < len(parts):
            return parts[i + 1]
    return parts[-2] if len(parts) >= 2 else ""


class ApiSigAuth(AuthBase):
    """Sign requests with ``api_key`` + ``auth_token`` + ``api_sig`` (docs/protocol.md §3)."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def __repr__(self) -> str:
        return f"ApiSigAuth({self.credentials!r})"

    def sign_fields(self, method: str, fields: Mapping[str, str]) -> dict[str, str]:
        """``fields`` with the key, the token (unless given) and the signature added."""
        c = self.credentials
        out = dict(fields)
        out.pop("api_sig", None)
        out["api_key"] = c.api_key
        if c.token and "auth_token" not in out:
            out["auth_token"] = c.token
        if c.secret:
            out["api_sig"] = api_sig(out, c.secret, method)
        return out

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        url = r.url or ""
        method = method_of_url(url)
        if r.method == "GET":
            parts = urlsplit(url)
            fields = self.sign_fields(method, dict(parse_qsl(parts.query, keep_blank_values=True)))
            r.url = urlunsplit(parts._replace(query=urlencode(fields)))
        elif not r.body or str(r.headers.get("Content-Type", "")).startswith(_FORM):
            body = r.body.decode() if isinstance(r.body, bytes) else str(r.body or "")
            r.prepare_body(self.sign_fields(method, dict(parse_qsl(body, keep_blank_values=True))), None)
        # a multipart body is a stream: its fields were signed by sign_fields before encoding
        return r
