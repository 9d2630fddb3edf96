"""The life of an application on the site: keys, settings, statistics, gallery, revocation.

* ``/apps/key`` (signed in): your keys, and the form ``newkey`` to get one (name,
  description, desktop or web with a callback, the API terms checkbox that must be ticked).
  Creating a key shows it with its secret on the key's page.
* ``/apps/key/<api_key>`` (its owner only, else 403): the form ``settings`` (name,
  description, callback, always require signed calls, active, listed, allowed addresses,
  linked group), the form ``secret`` ("new secret"), and the statistics: calls per day (a
  table and an SVG chart), per method, errors by code, members who authorized the app.
* ``/apps/key/<api_key>/stats.json``: the same statistics for notebooks; the owner's
  session, or a request signed with the app's secret (``api_key``, ``days``, ``api_sig``
  computed as docs/protocol.md §3.1 with the method name ``sandbox.appStats``).
* ``/apps`` lists the listed, active applications; ``/apps/app/<api_key>`` is one's public page
  with its linked group.
* ``/apps/authorized`` (signed in): the applications you authorized, with a **Revoke**
  button (form ``revoke``) that ends their tokens at once (API code 107 afterwards).

Every form carries the session's CSRF token (403 without it). Domain operations are in
:mod:`.appkeys`, :mod:`.grants` and :mod:`.appstats`; this module only speaks HTTP.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any
from urllib.parse import quote

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ..errors import ControlError
from ..signing import api_sig, same_sig
from . import appkeys, grants
from .appstats import DEFAULT_DAYS, read_stats
from .host import Host
from .pages import SECURITY_HEADERS, PageError, error_page, login_redirect, page_response, same_csrf, who

__all__ = ["STATS_METHOD", "AppPages"]

#: The name signed into a statistics request, so no other signed link (an authorize link
#: is signed without a method name) can be replayed to read them.
STATS_METHOD = "sandbox.appStats"


def _json(data: Any, status: int = 200) -> Response:
    resp = Response(json.dumps(data), status=status, mimetype="application/json")
    resp.headers.update(SECURITY_HEADERS)
    return resp


def _chart(by_day: list[dict[str, Any]], width: int = 600, height: int = 120) -> dict[str, Any]:
    """Bars of calls per day (errors overlaid) for the statistics' inline SVG."""
    top = max((d["calls"] for d in by_day), default=0) or 1
    step = width / max(1, len(by_day))
    bars = []
    for i, d in enumerate(by_day):
        h = round(height * d["calls"] / top, 1)
        bars.append(
            {
                "day": d["day"],
                "calls": d["calls"],
                "x": round(i * step + 1, 1),
                "w": round(max(1.0, step - 2), 1),
                "h": h,
                "y": round(height - h, 1),
                "eh": round(height * d["errors"] / top, 1),
            }
        )
    return {"width": width, "height": height, "bars": bars}


class AppPages:
    """The application pages of one sandbox app (see the module docstring)."""

    def __init__(self, app: Host) -> None:
        self.app = app

    def _session(self, request: Request) -> sqlite3.Row | None:
        return self.app.site.session(request)

    def _csrf_refused(self, sess: sqlite3.Row) -> Response:
        return error_page(PageError("Request refused", "The form was not sent by this page (CSRF).", 403), sess)

    # --- public pages -------------------------------------------------------------------------

    def gallery(self, request: Request) -> Response:
        with self.app.state.connection() as db:
            apps = appkeys.gallery(db)
        return page_response("gallery.html", title="Applications", apps=apps, **who(self._session(request)))

    def app_page(self, request: Request, api_key: str) -> Response:
        sess = self._session(request)
        with self.app.state.connection() as db:
            key = appkeys.get_key(db, api_key)
            mine = key is not None and sess is not None and key["owner_id"] == sess["user_id"]
            if key is None or not (mine or (key["listed"] and key["active"])):
                return error_page(PageError("Not found", "No listed application has this key.", 404), sess)
            topics = []
            if key["group_id"] is not None:
                topics = db.execute(
                    "SELECT t.title, u.username FROM grp_topics t JOIN users u ON u.user_id = t.user_id"
                    " WHERE t.group_id = ? ORDER BY t.posted_at DESC LIMIT 5",
                    (key["group_id"],),
                ).fetchall()
        return page_response("app.html", title=key["name"], app=key, topics=topics, **who(sess))

    # --- your keys ----------------------------------------------------------------------------

    def keys(self, request: Request) -> Response:
        sess = self._session(request)
        if sess is None:
            return login_redirect("/apps/key")
        form = {"name": "", "description": "", "kind": "desktop", "callback": ""}
        error, status = "", 200
        if request.method == "POST":
            if not same_csrf(request, sess):
                return self._csrf_refused(sess)
            form = {k: request.form.get(k, "") for k in form}
            try:
                with self.app.state.transaction(write=True) as db:
                    made = appkeys.create_app(
                        db,
                        form["name"],
                        form["kind"] or "desktop",
                        form["callback"],
                        owner_id=sess["user_id"],
                        description=form["description"],
                        terms=request.form.get("terms") == "1",
                    )
            except ControlError as exc:
                error, status = f"No key was created: {exc}.", exc.status
            else:
                return redirect(f"/apps/key/{made['api_key']}?created=1", 303)
        with self.app.state.connection() as db:
            mine = appkeys.keys_of(db, sess["user_id"])
        return page_response("keys.html", status, title="Your API keys", keys=mine, form=form, error=error, **who(sess))

    def _own_key(self, db: sqlite3.Connection, api_key: str, sess: sqlite3.Row) -> dict[str, Any]:
        key = appkeys.get_key(db, api_key)
        if key is None:
            raise PageError("Unknown key", "There is no API key with this value.", 404)
        if key["owner_id"] != sess["user_id"]:
            raise PageError("Not your key", "Only the member who created this key can see or change it.", 403)
        return key

    def key(self, request: Request, api_key: str) -> Response:
        sess = self._session(request)
        if sess is None:
            return login_redirect(f"/apps/key/{api_key}")
        error, status, notice = "", 200, ""
        try:
            with self.app.state.connection() as db:
                self._own_key(db, api_key, sess)
        except PageError as err:
            return error_page(err, sess)
        if request.method == "POST":
            if not same_csrf(request, sess):
                return self._csrf_refused(sess)
            action = request.form.get("action", "settings")
            try:
                with self.app.state.transaction(write=True) as db:
                    if action == "new_secret":
                        appkeys.new_secret(db, api_key)
                    else:
                        f = request.form
                        appkeys.change(
                            db,
                            api_key,
                            by=sess["user_id"],
                            name=f.get("name", ""),
                            description=f.get("description", ""),
                            callback=f.get("callback", ""),
                            always_signed=f.get("always_signed") == "1",
                            active=f.get("active") == "1",
                            listed=f.get("listed") == "1",
                            allowed_ips=f.get("allowed_ips", ""),
                            group_id=f.get("group_id", "0"),
                        )
            except ControlError as exc:
                error, status = f"Nothing was changed: {exc}.", exc.status
            else:
                return redirect(f"/apps/key/{api_key}?done={'secret' if action == 'new_secret' else 'settings'}", 303)
        done = request.args.get("done", "")
        if done == "secret":
            notice = "A new secret is in force: calls signed with the old one answer 105 (Signature is invalid)."
        elif done == "settings":
            notice = "Settings saved."
        with self.app.state.connection() as db:
            key = self._own_key(db, api_key, sess)
            groups: list[Any] = appkeys.member_groups(db, sess["user_id"])
            if key["group_id"] is not None and all(g["group_id"] != key["group_id"] for g in groups):
                groups = [{"group_id": key["group_id"], "title": key["group_title"]}, *groups]
            stats = read_stats(db, api_key, recorder=self.app.stats)
        return page_response(
            "key.html",
            status,
            title=key["name"],
            key=key,
            groups=groups,
            stats=stats,
            chart=_chart(stats["by_day"]),
            created=request.args.get("created") == "1",
            notice=notice,
            error=error,
            wide=True,
            **who(sess),
        )

    def key_stats(self, request: Request, api_key: str) -> Response:
        try:
            days = int(request.args.get("days", DEFAULT_DAYS))
        except ValueError:
            return _json({"error": "days must be a whole number of days (1-366)"}, 400)
        with self.app.state.connection() as db:
            key = appkeys.get_key(db, api_key)
            if key is None:
                return _json({"error": "unknown api_key"}, 404)
            sig = request.args.get("api_sig", "")
            if sig:
                params = {k: v for k, v in request.args.items() if k != "api_sig"}
                if params.get("api_key") != api_key or not same_sig(sig, api_sig(params, key["secret"], STATS_METHOD)):
                    return _json({"error": "the signature is invalid (API code 105): sign with the key's secret"}, 403)
            else:
                sess = self._session(request)
                if sess is None:
                    return _json({"error": "sign in as the key's owner, or sign the request with its secret"}, 401)
                if key["owner_id"] != sess["user_id"]:
                    return _json({"error": "only the key's owner can read its statistics"}, 403)
            stats = read_stats(db, api_key, days=days, recorder=self.app.stats)
        return _json(stats | {"name": key["name"]})

    # --- applications you authorized ----------------------------------------------------------

    def authorized(self, request: Request) -> Response:
        sess = self._session(request)
        if sess is None:
            return login_redirect("/apps/authorized")
        if request.method == "POST":
            if not same_csrf(request, sess):
                return self._csrf_refused(sess)
            api_key = request.form.get("api_key", "")
            with self.app.state.transaction(write=True) as db:
                grants.revoke(db, sess["user_id"], api_key)
            return redirect("/apps/authorized?revoked=" + quote(api_key, safe=""), 303)
        notice = ""
        with self.app.state.connection() as db:
            gone = request.args.get("revoked", "")
            if gone:
                key = appkeys.get_key(db, gone)
                name = key["name"] if key else "the application"
                notice = f"Revoked: {name} can no longer use your account. Authorizing it again starts afresh."
            apps = grants.authorized_apps(db, sess["user_id"])
        return page_response("authorized.html", title="Authorized applications", apps=apps, notice=notice, **who(sess))
