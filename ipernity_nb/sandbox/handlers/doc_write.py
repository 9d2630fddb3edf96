"""doc.* writes on one's own doc: set, setPerms, setLicense, setSafety, setGeo, delete.

Every method checks every value before it writes anything (a failed call changes nothing)
and answers code 1 "Document not found" for a doc the caller does not own, like a missing
one (docs/protocol.md §5.2). Successful writes set ``modified_at``/``last_update_at``.

* ``doc.set``: ``title``, ``description``, plus the parameters of setPerms, setLicense,
  setSafety and setGeo (§6.5). Nothing to change: code 2 "No parameters were sent"; a bad
  value: code 3 "Invalid arguments". Answers ``doc{doc_id, title, share, description}``.
* ``doc.setPerms``: ``share`` (0..4) wins over the three ``is_public/is_family/is_friend``
  flags; ``perm_comment/perm_tag/perm_tagme`` take 0, 3, 4, 5 (§6.4). Code 2 "Invalid
  arguments" for anything else or nothing at all.
* ``doc.setLicense`` (0, 1, 3, 5, 7, 9, 11, 255), ``doc.setSafety`` (``safety`` 1..3; the
  parameter name is not documented, §9): code 2 "Invalid arguments" otherwise.
* ``doc.setGeo``: decimal ``lat``/``lng``; ``-999`` for both clears the location (§6.4).
* ``doc.delete`` (scope doc:delete): removes the doc and everything hanging on it; covers
  pointing at the doc move to another doc of the album. An album (or folder) it empties
  stays, empty and without cover: the "last doc removed destroys the album" rule (§6.5)
  belongs to ``album.docs.remove`` alone, and a live cleanup test deletes the docs, then
  the albums (docs/sandbox-divergences.md).

Not emulated: ``geo_accuracy`` other than 16 for set positions.

Example:
    >>> share_from_flags(1, 0, 0), share_from_flags(0, 1, 1), share_from_flags(0, 0, 0)
    (4, 3, 0)
"""

from __future__ import annotations

import re
from typing import Any

from ..registry import Ctx, Fault, Text, handler, s
from ..views import fetch_doc
from .doc_common import bump_doc

LICENSES = frozenset({0, 1, 3, 5, 7, 9, 11, 255})
PERM_LEVELS = frozenset({0, 3, 4, 5})
_FLOAT = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$")
_PERMS = ("perm_comment", "perm_tag", "perm_tagme")


class _Invalid(Exception):
    """A parameter value outside what the method accepts."""


def share_from_flags(is_public: int, is_family: int, is_friend: int) -> int:
    """The ``share`` level of the three visibility flags (public wins)."""
    if is_public:
        return 4
    return (1 if is_family else 0) | (2 if is_friend else 0)


def _strict_int(ctx: Ctx, name: str) -> int:
    v = ctx.text(name).strip()
    if not re.fullmatch(r"-?\d+", v):
        raise _Invalid(name)
    return int(v)


def _perm_changes(ctx: Ctx) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if ctx.has("share"):
        share = _strict_int(ctx, "share")
        if not 0 <= share <= 4:
            raise _Invalid("share")
        changes["share"] = share
    elif any(ctx.has(f) for f in ("is_public", "is_family", "is_friend")):
        flags = []
        for f in ("is_public", "is_family", "is_friend"):
            v = _strict_int(ctx, f) if ctx.has(f) else 0
            if v not in (0, 1):
                raise _Invalid(f)
            flags.append(v)
        changes["share"] = share_from_flags(*flags)
    for name in _PERMS:
        if ctx.has(name):
            level = _strict_int(ctx, name)
            if level not in PERM_LEVELS:
                raise _Invalid(name)
            changes[name] = level
    return changes


def _license_change(ctx: Ctx) -> dict[str, Any]:
    if not ctx.has("license"):
        return {}
    lic = _strict_int(ctx, "license")
    if lic not in LICENSES:
        raise _Invalid("license")
    return {"license": lic}


def _safety_change(ctx: Ctx) -> dict[str, Any]:
    if not ctx.has("safety"):
        return {}
    level = _strict_int(ctx, "safety")
    if not 1 <= level <= 3:
        raise _Invalid("safety")
    return {"safety": level}


def _geo_change(ctx: Ctx) -> dict[str, Any]:
    if not (ctx.has("lat") or ctx.has("lng")):
        return {}
    lat_s, lng_s = ctx.text("lat"), ctx.text("lng")
    if not (_FLOAT.match(lat_s) and _FLOAT.match(lng_s)):
        raise _Invalid("lat/lng")
    lat, lng = float(lat_s), float(lng_s)
    if lat == -999 or lng == -999:
        return {"lat": None, "lng": None, "geo_accuracy": 0}
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise _Invalid("lat/lng")
    return {"lat": lat, "lng": lng, "geo_accuracy": 16}


def _apply(ctx: Ctx, doc_id: int, changes: dict[str, Any]) -> None:
    cols = ", ".join(f"{k} = ?" for k in changes)
    ctx.db.execute(f"UPDATE docs SET {cols} WHERE doc_id = ?", (*changes.values(), doc_id))
    bump_doc(ctx, doc_id)


def _single(ctx: Ctx, read: Any) -> dict:
    doc = fetch_doc(ctx, ctx.integer("doc_id"), owner_only=True)
    try:
        changes = read(ctx)
    except _Invalid:
        raise Fault(2, "Invalid arguments") from None
    if not changes:
        raise Fault(2, "Invalid arguments")
    _apply(ctx, doc["doc_id"], changes)
    return {}


@handler("doc.set")
def doc_set(ctx: Ctx) -> dict:
    """Change title/description (and any setPerms/setLicense/setSafety/setGeo parameter)."""
    doc = fetch_doc(ctx, ctx.integer("doc_id"), owner_only=True)
    changes: dict[str, Any] = {}
    if "title" in ctx.params:
        changes["title"] = ctx.text("title").strip()[:255]
    if "description" in ctx.params:
        changes["description"] = ctx.text("description")
    try:
        for read in (_perm_changes, _license_change, _safety_change, _geo_change):
            changes.update(read(ctx))
    except _Invalid:
        raise Fault(3, "Invalid arguments") from None
    if not changes:
        raise Fault(2, "No parameters were sent")
    _apply(ctx, doc["doc_id"], changes)
    row = ctx.db.execute("SELECT doc_id, title, share, description FROM docs WHERE doc_id = ?", (doc["doc_id"],))
    r = row.fetchone()
    return {
        "doc": {
            "doc_id": s(r["doc_id"]),
            "title": s(r["title"]),
            "share": s(r["share"]),
            "description": Text(r["description"]),
        }
    }


@handler("doc.setPerms")
def doc_set_perms(ctx: Ctx) -> dict:
    """Visibility (``share`` or the ``is_*`` flags) and comment/tag permissions."""
    return _single(ctx, _perm_changes)


@handler("doc.setLicense")
def doc_set_license(ctx: Ctx) -> dict:
    """Set the licence (0 © … 255 copyleft)."""
    return _single(ctx, _license_change)


@handler("doc.setSafety")
def doc_set_safety(ctx: Ctx) -> dict:
    """Set the safety level (``safety`` 1 all audiences, 2 not for all, 3 adults only)."""
    return _single(ctx, _safety_change)


@handler("doc.setGeo")
def doc_set_geo(ctx: Ctx) -> dict:
    """Set (``lat``, ``lng``) or clear (``-999``) the location."""
    if not (ctx.has("lat") and ctx.has("lng")):
        fetch_doc(ctx, ctx.integer("doc_id"), owner_only=True)
        raise Fault(2, "Invalid arguments")
    return _single(ctx, _geo_change)


@handler("doc.delete")
def doc_delete(ctx: Ctx) -> dict:
    """Delete one's own doc with its tags, notes, comments, faves, visits and memberships."""
    doc = fetch_doc(ctx, ctx.integer("doc_id"), owner_only=True)
    doc_id = doc["doc_id"]
    albums = [r[0] for r in ctx.db.execute("SELECT album_id FROM album_docs WHERE doc_id = ?", (doc_id,))]
    for table in ("doc_tags", "doc_members", "notes", "comments", "faves_docs", "album_docs", "grp_docs", "files"):
        ctx.db.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))
    ctx.db.execute("DELETE FROM visits WHERE kind = 'doc' AND item_id = ?", (doc_id,))
    ctx.db.execute("DELETE FROM docs WHERE doc_id = ?", (doc_id,))
    for album_id in albums:  # an emptied album is kept (its cover becomes NULL below)
        left = ctx.db.execute(
            "SELECT doc_id FROM album_docs WHERE album_id = ? ORDER BY position, added_at, doc_id LIMIT 1", (album_id,)
        ).fetchone()
        ctx.db.execute(
            "UPDATE albums SET cover_id = CASE WHEN cover_id = ? THEN ? ELSE cover_id END, last_update_at = ? "
            "WHERE album_id = ?",
            (doc_id, left[0] if left else None, ctx.now, album_id),
        )
    ctx.db.execute("UPDATE albums SET cover_id = NULL WHERE cover_id = ?", (doc_id,))
    ctx.db.execute("UPDATE folders SET cover_id = NULL WHERE cover_id = ?", (doc_id,))
    return {}
