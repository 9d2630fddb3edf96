"""Drive the sandbox's login and consent pages with a requests.Session, as a browser would.

Shared by the auth tests (test_auth.py, test_authform.py). Forms are parsed with html.parser,
never with regexes on the markup, and submitted with every hidden input they carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests

PASSWORD = "demo"


@dataclass
class Form:
    name: str
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, label)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.ok_block = False
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "div" and "ok" in a.get("class", "").split():
            self.ok_block = True
        if tag == "form":
            self.forms.append(Form(a.get("name", ""), a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        form = self.forms[-1]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button"):
                form.buttons.append((a.get("name", ""), a.get("value", ""), a.get("value", "")))
            elif a.get("name") and (kind not in ("checkbox", "radio") or "checked" in a):
                form.fields[a["name"]] = a.get("value", "")
        elif tag == "button":
            self._button = [a.get("name", ""), a.get("value", ""), ""]

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None and self.forms:
            name, value, label = self._button
            self.forms[-1].buttons.append((name, value, label.strip()))
            self._button = None


def parse(html: str) -> _FormParser:
    p = _FormParser()
    p.feed(html)
    return p


def submit(session: requests.Session, page: requests.Response, form: Form, extra: dict[str, str], **kw):
    url = urljoin(page.url, form.action or page.url)
    data = form.fields | extra
    if form.method == "post":
        return session.post(url, data=data, timeout=10, **kw)
    return session.get(url, params=data, timeout=10, **kw)


def login(session: requests.Session, site_url: str, username: str, password: str = PASSWORD) -> requests.Response:
    """Log in through GET/POST /login; returns the final response."""
    page = session.get(f"{site_url}/login", timeout=10)
    page.raise_for_status()
    form = next(f for f in parse(page.text).forms if "password" in f.fields or f.name == "login")
    return submit(session, page, form, {"username": username, "password": password})


def _pick(form: Form, decision: str) -> dict[str, str]:
    for name, value, label in form.buttons:
        words = f"{name} {value} {label}".lower()
        if decision in words or (decision == "approve" and ("allow" in words or "authorize" in words)):
            return {name: value} if name else {}
    raise AssertionError(f"no {decision} button in form {form.name!r}: {form.buttons}")


def consent(
    session: requests.Session, authorize_url: str, decision: str = "approve", *, follow: bool = True
) -> requests.Response:
    """Open the authorize link (logged in already) and click approve or deny on form "fa".

    When the app already holds these rights the site shows ``<div class="ok">`` and approves
    without a form (docs/protocol.md §8.14); that page is returned for ``approve``.
    """
    page = session.get(authorize_url, timeout=10, allow_redirects=follow)
    if page.is_redirect:
        return page
    page.raise_for_status()
    parsed = parse(page.text)
    if parsed.ok_block and not any(f.name == "fa" for f in parsed.forms):
        assert decision == "approve", "the app is already authorized: use a fresh user to test deny"
        return page
    form = next((f for f in parsed.forms if f.name == "fa"), None)
    assert form is not None, f"no consent form 'fa' at {page.url}: {page.text[:300]}"
    return submit(session, page, form, _pick(form, decision), allow_redirects=follow)


def authorize_as(site_url: str, authorize_url: str, username: str, decision: str = "approve", *, follow=True):
    """A fresh browser: log in as ``username``, then approve/deny ``authorize_url``."""
    s = requests.Session()
    resp = login(s, site_url, username)
    assert resp.ok, resp.status_code
    return consent(s, authorize_url, decision, follow=follow)


def fresh_user(sandbox, prefix: str = "student") -> str:
    """A new member (password ``demo``) who has authorized nothing yet: consent forms always show."""
    import secrets

    name = f"{prefix}_{secrets.token_hex(4)}"
    sandbox.create_user(name, PASSWORD, realname=name.title())
    return name
