"""``album.*`` writes: create, edit, delete, setPerms, orderList, docs.add, docs.remove, docs.setList.

POST only and token scope ``doc:write`` (``doc:delete`` for delete) are checked by the
dispatcher; here every album must be the caller's (else code 1 "Album not found") and every
doc must be the caller's. Validation happens before the first write, so a failed call
changes nothing. Bulk answers carry per-item ``added``/``error`` flags (docs/protocol.md §5.2).
Removing the last doc of an album destroys the album, and a folder left without albums goes
with it (§6.5).

Limits (undocumented on the live service, the sandbox's choice): a free account may own
:data:`FREE_ALBUM_LIMIT` albums (code 4), PRO accounts :data:`PRO_ALBUM_LIMIT` (shown as the
cap by ``account.getQuota``); a doc may sit in ``MAX_ALBUMS_PER_DOC`` albums (per-item
``error="1"``, ``album.create`` code 3 for a cover). A bad ``perm_comment`` answers code 5
"Invalid arguments" (no code is documented for it).

Not emulated: album comments (``perm_comment`` is stored and reported but nothing uses it),
the live service's propagation delay of new albums and faves (§8.10).

Example (over HTTP, with a running ``Sandbox``):
    >>> # album = client.call("album.create", title="Holidays", cover_id=doc_id)["album"]
"""

from __future__ import annotations

from typing import Any

from ..registry import Ctx, Fault, handler, s
from .containers import MAX_ALBUMS_PER_DOC, album_records, fetch_album, in_marks, thumbsize
from .members import append, contents, edit, owned, reorder, take_out, tally, unique_ids

#: Albums a free account may own (album.create code 4); PRO accounts get PRO_ALBUM_LIMIT.
FREE_ALBUM_LIMIT = 50
PRO_ALBUM_LIMIT = 10000


def album_limit(user: Any) -> int:
    """How many albums this member may own."""
    return PRO_ALBUM_LIMIT if user["is_pro"] else FREE_ALBUM_LIMIT


def _perm_comment(ctx: Ctx, allowed: tuple[int, ...]) -> int | None:
    if "perm_comment" not in ctx.params:
        return None
    raw = ctx.str("perm_comment").strip()
    if not raw.isdigit() or int(raw) not in allowed:
        raise Fault(5, "Invalid arguments")
    return int(raw)


def _albums_of(ctx: Ctx, ids: list[int]) -> dict[int, int]:
    """How many albums each doc is already in."""
    if not ids:
        return {}
    rows = ctx.db.execute(
        f"SELECT doc_id, COUNT(*) FROM album_docs WHERE doc_id IN ({in_marks(ids)}) GROUP BY doc_id", ids
    )
    return dict(rows.fetchall())


def _screen(ctx: Ctx, album_id: int, ids: list[int]) -> tuple[set[int], set[int], set[int]]:
    """``(own, present, full)``: which ids are the caller's docs (none: code 2), which are
    already in the album, and which new ones already sit in the maximum number of albums."""
    own = owned(ctx, "docs", "doc_id", ids)
    if not own:
        raise Fault(2, "Documents not found")
    present = contents(ctx, "album_docs", "album_id", album_id, "doc_id")
    in_albums = _albums_of(ctx, ids)
    full = {d for d in own if d not in present and in_albums.get(d, 0) >= MAX_ALBUMS_PER_DOC}
    return own, present, full


def _touch(ctx: Ctx, album_id: int) -> None:
    ctx.db.execute("UPDATE albums SET last_update_at = ? WHERE album_id = ?", (ctx.now, album_id))


def destroy_album(ctx: Ctx, album_id: int) -> None:
    """Delete an album with everything that points at it; folders left empty go too (§6.5)."""
    folders = [r[0] for r in ctx.db.execute("SELECT folder_id FROM folder_albums WHERE album_id = ?", (album_id,))]
    for table in ("album_docs", "folder_albums", "faves_albums"):
        ctx.db.execute(f"DELETE FROM {table} WHERE album_id = ?", (album_id,))
    ctx.db.execute("DELETE FROM visits WHERE kind = 'album' AND item_id = ?", (album_id,))
    ctx.db.execute("DELETE FROM albums WHERE album_id = ?", (album_id,))
    for fid in folders:
        if ctx.db.execute("SELECT 1 FROM folder_albums WHERE folder_id = ?", (fid,)).fetchone() is None:
            ctx.db.execute("DELETE FROM folders WHERE folder_id = ?", (fid,))


def _record(ctx: Ctx, album_id: int) -> dict:
    row = fetch_album(ctx, album_id)
    return {"album": album_records(ctx, [row], thumbsize(ctx), full=True)[0]}


@handler("album.create")
def album_create(ctx: Ctx) -> dict:
    """A new album of the caller; a ``cover_id`` doc (the caller's) becomes its first doc.

    Codes: 1 Title is missing, 2 Cover not found, 3 Can not use this cover, 4 Can't create
    any more albums. Without a cover the album is empty, so ``album.getList`` shows it only
    with ``empty=1`` (§8.9).
    """
    title = ctx.str("title").strip()
    if not title:
        raise Fault(1, "Title is missing")
    cover = ctx.int("cover_id") if ctx.has("cover_id") else None
    if ctx.has("cover_id"):
        if cover is None or not owned(ctx, "docs", "doc_id", [cover]):
            raise Fault(2, "Cover not found")
        if _albums_of(ctx, [cover]).get(cover, 0) >= MAX_ALBUMS_PER_DOC:
            raise Fault(3, "Can not use this cover")
    perm = _perm_comment(ctx, (0, 1, 2, 3, 4, 5))
    n_owned = ctx.db.execute("SELECT COUNT(*) FROM albums WHERE owner_id = ?", (ctx.user_id,)).fetchone()[0]
    if n_owned >= album_limit(ctx.user):
        raise Fault(4, "Can't create any more albums")
    top = ctx.db.execute("SELECT COALESCE(MAX(album_id), 0) FROM albums").fetchone()[0]
    album_id = max(int(top) + 1, 120001)
    ctx.db.execute(
        "INSERT INTO albums (album_id, owner_id, title, description, cover_id, perm_comment, created_at, "
        "last_update_at) VALUES (?,?,?,?,?,?,?,?)",
        (album_id, ctx.user_id, title, ctx.str("description"), cover, 5 if perm is None else perm, ctx.now, ctx.now),
    )
    if cover is not None:
        ctx.db.execute(
            "INSERT INTO album_docs (album_id, doc_id, position, added_at) VALUES (?,?,?,?)",
            (album_id, cover, 1, ctx.now),
        )
    return _record(ctx, album_id)


@handler("album.edit")
def album_edit(ctx: Ctx) -> dict:
    """Change title, description and/or cover of one of the caller's albums.

    Codes: 1 Album not found, 2 Cover not found (not the caller's doc), 3 Title is empty,
    4 No parameters were sent.
    """
    album = fetch_album(ctx, ctx.int("album_id"), owner_only=True)
    edit(ctx, "albums", "album_id", album["album_id"])
    return _record(ctx, int(album["album_id"]))


@handler("album.delete")
def album_delete(ctx: Ctx) -> dict:
    """Delete one of the caller's albums (its docs are kept). Code 1 "Album not found"."""
    album = fetch_album(ctx, ctx.int("album_id"), owner_only=True)
    destroy_album(ctx, int(album["album_id"]))
    return {}


@handler("album.setPerms")
def album_set_perms(ctx: Ctx) -> dict:
    """Set who may comment (``perm_comment`` 0, 3, 4 or 5). Codes: 1 Album not found,
    5 Invalid arguments (missing or out-of-range ``perm_comment``)."""
    album = fetch_album(ctx, ctx.int("album_id"), owner_only=True)
    perm = _perm_comment(ctx, (0, 3, 4, 5))
    if perm is None:
        raise Fault(5, "Invalid arguments")
    ctx.db.execute(
        "UPDATE albums SET perm_comment = ?, last_update_at = ? WHERE album_id = ?", (perm, ctx.now, album["album_id"])
    )
    return {}


@handler("album.orderList")
def album_order_list(ctx: Ctx) -> dict:
    """Listed albums first, in order; the caller's other albums after them by id (catalog).

    Ids that are not the caller's albums are ignored; none at all is code 1 "Album not found".
    """
    reorder(ctx, "albums", "album_id", ctx.ints("album_ids"), Fault(1, "Album not found"))
    return {}


@handler("album.docs.add")
def album_docs_add(ctx: Ctx) -> dict:
    """Add up to 20 of the caller's docs: ``album{album_id,total,added,skipped, doc[]{doc_id,added,error}}``.

    ``added="0"`` for a doc already there, not the caller's or unknown; ``error="1"`` for a doc
    already in the maximum number of albums. Codes: 1 Album not found, 2 Documents not found
    (none of the ids is the caller's doc).
    """
    album = fetch_album(ctx, ctx.int("album_id"), owner_only=True)
    album_id = int(album["album_id"])
    ids = unique_ids(ctx, "doc_id")
    own, present, full = _screen(ctx, album_id, ids)
    items, new = [], []
    for d in ids:
        ok = d in own and d not in present and d not in full
        if ok:
            new.append(d)
        items.append({"doc_id": s(d), "added": s(int(ok)), "error": s(int(d in full))})
    append(ctx, "album_docs", "album_id", album_id, "doc_id", new, added_at=ctx.now)
    if new:
        _touch(ctx, album_id)
    head = {"album_id": album_id, "total": len(present) + len(new)}
    return {"album": tally(head, "doc", items, added=len(new), skipped=len(ids) - len(new))}


@handler("album.docs.remove")
def album_docs_remove(ctx: Ctx) -> dict:
    """Remove docs: ``album{album_id,total,removed,skipped, doc[]{doc_id,removed}}``.

    Removing the last doc destroys the album (§6.5; ``total="0"``). Codes: 1 Album not found,
    2 Document not found (none of the ids is in the album).
    """
    album = fetch_album(ctx, ctx.int("album_id"), owner_only=True)
    album_id = int(album["album_id"])
    ids = unique_ids(ctx, "doc_id")
    gone, left = take_out(ctx, "album_docs", "album_id", album_id, "doc_id", ids, Fault(2, "Document not found"))
    if left == 0:
        destroy_album(ctx, album_id)
    else:
        if album["cover_id"] in gone:
            ctx.db.execute("UPDATE albums SET cover_id = NULL WHERE album_id = ?", (album_id,))
        _touch(ctx, album_id)
    items = [{"doc_id": s(d), "removed": s(int(d in gone))} for d in ids]
    head = {"album_id": album_id, "total": left}
    return {"album": tally(head, "doc", items, removed=len(gone), skipped=len(ids) - len(gone))}


@handler("album.docs.setList")
def album_docs_set_list(ctx: Ctx) -> dict:
    """Replace the album's whole content, in the given order, and set its cover.

    Answer ``album{album_id,cover_id,total,added,skipped, doc[]{doc_id,added,error}}`` (the
    per-doc key is ``doc`` as for album.docs.add; one client kit reads ``docs``, see the catalog note).
    Codes: 1 Album not found, 2 Documents not found (none is the caller's), 3 Cover document
    not found (``cover_id`` not among the accepted docs), 4 Album limit reached (every doc is
    already in the maximum number of albums).
    """
    album = fetch_album(ctx, ctx.int("album_id"), owner_only=True)
    album_id = int(album["album_id"])
    ids = unique_ids(ctx, "doc_ids", cap=None)
    own, present, full = _screen(ctx, album_id, ids)
    items, keep = [], []
    for d in ids:
        ok = d in own and d not in full
        if ok:
            keep.append(d)
        items.append({"doc_id": s(d), "added": s(int(ok and d not in present)), "error": s(int(d in full))})
    if not keep:
        raise Fault(4, "Album limit reached")
    cover = ctx.int("cover_id")
    if cover not in keep:
        raise Fault(3, "Cover document not found")
    ctx.db.execute("DELETE FROM album_docs WHERE album_id = ?", (album_id,))
    append(ctx, "album_docs", "album_id", album_id, "doc_id", keep, added_at=ctx.now)
    ctx.db.execute("UPDATE albums SET cover_id = ?, last_update_at = ? WHERE album_id = ?", (cover, ctx.now, album_id))
    added = sum(1 for d in keep if d not in present)
    head = {"album_id": album_id, "cover_id": cover, "total": len(keep)}
    return {"album": tally(head, "doc", items, added=added, skipped=len(ids) - len(keep))}


__all__ = ["FREE_ALBUM_LIMIT", "PRO_ALBUM_LIMIT", "album_limit", "destroy_album"]
