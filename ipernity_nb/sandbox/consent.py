"""The consent pages of the desktop and web flows: ``/apps/authorize`` (docs/protocol.md §4.2, §4.3, §8.14).

``GET /apps/authorize?api_key&[frob]&perm_*&api_sig`` checks the link (a disabled key is
refused as 101, the signature has no method name, §3.2) and shows the consent form
``<form name="fa" method="post">`` whose hidden inputs carry the request (posting them
approves; ``action=deny`` refuses), or a ``<div class="ok">`` block when the app already holds
these rights. Web apps: approval answers 302 to the callback with ``?frob=``, a relative
callback resolved against the configured site URL, never the ``Host`` header; desktop apps:
approval binds the frob.
"""

from __future__ import annotations

import json
import sqlite3
import time
from urllib.parse import urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ..catalog import LEVELS
from ..signing import api_sig, same_sig
from .appkeys import get_key
from .grants import holds_rights, record_authorization
from .host import Host
from .pages import PageError, error_page, login_redirect, page_response, same_csrf, site_root, who
from .state import PERM_SCOPES, new_frob

__all__ = ["Consent"]

#: Form fields added by the consent page itself, not part of the signed request.
_FORM_FIELDS = ("csrf", "action")


class Consent:
    """``/apps/authorize`` of one sandbox app."""

    def __init__(self, app: Host) -> None:
        self.app = app

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
        sess = self.app.site.session(request)
        source = request.args if request.method == "GET" else request.form
        params = {k: v for k, v in source.items() if request.method == "GET" or k not in _FORM_FIELDS}
        try:
            app, perms, frob = self._check_request(params, now)
        except PageError as err:
            return error_page(err, sess)
        if sess is None:
            return login_redirect("/apps/authorize?" + urlencode(params))
        if request.method == "POST":
            if not same_csrf(request, sess):
                return error_page(PageError("Request refused", "The form was not sent by this page (CSRF).", 403))
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
            **who(sess),
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
                    return error_page(PageError("Link expired", "This frob was already used. Start again."), sess)
            if not already:
                record_authorization(db, app["api_key"], uid, perms, now)
        user = who(sess)
        if app["kind"] == "web":
            cb = app["callback"] or "/apps/callback"
            if cb.startswith("/"):
                cb = site_root(self.app.config, request) + cb
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
            **who(sess),
        )
