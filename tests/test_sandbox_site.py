"""Site pages driven like a browser: login, consent, approve/deny, callback, CSRF, redirects."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests

from ipernity_nb.sandbox.site import safe_next
from ipernity_nb.signing import api_sig, sign

WEB_APP = {
    "api_key": "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49",
    "secret": "0f1e2d3c4b5a6978",
    "name": "ipernity_nb demo (web)",
}


class FormParser(HTMLParser):
    """Collects the inputs of every form by name, and the text of div.ok / div.error blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.actions: dict[str, str] = {}
        self._form: str | None = None
        self.blocks: dict[str, str] = {}
        self._div: str | None = None
        self.links: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = a.get("name", "")
            self.forms[self._form] = {}
            self.actions[self._form] = a.get("action", "")
        elif tag == "input" and self._form is not None and a.get("type") == "hidden":
            self.forms[self._form][a["name"]] = a.get("value", "")
        elif tag == "div" and a.get("class") in ("ok", "error"):
            self._div = a["class"]
            self.blocks[self._div] = ""
        elif tag == "a" and a.get("id"):
            self.links[a["id"]] = a.get("href", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "div":
            self._div = None

    def handle_data(self, data: str) -> None:
        if self._div:
            self.blocks[self._div] += data


def parse(html: str) -> FormParser:
    p = FormParser()
    p.feed(html)
    return p


def authorize_url(sandbox, app: dict, frob: str | None = None, **perms: str) -> str:
    params = {"api_key": app["api_key"], **({"frob": frob} if frob else {}), **perms}
    params["api_sig"] = api_sig(params, app["secret"])  # no method name (§3.2)
    return f"{sandbox.url}/apps/authorize?{urlencode(params)}"


def get_frob(sandbox, app: dict) -> str:
    r = requests.get(
        sandbox.api_url + "auth.getFrob", params=sign({"api_key": app["api_key"]}, app["secret"], "auth.getFrob")
    )
    return r.json()["auth"]["frob"]


def get_token(sandbox, app: dict, frob: str) -> dict:
    p = sign({"api_key": app["api_key"], "frob": frob}, app["secret"], "auth.getToken")
    return requests.get(sandbox.api_url + "auth.getToken", params=p).json()


def login(browser: requests.Session, sandbox, username: str = "alice", password: str = "demo", nxt: str = "/"):
    """Open the login page, then post the form with its hidden CSRF input, like a browser."""
    page = browser.get(f"{sandbox.url}/login", params={"next": nxt})
    form = parse(page.text).forms["login"]
    return browser.post(f"{sandbox.url}/login", data={**form, "username": username, "password": password})


@pytest.fixture()
def browser(sandbox):
    with requests.Session() as s:
        yield s


def test_desktop_flow_login_consent_approve(sandbox, demo_app, browser):
    frob = get_frob(sandbox, demo_app)
    url = authorize_url(sandbox, demo_app, frob, perm_doc="write", perm_network="read")
    r = browser.get(url)
    # No session yet: redirected to the login form, which remembers where to come back to.
    assert urlparse(r.url).path == "/login"
    assert parse_qs(urlparse(r.url).query)["next"][0].startswith("/apps/authorize?")
    form = parse(r.text).forms["login"]
    assert form["next"].startswith("/apps/authorize?") and form["csrf"]
    r = browser.post(f"{sandbox.url}/login", data={**form, "username": "bob", "password": "demo"})
    assert urlparse(r.url).path == "/apps/authorize"
    page = parse(r.text)
    assert "fa" in page.forms, r.text
    assert demo_app["name"] in r.text
    assert "Add and edit your photos, videos and documents" in r.text
    assert "See your contacts (network), including private ones" in r.text
    hidden = page.forms["fa"]
    assert hidden["frob"] == frob and hidden["perm_doc"] == "write" and "csrf" in hidden
    # A token cannot be had before approval.
    assert get_token(sandbox, demo_app, frob)["api"]["code"] == "2"
    r = browser.post(f"{sandbox.url}/apps/authorize", data=hidden)  # posting the hidden inputs approves
    assert r.status_code == 200 and "ok" in parse(r.text).blocks
    tok = get_token(sandbox, demo_app, frob)
    assert tok["api"]["status"] == "ok"
    assert tok["auth"]["user"]["username"] == "bob"
    assert tok["auth"]["permissions"] == {
        "doc": "write",
        "blog": "none",
        "post": "none",
        "network": "read",
        "profile": "none",
    }
    # Single use.
    assert get_token(sandbox, demo_app, frob)["api"]["code"] == "2"
    # Already authorized with these rights: an ok block instead of the form, and the frob is bound.
    frob2 = get_frob(sandbox, demo_app)
    r = browser.get(authorize_url(sandbox, demo_app, frob2, perm_doc="read"))
    page = parse(r.text)
    assert "fa" not in page.forms and "ok" in page.blocks
    assert get_token(sandbox, demo_app, frob2)["auth"]["permissions"]["doc"] == "read"
    # Asking for more than was granted shows the form again.
    frob3 = get_frob(sandbox, demo_app)
    r = browser.get(authorize_url(sandbox, demo_app, frob3, perm_doc="delete"))
    assert "fa" in parse(r.text).forms


def test_web_flow_redirects_to_callback_with_frob(sandbox, browser):
    login(browser, sandbox, "carol")
    r = browser.get(authorize_url(sandbox, WEB_APP, perm_doc="read"))
    page = parse(r.text)
    assert WEB_APP["name"] in r.text and "frob" not in page.forms["fa"]
    r = browser.post(f"{sandbox.url}/apps/authorize", data=page.forms["fa"], allow_redirects=False)
    assert r.status_code == 302
    loc = urlparse(r.headers["Location"])
    assert f"{loc.scheme}://{loc.netloc}" == sandbox.url and loc.path == "/apps/callback"
    frob = parse_qs(loc.query)["frob"][0]
    cb = browser.get(r.headers["Location"])
    assert f'id="frob">{frob}<' in cb.text
    tok = get_token(sandbox, WEB_APP, frob)
    assert tok["auth"]["user"]["username"] == "carol" and tok["auth"]["permissions"]["doc"] == "read"
    # A web frob belongs to its app: the desktop demo app cannot redeem another one.
    r = browser.get(authorize_url(sandbox, WEB_APP, perm_doc="read"))
    link = parse(r.text).links["continue"]
    frob2 = parse_qs(urlparse(link).query)["frob"][0]
    desktop = {"api_key": "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "secret": "a1b2c3d4e5f60718"}
    assert get_token(sandbox, desktop, frob2)["api"]["code"] == "2"
    assert get_token(sandbox, WEB_APP, frob2)["api"]["status"] == "ok"


def test_deny_refuses_the_frob(sandbox, demo_app, browser):
    login(browser, sandbox, "dave")
    frob = get_frob(sandbox, demo_app)
    page = parse(browser.get(authorize_url(sandbox, demo_app, frob, perm_blog="read")).text)
    r = browser.post(f"{sandbox.url}/apps/authorize", data={**page.forms["fa"], "action": "deny"})
    assert "error" in parse(r.text).blocks and "refused" in r.text
    assert get_token(sandbox, demo_app, frob)["api"]["code"] == "2"


def test_csrf_rejected_on_consent_and_login(sandbox, demo_app, browser):
    login(browser, sandbox, "alice")
    frob = get_frob(sandbox, demo_app)
    page = parse(browser.get(authorize_url(sandbox, demo_app, frob, perm_post="write")).text)
    forged = {**page.forms["fa"], "csrf": "forged"}
    r = browser.post(f"{sandbox.url}/apps/authorize", data=forged)
    assert r.status_code == 403
    missing = {k: v for k, v in page.forms["fa"].items() if k != "csrf"}
    assert browser.post(f"{sandbox.url}/apps/authorize", data=missing).status_code == 403
    assert get_token(sandbox, demo_app, frob)["api"]["code"] == "2"  # nothing was approved
    # Login form posted without the pre-session cookie (a cross-site post): refused.
    fresh = requests.Session()
    form = parse(fresh.get(f"{sandbox.url}/login").text).forms["login"]
    r = requests.post(f"{sandbox.url}/login", data={**form, "username": "alice", "password": "demo"})
    assert r.status_code == 400 and "ipn_session" not in "".join(r.cookies.keys())


def test_session_cookie_flags_and_login_errors(sandbox, browser):
    page = browser.get(f"{sandbox.url}/login")
    form = parse(page.text).forms["login"]
    r = browser.post(
        f"{sandbox.url}/login", data={**form, "username": "alice", "password": "demo"}, allow_redirects=False
    )
    assert r.status_code == 303
    cookies = r.raw.headers.getlist("Set-Cookie")
    (session_cookie,) = [c for c in cookies if c.startswith("ipn_session_")]
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie and "Path=/" in session_cookie
    # The pre-session cookie is dropped: the login form's CSRF token is single-use.
    assert any(c.startswith("ipn_pre_") and "Expires=Thu, 01 Jan 1970" in c for c in cookies)
    bad = login(browser, sandbox, "alice", "nope")
    assert bad.status_code == 401 and "wrong password" in bad.text
    closed = login(browser, sandbox, "closed_account", "demo")
    assert closed.status_code == 403 and "closed" in closed.text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/apps/authorize?x=1", "/apps/authorize?x=1"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_local(target, expected):
    assert safe_next(target) == expected


def test_login_does_not_redirect_off_site(sandbox, browser):
    r = login(browser, sandbox, "alice", nxt="//evil.example/x")
    assert urlparse(r.url).netloc == urlparse(sandbox.url).netloc and urlparse(r.url).path == "/"


def test_authorize_rejects_bad_links(sandbox, demo_app, browser):
    login(browser, sandbox, "alice")
    frob = get_frob(sandbox, demo_app)
    good = authorize_url(sandbox, demo_app, frob, perm_doc="read")
    r = browser.get(good.replace("perm_doc=read", "perm_doc=write"))  # tampered: signature no longer matches
    assert r.status_code == 400 and "signature" in r.text
    r = browser.get(f"{sandbox.url}/apps/authorize?api_key=nope&perm_doc=read&api_sig=x")
    assert r.status_code == 400 and "101" in r.text
    r = browser.get(authorize_url(sandbox, demo_app, "123-abc", perm_doc="read"))
    assert r.status_code == 400 and "expired" in r.text
    r = browser.get(authorize_url(sandbox, demo_app, frob))  # no rights asked
    assert r.status_code == 400


def test_pages_render_and_oauth_answers(sandbox, browser):
    home = browser.get(sandbox.url + "/")
    assert home.status_code == 200 and "/api/" in home.text
    # The home page's "try it" link is a valid signed authorize link for the demo web app.
    login(browser, sandbox, "bob")
    r = browser.get(sandbox.url + parse(home.text).links["try"])
    assert WEB_APP["name"] in r.text and ("fa" in parse(r.text).forms or "ok" in parse(r.text).blocks)
    assert browser.get(sandbox.url + "/coverage").status_code == 200
    r = browser.get(sandbox.url + "/apps/oauth/request")  # no OAuth parameters: an OAuth problem, not a crash
    assert r.status_code == 401 and "131" in r.text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_package_client_runs_hello_and_the_desktop_flow(sandbox, demo_app, browser, fmt):
    """The package's own Client, unchanged but for the base URL, against the sandbox (issue: done-when)."""
    from ipernity_nb import Client
    from ipernity_nb.errors import APIError

    client = Client(
        demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, site_url=sandbox.url, format=fmt, progress=False
    )
    assert client.call("test.hello")["hello"] == "hello world!"
    frob = client.call("auth.getFrob")["auth"]["frob"]
    login(browser, sandbox, "alice")
    page = parse(browser.get(authorize_url(sandbox, demo_app, frob, perm_doc="write", perm_post="read")).text)
    if "fa" in page.forms:  # alice may already have granted these rights in an earlier test
        browser.post(f"{sandbox.url}/apps/authorize", data=page.forms["fa"])
    auth = client.call("auth.getToken", frob=frob)["auth"]
    assert auth["user"]["username"] == "alice" and auth["permissions"]["doc"] == "write"
    client.token = auth["token"]
    assert client.call("auth.checkToken")["auth"]["permissions"]["post"] == "read"
    with pytest.raises(APIError) as info:
        client.call("auth.getToken", frob=frob)  # single use
    assert info.value.code == 2
