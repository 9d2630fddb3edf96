"""doc.* reads around one doc: getContainers, getContext, getFaves, getVisitors.

* ``doc.getContainers``: the albums holding the doc and the group pools it is in (private
  groups only for their members; pending entries only for the doc owner, flagged
  ``pending="1"``).
* ``doc.getContext``: neighbours in the owner's photostream as the caller sees it (newest
  first): ``prev`` are newer docs, ``next`` older ones, ``index`` the 1-based position.
* ``doc.getFaves``: who faved the doc, latest first.
* ``doc.getVisitors``: identified visitors, for the owner only (others get code 1); the
  ``anonymous`` block holds the visits nobody identified.

Not emulated: invitations to groups (``invited`` is always 0); ``first_visit_at`` equals the
stored last visit when the first one was not recorded.

Example:
    >>> from ipernity_nb.sandbox.registry import HANDLERS
    >>> sorted(n for n in HANDLERS if n in ("doc.getContext", "doc.getFaves"))
    ['doc.getContext', 'doc.getFaves']
"""

from __future__ import annotations

from typing import Any

from ..media import media_url
from ..registry import Ctx, handler, s
from ..views import doc_link, fetch_doc, thumb_block, visible_docs_clause
from .doc_common import filter_clauses, page_attrs, thumbsize


def _cover_url(ctx: Ctx, cover_id: int | None) -> str:
    if not cover_id:
        return ""
    row = ctx.db.execute("SELECT doc_id, secret, farm FROM docs WHERE doc_id = ?", (cover_id,)).fetchone()
    if row is None:
        return ""
    return media_url(ctx.base_url, row["doc_id"], row["secret"], "75x", "jpg", row["farm"])


@handler("doc.getContainers")
def doc_get_containers(ctx: Ctx) -> dict:
    """``albums`` and ``groups`` containing a visible doc, each with its doc count and cover."""
    row = fetch_doc(ctx, ctx.integer("doc_id"))
    doc_id = row["doc_id"]
    albums = ctx.db.execute(
        "SELECT a.*, (SELECT COUNT(*) FROM album_docs x WHERE x.album_id = a.album_id) AS n "
        "FROM albums a JOIN album_docs ad ON ad.album_id = a.album_id WHERE ad.doc_id = ? ORDER BY a.album_id",
        (doc_id,),
    ).fetchall()
    uid = ctx.user_id or 0
    is_owner = uid == row["owner_id"]
    groups = ctx.db.execute(
        "SELECT g.*, gd.pending, "
        "(SELECT COUNT(*) FROM grp_docs x WHERE x.group_id = g.group_id AND x.pending = 0) AS n "
        "FROM grp g JOIN grp_docs gd ON gd.group_id = g.group_id WHERE gd.doc_id = ? "
        "AND (g.is_public = 1 OR EXISTS (SELECT 1 FROM grp_members m WHERE m.group_id = g.group_id AND m.user_id = ?)) "
        "AND (gd.pending = 0 OR ?) ORDER BY g.group_id",
        (doc_id, uid, int(is_owner)),
    ).fetchall()
    album_items = [
        {
            "album_id": s(a["album_id"]),
            "title": s(a["title"]),
            "link": f"{ctx.base_url}/doc/{a['owner_id']}/album/{a['album_id']}",
            "docs": s(a["n"]),
            "cover": _cover_url(ctx, a["cover_id"]),
        }
        for a in albums
    ]
    group_items = [
        {
            "group_id": s(g["group_id"]),
            "title": s(g["title"]),
            "link": f"{ctx.base_url}/group/{g['group_id']}",
            "docs": s(g["n"]),
            "pending": s(g["pending"]),
            "invited": "0",
            "cover": "",
        }
        for g in groups
    ]
    pending = sum(1 for g in groups if g["pending"])
    out: dict[str, Any] = {
        "albums": {"total": s(len(album_items))},
        "groups": {
            "total": s(len(group_items)),
            "added": s(len(group_items) - pending),
            "pending": s(pending),
            "invited": "0",
        },
    }
    if album_items:
        out["albums"]["album"] = album_items
    if group_items:
        out["groups"]["group"] = group_items
    return out


def _context_item(ctx: Ctx, r: Any, index: int, label: str) -> dict[str, str]:
    t = thumb_block(ctx, r, label)
    return {
        "doc_id": s(r["doc_id"]),
        "index": s(index),
        "title": s(r["title"]),
        "media": s(r["media"]),
        "safety": s(r["safety"]),
        "user_id": s(r["owner_id"]),
        "link": doc_link(ctx, r),
        "url": t["url"],
        "w": t["w"],
        "h": t["h"],
    }


def _bounded(ctx: Ctx, name: str) -> int:
    v = ctx.integer(name, 10)
    return max(0, min(10 if v is None else v, 50))


@handler("doc.getContext")
def doc_get_context(ctx: Ctx) -> dict:
    """``prev`` (newer), ``doc`` and ``next`` (older) in the owner's stream; ``prev``/``next`` ≤ 50."""
    row = fetch_doc(ctx, ctx.integer("doc_id"))
    vis, vargs = visible_docs_clause(ctx, "d")
    fw, fa = filter_clauses(ctx, "d")
    base = f"d.owner_id = ? AND {vis}" + "".join(f" AND {w}" for w in fw)
    args = [row["owner_id"], *vargs, *fa]
    key = (row["posted_at"], row["doc_id"])
    newer_sql = "(d.posted_at > ? OR (d.posted_at = ? AND d.doc_id > ?))"
    older_sql = "(d.posted_at < ? OR (d.posted_at = ? AND d.doc_id < ?))"
    kargs = [key[0], key[0], key[1]]
    position = ctx.db.execute(f"SELECT COUNT(*) FROM docs d WHERE {base} AND {newer_sql}", [*args, *kargs]).fetchone()[
        0
    ]
    n_prev, n_next = _bounded(ctx, "prev"), _bounded(ctx, "next")
    prev = ctx.db.execute(
        f"SELECT d.* FROM docs d WHERE {base} AND {newer_sql} ORDER BY d.posted_at ASC, d.doc_id ASC LIMIT ?",
        [*args, *kargs, n_prev],
    ).fetchall()
    nxt = ctx.db.execute(
        f"SELECT d.* FROM docs d WHERE {base} AND {older_sql} ORDER BY d.posted_at DESC, d.doc_id DESC LIMIT ?",
        [*args, *kargs, n_next],
    ).fetchall()
    label = thumbsize(ctx)
    index = position + 1  # 1-based position of the doc itself (the stream is newest first)
    prev_items = [_context_item(ctx, r, index - i - 1, label) for i, r in enumerate(prev)]
    next_items = [_context_item(ctx, r, index + i + 1, label) for i, r in enumerate(nxt)]
    out: dict[str, Any] = {
        "prev": {"count": s(len(prev_items))},
        "doc": _context_item(ctx, row, index, label),
        "next": {"count": s(len(next_items))},
    }
    if prev_items:
        out["prev"]["doc"] = prev_items
    if next_items:
        out["next"]["doc"] = next_items
    return out


@handler("doc.getFaves")
def doc_get_faves(ctx: Ctx) -> dict:
    """Members who faved a visible doc, latest first (open accounts only)."""
    row = fetch_doc(ctx, ctx.integer("doc_id"))
    rows, meta = ctx.paginate(
        "SELECT f.user_id, u.username, f.faved_at FROM faves_docs f JOIN users u ON u.user_id = f.user_id "
        "WHERE f.doc_id = ? AND u.is_closed = 0 ORDER BY f.faved_at DESC, f.user_id DESC",
        (row["doc_id"],),
    )
    body: dict[str, Any] = page_attrs(meta, count=True)
    if rows:
        body["fave"] = [
            {"user_id": s(r["user_id"]), "username": s(r["username"]), "faved_at": s(r["faved_at"])} for r in rows
        ]
    return {"faves": body}


@handler("doc.getVisitors")
def doc_get_visitors(ctx: Ctx) -> dict:
    """Identified visitors of one of the caller's docs, latest first, plus anonymous visits."""
    row = fetch_doc(ctx, ctx.integer("doc_id"), owner_only=True)
    rows, meta = ctx.paginate(
        "SELECT v.user_id, u.username, v.visits, v.visited_at FROM visits v JOIN users u ON u.user_id = v.user_id "
        "WHERE v.kind = 'doc' AND v.item_id = ? ORDER BY v.visited_at DESC, v.user_id DESC",
        (row["doc_id"],),
    )
    known = ctx.db.execute(
        "SELECT COALESCE(SUM(visits), 0), COALESCE(MAX(visited_at), 0) FROM visits WHERE kind = 'doc' AND item_id = ?",
        (row["doc_id"],),
    ).fetchone()
    body: dict[str, Any] = page_attrs(meta, count=True)
    body["anonymous"] = {"visits": s(max(0, row["visits"] - known[0])), "visited_at": s(known[1])}
    if rows:
        body["visit"] = [
            {
                "user_id": s(r["user_id"]),
                "username": s(r["username"]),
                "visits": s(r["visits"]),
                "visited_at": s(r["visited_at"]),
                "first_visit_at": s(r["visited_at"]),
            }
            for r in rows
        ]
    return {"visits": body}
