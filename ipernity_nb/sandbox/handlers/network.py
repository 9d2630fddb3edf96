"""``network.getList`` and ``network.autocomplete`` (``network.docs.getRecent`` lives with the docs).

The ``network`` table holds relations from ``user_id``'s point of view (schema.sql): a row
``(A, B, is_family, is_friend)`` means A lists B as a contact (and maybe family/friend).
Relation filter values (docs/protocol.md §6.4): 0 everyone, 1 family, 2 friends,
3 friends+family (either flag), 4 plain contacts (neither flag), 8 blocked. The filter is
honoured for the caller's own network only; other members' networks never show blocked rows.

``network.autocomplete`` answers ``network{complete, count, user[]}``: at most 500 matches
(§6.5), ``complete="1"`` when that is all of them. Its catalog entry has no parameters'
error codes; an empty ``query`` is code 1 "Query is empty" (sandbox's choice).

Not emulated: ``icon`` URLs point at ``/icons/<user_id>.png`` on the sandbox.

Example (over HTTP, with a running ``Sandbox``):
    >>> # client.call("network.getList", extra="realname")["network"]["user"][0]["username"]
"""

from __future__ import annotations

import re
from typing import Any

from ..registry import Ctx, Fault, b, handler, s
from ..views import visible_docs_clause
from .containers import in_marks, target_user, user_icon

#: The most results network.autocomplete returns (docs/protocol.md §6.5).
AUTOCOMPLETE_MAX = 500

_RELATION_SQL = {
    1: "n.is_family = 1",
    2: "n.is_friend = 1",
    3: "(n.is_family = 1 OR n.is_friend = 1)",
    4: "(n.is_family = 0 AND n.is_friend = 0)",
}


def _relation_filter(ctx: Ctx, own: bool) -> str:
    rel = ctx.integer("relation", 0) if own else 0
    if rel == 8:
        return "n.is_blocked = 1"
    return " AND ".join(x for x in ("n.is_blocked = 0", _RELATION_SQL.get(rel or 0, "")) if x)


def _reverse(ctx: Ctx, owner_id: int, contact_ids: list[int]) -> dict[int, Any]:
    if not contact_ids:
        return {}
    rows = ctx.db.execute(
        f"SELECT user_id, is_family, is_friend FROM network WHERE contact_id = ? AND is_blocked = 0 "
        f"AND user_id IN ({in_marks(contact_ids)})",
        (owner_id, *contact_ids),
    )
    return {r[0]: r for r in rows}


def _counts(ctx: Ctx, ids: list[int]) -> dict[int, dict[str, int]]:
    out = {i: {"docs": 0, "posts": 0, "network": 0} for i in ids}
    if not ids:
        return out
    marks = in_marks(ids)
    vis, vargs = visible_docs_clause(ctx, "d")
    for uid, n in ctx.db.execute(
        f"SELECT d.owner_id, COUNT(*) FROM docs d WHERE d.owner_id IN ({marks}) AND {vis} GROUP BY d.owner_id",
        (*ids, *vargs),
    ):
        out[uid]["docs"] = n
    pvis, pargs = visible_docs_clause(ctx, "p")
    for uid, n in ctx.db.execute(
        f"SELECT p.owner_id, COUNT(*) FROM posts p WHERE p.owner_id IN ({marks}) AND {pvis} GROUP BY p.owner_id",
        (*ids, *pargs),
    ):
        out[uid]["posts"] = n
    for uid, n in ctx.db.execute(
        "SELECT n.user_id, COUNT(*) FROM network n JOIN users u ON u.user_id = n.contact_id "
        f"WHERE n.is_blocked = 0 AND u.is_closed = 0 AND n.user_id IN ({marks}) GROUP BY n.user_id",
        ids,
    ):
        out[uid]["network"] = n
    return out


@handler("network.getList")
def network_get_list(ctx: Ctx) -> dict:
    """The contacts of ``user_id`` (default: the caller), by username, with relation flags.

    ``relation`` (caller's own network only) filters; ``extra``: ``realname``, ``count``
    (docs/posts visible to the caller, network size), ``location``.
    """
    user = target_user(ctx)
    uid = int(user["user_id"])
    where = _relation_filter(ctx, ctx.user_id == uid)
    rows, pg = ctx.paginate(
        "SELECT u.*, n.is_family, n.is_friend FROM network n JOIN users u ON u.user_id = n.contact_id "
        f"WHERE n.user_id = ? AND u.is_closed = 0 AND {where} ORDER BY u.username COLLATE NOCASE, u.user_id",
        (uid,),
    )
    extra = ctx.extra()
    ids = [int(r["user_id"]) for r in rows]
    rev = _reverse(ctx, uid, ids)
    counts = _counts(ctx, ids) if "count" in extra else {}
    users = []
    for r in rows:
        cid = int(r["user_id"])
        back = rev.get(cid)
        rec: dict[str, Any] = {
            "user_id": s(cid),
            "username": s(r["username"]),
            "alias": s(r["alias"]),
            "icon": user_icon(ctx, cid),
        }
        if "realname" in extra:
            rec["realname"] = s(r["realname"])
        rec["relation"] = {
            "iscontact": "1",
            "isfamily": b(r["is_family"]),
            "isfriend": b(r["is_friend"]),
            "revcontact": b(back is not None),
            "revfamily": b(back is not None and back[1]),
            "revfriend": b(back is not None and back[2]),
        }
        if "count" in extra:
            rec["count"] = {k: s(v) for k, v in counts[cid].items()}
        if "location" in extra:
            rec["location"] = {"country": s(r["country"]), "town": s(r["town"]), "lat": s(r["lat"]), "lng": s(r["lng"])}
        users.append(rec)
    out: dict[str, Any] = {k: pg[k] for k in ("total", "page", "per_page", "pages", "count")}
    out["user_id"] = s(uid)
    if users:
        out["user"] = users
    return {"network": out}


@handler("network.autocomplete")
def network_autocomplete(ctx: Ctx) -> dict:
    """Contacts of the caller whose username matches ``query`` at a word start (or ``anywhere=1``)."""
    query = ctx.text("query").strip().lower()
    if not query:
        raise Fault(1, "Query is empty")
    where = _relation_filter(ctx, True)
    rows = ctx.db.execute(
        "SELECT u.user_id, u.username, u.realname, u.alias FROM network n JOIN users u ON u.user_id = n.contact_id "
        f"WHERE n.user_id = ? AND u.is_closed = 0 AND {where} ORDER BY u.username COLLATE NOCASE, u.user_id",
        (ctx.user_id,),
    ).fetchall()
    if ctx.flag("anywhere"):
        hits = [r for r in rows if query in r["username"].lower()]
    else:
        # A word starts the name or follows a separator (space, _, -, .).
        pat = re.compile(r"(?:^|[\s_.\-])" + re.escape(query))
        hits = [r for r in rows if pat.search(r["username"].lower())]
    shown = hits[:AUTOCOMPLETE_MAX]
    out: dict[str, Any] = {"complete": b(len(hits) <= AUTOCOMPLETE_MAX), "count": s(len(shown))}
    if shown:
        out["user"] = [
            {
                "user_id": s(r["user_id"]),
                "username": s(r["username"]),
                "realname": s(r["realname"]),
                "alias": s(r["alias"]),
                "icon": user_icon(ctx, int(r["user_id"])),
            }
            for r in shown
        ]
    return {"network": out}
