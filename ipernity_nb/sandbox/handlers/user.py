"""``user.get`` and ``account.getQuota``.

``user.get`` (docs/protocol.md §2.5): ``user_id`` is a member id, username or alias and
defaults to the caller (§8.8); unknown or closed accounts are code 1 "User not found".
``relation`` is seen from the caller: ``isfamily/isfriend/iscontact`` say how the caller
lists the member, ``rev*`` how the member lists the caller (all ``0`` anonymously or for
oneself). ``count.docs``/``posts`` count what the caller may see; ``count.network`` the
member's contacts.

``account.getQuota`` (§6.5, catalog ``response_fields``): a monthly upload allowance in bytes
(the month-to-date sum of ``docs.bytes`` of docs posted this UTC month, and video seconds),
per-media maximum file sizes, and the album allowance. Limits are the sandbox's (the live
ones are not published): see :data:`FREE` and :data:`PRO`. PRO accounts are "unlimited",
which shows as the 10 GB internal cap (§6.5).

Not emulated: ``tmo`` (always 0), ``extra=custom``, presence (``is_online`` is the seed's).

Example (over HTTP, with a running ``Sandbox``):
    >>> # client.call("user.get", user_id="alice")["user"]["is_pro"]
    >>> # client.call("account.getQuota")["quota"]["albums"]["left"]
"""

from __future__ import annotations

import calendar
import time
from typing import Any

from ..registry import Ctx, b, handler, s
from ..views import visible_docs_clause
from .album_write import album_limit
from .containers import fetch_user, user_icon, user_link

_MB = 1024 * 1024
#: Free accounts: monthly upload bytes, video seconds, max file size per media (clients assume
#: photos up to 2.5 MB, no video for non-PRO, docs/protocol.md §6.5).
FREE = {
    "upload_bytes": 200 * _MB,
    "video_seconds": 0,
    "maxfilesize": {"photo": int(2.5 * _MB), "video": 0, "audio": 10 * _MB, "other": 10 * _MB},
}
#: PRO accounts: "unlimited", shown as the 10 GB internal cap.
PRO = {
    "upload_bytes": 10 * 1024 * _MB,
    "video_seconds": 3600,
    "maxfilesize": {"photo": 50 * _MB, "video": 500 * _MB, "audio": 100 * _MB, "other": 100 * _MB},
}


def limits(user: Any) -> dict[str, Any]:
    """The quota table of a member (``FREE`` or ``PRO``); upload code can share it."""
    return PRO if user["is_pro"] else FREE


def month_start(now: int) -> int:
    """Unix time of the first second of ``now``'s UTC month."""
    t = time.gmtime(now)
    return calendar.timegm((t.tm_year, t.tm_mon, 1, 0, 0, 0))


def _relation(ctx: Ctx, user_id: int) -> dict[str, str]:
    me = ctx.user_id
    out = {k: "0" for k in ("isfamily", "isfriend", "iscontact", "revfamily", "revfriend", "revcontact")}
    if me is None or me == user_id:
        return out
    q = "SELECT is_family, is_friend FROM network WHERE user_id = ? AND contact_id = ? AND is_blocked = 0"
    fwd = ctx.db.execute(q, (me, user_id)).fetchone()
    rev = ctx.db.execute(q, (user_id, me)).fetchone()
    if fwd is not None:
        out.update(iscontact="1", isfamily=b(fwd[0]), isfriend=b(fwd[1]))
    if rev is not None:
        out.update(revcontact="1", revfamily=b(rev[0]), revfriend=b(rev[1]))
    return out


@handler("user.get")
def user_get(ctx: Ctx) -> dict:
    """A member's profile summary: names, flags, icon, link, relation, location, counts, dates."""
    user = fetch_user(ctx, ctx.text("user_id")) if ctx.has("user_id") else None
    if user is None:
        user = fetch_user(ctx, ctx.user_id)
    uid = int(user["user_id"])
    vis, vargs = visible_docs_clause(ctx, "d")
    pvis, pargs = visible_docs_clause(ctx, "p")
    docs = ctx.db.execute(f"SELECT COUNT(*) FROM docs d WHERE d.owner_id = ? AND {vis}", (uid, *vargs)).fetchone()[0]
    posts = ctx.db.execute(f"SELECT COUNT(*) FROM posts p WHERE p.owner_id = ? AND {pvis}", (uid, *pargs)).fetchone()[0]
    network = ctx.db.execute(
        "SELECT COUNT(*) FROM network n JOIN users u ON u.user_id = n.contact_id "
        "WHERE n.user_id = ? AND n.is_blocked = 0 AND u.is_closed = 0",
        (uid,),
    ).fetchone()[0]
    out: dict[str, Any] = {
        "user_id": s(uid),
        "username": s(user["username"]),
        "realname": s(user["realname"]),
        "alias": s(user["alias"]),
        "is_pro": b(user["is_pro"]),
        "is_online": b(user["is_online"]),
        "is_closed": b(user["is_closed"]),
        "tmo": "0",
        "sex": s(user["sex"]),
        "lg": s(user["lg"]),
        "icon": user_icon(ctx, uid),
        "link": user_link(ctx, user),
        "relation": _relation(ctx, uid),
        "location": {
            "country": s(user["country"]),
            "town": s(user["town"]),
            "lat": s(user["lat"]),
            "lng": s(user["lng"]),
        },
        "count": {"docs": s(docs), "posts": s(posts), "network": s(network)},
        "dates": {"member_since": s(user["member_since"]), "last_online": s(user["last_online"])},
    }
    return {"user": out}


def _sizes(n: int, *, percent_of: int | None = None, seconds: int | None = None) -> dict[str, str]:
    mb = round(n / _MB, 2)
    out = {"bytes": s(n), "kb": s(n // 1024), "mb": s(int(mb) if mb == int(mb) else mb)}
    if percent_of is not None:
        out["percent"] = s(round(100 * n / percent_of) if percent_of else 0)
    if seconds is not None:
        out["seconds"] = s(seconds)
    return out


@handler("account.getQuota")
def account_get_quota(ctx: Ctx) -> dict:
    """The caller's upload allowance this month, max file sizes and album allowance."""
    user = ctx.user
    assert user is not None  # token required: the dispatcher answered 106 otherwise
    lim = limits(user)
    since = month_start(ctx.now)
    used, secs = ctx.db.execute(
        "SELECT COALESCE(SUM(bytes), 0), COALESCE(SUM(CASE WHEN media = 'video' THEN length ELSE 0 END), 0) "
        "FROM docs WHERE owner_id = ? AND posted_at >= ?",
        (user["user_id"], since),
    ).fetchone()
    mx, mx_secs = int(lim["upload_bytes"]), int(lim["video_seconds"])
    left = max(0, mx - used)
    n_albums = ctx.db.execute("SELECT COUNT(*) FROM albums WHERE owner_id = ?", (user["user_id"],)).fetchone()[0]
    max_albums = album_limit(user)
    quota = {
        "user_id": s(user["user_id"]),
        "is_pro": b(user["is_pro"]),
        "upload": {
            "unlimited": b(user["is_pro"]),
            "max": _sizes(mx, percent_of=mx, seconds=mx_secs),
            "used": _sizes(used, percent_of=mx, seconds=secs),
            "left": _sizes(left, percent_of=mx, seconds=max(0, mx_secs - secs)),
        },
        "maxfilesize": {m: _sizes(n) for m, n in lim["maxfilesize"].items()},
        "albums": {"max": s(max_albums), "created": s(n_albums), "left": s(max(0, max_albums - n_albums))},
    }
    return {"quota": quota}
