"""Shared record builders for the doc-carrying handlers: visibility, doc records, doc.get.

Every handler that lists docs (doc.search/getList, album.docs.getList, group.docs.getList,
faves.docs.getList, explore.*) builds its hits with :func:`doc_records` (batched: one query
per block for the whole page, never one per doc) and filters rows with
:func:`visible_docs_clause`. ``doc.get`` uses :func:`doc_full`.

Who sees what (docs/protocol.md §6.4) lives in :mod:`ipernity_nb.sandbox.visibility`; its
functions are re-exported here, where the handlers import them from.

Not emulated: the live service's per-user download/print settings (``can.download`` is
granted to the owner and on Creative Commons / copyleft licenses; ``can.print`` to the
owner only); thumbnails above 800 px are always offered (the live service asks the owner's
settings); ``geo.loc_id``/``location`` (no reverse geocoding).

Example:
    >>> user_brief({"user_id": 284001, "username": "alice"})
    {'user_id': '284001', 'username': 'alice'}
    >>> user_brief(284002)
    {'user_id': '284002'}
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .media import LABELS, media_url, thumb_dims
from .registry import Ctx, Fault, Text, b, s
from .views_blocks import counts, notes_block, tags_block, users_by_id
from .visibility import (
    can_see_doc,
    perm_allows,
    relation,
    safety_clause,
    share_allows,
    share_visibility,
    visible_docs_clause,
)

__all__ = [
    "can_see_doc",
    "doc_full",
    "doc_link",
    "doc_record",
    "doc_records",
    "fetch_doc",
    "medias_list",
    "notes_block",
    "perm_allows",
    "relation",
    "safety_clause",
    "share_allows",
    "share_visibility",
    "tags_block",
    "thumb_block",
    "thumbs_list",
    "user_brief",
    "visible_docs_clause",
]

#: Licenses a visitor may download under (Creative Commons and copyleft, docs/protocol.md §6.4).
_FREE_LICENSES = frozenset({1, 3, 5, 7, 9, 11, 255})
#: Size assumed for thumbnails of docs without pixel dimensions (audio/other get an icon).
_ICON = (500, 500)


def fetch_doc(ctx: Ctx, doc_id: int | None, *, owner_only: bool = False) -> sqlite3.Row:
    """The ``docs`` row of ``doc_id`` if the caller may see it (or owns it, with ``owner_only``).

    Raises ``Fault(1, "Document not found")`` otherwise — the live service answers the same
    for a missing doc and for one the caller may not see (docs/protocol.md §5.2).
    """
    row = None
    if doc_id is not None and doc_id > 0:
        row = ctx.db.execute("SELECT * FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
    if row is None:
        raise Fault(1, "Document not found")
    if owner_only:
        if ctx.user_id != row["owner_id"]:
            raise Fault(1, "Document not found")
    elif not can_see_doc(ctx, row):
        raise Fault(1, "Document not found")
    return row


# --- small blocks ----------------------------------------------------------------------------


def user_brief(row_or_id: Mapping[str, Any] | int | str) -> dict[str, str]:
    """``{"user_id", "username"}`` from a users row (or ``{"user_id"}`` from a bare id)."""
    if isinstance(row_or_id, (int, str)):
        return {"user_id": s(row_or_id)}
    return {"user_id": s(row_or_id["user_id"]), "username": s(row_or_id["username"])}


def doc_link(ctx: Ctx, row: Mapping[str, Any]) -> str:
    """The doc's page URL on the sandbox site (live: ``…/doc/<owner>/<doc_id>``)."""
    return f"{ctx.base_url}/doc/{row['owner_id']}/{row['doc_id']}"


def _dims(row: Mapping[str, Any]) -> tuple[int, int]:
    w, h = int(row["w"] or 0), int(row["h"] or 0)
    return (w, h) if w and h else _ICON


def thumb_block(ctx: Ctx, row: Mapping[str, Any], label: str = "75x") -> dict[str, str]:
    """One thumbnail ``{label, ext, w, h, url}`` (thumbnails are JPEG whatever the original)."""
    if label not in LABELS:
        label = "75x"
    w, h = thumb_dims(*_dims(row), label)
    url = media_url(ctx.base_url, int(row["doc_id"]), row["secret"], label, "jpg", int(row["farm"]))
    return {"label": label, "ext": "jpg", "w": str(w), "h": str(h), "url": url}


def thumbs_list(ctx: Ctx, row: Mapping[str, Any]) -> list[dict[str, str]]:
    """Every thumbnail label (docs/protocol.md §6.4), smallest first."""
    return [thumb_block(ctx, row, label) for label in LABELS]


def medias_list(ctx: Ctx, row: Mapping[str, Any]) -> list[dict[str, str]]:
    """Playable renditions: mp4 for video, mp3 for audio; none for photos and other files.

    The attribute ``lenght`` keeps the live sample's spelling (docs/protocol.md §2.5).
    """
    doc_id, secret, farm = int(row["doc_id"]), row["secret"], int(row["farm"])
    if row["media"] == "video":
        w, h = thumb_dims(*_dims(row), "640")
        url = media_url(ctx.base_url, doc_id, secret, "mp4", "mp4", farm)
        return [{"label": "mp4", "ext": "mp4", "w": s(w), "h": s(h), "lenght": s(row["length"]), "url": url}]
    if row["media"] == "audio":
        url = media_url(ctx.base_url, doc_id, secret, "mp3", "mp3", farm)
        return [{"label": "mp3", "ext": "mp3", "lenght": s(row["length"]), "url": url}]
    return []


def _original(ctx: Ctx, row: Mapping[str, Any]) -> dict[str, str]:
    url = media_url(ctx.base_url, int(row["doc_id"]), row["secret"], "original", row["ext"], int(row["farm"]))
    # NOT NULL columns (schema.sql): str() is s() for them, without the None/bool checks
    out = {
        "ext": str(row["ext"]),
        "w": str(row["w"]),
        "h": str(row["h"]),
        "bytes": str(row["bytes"]),
        "filename": str(row["filename"]),
        "url": url,
    }
    if row["media"] in ("video", "audio"):
        out["length"] = str(row["length"])
    return out


def _can_download(ctx: Ctx, row: Mapping[str, Any]) -> bool:
    return ctx.user_id == row["owner_id"] or int(row["license"]) in _FREE_LICENSES


def _dates(row: Mapping[str, Any]) -> dict[str, str]:
    last_comment = str(row["last_comment_at"])  # NOT NULL columns: str() is s()
    return {
        "posted_at": str(row["posted_at"]),
        "created": str(row["created"]),
        "modified_at": str(row["modified_at"]),
        "replaced_at": str(row["replaced_at"]),
        "comment_at": last_comment,
        "last_comment_at": last_comment,
        "last_update_at": str(row["last_update_at"]),
    }


def _geo(row: Mapping[str, Any]) -> dict[str, str] | None:
    lat, lng = row["lat"], row["lng"]
    if lat is None or lng is None:
        return None
    return {"lat": s(lat), "lng": s(lng), "accuracy": s(row["geo_accuracy"])}


# --- batched blocks (see views_blocks) -----------------------------------------------------


def _count_block(row: Mapping[str, Any], c: Mapping[str, int]) -> dict[str, str]:
    return {  # counts are ints, visits NOT NULL: str() is s() for them
        "visits": str(row["visits"]),
        "faves": str(c["faves"]),
        "comments": str(c["comments"]),
        "notes": str(c["notes"]),
        "tags": str(c["tags"]),
        "albums": str(c["albums"]),
        "groups": str(c["groups"]),
        "last_visit": s(c["last_visit"]),
    }


def _owner_block(u: Mapping[str, Any] | None, owner_id: int, full: bool) -> dict[str, str]:
    if u is None:
        return {"user_id": s(owner_id)}
    out = user_brief(u)
    if full:
        out.update(realname=s(u["realname"]), alias=s(u["alias"]), is_pro=b(u["is_pro"]))
    return out


# --- records ---------------------------------------------------------------------------------


def _as_dicts(rows: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """``sqlite3.Row`` s as dicts: a Row finds a column by comparing names one by one, and a
    record reads ~30 columns (a third of the record building went there)."""
    return [dict(zip(r.keys(), r, strict=True)) if type(r) is sqlite3.Row else r for r in rows]


def doc_records(
    ctx: Ctx, rows: Sequence[Mapping[str, Any]], *, extra: Iterable[str] = frozenset(), thumbsize: str = "75x"
) -> list[dict]:
    """List records for many ``docs`` rows, with each optional block fetched once for all rows.

    Always: ``doc_id, title, media, license, safety``, ``owner{user_id, username}`` and one
    ``thumb``. ``extra`` (docs/protocol.md §6.4): ``owner`` (adds realname/alias/is_pro),
    ``dates``, ``count``, ``license``, ``medias``, ``geo`` (docs with a location), ``original``
    (owner or downloadable licence), ``md5``, ``link``.
    """
    extra = set(extra)
    rows = _as_dicts(rows)
    ids = [int(r["doc_id"]) for r in rows]
    full_owner = "owner" in extra
    owners = users_by_id(ctx.db, (int(r["owner_id"]) for r in rows))
    # one owner block per member on the page, copied per record (owners repeat)
    owner_blocks = {oid: _owner_block(u, oid, full_owner) for oid, u in owners.items()}
    page_counts = counts(ctx.db, ids) if "count" in extra else {}
    out = []
    for r in rows:
        rec: dict[str, Any] = {
            "doc_id": s(r["doc_id"]),
            "title": s(r["title"]),
            "media": s(r["media"]),
            "license": s(r["license"]),
            "safety": s(r["safety"]),
        }
        if "link" in extra:
            rec["link"] = doc_link(ctx, r)
        if "md5" in extra:
            rec["md5"] = s(r["md5"])
        owner_id = int(r["owner_id"])
        ob = owner_blocks.get(owner_id)
        rec["owner"] = dict(ob) if ob is not None else _owner_block(None, owner_id, full_owner)
        rec["thumb"] = thumb_block(ctx, r, thumbsize)
        if "dates" in extra:
            rec["dates"] = _dates(r)
        if "count" in extra:
            rec["count"] = _count_block(r, page_counts[int(r["doc_id"])])
        if "geo" in extra and (g := _geo(r)) is not None:
            rec["geo"] = g
        if "medias" in extra and (m := medias_list(ctx, r)):
            rec["medias"] = {"media": m}
        if "original" in extra and _can_download(ctx, r):
            rec["original"] = _original(ctx, r)
        out.append(rec)
    return out


def doc_record(ctx: Ctx, row: Mapping[str, Any], *, extra: Iterable[str] = frozenset(), thumbsize: str = "75x") -> dict:
    """One list record (see :func:`doc_records`; prefer that for pages: it batches queries)."""
    return doc_records(ctx, [row], extra=extra, thumbsize=thumbsize)[0]


def doc_full(ctx: Ctx, row: Mapping[str, Any], *, extra: Iterable[str] = frozenset()) -> dict:
    """The ``doc`` block of ``doc.get`` (docs/protocol.md §2.5), for a row the caller may see.

    ``extra``: ``tags``, ``notes``, ``geo``, ``md5``. ``original`` appears for the owner or
    when ``can.download`` is 1.
    """
    extra = set(extra)
    doc_id, owner_id = int(row["doc_id"]), int(row["owner_id"])
    owner = ctx.db.execute("SELECT * FROM users WHERE user_id = ?", (owner_id,)).fetchone()
    rel = relation(ctx, owner_id)
    logged_in = ctx.user_id is not None
    c = counts(ctx.db, [doc_id])[doc_id]
    doc: dict[str, Any] = {
        "doc_id": s(doc_id),
        "media": s(row["media"]),
        "license": s(row["license"]),
        "rotation": s(row["rotation"]),
        "title": s(row["title"]),
        "safety": s(row["safety"]),
        "link": doc_link(ctx, row),
    }
    if "md5" in extra:
        doc["md5"] = s(row["md5"])
    doc["owner"] = {**_owner_block(owner, owner_id, False), "realname": s(owner["realname"] if owner else "")}
    doc["description"] = Text(row["description"])
    doc["dates"] = _dates(row)
    doc["visibility"] = share_visibility(int(row["share"]))
    doc["permissions"] = {"comment": s(row["perm_comment"]), "tag": s(row["perm_tag"]), "tagme": s(row["perm_tagme"])}
    doc["count"] = _count_block(row, c)
    doc["can"] = {
        "fave": b(logged_in and not rel["self"]),
        "comment": b(perm_allows(int(row["perm_comment"]), rel, logged_in)),
        "tag": b(perm_allows(int(row["perm_tag"]), rel, logged_in)),
        "tagme": b(perm_allows(int(row["perm_tagme"]), rel, logged_in)),
        "zoom": "1",
        "download": b(_can_download(ctx, row)),
        "print": b(rel["self"]),
    }
    you = {"isfave": "0", "visits": "0", "last_visit": "0"}
    if logged_in:
        fav = ctx.db.execute("SELECT 1 FROM faves_docs WHERE user_id = ? AND doc_id = ?", (ctx.user_id, doc_id))
        vis = ctx.db.execute(
            "SELECT visits, visited_at FROM visits WHERE kind = 'doc' AND item_id = ? AND user_id = ?",
            (doc_id, ctx.user_id),
        ).fetchone()
        you["isfave"] = b(fav.fetchone() is not None)
        if vis is not None:
            you.update(visits=s(vis[0]), last_visit=s(vis[1]))
    doc["you"] = you
    doc["thumbs"] = {"thumb": thumbs_list(ctx, row)}
    if m := medias_list(ctx, row):
        doc["medias"] = {"media": m}
    if _can_download(ctx, row):
        doc["original"] = _original(ctx, row)
    if "geo" in extra and (g := _geo(row)) is not None:
        doc["geo"] = g
    if "tags" in extra:
        doc["tags"] = tags_block(ctx, doc_id)
    if "notes" in extra:
        doc["notes"] = notes_block(ctx, doc_id)
    return doc
