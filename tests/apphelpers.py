"""Drive the application pages (/apps/key, settings, /apps/authorized) like a browser.

Shared by test_sandbox_apps.py, test_sandbox_keyrules.py and test_appstats.py. Builds on
tests/authpages.py (forms parsed with html.parser, submitted with their hidden inputs).
"""

from __future__ import annotations

import secrets
from html.parser import HTMLParser

import requests
from authpages import PASSWORD, Form, login, parse, submit

from ipernity_nb.signing import api_sig, sign


class _Texts(HTMLParser):
    """Text of every element that has an id (``<code id="secret">…</code>``)."""

    VOID = frozenset({"input", "br", "img", "meta", "link", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: dict[str, str] = {}
        self._stack: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        ident = dict(attrs).get("id")
        self._stack.append((tag, ident))
        if ident:
            self.texts[ident] = ""

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, ident in self._stack:
            if ident:
                self.texts[ident] += data


def texts(html: str) -> dict[str, str]:
    p = _Texts()
    p.feed(html)
    return p.texts


def form(page: requests.Response, name: str) -> Form:
    found = next((f for f in parse(page.text).forms if f.name == name), None)
    assert found is not None, f"no form {name!r} at {page.url}: {page.text[:400]}"
    return found


def member(sandbox, groups: tuple[int, ...] = ()) -> tuple[requests.Session, str]:
    """A new member, signed in: (browser session, username)."""
    name = f"dev_{secrets.token_hex(4)}"
    sandbox.create_user(name, PASSWORD, realname=name.title(), groups=list(groups))
    s = requests.Session()
    assert login(s, sandbox.url, name).ok
    return s, name


def new_key(s: requests.Session, sandbox, **fields: str) -> dict[str, str]:
    """Create a key through the form ``newkey``; returns ``{"api_key", "secret"}`` read from the key's page."""
    page = s.get(f"{sandbox.url}/apps/key", timeout=10)
    data = {"name": "My notebook", "description": "Tries the API", "kind": "desktop", "terms": "1", **fields}
    r = submit(s, page, form(page, "newkey"), data)
    assert r.status_code == 200 and "/apps/key/" in r.url, (r.status_code, r.text[:500])
    got = texts(r.text)
    return {"api_key": got["api_key"], "secret": got["secret"]}


def settings(s: requests.Session, sandbox, api_key: str, **change: str | None) -> requests.Response:
    """Submit the key's form ``settings`` as shown, with ``change`` applied (``None`` unticks a box)."""
    page = s.get(f"{sandbox.url}/apps/key/{api_key}", timeout=10)
    f = form(page, "settings")
    data = dict(f.fields)
    data.setdefault("group_id", "0")  # the <select> (html.parser forms skip it; a browser sends it)
    for k, v in change.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    return s.post(f"{sandbox.url}/apps/key/{api_key}", data=data, timeout=10)


def call(sandbox, app: dict, method: str, *, signed: bool = True, fmt: str = "json", **params: object) -> dict:
    """One API call with ``app``'s key (signed with its secret unless ``signed=False``); the JSON answer."""
    p: dict[str, object] = {"api_key": app["api_key"], **params}
    data = sign(p, app["secret"], method) if signed else {k: str(v) for k, v in p.items()}
    r = requests.get(f"{sandbox.api_url}{method}/{fmt}", params=data, timeout=10)
    return {"xml": r.text} if fmt == "xml" else r.json()  # an unknown format answers a JSON envelope


def code(answer: dict) -> int:
    """The API error code of a JSON answer, 0 for success."""
    api = answer.get("api", {})
    return int(api.get("code", 0)) if api.get("status") == "error" else 0


def authorize(s: requests.Session, sandbox, app: dict, perms: str = "read") -> str:
    """The desktop flow through the pages as the signed-in member: getFrob, approve, getToken -> token."""
    frob = call(sandbox, app, "auth.getFrob")["auth"]["frob"]
    params = {"api_key": app["api_key"], "frob": frob, "perm_doc": perms}
    params["api_sig"] = api_sig(params, app["secret"])
    page = s.get(f"{sandbox.url}/apps/authorize", params=params, timeout=10)
    if any(f.name == "fa" for f in parse(page.text).forms):
        page = submit(s, page, form(page, "fa"), {"action": "approve"})
    assert page.status_code == 200, page.text[:300]
    return call(sandbox, app, "auth.getToken", frob=frob)["auth"]["token"]
