"""doc.* reads about one doc or one member's docs: get, getList, getMedias, getPerms, getExif, checkMD5.

Visibility follows :mod:`ipernity_nb.sandbox.views`: an invisible or missing doc answers
code 1 "Document not found" (docs/protocol.md §5.2).

Not emulated: reads do not count visits (the live service counts page views, not API
calls); ``doc.getMedias`` returns no ``players`` block; ``doc.getExif`` returns the stored
EXIF tags as attributes of ``exif`` (the live layout is undocumented beyond its sample).

Example:
    >>> from ipernity_nb.sandbox.registry import HANDLERS
    >>> "doc.get" in HANDLERS and "doc.getList" in HANDLERS
    True
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..registry import Ctx, b, handler, s
from ..views import (
    doc_full,
    fetch_doc,
    medias_list,
    thumbs_list,
    visible_docs_clause,
)
from .doc_common import docs_payload, filter_clauses, page_attrs, target_user

_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")
_ATTR = re.compile(r"[^A-Za-z0-9_]")


@handler("doc.get")
def doc_get(ctx: Ctx) -> dict:
    """One doc with every block of the doc.get sample (§2.5); ``extra`` adds tags, notes, geo, md5."""
    row = fetch_doc(ctx, ctx.integer("doc_id"))
    return {"doc": doc_full(ctx, row, extra=ctx.extra() & {"tags", "notes", "geo", "md5"})}


@handler("doc.getList")
def doc_get_list(ctx: Ctx) -> dict:
    """A member's docs the caller may see, newest first (``user_id`` defaults to the caller).

    Filters: ``media``, ``safesurf``, ``share`` (own docs only). Code 1 "User not found".
    """
    user = target_user(ctx)
    vis, vargs = visible_docs_clause(ctx, "d")
    where, args = filter_clauses(ctx, "d", share_owner=user["user_id"])
    sql = (
        f"SELECT d.* FROM docs d WHERE d.owner_id = ? AND {vis}"
        + "".join(f" AND {w}" for w in where)
        + " ORDER BY d.posted_at DESC, d.doc_id DESC"
    )
    rows, meta = ctx.paginate(sql, [user["user_id"], *vargs, *args])
    return docs_payload(
        ctx, rows, page_attrs(meta), allowed_extra={"dates", "count", "geo", "medias", "original", "md5", "link"}
    )


@handler("doc.getMedias")
def doc_get_medias(ctx: Ctx) -> dict:
    """Every rendition URL: ``thumbs`` (all labels, with ``secret``), ``medias`` (video/audio)
    and ``original`` for the owner or a downloadable licence (§6.5: clients pick sizes here).
    """
    row = fetch_doc(ctx, ctx.integer("doc_id"))
    thumbs = [{**t, "secret": s(row["secret"])} for t in thumbs_list(ctx, row)]
    out: dict[str, Any] = {"thumbs": {"thumb": thumbs}}
    if m := medias_list(ctx, row):
        out["medias"] = {"media": m}
    full = doc_full(ctx, row)
    if "original" in full:
        out["original"] = full["original"]
    return out


@handler("doc.getPerms")
def doc_get_perms(ctx: Ctx) -> dict:
    """``visibility``, ``permissions`` and ``can`` as live clients read them (catalog note:
    the documentation's ``permcomment``/``usage`` names are not what the service returns).
    """
    row = fetch_doc(ctx, ctx.integer("doc_id"))
    full = doc_full(ctx, row)
    return {"visibility": full["visibility"], "permissions": full["permissions"], "can": full["can"]}


@handler("doc.getExif")
def doc_get_exif(ctx: Ctx) -> dict:
    """The stored EXIF tags of a visible doc, one attribute per tag (``Make``, ``FNumber`` …)."""
    row = fetch_doc(ctx, ctx.integer("doc_id"))
    try:
        items = json.loads(row["exif"] or "[]")
    except ValueError:
        items = []
    exif: dict[str, str] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("tag"):
            name = _ATTR.sub("", str(item["tag"]))
            if name and not name[0].isdigit():
                exif[name] = s(item.get("raw", item.get("value", "")))
    return {"exif": exif}


@handler("doc.checkMD5")
def doc_check_md5(ctx: Ctx) -> dict:
    """Which of up to 20 MD5 sums match one of the caller's own docs (duplicate check before upload).

    Every item carries ``md5``, ``found`` and ``doc_id``; a sum with no doc answers
    ``doc_id="0"`` and ``found="0"``. Two kinds of readers meet here: clients tested against
    the live service read ``doc_id`` on every item and call ``doc.get`` with it, catching the
    API error (doc id 0 answers code 1 "Document not found"); readers of the method's note
    ("an empty response if the md5 was not found") test ``found`` or the wrapper's count.
    Both work, and the 2014 sample's fields are all there (docs/sandbox-divergences.md).
    """
    sums = [m.lower() for m in ctx.items("md5")][:20]
    items = []
    found = 0
    for md5 in sums:
        row = None
        if _MD5.match(md5):
            row = ctx.db.execute(
                "SELECT doc_id FROM docs WHERE md5 = ? AND owner_id = ? ORDER BY doc_id LIMIT 1", (md5, ctx.user_id)
            ).fetchone()
        item = {"doc_id": s(row[0]) if row is not None else "0", "md5": md5, "found": b(row is not None)}
        found += row is not None
        items.append(item)
    body: dict[str, Any] = {"count": s(len(items)), "found": s(found)}
    if items:
        body["doc"] = items
    return {"docs": body}
