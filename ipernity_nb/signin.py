"""Sign a student in with a user name and password through a sandbox's own pages.

On a shared classroom sandbox a student knows the sandbox's URL, their user name and their
password, never the admin token. :func:`password_sign_in` does what they would do in a
browser: start the desktop flow (docs/protocol.md §4.3), open the authorization link, sign
in on ``/login``, click **Approve** on the consent page, then exchange the frob for a token.
The pages are read with the standard library's HTML parser and submitted with every hidden
field they carry (the CSRF tokens included), over a session of its own, so the site cookie
never travels with API calls. The password is sent to the sign-in form only, never logged
or kept.

Example:
    >>> import ipernity_nb as ipn
    >>> client = ipn.connect()                                     # the embedded sandbox
    >>> password_sign_in(client, "bob", "demo", {"doc": "read"}).username
    'bob'
    >>> client.rights["doc"]
    'read'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import requests

from .auth import DesktopFlow
from .errors import SignInError, TransportError

if TYPE_CHECKING:
    from .authtoken import Token
    from .client import Client

__all__ = ["password_sign_in"]


@dataclass
class _Form:
    name: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)


class _Page(HTMLParser):
    """The forms of a page (hidden and text inputs), whether it shows an "ok" block, its error text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self.ok = False
        self.error = ""
        self._in_error = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "div" and "ok" in classes:
            self.ok = True
        if tag == "div" and "error" in classes:
            self._in_error = True
        if tag == "form":
            self.forms.append(_Form(a.get("name", ""), a.get("action", "")))
        elif tag == "input" and self.forms and a.get("name") and a.get("type", "text").lower() != "submit":
            self.forms[-1].fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            self._in_error = False

    def handle_data(self, data: str) -> None:
        if self._in_error:
            self.error += data

    def form(self, name: str) -> _Form | None:
        return next((f for f in self.forms if f.name == name), None)


def _send(session: requests.Session, method: str, url: str, timeout: object, **kw: object) -> requests.Response:
    try:
        return session.request(method, url, timeout=timeout, **kw)  # type: ignore[arg-type]
    except requests.RequestException as exc:
        where = urlsplit(url)
        raise TransportError(
            f"Cannot reach the sandbox's pages at {where.scheme}://{where.netloc} ({type(exc).__name__}): "
            "check the URL the teacher gave and that the sandbox is running."
        ) from None


def password_sign_in(client: Client, username: str, password: str, perms: Mapping[str, str] | None = None) -> Token:
    """Authorize ``client`` as ``username`` by signing in and approving on the sandbox's pages.

    ``perms`` are the rights asked for (default ``{"doc": "write"}``). Returns the
    :class:`~ipernity_nb.Token`, already given to the client. A wrong password or a closed
    account raises :class:`~ipernity_nb.errors.SignInError` with the page's own message.

    Example:
        >>> import ipernity_nb as ipn
        >>> password_sign_in(ipn.connect(), "carol", "wrong")
        Traceback (most recent call last):
        ...
        ipernity_nb.errors.SignInError: The sandbox refused to sign in 'carol': Unknown user name or wrong password. ...
    """
    if not username or not password:
        raise SignInError("Signing in needs both a user name and a password (the teacher hands them out).")
    flow = DesktopFlow()
    start = flow.start(client, perms if perms is not None else {"doc": "write"})
    site = client.site_url.rstrip("/")
    authorize_path = start.url[len(site) :] if start.url.startswith(site) else start.url
    timeout = client.timeout
    with requests.Session() as s:
        page = _send(s, "GET", f"{site}/login", timeout, params={"next": authorize_path})
        login = _Page(page.text).form("login")
        if login is None:
            raise SignInError(f"{site}/login shows no sign-in form (HTTP {page.status_code}): is this a sandbox URL?")
        data = login.fields | {"username": username, "password": password}
        # The login answers 303 to `next` (the authorize link), which shows the consent form.
        page = _send(s, "POST", urljoin(page.url, login.action or "/login"), timeout, data=data)
        shown = _Page(page.text)
        if shown.form("login") is not None or (page.status_code >= 400 and shown.form("fa") is None):
            reason = " ".join(shown.error.split()) or f"HTTP {page.status_code}"
            raise SignInError(
                f"The sandbox refused to sign in {username!r}: {reason} Check the user name and password "
                "the teacher gave you (they are case-sensitive)."
            )
        consent = shown.form("fa")
        if consent is not None:
            data = consent.fields | {"action": "approve"}
            page = _send(s, "POST", urljoin(page.url, consent.action), timeout, data=data)
            shown = _Page(page.text)
        if not shown.ok:
            reason = " ".join(shown.error.split()) or f"HTTP {page.status_code}"
            raise SignInError(f"The sandbox did not approve the app for {username!r}: {reason}")
    return flow.finish()
