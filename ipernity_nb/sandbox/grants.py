"""Grants and tokens: what a member allowed an application to do, and its revocation. No HTTP.

A grant is born when a member approves a request (the consent pages, or the control plane
standing in for the click), lives as an ``authorizations`` row plus the tokens the app
exchanged for it, and ends when the member revokes the application on ``/apps/authorized``:
every token of that app for that member is revoked at once (API code 107 afterwards,
docs/protocol.md §5.1), OAuth access tokens included, and authorizing again starts afresh.

Example:
    >>> from ipernity_nb.sandbox.state import State
    >>> from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP
    >>> st = State(None, seed="empty")
    >>> key = DEMO_DESKTOP_APP["api_key"]
    >>> with st.transaction(write=True) as db:
    ...     token = issue_token(db, key, "alice", {"doc": "write"})
    ...     [a["perms"] for a in authorized_apps(db, 284001)]
    [{'doc': 'write'}]
    >>> with st.transaction(write=True) as db:
    ...     revoke(db, 284001, key), authorized_apps(db, 284001)
    (1, [])
    >>> st.close()
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from ..catalog import LEVELS, level_allows
from ..errors import ControlError
from .state import PERM_SCOPES, insert_token

__all__ = [
    "approve_frob",
    "authorized_apps",
    "holds_rights",
    "issue_token",
    "member_count",
    "parse_perms",
    "record_authorization",
    "revoke",
    "user_by_name",
]


def parse_perms(perms: Any) -> dict[str, str]:
    """Validate ``{"doc": "write", ...}``: known scopes, known levels (profile: read/write)."""
    if perms is None:
        return {}
    if not isinstance(perms, dict):
        raise ControlError('perms must be a mapping such as {"doc": "write"}')
    out: dict[str, str] = {}
    for scope, level in perms.items():
        if scope not in PERM_SCOPES:
            raise ControlError(
                f"unknown permission scope {scope!r}: use one of {', '.join(PERM_SCOPES)}, e.g. {{'doc': 'write'}}"
            )
        allowed = ("none", "read", "write") if scope == "profile" else LEVELS
        if level not in allowed:
            raise ControlError(f"permission {scope}={level!r} is not a level: use one of {', '.join(allowed)}")
        out[scope] = level
    return out


def user_by_name(db: sqlite3.Connection, username: str) -> sqlite3.Row:
    """The member named ``username`` (404 otherwise)."""
    row = db.execute("SELECT * FROM users WHERE username = ?", (username or "",)).fetchone()
    if row is None:
        raise ControlError(
            f"no user named {username!r} on this sandbox: the demo users are alice, bob, carol and dave; "
            "create a member first (Sandbox.create_user, or the teacher's --students)",
            status=404,
        )
    return row


def record_authorization(db: sqlite3.Connection, api_key: str, user_id: int, perms: dict, now: int) -> None:
    """Remember that ``user_id`` granted ``perms`` to the app (the consent page's "ok" block)."""
    db.execute(
        "INSERT OR REPLACE INTO authorizations (api_key, user_id, perms, granted_at) VALUES (?, ?, ?, ?)",
        (api_key, user_id, json.dumps(perms), now),
    )


def holds_rights(db: sqlite3.Connection, api_key: str, user_id: int, perms: dict[str, str]) -> bool:
    """Whether ``user_id`` already granted the app at least ``perms`` (the consent page then
    answers "already authorized" without asking again)."""
    row = db.execute(
        "SELECT perms FROM authorizations WHERE api_key = ? AND user_id = ?", (api_key, user_id)
    ).fetchone()
    if row is None:
        return False
    held = json.loads(row["perms"])
    return all(level_allows(held.get(s), lv) for s, lv in perms.items())


def approve_frob(db: sqlite3.Connection, frob: str, username: str, perms: Any, now: int | None = None) -> dict:
    """Approve a pending frob as ``username`` would by clicking "Approve"."""
    now = int(time.time()) if now is None else now
    granted = parse_perms(perms)
    user = user_by_name(db, username)
    row = db.execute("SELECT * FROM frobs WHERE frob = ?", (frob,)).fetchone()
    if row is None:
        raise ControlError("unknown frob: call auth.getFrob first", status=404)
    if row["status"] != "pending":
        raise ControlError(f"the frob is already {row['status']}", status=409)
    if row["expires_at"] <= now:
        raise ControlError("the frob has expired: call auth.getFrob again", status=409)
    db.execute(
        "UPDATE frobs SET status = 'approved', user_id = ?, perms = ? WHERE frob = ?",
        (user["user_id"], json.dumps(granted), frob),
    )
    record_authorization(db, row["api_key"], user["user_id"], granted, now)
    return {"frob": frob, "status": "approved", "username": user["username"]}


def issue_token(db: sqlite3.Connection, api_key: str, username: str, perms: Any) -> str:
    """Create a token directly (tests and tutorials); same shape as auth.getToken's."""
    granted = parse_perms(perms)
    if not db.execute("SELECT 1 FROM apps WHERE api_key = ?", (api_key or "",)).fetchone():
        raise ControlError("unknown api_key on this sandbox: register the app first (Sandbox.create_app)", status=404)
    user = user_by_name(db, username)
    return insert_token(db, api_key, user["user_id"], granted)


def authorized_apps(db: sqlite3.Connection, user_id: int) -> list[dict[str, Any]]:
    """The applications ``user_id`` authorized, newest first: ``api_key``, ``name``, ``perms``, ``granted_at``.

    An app counts when the member approved it, or holds a live token for it (a token the
    control plane issued directly is a grant too, and revoking must be able to end it).
    """
    out: dict[str, dict[str, Any]] = {}
    for row in db.execute(
        "SELECT z.api_key, z.perms, z.granted_at, a.name FROM authorizations z JOIN apps a ON a.api_key = z.api_key"
        " WHERE z.user_id = ?",
        (user_id,),
    ):
        out[row["api_key"]] = {
            "api_key": row["api_key"],
            "name": row["name"],
            "perms": json.loads(row["perms"]),
            "granted_at": row["granted_at"],
        }
    for row in db.execute(
        "SELECT t.*, a.name FROM tokens t JOIN apps a ON a.api_key = t.api_key"
        " WHERE t.user_id = ? AND t.revoked = 0 ORDER BY t.created_at",
        (user_id,),
    ):
        if row["api_key"] not in out:  # the newest token's rights stand for the grant
            perms = {s: row[f"perm_{s}"] for s in PERM_SCOPES if row[f"perm_{s}"] != "none"}
            out[row["api_key"]] = {
                "api_key": row["api_key"],
                "name": row["name"],
                "perms": perms,
                "granted_at": row["created_at"],
            }
    return sorted(out.values(), key=lambda a: (-a["granted_at"], a["name"]))


def revoke(db: sqlite3.Connection, user_id: int, api_key: str) -> int:
    """End every right ``user_id`` gave the app: its tokens answer 107 from now on.

    Returns how many tokens were revoked (API and OAuth access tokens). Revoking an app that
    holds nothing is not an error (the page may be submitted twice).
    """
    n = db.execute(
        "UPDATE tokens SET revoked = 1 WHERE user_id = ? AND api_key = ? AND revoked = 0", (user_id, api_key)
    ).rowcount
    n += db.execute(
        "UPDATE oauth_tokens SET used = 1 WHERE user_id = ? AND api_key = ? AND kind = 'access' AND used = 0",
        (user_id, api_key),
    ).rowcount
    db.execute("DELETE FROM authorizations WHERE user_id = ? AND api_key = ?", (user_id, api_key))
    # approved frobs not yet exchanged would mint a token after the revocation: spend them
    db.execute(
        "UPDATE frobs SET status = 'denied' WHERE user_id = ? AND api_key = ? AND status = 'approved'",
        (user_id, api_key),
    )
    return n


def member_count(db: sqlite3.Connection, api_key: str) -> int:
    """How many members authorized the app (approved it, or hold a live token for it)."""
    return int(
        db.execute(
            "SELECT COUNT(*) FROM (SELECT user_id FROM authorizations WHERE api_key = ?"
            " UNION SELECT user_id FROM tokens WHERE api_key = ? AND revoked = 0)",
            (api_key, api_key),
        ).fetchone()[0]
    )
