"""The control plane: JSON endpoints under ``/_sandbox/``, separate from the emulated API.

Every call needs ``Authorization: Bearer <admin token>`` (401 otherwise), so a student on a
shared classroom sandbox cannot reset it (the scheme name is case-insensitive, RFC 7235).
The same operations are methods on ``Sandbox``; both call the model layer: grants and
tokens in :mod:`.grants`, keys in :mod:`.appkeys` (re-exported here for ``Sandbox``).

Example (over HTTP)::

    curl -X POST -H "Authorization: Bearer $TOKEN" -d '{"seed": "empty"}' http://127.0.0.1:8765/_sandbox/reset
"""

from __future__ import annotations

import hmac
import json
import sqlite3
import time
from collections.abc import Iterable
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..errors import ControlError
from .appkeys import create_app
from .classroom import USERNAME, USERNAME_RULE, new_password, roster_of
from .grants import approve_frob, issue_token, parse_perms
from .host import Host
from .state import hash_password

__all__ = ["Control", "ControlError", "approve_frob", "create_app", "create_user", "issue_token", "parse_perms"]


def create_user(
    db: sqlite3.Connection,
    username: str,
    password: str,
    realname: str = "",
    is_pro: bool = False,
    groups: Any = (),
) -> dict[str, str]:
    """Add a member who can log in; joins ``groups``. Returns ``{"user_id", "username"}``."""
    if not username or not isinstance(username, str):
        raise ControlError('"username" is required')
    if not password or not isinstance(password, str):
        raise ControlError('"password" is required')
    if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
        raise ControlError(
            f"username {username!r} is taken on this sandbox: sign in as {username!r}, or pick another name", status=409
        )
    uid = max(db.execute("SELECT COALESCE(MAX(user_id), 0) FROM users").fetchone()[0] + 1, 290001)
    now = int(time.time())
    db.execute(
        "INSERT INTO users (user_id, username, password_hash, realname, is_pro, member_since, last_online)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (uid, username, hash_password(password), realname or "", 1 if is_pro else 0, now, now),
    )
    for gid in groups or ():
        try:
            gid = int(gid)
        except (TypeError, ValueError):
            raise ControlError(f"group id {gid!r} is not a number") from None
        if not db.execute("SELECT 1 FROM grp WHERE group_id = ?", (gid,)).fetchone():
            raise ControlError(f"group {gid} does not exist", status=404)
        db.execute("INSERT INTO grp_members (group_id, user_id, joined_at) VALUES (?, ?, ?)", (gid, uid, now))
    return {"user_id": str(uid), "username": username}


# --- HTTP ------------------------------------------------------------------------------------


def create_students(db: sqlite3.Connection, roster: Iterable[Any]) -> dict[str, list[dict[str, str]]]:
    """Create the roster's accounts (in the caller's transaction: all or none).

    Returns ``{"created": [{username, password, realname, user_id}], "existing": [{username,
    user_id}]}``; a roster entry without a password gets :func:`new_password`.
    """
    created: list[dict[str, str]] = []
    existing: list[dict[str, str]] = []
    seen: set[str] = set()
    for entry in roster:
        if not isinstance(entry, dict):
            raise ControlError('each student must be an object such as {"username": "ana"}')
        name = str(entry.get("username") or "").strip()
        if not USERNAME.match(name):
            raise ControlError(f"username {name!r} is not usable: {USERNAME_RULE}")
        if name.lower() in seen:
            raise ControlError(f"username {name!r} appears twice in the roster")
        seen.add(name.lower())
        row = db.execute("SELECT user_id, username FROM users WHERE username = ?", (name,)).fetchone()
        if row is not None:
            existing.append({"username": row["username"], "user_id": str(row["user_id"])})
            continue
        password = str(entry.get("password") or "") or new_password()
        realname = str(entry.get("realname") or "") or name
        made = create_user(db, name, password, realname)
        created.append({"username": name, "password": password, "realname": realname, "user_id": made["user_id"]})
    return {"created": created, "existing": existing}


class Control:
    """The ``/_sandbox/*`` endpoints of one app."""

    def __init__(self, app: Host) -> None:
        self.app = app

    def rules(self) -> list[Rule]:
        return [
            Rule("/_sandbox/status", endpoint="control.status", methods=["GET"]),
            Rule("/_sandbox/apps", endpoint="control.apps", methods=["POST"]),
            Rule("/_sandbox/users", endpoint="control.users", methods=["POST"]),
            Rule("/_sandbox/tokens", endpoint="control.tokens", methods=["POST"]),
            Rule("/_sandbox/frobs/<frob>/approve", endpoint="control.approve", methods=["POST"]),
            Rule("/_sandbox/students", endpoint="control.students", methods=["POST"]),
            Rule("/_sandbox/reset", endpoint="control.reset", methods=["POST"]),
            Rule("/_sandbox/config", endpoint="control.config", methods=["GET", "POST"]),
        ]

    @staticmethod
    def _json(data: Any, status: int = 200) -> Response:
        return Response(json.dumps(data), status=status, mimetype="application/json")

    def _guard(self, request: Request) -> tuple[dict | None, Response | None]:
        auth = request.headers.get("Authorization", "")
        given = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        if not given or not hmac.compare_digest(given.encode(), self.app.admin_token.encode()):
            resp = self._json({"error": "admin token required: send 'Authorization: Bearer <admin token>'"}, 401)
            resp.headers["WWW-Authenticate"] = 'Bearer realm="ipernity sandbox"'
            return None, resp
        if request.method == "GET":
            return {}, None
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            return None, self._json({"error": "the body must be a JSON object"}, 400)
        if not isinstance(body, dict):
            return None, self._json({"error": "the body must be a JSON object"}, 400)
        return body, None

    def _run(self, request: Request, op: Any) -> Response:
        body, err = self._guard(request)
        if err is not None:
            return err
        try:
            return self._json(op(body))
        except ControlError as exc:
            return self._json({"error": str(exc)}, exc.status)

    def status(self, request: Request) -> Response:
        def op(_: dict) -> dict:
            return {"status": "ok", "seed": self.app.state.meta("seed"), "counts": self.app.state.counts()}

        return self._run(request, op)

    def apps(self, request: Request) -> Response:
        def op(b: dict) -> dict:
            with self.app.state.transaction(write=True) as db:
                return create_app(db, b.get("name", ""), b.get("auth", "desktop"), b.get("callback", ""))

        return self._run(request, op)

    def users(self, request: Request) -> Response:
        def op(b: dict) -> dict:
            with self.app.state.transaction(write=True) as db:
                return create_user(
                    db,
                    b.get("username", ""),
                    b.get("password", ""),
                    b.get("realname", ""),
                    bool(b.get("is_pro", False)),
                    b.get("groups") or (),
                )

        return self._run(request, op)

    def tokens(self, request: Request) -> Response:
        def op(b: dict) -> dict:
            with self.app.state.transaction(write=True) as db:
                return {"token": issue_token(db, b.get("api_key", ""), b.get("username", ""), b.get("perms"))}

        return self._run(request, op)

    def approve(self, request: Request, frob: str) -> Response:
        def op(b: dict) -> dict:
            with self.app.state.transaction(write=True) as db:
                return approve_frob(db, frob, b.get("username", ""), b.get("perms", {"doc": "read"}))

        return self._run(request, op)

    def students(self, request: Request) -> Response:
        """``{"count": 30, "prefix": "student"}``, ``{"csv": "username,…"}`` or ``{"students": [{…}]}``."""

        def op(b: dict) -> dict:
            with self.app.state.transaction(write=True) as db:
                return create_students(db, roster_of(b))

        return self._run(request, op)

    def reset(self, request: Request) -> Response:
        def op(b: dict) -> dict:
            seed, scale = b.get("seed", "demo"), b.get("scale")
            if seed not in ("demo", "empty"):
                raise ControlError('"seed" must be "demo" or "empty"')
            if scale is not None and (not isinstance(scale, int) or isinstance(scale, bool) or scale < 0):
                raise ControlError('"scale" must be a positive integer (number of docs)')
            return {"status": "ok", "counts": self.app.state.reset(seed, scale)}

        return self._run(request, op)

    def config(self, request: Request) -> Response:
        """GET: the fault/quota switches; POST ``{"faults", "quota", "maintenance"}``: change the ones given.

        ``{"faults": {}}`` or ``{"quota": {}}`` switches one off; see sandbox/faults.py for the keys.
        """

        def op(b: dict) -> dict:
            if request.method == "GET":
                return self.app.faults.snapshot()
            unknown = set(b) - {"faults", "quota", "maintenance"}
            if unknown:
                raise ControlError(f"unknown keys {sorted(unknown)}: send faults, quota and/or maintenance")
            for key in ("faults", "quota"):
                if b.get(key) is not None and not isinstance(b[key], dict):
                    raise ControlError(f'"{key}" must be a JSON object ({{}} switches it off)')
            if "maintenance" in b and not isinstance(b["maintenance"], bool):
                raise ControlError('"maintenance" must be true or false')
            try:
                return self.app.faults.configure(b.get("faults"), b.get("quota"), b.get("maintenance"))
            except ValueError as exc:
                raise ControlError(str(exc)) from None

        return self._run(request, op)
