"""The site's shared rules: security headers on every page, the callback from the configured URL,
login throttling (injectable clock), logout by POST, the Bearer scheme, expired rows purged."""

from __future__ import annotations

import sqlite3
import time

import pytest
import requests
from apphelpers import form, member, new_key
from authpages import login, parse, submit

from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.pages import SECURITY_HEADERS
from ipernity_nb.signing import api_sig

WEB_APP = {"api_key": "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49", "secret": "0f1e2d3c4b5a6978"}


def _signed_link(app: dict, **params: str) -> dict[str, str]:
    p = {"api_key": app["api_key"], **params}
    return p | {"api_sig": api_sig(p, app["secret"])}


def test_every_site_page_sends_the_security_headers(sandbox, demo_app):
    s, _ = member(sandbox)
    app = new_key(s, sandbox)
    frob = requests.get(
        sandbox.api_url + "auth.getFrob", params=_sign_method(demo_app, "auth.getFrob"), timeout=10
    ).json()["auth"]["frob"]
    pages = {
        "home": s.get(sandbox.url + "/"),
        "login": requests.get(sandbox.url + "/login"),
        "coverage": s.get(sandbox.url + "/coverage"),
        "gallery": requests.get(sandbox.url + "/apps"),
        "public app": requests.get(f"{sandbox.url}/apps/app/{demo_app['api_key']}"),
        "keys": s.get(sandbox.url + "/apps/key"),
        "key": s.get(f"{sandbox.url}/apps/key/{app['api_key']}"),
        "stats": s.get(f"{sandbox.url}/apps/key/{app['api_key']}/stats.json"),
        "authorized": s.get(sandbox.url + "/apps/authorized"),
        "callback": requests.get(sandbox.url + "/apps/callback?frob=1-a"),
        "consent": s.get(sandbox.url + "/apps/authorize", params=_signed_link(demo_app, frob=frob, perm_doc="read")),
        "error": s.get(sandbox.url + "/apps/authorize", params={"api_key": demo_app["api_key"]}),
        "oauth consent": s.get(sandbox.url + "/apps/oauth/authorize", params={"oauth_token": "nope"}),
        "logout by GET": s.get(sandbox.url + "/logout"),
        "not your key": member(sandbox)[0].get(f"{sandbox.url}/apps/key/{app['api_key']}"),
    }
    assert "fa" in {f.name for f in parse(pages["consent"].text).forms}
    for name, r in pages.items():
        for header, value in SECURITY_HEADERS.items():
            assert r.headers.get(header) == value, (name, header, r.headers.get(header))
    assert "frame-ancestors 'none'" in SECURITY_HEADERS["Content-Security-Policy"]


def _sign_method(app: dict, method: str, **params: str) -> dict[str, str]:
    from ipernity_nb.signing import sign

    return sign({"api_key": app["api_key"], **params}, app["secret"], method)


def test_web_callback_ignores_the_host_header(sandbox):
    s, _ = member(sandbox)
    link = _signed_link(WEB_APP, perm_blog="read")
    # requests would file the cookie under the Host header's name: send it by hand, as a browser would
    evil = {"Host": "evil.example:666", "Cookie": "; ".join(f"{c.name}={c.value}" for c in s.cookies)}
    page = requests.get(sandbox.url + "/apps/authorize", params=link, headers=evil, allow_redirects=False)
    assert page.status_code == 200
    fa = form(page, "fa")
    r = requests.post(
        sandbox.url + "/apps/authorize", data=fa.fields | {"action": "approve"}, headers=evil, allow_redirects=False
    )
    assert r.status_code == 302
    assert r.headers["Location"].startswith(sandbox.url + "/apps/callback?frob="), r.headers["Location"]


def test_configured_site_url_builds_the_callback():
    with Sandbox(seed="empty", site_url="https://class.example.org/") as sb:
        s = requests.Session()
        login(s, sb.url, "bob")
        page = s.get(sb.url + "/apps/authorize", params=_signed_link(WEB_APP, perm_doc="read"))
        r = submit(s, page, form(page, "fa"), {"action": "approve"}, allow_redirects=False)
        assert r.headers["Location"].startswith("https://class.example.org/apps/callback?frob=")


def test_login_is_throttled_on_an_injectable_clock():
    now = [1000.0]
    with Sandbox(seed="empty", login_clock=lambda: now[0]) as sb:
        s = requests.Session()

        def attempt(password: str, user: str = "carol") -> requests.Response:
            page = s.get(sb.url + "/login")
            return submit(s, page, form(page, "login"), {"username": user, "password": password}, allow_redirects=False)

        for _ in range(5):
            assert attempt("wrong").status_code == 401
        refused = attempt("demo")  # even the right password waits: no oracle for guessers
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "60" and "wait 60 s" in refused.text
        assert attempt("demo", user="dave").status_code == 303  # another user name is not blocked
        now[0] += 30
        assert attempt("demo").status_code == 429
        now[0] += 31
        assert attempt("demo").status_code == 303  # the window passed: no sleeping in this test


def test_logout_needs_a_post_with_the_csrf_token(sandbox):
    s, _ = member(sandbox)
    keys = sandbox.url + "/apps/key"
    r = s.get(sandbox.url + "/logout", allow_redirects=False)
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    assert s.get(keys, allow_redirects=False).status_code == 200  # still signed in
    home = s.get(sandbox.url + "/")
    out = submit(s, home, form(home, "logout"), {}, allow_redirects=False)
    assert out.status_code == 303
    assert s.get(keys, allow_redirects=False).status_code == 303  # signed out: back to the login page


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_bearer_scheme_is_case_insensitive(sandbox, scheme):
    r = requests.get(sandbox.url + "/_sandbox/status", headers={"Authorization": f"{scheme} {sandbox.admin_token}"})
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert requests.get(sandbox.url + "/_sandbox/status", headers={"Authorization": f"{scheme} x"}).status_code == 401


def test_expired_frobs_sessions_request_tokens_and_nonces_are_purged(demo_app):
    with Sandbox(seed="empty") as sb:
        old = int(time.time()) - 30 * 24 * 3600
        with sqlite3.connect(sb.db_path) as db:
            db.execute(
                "INSERT INTO frobs (frob, api_key, created_at, expires_at) VALUES ('1-old', ?, ?, ?)",
                (demo_app["api_key"], old, old + 600),
            )
            db.execute("INSERT INTO sessions VALUES ('old-session', 284001, 'c', ?)", (old,))
            db.execute(
                "INSERT INTO oauth_tokens (token, secret, api_key, kind, created_at)"
                " VALUES ('rt', 's', ?, 'request', ?)",
                (demo_app["api_key"], old),
            )
            db.executemany(
                "INSERT INTO oauth_nonces VALUES (?, ?, ?)",
                [(demo_app["api_key"], "n1", old), (demo_app["api_key"], "n2", old + 1)],
            )
        fresh = requests.get(sb.api_url + "auth.getFrob", params=_sign_method(demo_app, "auth.getFrob"))
        frob = fresh.json()["auth"]["frob"]
        with sqlite3.connect(sb.db_path) as db:
            frobs = {r[0] for r in db.execute("SELECT frob FROM frobs")}
            assert frobs == {frob}  # the expired one went, the new one stays
            assert db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0
            assert db.execute("SELECT COUNT(*) FROM oauth_tokens").fetchone()[0] == 0
            # the newest nonce of the key stays: 134 "older than a previous request" keeps its reference
            assert [r[0] for r in db.execute("SELECT nonce FROM oauth_nonces")] == ["n2"]
