"""The site's pages: home, sign in and out, the callback, coverage; and the URL map of all of them.

* ``GET/POST /login`` (``username``, ``password``, ``next``) sets an HttpOnly, SameSite=Lax
  session cookie; the login form's CSRF token is tied to a pre-session cookie. Wrong
  passwords are throttled (sandbox/throttle.py: 429 with ``Retry-After``). ``POST /logout``
  (with the session's CSRF token) signs out; a GET only explains that.
* ``/apps/callback`` shows the frob (the demo web app's callback).

The consent pages (``/apps/authorize``) are in :mod:`ipernity_nb.sandbox.consent`; a web
app's relative callback is resolved against the configured ``site_url``
(``Sandbox(site_url=...)``), else the address the server listens on, never the request's
``Host`` header. The application pages (keys, settings, statistics, gallery, revocation) are in
:mod:`ipernity_nb.sandbox.apppages`; OAuth 1.0a pages (``/apps/oauth/*``) in
:mod:`ipernity_nb.sandbox.oauth`. Every page answers through
:func:`ipernity_nb.sandbox.pages.page_response` (one set of security headers).
"""

from __future__ import annotations

import hmac
import secrets
import sqlite3
import threading
import time
from urllib.parse import urlencode

from werkzeug.routing import Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ..signing import api_sig
from .apppages import AppPages
from .consent import Consent
from .coverage import coverage
from .host import Host
from .model import purge_expired
from .oauth import pages as oauth_pages
from .pages import PageError, error_page, page_response, same_csrf, site_root, who
from .seed import DEMO_WEB_APP
from .state import check_password
from .throttle import LoginThrottle

__all__ = ["Site", "safe_next"]

#: Expired frobs, sessions, request tokens and nonces are deleted at most this often (seconds).
PURGE_EVERY = 60


def safe_next(target: str | None) -> str:
    """A local path to go back to after login; anything else (open redirect) becomes ``/``."""
    t = (target or "").strip()
    if not t.startswith("/") or t.startswith("//") or t.startswith("/\\") or any(c in t for c in "\r\n\t\\"):
        return "/"
    return t


class Site:
    """Login, consent, callback, home and coverage pages of one sandbox app."""

    def __init__(self, app: Host) -> None:
        self.app = app
        #: Wrong-password throttle; its clock is ``config["login_clock"]`` when given (tests).
        self.throttle = LoginThrottle(clock=app.config.get("login_clock") or time.monotonic)
        self.apps = AppPages(app)
        self.consent = Consent(app)
        self._next_purge = 0
        self._purge_lock = threading.Lock()

    def rules(self) -> list[Rule]:
        return [
            Rule("/", endpoint="site.index"),
            Rule("/login", endpoint="site.login", methods=["GET", "POST"]),
            Rule("/logout", endpoint="site.logout", methods=["GET", "POST"]),
            Rule("/apps/authorize", endpoint="site.authorize", methods=["GET", "POST"]),
            Rule("/apps/callback", endpoint="site.callback"),
            Rule("/apps/oauth/<step>", endpoint="site.oauth", methods=["GET", "POST"]),
            Rule("/coverage", endpoint="site.coverage"),
            Rule("/apps", endpoint="site.gallery"),
            Rule("/apps/app/<api_key>", endpoint="site.app_page"),
            Rule("/apps/key", endpoint="site.keys", methods=["GET", "POST"]),
            Rule("/apps/key/<api_key>", endpoint="site.key", methods=["GET", "POST"]),
            Rule("/apps/key/<api_key>/stats.json", endpoint="site.key_stats"),
            Rule("/apps/authorized", endpoint="site.authorized", methods=["GET", "POST"]),
        ]

    # --- cookies, sessions, housekeeping ------------------------------------------------------

    @property
    def _session_cookie(self) -> str:
        return f"ipn_session_{self.app.cookie_suffix}"

    @property
    def _pre_cookie(self) -> str:
        return f"ipn_pre_{self.app.cookie_suffix}"

    def session(self, request: Request) -> sqlite3.Row | None:
        """The signed-in member of ``request`` (session row joined with the user), or ``None``."""
        sid = request.cookies.get(self._session_cookie)
        if not sid:
            return None
        oldest = int(time.time()) - int(self.app.config["session_ttl"])
        with self.app.state.connection() as db:
            row: sqlite3.Row | None = db.execute(
                "SELECT s.session_id, s.csrf, u.* FROM sessions s JOIN users u ON u.user_id = s.user_id"
                " WHERE s.session_id = ? AND s.created_at > ?",
                (sid, oldest),
            ).fetchone()
        return row

    def purge_due(self, now: int) -> None:
        """Delete expired frobs, sessions, OAuth request tokens and nonces, at most every minute."""
        if now < self._next_purge or not self._purge_lock.acquire(blocking=False):
            return
        try:
            self._next_purge = now + PURGE_EVERY
            cfg = self.app.config
            with self.app.state.transaction(write=True) as db:
                purge_expired(
                    db,
                    now,
                    session_ttl=int(cfg["session_ttl"]),
                    frob_ttl=int(cfg["frob_ttl"]),
                    oauth_skew=int(cfg.get("oauth_skew", 300)),
                )
        finally:
            self._purge_lock.release()

    def _login_csrf(self, pre: str) -> str:
        return hmac.new(self.app.secret_key, pre.encode(), "sha256").hexdigest()[:32]

    # --- pages ------------------------------------------------------------------------------

    def index(self, request: Request) -> Response:
        sess = self.session(request)
        with self.app.state.connection() as db:
            web = db.execute(
                "SELECT api_key, secret, name FROM apps WHERE api_key = ?", (DEMO_WEB_APP["api_key"],)
            ).fetchone()
        link = name = ""
        if web is not None:  # a signed link, as the demo web app would build it (§4.2)
            params = {"api_key": web["api_key"], "perm_doc": "read"}
            link = "/apps/authorize?" + urlencode({**params, "api_sig": api_sig(params, web["secret"])})
            name = web["name"]
        return page_response(
            "index.html",
            title="Home",
            base=site_root(self.app.config, request),
            try_link=link,
            try_name=name,
            **who(sess),
        )

    def login(self, request: Request) -> Response:
        nxt = safe_next(request.values.get("next"))
        if request.method != "POST":
            return self._login_form(request, nxt)
        pre = request.cookies.get(self._pre_cookie, "")
        if not pre or not hmac.compare_digest(request.form.get("csrf", ""), self._login_csrf(pre)):
            return self._login_form(request, nxt, "The form expired or was not sent by this page. Try again.", 400)
        username = request.form.get("username", "").strip()[:200]
        addr = request.remote_addr or ""
        wait = self.throttle.wait(username, addr)
        if wait:
            msg = f"Too many wrong passwords: wait {wait} s before trying again."
            return self._login_form(request, nxt, msg, 429, username, {"Retry-After": str(wait)})
        with self.app.state.connection() as db:
            user = db.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
        if user is None or not check_password(user["password_hash"], request.form.get("password", "")):
            self.throttle.fail(username, addr)
            return self._login_form(request, nxt, "Unknown user name or wrong password.", 401, username)
        self.throttle.succeed(username)
        if user["is_closed"]:
            return self._login_form(request, nxt, "This account is closed.", 403, username)
        now = int(time.time())
        self.purge_due(now)
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        with self.app.state.transaction(write=True) as db:
            db.execute(
                "INSERT INTO sessions (session_id, user_id, csrf, created_at) VALUES (?, ?, ?, ?)",
                (sid, user["user_id"], csrf, now),
            )
        resp = redirect(nxt, 303)
        resp.set_cookie(self._session_cookie, sid, httponly=True, samesite="Lax", path="/")
        resp.delete_cookie(self._pre_cookie, path="/")
        return resp

    def _login_form(
        self,
        request: Request,
        nxt: str,
        error: str = "",
        status: int = 200,
        username: str = "",
        headers: dict[str, str] | None = None,
    ) -> Response:
        pre = request.cookies.get(self._pre_cookie) or secrets.token_urlsafe(24)
        resp = page_response(
            "login.html",
            status,
            headers,
            title="Sign in",
            error=error,
            login_csrf=self._login_csrf(pre),
            next=nxt,
            username=username,
        )
        resp.set_cookie(self._pre_cookie, pre, httponly=True, samesite="Lax", path="/")
        return resp

    def logout(self, request: Request) -> Response:
        sess = self.session(request)
        if request.method != "POST":  # a link or an <img> must not sign anyone out
            return page_response(
                "message.html",
                405,
                {"Allow": "POST"},
                title="Sign out",
                kind="error",
                message="Sign out with the button at the top of the page.",
                **who(sess),
            )
        if sess is not None:
            if not same_csrf(request, sess):
                return error_page(PageError("Request refused", "The form was not sent by this page (CSRF).", 403))
            with self.app.state.transaction(write=True) as db:
                db.execute("DELETE FROM sessions WHERE session_id = ?", (sess["session_id"],))
        resp = redirect("/", 303)
        resp.delete_cookie(self._session_cookie, path="/")
        return resp

    # --- authorization (sandbox/consent.py) -------------------------------------------------

    def authorize(self, request: Request) -> Response:
        return self.consent.authorize(request)

    def callback(self, request: Request) -> Response:
        return page_response(
            "callback.html", title="Callback", frob=request.args.get("frob", ""), **who(self.session(request))
        )

    def oauth(self, request: Request, step: str) -> Response:
        """OAuth 1.0a request/authorize/access: see :mod:`ipernity_nb.sandbox.oauth`."""
        return oauth_pages(self.app, request, step)

    def coverage(self, request: Request) -> Response:
        rows = coverage()
        return page_response(
            "coverage.html",
            title="Coverage",
            rows=rows,
            done=sum(r.emulated for r in rows),
            wide=True,
            **who(self.session(request)),
        )

    # --- application pages (sandbox/apppages.py) --------------------------------------------

    def gallery(self, request: Request) -> Response:
        return self.apps.gallery(request)

    def app_page(self, request: Request, api_key: str) -> Response:
        return self.apps.app_page(request, api_key)

    def keys(self, request: Request) -> Response:
        return self.apps.keys(request)

    def key(self, request: Request, api_key: str) -> Response:
        return self.apps.key(request, api_key)

    def key_stats(self, request: Request, api_key: str) -> Response:
        return self.apps.key_stats(request, api_key)

    def authorized(self, request: Request) -> Response:
        return self.apps.authorized(request)
