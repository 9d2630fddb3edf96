"""``auth.*``: frobs and tokens of the desktop and web flows (docs/protocol.md §4.2, §4.3).

Not emulated: ``extra=pref`` (member preferences) is accepted and ignored; tokens never
expire (the live ones last until revoked, too).
"""

from __future__ import annotations

import json
import sqlite3

from ..registry import Ctx, Fault, Text, b, handler, s
from ..state import PERM_SCOPES, insert_token, new_frob


def _error(ctx: Ctx, code: int) -> Fault:
    """A method-specific error with the catalog's label (docs/protocol.md §5.2)."""
    return Fault(code, dict(ctx.method.errors).get(code, "Service error"))


def auth_block(token: str, perms: dict[str, str], user: sqlite3.Row) -> dict:
    """The ``auth`` payload shared by getToken and checkToken (§2.5: every scope, ``none`` if not granted)."""
    return {
        "auth": {
            "token": Text(token),
            "permissions": {scope: perms.get(scope, "none") or "none" for scope in PERM_SCOPES},
            "user": {
                "user_id": s(user["user_id"]),
                "username": user["username"],
                "realname": user["realname"],
                "lg": user["lg"] or "en",
                "is_pro": b(user["is_pro"]),
            },
        }
    }


@handler("auth.getFrob")
def get_frob(ctx: Ctx) -> dict:
    """A new pending frob for the calling app, valid ``frob_ttl`` seconds (config, default 600)."""
    frob = new_frob()
    ttl = int(ctx.config.get("frob_ttl", 600))
    ctx.db.execute(
        "INSERT INTO frobs (frob, api_key, status, created_at, expires_at) VALUES (?, ?, 'pending', ?, ?)",
        (frob, ctx.api_key, ctx.now, ctx.now + ttl),
    )
    return {"auth": {"frob": Text(frob)}}


@handler("auth.getToken")
def get_token(ctx: Ctx) -> dict:
    """Exchange an approved frob (single use, same app, not expired) for a token.

    Errors: 1 "The frob is missing"; 2 "The passed frob is either invalid or already used"
    (also for a frob of another app, an expired, denied or not yet approved one).
    """
    frob = ctx.text("frob").strip()
    if not frob:
        raise _error(ctx, 1)
    row = ctx.db.execute("SELECT * FROM frobs WHERE frob = ? AND api_key = ?", (frob, ctx.api_key)).fetchone()
    if row is None or row["status"] != "approved" or row["expires_at"] <= ctx.now or row["user_id"] is None:
        raise _error(ctx, 2)
    user = ctx.db.execute("SELECT * FROM users WHERE user_id = ?", (row["user_id"],)).fetchone()
    if user is None:
        raise _error(ctx, 2)
    if user["is_closed"]:
        raise Fault(108, "Account closed")
    perms = json.loads(row["perms"] or "{}")
    token = insert_token(ctx.db, ctx.api_key, user["user_id"], perms, ctx.now)
    ctx.db.execute("UPDATE frobs SET status = 'used' WHERE frob = ?", (frob,))
    return auth_block(token, perms, user)


@handler("auth.checkToken")
def check_token(ctx: Ctx) -> dict:
    """The calling token's permissions and member (the dispatcher already validated it)."""
    assert ctx.user is not None  # auth "required": the dispatcher guarantees a user
    return auth_block(ctx.text("auth_token"), ctx.perms, ctx.user)
