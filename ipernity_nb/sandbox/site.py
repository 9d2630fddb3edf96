"""The site pages a user sees while authorizing an app (docs/protocol.md §4.2, §4.3, §8.14).

* ``GET/POST /login`` (``username``, ``password``, ``next``) sets an HttpOnly, SameSite=Lax
  session cookie; the login form's CSRF token is tied to a pre-session cookie.
* ``GET /apps/authorize?api_key&[frob]&perm_*&api_sig`` checks the signature (no method
  name, §3.2) and shows the consent form ``<form name="fa" method="post">`` whose hidden
  inputs carry the request (posting them approves; ``action=deny`` refuses), or a
  ``<div class="ok">`` block when the app already holds these rights.
* Web apps: approval answers 302 to the callback with ``?frob=``; desktop apps: approval
  binds the frob. ``/apps/callback`` shows the frob (the demo web app's callback).

OAuth 1.0a pages (``/apps/oauth/*``) live in :mod:`ipernity_nb.sandbox.oauth`.
Not emulated: revoking apps from account settings.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from werkzeug.routing import Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ..catalog import LEVELS
from ..signing import api_sig, same_sig
from .control import holds_rights, record_authorization
from .pages import consent_form, esc, hidden, page
from .seed import DEMO_WEB_APP
from .state import PERM_SCOPES, check_password, new_frob

if TYPE_CHECKING:
    import sqlite3

    from .app import SandboxApp

__all__ = ["Site", "safe_next"]

#: Form fields added by the consent page itself, not part of the signed request.
_FORM_FIELDS = ("csrf", "action")


def safe_next(target: str | None) -> str:
    """A local path to go back to after login; anything else (open redirect) becomes ``/``."""
    t = (target or "").strip()
    if not t.startswith("/") or t.startswith("//") or t.startswith("/\\") or any(c in t for c in "\r\n\t\\"):
        return "/"
    return t


class _PageError(Exception):
    def __init__(self, title: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.title, self.message, self.status = title, message, status


class Site:
    """Login, consent, callback, home and coverage pages of one sandbox app."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app

    def rules(self) -> list[Rule]:
        return [
            Rule("/", endpoint="site.index"),
            Rule("/login", endpoint="site.login", methods=["GET", "POST"]),
            Rule("/logout", endpoint="site.logout", methods=["GET", "POST"]),
            Rule("/apps/authorize", endpoint="site.authorize", methods=["GET", "POST"]),
            Rule("/apps/callback", endpoint="site.callback"),
            Rule("/apps/oauth/<step>", endpoint="site.oauth", methods=["GET", "POST"]),
            Rule("/coverage", endpoint="site.coverage"),
        ]

    # --- cookies and sessions ---------------------------------------------------------------

    @property
    def _session_cookie(self) -> str:
        return f"ipn_session_{self.app.cookie_suffix}"

    @property
    def _pre_cookie(self) -> str:
        return f"ipn_pre_{self.app.cookie_suffix}"

    def _session(self, request: Request) -> sqlite3.Row | None:
        sid = request.cookies.get(self._session_cookie)
        if not sid:
            return None
        oldest = int(time.time()) - int(self.app.config["session_ttl"])
        with self.app.state.connection() as db:
            return db.execute(
                "SELECT s.session_id, s.csrf, u.* FROM sessions s JOIN users u ON u.user_id = s.user_id"
                " WHERE s.session_id = ? AND s.created_at > ?",
                (sid, oldest),
            ).fetchone()

    def _login_csrf(self, pre: str) -> str:
        return hmac.new(self.app.secret_key, pre.encode(), "sha256").hexdigest()[:32]

    @staticmethod
    def _html(text: str, status: int = 200) -> Response:
        resp = Response(text, status=status, mimetype="text/html")
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Cache-Control"] = "no-store"
        return resp

    def _error(self, err: _PageError, user: str | None = None) -> Response:
        body = f'<h1>{esc(err.title)}</h1><div class="error">{esc(err.message)}</div>'
        return self._html(page(err.title, body, user=user), err.status)

    # --- pages ------------------------------------------------------------------------------

    def index(self, request: Request) -> Response:
        sess = self._session(request)
        base = self.app.base_url(request)
        with self.app.state.connection() as db:
            web = db.execute(
                "SELECT api_key, secret, name FROM apps WHERE api_key = ?", (DEMO_WEB_APP["api_key"],)
            ).fetchone()
        try_it = ""
        if web is not None:  # a signed link, as the demo web app would build it (§4.2)
            params = {"api_key": web["api_key"], "perm_doc": "read"}
            link = "/apps/authorize?" + urlencode({**params, "api_sig": api_sig(params, web["secret"])})
            try_it = (
                f'<p>Try it: <a id="try" href="{esc(link)}">authorize {esc(web["name"])}</a> '
                "(read access to your docs); the callback page shows the frob the app receives.</p>"
            )
        body = (
            "<h1>A local ipernity for notebooks and classes</h1>"
            f"<p>API endpoint: <code>{esc(base)}/api/</code> — for example "
            f"<code>{esc(base)}/api/test.hello?api_key=…</code></p>"
            "<p>Applications send you to <code>/apps/authorize</code> to ask for access; you sign in here with "
            "a demo account (password <code>demo</code>, e.g. <code>alice</code>) and approve.</p>"
            f'{try_it}<p><a href="/coverage">Which API methods are emulated</a></p>'
        )
        return self._html(page("Home", body, user=sess["username"] if sess else None))

    def login(self, request: Request) -> Response:
        nxt = safe_next(request.values.get("next"))
        if request.method == "POST":
            pre = request.cookies.get(self._pre_cookie, "")
            if not pre or not hmac.compare_digest(request.form.get("csrf", ""), self._login_csrf(pre)):
                return self._login_form(request, nxt, "The form expired or was not sent by this page. Try again.", 400)
            username = request.form.get("username", "").strip()
            with self.app.state.connection() as db:
                user = db.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
            if user is None or not check_password(user["password_hash"], request.form.get("password", "")):
                return self._login_form(request, nxt, "Unknown user name or wrong password.", 401, username)
            if user["is_closed"]:
                return self._login_form(request, nxt, "This account is closed.", 403, username)
            sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
            with self.app.state.transaction(write=True) as db:
                db.execute(
                    "INSERT INTO sessions (session_id, user_id, csrf, created_at) VALUES (?, ?, ?, ?)",
                    (sid, user["user_id"], csrf, int(time.time())),
                )
            resp = redirect(nxt, 303)
            resp.set_cookie(self._session_cookie, sid, httponly=True, samesite="Lax", path="/")
            resp.delete_cookie(self._pre_cookie, path="/")
            return resp
        return self._login_form(request, nxt)

    def _login_form(
        self, request: Request, nxt: str, error: str = "", status: int = 200, username: str = ""
    ) -> Response:
        pre = request.cookies.get(self._pre_cookie) or secrets.token_urlsafe(24)
        err = f'<div class="error">{esc(error)}</div>' if error else ""
        body = (
            f"<h1>Sign in</h1>{err}"
            '<form name="login" method="post" action="/login">'
            + hidden("csrf", self._login_csrf(pre))
            + hidden("next", nxt)
            + '<label for="username">User name</label>'
            f'<input type="text" id="username" name="username" value="{esc(username)}"'
            ' autocomplete="username" autofocus>'
            '<label for="password">Password</label>'
            '<input type="password" id="password" name="password" autocomplete="current-password">'
            '<button type="submit">Sign in</button></form>'
            '<p class="muted">Demo accounts: alice, bob, carol, dave — password <code>demo</code>.</p>'
        )
        resp = self._html(page("Sign in", body), status)
        resp.set_cookie(self._pre_cookie, pre, httponly=True, samesite="Lax", path="/")
        return resp

    def logout(self, request: Request) -> Response:
        sid = request.cookies.get(self._session_cookie)
        if sid:
            with self.app.state.transaction(write=True) as db:
                db.execute("DELETE FROM sessions WHERE session_id = ?", (sid,))
        resp = redirect("/", 303)
        resp.delete_cookie(self._session_cookie, path="/")
        return resp

    # --- authorization ----------------------------------------------------------------------

    def _check_request(self, params: dict[str, str], now: int) -> tuple[sqlite3.Row, dict[str, str], str]:
        """The app, the requested rights and the frob of a signed authorize request."""
        key, sig = params.get("api_key", ""), params.get("api_sig", "")
        if not key:
            raise _PageError("Invalid request", "The link has no api_key: the application built it wrongly.")
        with self.app.state.connection() as db:
            app = db.execute("SELECT * FROM apps WHERE api_key = ?", (key,)).fetchone()
            if app is None:
                raise _PageError("Unknown application", "This API key is invalid or disabled (API code 101).")
            if not sig:
                raise _PageError("Invalid request", "The link is not signed (api_sig missing, API code 104).")
            signed = {k: v for k, v in params.items() if k != "api_sig"}
            if not same_sig(sig, api_sig(signed, app["secret"], None)):  # no method name (§3.2)
                raise _PageError("Invalid request", "The link's signature is invalid (API code 105).")
            perms: dict[str, str] = {}
            for scope in PERM_SCOPES:
                level = params.get(f"perm_{scope}", "")
                if not level or level == "none":
                    continue
                allowed = ("read", "write") if scope == "profile" else LEVELS[1:]
                if level not in allowed:
                    raise _PageError("Invalid request", f"perm_{scope}={level!r} is not a permission level.")
                perms[scope] = level
            if not perms:
                raise _PageError("Invalid request", "The application asked for no permission (perm_doc=read …).")
            frob = params.get("frob", "")
            if app["kind"] == "desktop":
                if not frob:
                    raise _PageError("Invalid request", "A desktop application must send a frob (auth.getFrob).")
                row = db.execute("SELECT * FROM frobs WHERE frob = ? AND api_key = ?", (frob, key)).fetchone()
                if row is None or row["status"] != "pending" or row["expires_at"] <= now:
                    raise _PageError(
                        "Link expired", "This authorization link is invalid, used or expired. Start again from the app."
                    )
        return app, perms, frob

    def authorize(self, request: Request) -> Response:
        now = int(time.time())
        sess = self._session(request)
        source = request.args if request.method == "GET" else request.form
        params = {k: v for k, v in source.items() if request.method == "GET" or k not in _FORM_FIELDS}
        user = sess["username"] if sess else None
        try:
            app, perms, frob = self._check_request(params, now)
        except _PageError as err:
            return self._error(err, user)
        if sess is None:
            target = "/apps/authorize?" + urlencode(params)
            return redirect("/login?next=" + quote(target, safe=""), 303)
        if request.method == "POST":
            if not hmac.compare_digest(request.form.get("csrf", ""), sess["csrf"]):
                return self._error(_PageError("Request refused", "The form was not sent by this page (CSRF).", 403))
            if request.form.get("action", "approve") == "deny":
                return self._deny(app, frob, sess)
            return self._approve(request, app, perms, frob, sess, now)
        with self.app.state.connection() as db:
            already = holds_rights(db, app["api_key"], sess["user_id"], perms)
        if already:
            return self._approve(request, app, perms, frob, sess, now, already=True)
        body = consent_form(app["name"], sess["username"], perms, params, sess["csrf"], "/apps/authorize")
        body += '<p class="muted">Only approve applications you trust.</p>'
        return self._html(page(f"Authorize {app['name']}", body, user=user))

    def _approve(
        self,
        request: Request,
        app: sqlite3.Row,
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
                    return self._error(_PageError("Link expired", "This frob was already used. Start again."))
            if not already:
                record_authorization(db, app["api_key"], uid, perms, now)
        name = esc(app["name"])
        if app["kind"] == "web":
            cb = app["callback"] or "/apps/callback"
            if cb.startswith("/"):
                cb = self.app.base_url(request) + cb
            url = cb + ("&" if "?" in cb else "?") + urlencode({"frob": frob})
            if not already:
                return redirect(url, 302)
            body = (
                f'<h1>{name}</h1><div class="ok">You already authorized <b>{name}</b>. '
                f'<a id="continue" href="{esc(url)}">Continue to the application</a>.</div>'
            )
        else:
            word = "already authorized" if already else "authorized"
            body = (
                f'<h1>{name}</h1><div class="ok">You {word} <b>{name}</b>. '
                "You can close this window and go back to the application.</div>"
            )
        return self._html(page("Authorized", body, user=sess["username"]))

    def _deny(self, app: sqlite3.Row, frob: str, sess: sqlite3.Row) -> Response:
        if frob:
            with self.app.state.transaction(write=True) as db:
                db.execute("UPDATE frobs SET status = 'denied' WHERE frob = ? AND status = 'pending'", (frob,))
        body = (
            f'<h1>Access refused</h1><div class="error">You refused access to <b>{esc(app["name"])}</b>. '
            "The application cannot use your account.</div>"
        )
        return self._html(page("Access refused", body, user=sess["username"]))

    def callback(self, request: Request) -> Response:
        frob = request.args.get("frob", "")
        sess = self._session(request)
        if frob:
            body = (
                "<h1>Authorization complete</h1><p>The demo web application received this frob:</p>"
                f'<code class="big" id="frob">{esc(frob)}</code>'
                "<p>Exchange it with a signed <code>auth.getToken</code> call within a few minutes; it works once.</p>"
            )
        else:
            body = '<h1>Callback</h1><div class="error">No frob was passed to this callback.</div>'
        return self._html(page("Callback", body, user=sess["username"] if sess else None))

    def oauth(self, request: Request, step: str) -> Response:
        """OAuth 1.0a request/authorize/access: see :mod:`ipernity_nb.sandbox.oauth`."""
        from .oauth import pages

        return pages(self.app, request, step)

    def coverage(self, request: Request) -> Response:
        from .coverage import coverage_html

        return self._html(page("Coverage", coverage_html(), wide=True))
