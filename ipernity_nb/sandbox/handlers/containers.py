"""Shared pieces of the container handlers (albums, folders, groups, posts, network, user).

No handler lives here: record builders and lookups used by ``album``, ``album_write``,
``folder``, ``group``, ``faves_albums``, ``network``, ``post`` and ``user``. Doc records
and doc visibility come from :mod:`ipernity_nb.sandbox.views` (one serializer for docs).

Visibility rules (docs/protocol.md §6.4, schema.sql header): albums, folders and public
groups are visible to everyone, but what they *contain* is filtered per caller; counts of
docs inside a container are the docs the caller may see (the owner sees all of them).
Posts follow the docs' ``share`` rule.

Example:
    >>> in_marks([7, 8, 9])
    '?,?,?'
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from ..media import LABELS
from ..registry import Ctx, Fault, RowLike, Text, b, s
from ..views import (
    perm_allows,
    relation,
    safety_clause,
    thumb_block,
    visible_docs_clause,
)
from ..views_blocks import in_marks

__all__ = [
    "MAX_ALBUMS_PER_DOC",
    "MAX_GROUPS_PER_DOC",
    "MEDIA",
    "album_link",
    "album_records",
    "cover_block",
    "faves_payload",
    "fetch_album",
    "fetch_user",
    "in_marks",
    "media_safety_filter",
    "own_share_filter",
    "rebuildable_cover",
    "target_user",
    "thumbsize",
    "user_icon",
    "user_link",
    "visitors_payload",
]

#: A doc can sit in at most this many albums (per-item ``error="1"`` beyond, docs/protocol.md §5.2).
#: The live limit is undocumented; this is the sandbox's choice.
MAX_ALBUMS_PER_DOC = 100
#: A doc can sit in at most this many group pools (``group.docs.add`` per-item ``error="1"``).
MAX_GROUPS_PER_DOC = 60
#: The ``media`` values of docs (docs/protocol.md §6.4).
MEDIA = ("photo", "video", "audio", "other")


def thumbsize(ctx: Ctx) -> str:
    """The ``thumbsize`` parameter, ``75x`` when absent or not a known label (§6.4)."""
    label = ctx.text("thumbsize", "75x") or "75x"
    return label if label in LABELS else "75x"


def media_safety_filter(ctx: Ctx, alias: str = "d") -> tuple[list[str], list]:
    """SQL conditions for a container's docs: one ``media`` name (others filter nothing) and ``safesurf``."""
    where, args = [], []
    if (media := ctx.text("media")) in MEDIA:
        where.append(f"{alias}.media = ?")
        args.append(media)
    ssql, sargs = safety_clause(ctx, alias)
    return [*where, ssql], [*args, *sargs]


def own_share_filter(ctx: Ctx, alias: str, owner_id: int | None) -> tuple[list[str], list]:
    """SQL condition for ``share`` (0-4), applied only to the caller's own items (catalog:
    "only for albums owned by the caller"); out-of-range values filter nothing."""
    share = ctx.integer("share")
    if share is not None and 0 <= share <= 4 and owner_id == ctx.user_id:
        return [f"{alias}.share = ?"], [share]
    return [], []


def user_link(ctx: Ctx, user: RowLike) -> str:
    """The member's home page on the sandbox site (live: ``…/home/<alias or id>``)."""
    return f"{ctx.base_url}/home/{user['alias'] or user['user_id']}"


def user_icon(ctx: Ctx, user_id: int) -> str:
    """The member's buddy icon URL (served by the sandbox as a generated image)."""
    return f"{ctx.base_url}/icons/{user_id}.png"


def album_link(ctx: Ctx, owner_id: int, album_id: int) -> str:
    """The album's page on the sandbox site (live: ``…/doc/<owner>/album/<album_id>``)."""
    return f"{ctx.base_url}/doc/{owner_id}/album/{album_id}"


def fetch_user(ctx: Ctx, ident: str | int | None) -> sqlite3.Row:
    """An open account by id, username or alias, else ``Fault(1, "User not found")``."""
    row = None
    if ident is not None and str(ident).strip():
        ident = str(ident).strip()
        if ident.isdigit() and len(ident) < 19:  # beyond SQLite's 64-bit integers no id exists
            row = ctx.db.execute("SELECT * FROM users WHERE user_id = ?", (int(ident),)).fetchone()
        if row is None:
            row = ctx.db.execute(
                "SELECT * FROM users WHERE username = ? OR (alias != '' AND alias = ?)", (ident, ident)
            ).fetchone()
    if row is None or row["is_closed"]:
        raise Fault(1, "User not found")
    return row


def target_user(ctx: Ctx, name: str = "user_id") -> sqlite3.Row:
    """The member a list is about: ``name`` if given, else the caller (§8.8 caller defaults)."""
    if ctx.has(name):
        return fetch_user(ctx, ctx.text(name))
    if ctx.user is None:
        raise Fault(1, "User not found")
    return ctx.user


def fetch_album(ctx: Ctx, album_id: int | None, *, owner_only: bool = False) -> sqlite3.Row:
    """The ``albums`` row, or ``Fault(1, "Album not found")`` (missing, or foreign with ``owner_only``)."""
    row = None
    if album_id is not None and album_id > 0:
        row = ctx.db.execute(
            "SELECT a.* FROM albums a JOIN users u ON u.user_id = a.owner_id WHERE a.album_id = ? AND u.is_closed = 0",
            (album_id,),
        ).fetchone()
    if row is None or (owner_only and row["owner_id"] != ctx.user_id):
        raise Fault(1, "Album not found")
    return row


def cover_block(ctx: Ctx, doc: RowLike | None, label: str) -> dict[str, str] | None:
    """``{doc_id, w, h, url}`` (+ ``label``/``ext``) for a cover doc row, ``None`` without one."""
    if doc is None:
        return None
    t = thumb_block(ctx, doc, label)
    return {"doc_id": s(doc["doc_id"]), "w": t["w"], "h": t["h"], "url": t["url"], "label": t["label"], "ext": "jpg"}


def rebuildable_cover(ctx: Ctx, doc: RowLike, cover: dict[str, str]) -> dict[str, str]:
    """``cover`` with the parts clients rebuild other sizes from (folder.get/edit, docs/protocol.md §6.5).

    ``farm``, ``secret``, ``path`` (the media URL's directory under the site root: the URL is
    ``{root}{path}/{doc_id}.{secret}.{label}.{ext}``) and ``icon`` (``1`` when the thumbnail
    is a generic icon: audio and other files without pixels).
    """
    path = cover["url"][len(ctx.base_url) :].rsplit("/", 1)[0]
    icon = doc["media"] in ("audio", "other") and not (doc["w"] and doc["h"])
    return {**cover, "farm": s(doc["farm"]), "secret": s(doc["secret"]), "path": path, "icon": b(icon)}


def _album_covers(ctx: Ctx, rows: Sequence[RowLike]) -> dict[int, sqlite3.Row]:
    """The cover doc of each album: its ``cover_id`` when visible, else its first visible doc."""
    if not rows:
        return {}
    vis, vargs = visible_docs_clause(ctx, "d")
    ids = [int(r["album_id"]) for r in rows]
    chosen: dict[int, sqlite3.Row] = {}
    covers = [int(r["cover_id"]) for r in rows if r["cover_id"]]
    if covers:
        found = {
            d["doc_id"]: d
            for d in ctx.db.execute(
                f"SELECT d.* FROM docs d WHERE d.doc_id IN ({in_marks(covers)}) AND {vis}", (*covers, *vargs)
            )
        }
        for r in rows:
            if r["cover_id"] in found:
                chosen[int(r["album_id"])] = found[r["cover_id"]]
    missing = [i for i in ids if i not in chosen]
    if missing:
        sql = (
            f"SELECT ad.album_id, d.* FROM album_docs ad JOIN docs d ON d.doc_id = ad.doc_id "
            f"WHERE ad.album_id IN ({in_marks(missing)}) AND {vis} ORDER BY ad.album_id, ad.position, ad.added_at"
        )
        for d in ctx.db.execute(sql, (*missing, *vargs)):
            chosen.setdefault(int(d["album_id"]), d)
    return chosen


def _album_counts(ctx: Ctx, ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per album: docs visible to the caller, docs per share level, faves."""
    out = {i: {"docs": 0, "family": 0, "friend": 0, "ff": 0, "public": 0, "faves": 0} for i in ids}
    if not ids:
        return out
    vis, vargs = visible_docs_clause(ctx, "d")
    sql = (
        "SELECT ad.album_id, d.share, COUNT(*), SUM(CASE WHEN " + vis + " THEN 1 ELSE 0 END) "
        f"FROM album_docs ad JOIN docs d ON d.doc_id = ad.doc_id WHERE ad.album_id IN ({in_marks(ids)}) "
        "GROUP BY ad.album_id, d.share"
    )
    names = {1: "family", 2: "friend", 3: "ff", 4: "public"}
    for album_id, share, n, n_visible in ctx.db.execute(sql, (*vargs, *ids)):
        out[album_id]["docs"] += n_visible or 0
        if share in names:
            out[album_id][names[share]] += n
    for album_id, n in ctx.db.execute(
        f"SELECT album_id, COUNT(*) FROM faves_albums WHERE album_id IN ({in_marks(ids)}) GROUP BY album_id", ids
    ):
        out[album_id]["faves"] = n
    return out


def album_records(ctx: Ctx, rows: Sequence[RowLike], label: str = "75x", *, full: bool = False) -> list[dict[str, Any]]:
    """Album records for ``albums`` rows, batched (docs/protocol.md §2.5 ``album.getList`` sample).

    ``full`` adds what ``album.get`` carries: ``description``, ``owner``, ``can.add_doc``, ``you``.
    """
    ids = [int(r["album_id"]) for r in rows]
    counts = _album_counts(ctx, ids)
    covers = _album_covers(ctx, rows)
    owners = {}
    if full and rows:
        oids = sorted({int(r["owner_id"]) for r in rows})
        owners = {
            u["user_id"]: u
            for u in ctx.db.execute(f"SELECT * FROM users WHERE user_id IN ({in_marks(oids)})", oids).fetchall()
        }
    logged_in = ctx.user_id is not None
    out = []
    for r in rows:
        album_id, owner_id = int(r["album_id"]), int(r["owner_id"])
        c = counts[album_id]
        rel = relation(ctx, owner_id)
        rec: dict[str, Any] = {
            "album_id": s(album_id),
            "link": album_link(ctx, owner_id, album_id),
            "title": s(r["title"]),
        }
        if full:
            rec["thumbsize"] = label
            rec["description"] = Text(r["description"])
            u = owners.get(owner_id)
            rec["owner"] = {
                "user_id": s(owner_id),
                "username": s(u["username"] if u else ""),
                "alias": s(u["alias"] if u else ""),
            }
        else:
            rec["owner"] = {"user_id": s(owner_id)}
        rec["dates"] = {
            "created_at": s(r["created_at"]),
            "comment_at": s(r["last_comment_at"]),
            "last_comment_at": s(r["last_comment_at"]),
            "last_update_at": s(r["last_update_at"]),
        }
        rec["count"] = {
            "docs": s(c["docs"]),
            "visits": s(r["visits"]),
            "faves": s(c["faves"]),
            "comments": "0",
            "family": s(c["family"]),
            "friend": s(c["friend"]),
            "ff": s(c["ff"]),
            "public": s(c["public"]),
        }
        rec["visibility"] = {k: rec["count"][k] for k in ("family", "friend", "ff", "public")}
        if (cov := cover_block(ctx, covers.get(album_id), label)) is not None:
            rec["cover"] = cov
        perm = int(r["perm_comment"])
        can = {"fave": b(logged_in and not rel["self"]), "comment": b(perm_allows(perm, rel, logged_in))}
        if full:
            can["add_doc"] = b(rel["self"])
        rec["can"] = can
        rec["permissions"] = {"comment": s(perm)}
        if full and logged_in:
            fav = ctx.db.execute(
                "SELECT 1 FROM faves_albums WHERE user_id = ? AND album_id = ?", (ctx.user_id, album_id)
            ).fetchone()
            vis = ctx.db.execute(
                "SELECT visits, visited_at FROM visits WHERE kind = 'album' AND item_id = ? AND user_id = ?",
                (album_id, ctx.user_id),
            ).fetchone()
            rec["you"] = {
                "isfave": b(fav is not None),
                "visits": s(vis[0] if vis else 0),
                "last_visit_at": s(vis[1] if vis else 0),
            }
        out.append(rec)
    return out


def visitors_payload(ctx: Ctx, kind: str, item_id: int, total_visits: int) -> dict[str, Any]:
    """``visits{total,page,per_page,pages,count, anonymous{visits,visited_at}, visit[]}``.

    Not emulated: the first visit time is not stored, so ``first_visit_at`` equals the last.
    """
    rows, pg = ctx.paginate(
        "SELECT v.user_id, u.username, v.visits, v.visited_at FROM visits v JOIN users u ON u.user_id = v.user_id "
        "WHERE v.kind = ? AND v.item_id = ? ORDER BY v.visited_at DESC, v.user_id",
        (kind, item_id),
    )
    known, last = ctx.db.execute(
        "SELECT COALESCE(SUM(visits), 0), COALESCE(MAX(visited_at), 0) FROM visits WHERE kind = ? AND item_id = ?",
        (kind, item_id),
    ).fetchone()
    out: dict[str, Any] = dict(pg)
    out["anonymous"] = {"visits": s(max(0, total_visits - known)), "visited_at": s(last if total_visits > known else 0)}
    visits = [
        {
            "user_id": s(r[0]),
            "username": s(r[1]),
            "visits": s(r[2]),
            "visited_at": s(r[3]),
            "first_visit_at": s(r[3]),
        }
        for r in rows
    ]
    if visits:
        out["visit"] = visits
    return out


def faves_payload(ctx: Ctx, table: str, column: str, item_id: int) -> dict[str, Any]:
    """``faves{total,page,per_page,pages,count, fave[]{user_id, username, faved_at}}``, newest first."""
    rows, pg = ctx.paginate(
        f"SELECT f.user_id, u.username, f.faved_at FROM {table} f JOIN users u ON u.user_id = f.user_id "
        f"WHERE f.{column} = ? AND u.is_closed = 0 ORDER BY f.faved_at DESC, f.user_id",
        (item_id,),
    )
    out: dict[str, Any] = dict(pg)
    faves = [{"user_id": s(r[0]), "username": s(r[1]), "faved_at": s(r[2])} for r in rows]
    if faves:
        out["fave"] = faves
    return out
