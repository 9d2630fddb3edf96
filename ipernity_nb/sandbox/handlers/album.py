"""``album.*`` read methods: get, getList, getFaves, getVisitors, docs.getList, docs.getContext.

Shapes follow docs/protocol.md §2.4-2.5 and the catalog ``response_fields``: ``album.getList``
carries ``count`` and ``pages`` (the 2014 sample of §2.4 omits ``pages``; live clients read
it, docs/sandbox-divergences.md); ``album.docs.getList`` nests
``album.docs.doc[]``. Albums are visible to everyone; their docs are filtered per caller
(views.visible_docs_clause), and ``count.docs`` counts the docs the caller may see.
Albums without (visible) docs are left out of ``album.getList`` unless ``empty=1``
(§8.9: empty albums are hidden on the site).

Not emulated: album comments (``count.comments`` is always 0), the ``safesurf`` filter of
``album.getList`` (dropped by the newer help page); reads do not record visits.

Example (over HTTP, with a running ``Sandbox``):
    >>> # client.call("album.getList", user_id=284001)["albums"]["album"][0]["title"]
"""

from __future__ import annotations

from typing import Any

from ..registry import Ctx, Fault, handler, s
from ..views import doc_records, thumb_block, visible_docs_clause
from .containers import (
    album_records,
    faves_payload,
    fetch_album,
    media_safety_filter,
    own_share_filter,
    target_user,
    thumbsize,
    visitors_payload,
)


@handler("album.get")
def album_get(ctx: Ctx) -> dict:
    """One album with description, owner, counts, cover, ``can`` and the caller's ``you`` block."""
    row = fetch_album(ctx, ctx.integer("album_id"))
    return {"album": album_records(ctx, [row], thumbsize(ctx), full=True)[0]}


@handler("album.getList")
def album_get_list(ctx: Ctx) -> dict:
    """The albums of ``user_id`` (default: the caller), in the owner's order, newest first otherwise."""
    user = target_user(ctx)
    label = thumbsize(ctx)
    where, args = ["a.owner_id = ?"], [user["user_id"]]
    if ctx.flag("notinfolder"):
        where.append("NOT EXISTS (SELECT 1 FROM folder_albums fa WHERE fa.album_id = a.album_id)")
    if not ctx.flag("empty"):
        vis, vargs = visible_docs_clause(ctx, "d")
        where.append(
            "EXISTS (SELECT 1 FROM album_docs ad JOIN docs d ON d.doc_id = ad.doc_id "
            f"WHERE ad.album_id = a.album_id AND {vis})"
        )
        args += vargs
    sql = (
        f"SELECT a.* FROM albums a WHERE {' AND '.join(where)} ORDER BY a.position, a.created_at DESC, a.album_id DESC"
    )
    rows, pg = ctx.paginate(sql, args)
    # pages too, though the 2014 sample omits it: live clients read it (docs/sandbox-divergences.md)
    out: dict[str, Any] = {k: pg[k] for k in ("total", "page", "per_page", "pages", "count")}
    out["thumbsize"] = label
    if ctx.user_id == user["user_id"]:
        out["can"] = {"create": "1"}
    if rows:
        out["album"] = album_records(ctx, rows, label)
    return {"albums": out}


@handler("album.getFaves")
def album_get_faves(ctx: Ctx) -> dict:
    """Members who faved the album, newest first."""
    row = fetch_album(ctx, ctx.integer("album_id"))
    return {
        "faves": {"album_id": s(row["album_id"]), **faves_payload(ctx, "faves_albums", "album_id", row["album_id"])}
    }


@handler("album.getVisitors")
def album_get_visitors(ctx: Ctx) -> dict:
    """Identified visitors of one of the caller's albums plus the anonymous remainder."""
    row = fetch_album(ctx, ctx.integer("album_id"), owner_only=True)
    return {"visits": visitors_payload(ctx, "album", int(row["album_id"]), int(row["visits"]))}


def _album_docs_sql(ctx: Ctx, album: Any) -> tuple[str, list]:
    """SELECT of the album's docs the caller may see, with the list filters, in album order."""
    vis, vargs = visible_docs_clause(ctx, "d")
    mwhere, margs = media_safety_filter(ctx, "d")
    swhere, sargs = own_share_filter(ctx, "d", album["owner_id"])
    where = ["ad.album_id = ?", vis, *mwhere, *swhere]
    args = [album["album_id"], *vargs, *margs, *sargs]
    sql = (
        "SELECT d.* FROM album_docs ad JOIN docs d ON d.doc_id = ad.doc_id "
        f"WHERE {' AND '.join(where)} ORDER BY ad.position, ad.added_at, d.doc_id"
    )
    return sql, args


@handler("album.docs.getList")
def album_docs_get_list(ctx: Ctx) -> dict:
    """The album's docs as ``album.docs.doc[]`` (§2.4), paginated, with ``extra`` blocks."""
    album = fetch_album(ctx, ctx.integer("album_id"))
    label = thumbsize(ctx)
    sql, args = _album_docs_sql(ctx, album)
    rows, pg = ctx.paginate(sql, args)
    docs: dict[str, Any] = {k: pg[k] for k in ("total", "page", "per_page", "pages", "count")}
    if rows:
        docs["doc"] = doc_records(ctx, rows, extra=ctx.extra(), thumbsize=label)
    out: dict[str, Any] = {"album_id": s(album["album_id"]), "thumbsize": label, "docs": docs}
    cover = album_records(ctx, [album], label)[0].get("cover")
    if cover:
        out["cover"] = cover
    return {"album": out}


def context_record(ctx: Ctx, row: Any, index: int, label: str) -> dict[str, str]:
    """A neighbour in a ``*.getContext`` answer: flat ``doc_id,user_id,title,media,index,link,w,h,url``."""
    t = thumb_block(ctx, row, label)
    return {
        "doc_id": s(row["doc_id"]),
        "user_id": s(row["owner_id"]),
        "title": s(row["title"]),
        "media": s(row["media"]),
        "safety": s(row["safety"]),
        "index": s(index),
        "link": f"{ctx.base_url}/doc/{row['owner_id']}/{row['doc_id']}",
        "w": t["w"],
        "h": t["h"],
        "url": t["url"],
    }


def context_answer(ctx: Ctx, kind: str, container_id: int, sql: str, args: list) -> dict[str, Any]:
    """A ``<kind>.docs.getContext`` answer: ``<kind>{<kind>_id, total, thumbsize}``, then
    ``prev{count, doc[]}``, ``doc``, ``next{count, doc[]}`` around ``doc_id``.

    ``sql`` selects the container's ordered, visibility-filtered docs; a doc not among them
    is ``Fault(1, "Document not found")``. ``index`` is 1-based; prev is nearest first;
    ``prev``/``next`` take 1-50 (default 10).
    """
    label = thumbsize(ctx)
    rows = ctx.db.execute(sql, args).fetchall()
    doc_id = ctx.integer("doc_id", 0) or 0
    pos = next((i for i, r in enumerate(rows) if int(r["doc_id"]) == doc_id), None)
    if pos is None:
        raise Fault(1, "Document not found")
    n_prev = max(1, min(ctx.integer("prev", 10) or 10, 50))
    n_next = max(1, min(ctx.integer("next", 10) or 10, 50))
    before = [context_record(ctx, rows[i], i + 1, label) for i in range(pos - 1, max(-1, pos - 1 - n_prev), -1)]
    after = [context_record(ctx, rows[i], i + 1, label) for i in range(pos + 1, min(len(rows), pos + 1 + n_next))]
    prev: dict[str, Any] = {"count": s(len(before))}
    if before:
        prev["doc"] = before
    nxt: dict[str, Any] = {"count": s(len(after))}
    if after:
        nxt["doc"] = after
    head = {f"{kind}_id": s(container_id), "total": s(len(rows)), "thumbsize": label}
    return {kind: head, "prev": prev, "doc": context_record(ctx, rows[pos], pos + 1, label), "next": nxt}


@handler("album.docs.getContext")
def album_docs_get_context(ctx: Ctx) -> dict:
    """The neighbours of ``doc_id`` inside the album, in album order (``prev``/``next`` 1-50)."""
    album = fetch_album(ctx, ctx.integer("album_id"))
    return context_answer(ctx, "album", album["album_id"], *_album_docs_sql(ctx, album))
