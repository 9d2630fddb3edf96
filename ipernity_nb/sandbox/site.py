"""The site pages a user sees while authorizing an app (docs/protocol.md §4.2, §4.3, §8.14).

* ``GET/POST /login`` (``username``, ``password``, ``next``) sets an HttpOnly, SameSite=Lax
  session cookie; the login form's CSRF token is tied to a pre-session cookie. Wrong
  passwords are throttled (sandbox/throttle.py: 429 with ``Retry-After``). ``POST /logout``
  (with the session's CSRF token) signs out; a GET only explains that.
* ``GET /apps/authorize?api_key&[frob]&perm_*&api_sig`` checks the signature (no method
  name, §3.2) and shows the consent form ``<form name="fa" method="post">`` whose hidden
  inputs carry the request (posting them approves; ``action=deny`` refuses), or a
  ``<div class="ok">`` block when the app already holds these rights.
* Web apps: approval answers 302 to the callback with ``?frob=``; a relative callback is
  resolved against the configured ``site_url`` (``Sandbox(site_url=...)``), else the address
  the server listens on, never the request's ``Host`` header. Desktop apps: approval binds
  the frob. ``/apps/callback`` shows the frob (the demo web app's callback).

The application pages (keys, settings, statistics, gallery, revocation) are in
:mod:`ipernity_nb.sandbox.apppages`; OAuth 1.0a pages (``/apps/oauth/*``) in
:mod:`ipernity_nb.sandbox.oauth`. Every page answers through
:func:`ipernity_nb.sandbox.pages.page_response` (one set of security headers).
"""

from __future__ import annotations

import hmac
import json
import secrets
import sqlite3
import threading
import time
from urllib.parse import urlencode

from werkzeug.routing import Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ..catalog import LEVELS
from ..signing import api_sig, same_sig
from .appkeys import get_key
from .apppages import AppPages, PageError, login_redirect, same_csrf
from .coverage import coverage
from .grants import holds_rights, record_authorization
from .host import Host
from .model import purge_expired
from .oauth import pages as oauth_pages
from .pages import page_response
from .seed import DEMO_WEB_APP
from .state import PERM_SCOPES, check_password, new_frob
from .throttle import LoginThrottle

__all__ = ["Site", "safe_next"]

#: Form fields added by the consent page itself, not part of the signed request.
_FORM_FIELDS = ("csrf", "action")
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

    def site_root(self, request: Request) -> str:
        """The configured site URL, else the address the server listens on (never the Host header)."""
        configured = self.app.config.get("site_url")
        if configured:
            return str(configured).rstrip("/")
        env = request.environ
        host = env.get("SERVER_NAME", "127.0.0.1")
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"{env.get('wsgi.url_scheme', 'http')}://{host}:{env.get('SERVER_PORT', '80')}"

    @staticmethod
    def _user(sess: sqlite3.Row | None) -> dict[str, str | None]:
        return {"user": sess["username"] if sess else None, "csrf": sess["csrf"] if sess else ""}

    def _error(self, err: PageError, sess: sqlite3.Row | None = None) -> Response:
        return page_response(
            "message.html", err.status, title=err.title, kind="error", message=err.message, **self._user(sess)
        )

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
            "index.html", title="Home", base=self.site_root(request), try_link=link, try_name=name, **self._user(sess)
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
                **self._user(sess),
            )
        if sess is not None:
            if not same_csrf(request, sess):
                return self._error(PageError("Request refused", "The form was not sent by this page (CSRF).", 403))
            with self.app.state.transaction(write=True) as db:
                db.execute("DELETE FROM sessions WHERE session_id = ?", (sess["session_id"],))
        resp = redirect("/", 303)
        resp.delete_cookie(self._session_cookie, path="/")
        return resp

    # --- authorization ----------------------------------------------------------------------

    def _check_request(self, params: dict[str, str], now: int) -> tuple[dict, dict[str, str], str]:
        """The app, the requested rights and the frob of a signed authorize request."""
        key, sig = params.get("api_key", ""), params.get("api_sig", "")
        if not key:
            raise PageError("Invalid request", "The link has no api_key: the application built it wrongly.")
        with self.app.state.connection() as db:
            app = get_key(db, key)
            if app is None or not app["active"]:
                raise PageError("Unknown application", "This API key is invalid or disabled (API code 101).")
            if not sig:
                raise PageError("Invalid request", "The link is not signed (api_sig missing, API code 104).")
            signed = {k: v for k, v in params.items() if k != "api_sig"}
            if not same_sig(sig, api_sig(signed, app["secret"], None)):  # no method name (§3.2)
                raise PageError("Invalid request", "The link's signature is invalid (API code 105).")
            perms: dict[str, str] = {}
            for scope in PERM_SCOPES:
                level = params.get(f"perm_{scope}", "")
                if not level or level == "none":
                    continue
                allowed = ("read", "write") if scope == "profile" else LEVELS[1:]
                if level not in allowed:
                    raise PageError("Invalid request", f"perm_{scope}={level!r} is not a permission level.")
                perms[scope] = level
            if not perms:
                raise PageError("Invalid request", "The application asked for no permission (perm_doc=read …).")
            frob = params.get("frob", "")
            if app["kind"] == "desktop":
                if not frob:
                    raise PageError("Invalid request", "A desktop application must send a frob (auth.getFrob).")
                row = db.execute("SELECT * FROM frobs WHERE frob = ? AND api_key = ?", (frob, key)).fetchone()
                if row is None or row["status"] != "pending" or row["expires_at"] <= now:
                    raise PageError(
                        "Link expired", "This authorization link is invalid, used or expired. Start again from the app."
                    )
        return app, perms, frob

    def authorize(self, request: Request) -> Response:
        now = int(time.time())
        sess = self.session(request)
        source = request.args if request.method == "GET" else request.form
        params = {k: v for k, v in source.items() if request.method == "GET" or k not in _FORM_FIELDS}
        try:
            app, perms, frob = self._check_request(params, now)
        except PageError as err:
            return self._error(err, sess)
        if sess is None:
            return login_redirect("/apps/authorize?" + urlencode(params))
        if request.method == "POST":
            if not same_csrf(request, sess):
                return self._error(PageError("Request refused", "The form was not sent by this page (CSRF).", 403))
            if request.form.get("action", "approve") == "deny":
                return self._deny(app, frob, sess)
            return self._approve(request, app, perms, frob, sess, now)
        with self.app.state.connection() as db:
            already = holds_rights(db, app["api_key"], sess["user_id"], perms)
        if already:
            return self._approve(request, app, perms, frob, sess, now, already=True)
        return page_response(
            "consent.html",
            title=f"Authorize {app['name']}",
            app_name=app["name"],
            username=sess["username"],
            perms=perms,
            params=params,
            action="/apps/authorize",
            how="",
            **self._user(sess),
        )

    def _approve(
        self,
        request: Request,
        app: dict,
        perms: dict[str, str],
        frob: str,
        sess: sqlite3.Row,
        now: int,
        already: bool = False,
    ) -> Response:
        uid = sess["user_id"]
        with self.app.state.transaction(write=True) as db:
            if app["kind"] == "web":  # a fresh frob for the callback (§4.2)
                frob = new_frob()
                db.execute(
                    "INSERT INTO frobs (frob, api_key, status, user_id, perms, created_at, expires_at)"
                    " VALUES (?, ?, 'approved', ?, ?, ?, ?)",
                    (frob, app["api_key"], uid, json.dumps(perms), now, now + int(self.app.config["frob_ttl"])),
                )
            else:
                cur = db.execute(
                    "UPDATE frobs SET status = 'approved', user_id = ?, perms = ?"
                    " WHERE frob = ? AND status = 'pending'",
                    (uid, json.dumps(perms), frob),
                )
                if cur.rowcount != 1:
                    return self._error(PageError("Link expired", "This frob was already used. Start again."), sess)
            if not already:
                record_authorization(db, app["api_key"], uid, perms, now)
        user = self._user(sess)
        if app["kind"] == "web":
            cb = app["callback"] or "/apps/callback"
            if cb.startswith("/"):
                cb = self.site_root(request) + cb
            url = cb + ("&" if "?" in cb else "?") + urlencode({"frob": frob})
            if not already:
                return redirect(url, 302)
            link = {"id": "continue", "href": url, "text": "Continue to the application"}
            return page_response(
                "message.html",
                title="Authorized",
                heading=app["name"],
                kind="ok",
                message="You already authorized",
                strong=app["name"],
                after=".",
                link=link,
                **user,
            )
        word = "already authorized" if already else "authorized"
        return page_response(
            "message.html",
            title="Authorized",
            heading=app["name"],
            kind="ok",
            message=f"You {word}",
            strong=app["name"],
            after=". You can close this window and go back to the application.",
            **user,
        )

    def _deny(self, app: dict, frob: str, sess: sqlite3.Row) -> Response:
        if frob:
            with self.app.state.transaction(write=True) as db:
                db.execute("UPDATE frobs SET status = 'denied' WHERE frob = ? AND status = 'pending'", (frob,))
        return page_response(
            "message.html",
            title="Access refused",
            kind="error",
            message="You refused access to",
            strong=app["name"],
            after=". The application cannot use your account.",
            **self._user(sess),
        )

    def callback(self, request: Request) -> Response:
        return page_response(
            "callback.html", title="Callback", frob=request.args.get("frob", ""), **self._user(self.session(request))
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
            **self._user(self.session(request)),
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
