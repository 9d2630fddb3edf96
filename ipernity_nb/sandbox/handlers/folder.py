"""``folder.*``: get, getList, albums.getList (reads) and create, edit, delete, orderList,
albums.add, albums.remove (writes).

A folder is a container of albums. Shapes per the catalog ``response_fields``;
``folder.getList`` carries ``count`` and ``pages`` (the 2014 sample of docs/protocol.md
§2.4 omits ``pages``; every paged list has it here, docs/sandbox-divergences.md), and
``folder.albums.getList`` nests ``folder.albums.album[]``. ``folder.count.family/friends/ff/
public`` count the docs, per share level, in the folder's albums. Removing the last album of
a folder destroys the folder (§6.5); folders without albums are left out of
``folder.getList`` unless ``empty=1``.

Not emulated: a folder limit per member (code 3 "Folder limit reached" fires at
:data:`MAX_ALBUMS_PER_FOLDER` albums in one folder); folder visits.

Example (over HTTP, with a running ``Sandbox``):
    >>> # client.call("folder.create", title="Trips")["folder"]["folder_id"]
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ..registry import Ctx, Fault, Text, handler, next_id, s
from ..views import visible_docs_clause
from .containers import album_records, cover_block, rebuildable_cover, target_user, thumbsize
from .members import append, contents, edit, owned, reorder, take_out, tally, unique_ids

#: Most albums one folder may hold (``folder.albums.add`` code 3); the sandbox's choice.
MAX_ALBUMS_PER_FOLDER = 500


def fetch_folder(ctx: Ctx, folder_id: int | None, *, owner_only: bool = False) -> sqlite3.Row:
    """The ``folders`` row, else ``Fault(1, "Folder not found")``."""
    row = None
    if folder_id is not None and folder_id > 0:
        row = ctx.db.execute(
            "SELECT f.* FROM folders f JOIN users u ON u.user_id = f.owner_id "
            "WHERE f.folder_id = ? AND u.is_closed = 0",
            (folder_id,),
        ).fetchone()
    if row is None or (owner_only and row["owner_id"] != ctx.user_id):
        raise Fault(1, "Folder not found")
    return row


def _cover_doc(ctx: Ctx, folder: Any) -> sqlite3.Row | None:
    """The folder's cover doc: ``cover_id`` if visible, else the first visible doc of its first album."""
    vis, args = visible_docs_clause(ctx, "d")
    if folder["cover_id"]:
        row = ctx.db.execute(f"SELECT d.* FROM docs d WHERE d.doc_id = ? AND {vis}", (folder["cover_id"], *args))
        if (found := row.fetchone()) is not None:
            return found
    return ctx.db.execute(
        "SELECT d.* FROM folder_albums fa JOIN album_docs ad ON ad.album_id = fa.album_id "
        f"JOIN docs d ON d.doc_id = ad.doc_id WHERE fa.folder_id = ? AND {vis} "
        "ORDER BY fa.position, fa.album_id, ad.position, ad.added_at LIMIT 1",
        (folder["folder_id"], *args),
    ).fetchone()


def folder_record(ctx: Ctx, folder: Any, label: str, *, full: bool = True) -> dict[str, Any]:
    """One folder: ids, link, description, dates, counts, cover and owner."""
    fid, owner_id = int(folder["folder_id"]), int(folder["owner_id"])
    n_albums = ctx.db.execute("SELECT COUNT(*) FROM folder_albums WHERE folder_id = ?", (fid,)).fetchone()[0]
    per_share = dict(
        ctx.db.execute(
            "SELECT d.share, COUNT(DISTINCT d.doc_id) FROM folder_albums fa "
            "JOIN album_docs ad ON ad.album_id = fa.album_id "
            "JOIN docs d ON d.doc_id = ad.doc_id WHERE fa.folder_id = ? GROUP BY d.share",
            (fid,),
        ).fetchall()
    )
    counts = {"albums": s(n_albums)}
    counts.update(family=s(per_share.get(1, 0)), friends=s(per_share.get(2, 0)))
    counts.update(ff=s(per_share.get(3, 0)), public=s(per_share.get(4, 0)))
    rec: dict[str, Any] = {
        "folder_id": s(fid),
        "link": f"{ctx.base_url}/doc/{owner_id}/folder/{fid}",
        "title": s(folder["title"]),
    }
    if full:
        rec["description"] = Text(folder["description"])
    rec["dates"] = {"created_at": s(folder["created_at"]), "last_update_at": s(folder["last_update_at"])}
    rec["count"] = counts
    if not full:
        rec["visibility"] = {"family": counts["family"], "friend": counts["friends"], "ff": counts["ff"]}
        rec["visibility"]["public"] = counts["public"]
    cover_doc = _cover_doc(ctx, folder)
    if (cov := cover_block(ctx, cover_doc, label)) is not None and cover_doc is not None:
        rec["cover"] = rebuildable_cover(ctx, cover_doc, cov) if full else {**cov, "farm": s(cover_doc["farm"])}
    if full:
        u = ctx.db.execute("SELECT username, alias FROM users WHERE user_id = ?", (owner_id,)).fetchone()
        rec["owner"] = {"user_id": s(owner_id), "username": s(u[0] if u else ""), "alias": s(u[1] if u else "")}
    return rec


# --- reads ---------------------------------------------------------------------------------


@handler("folder.get")
def folder_get(ctx: Ctx) -> dict:
    """One folder (code 1 "Folder not found")."""
    return {"folder": folder_record(ctx, fetch_folder(ctx, ctx.integer("folder_id")), thumbsize(ctx))}


@handler("folder.getList")
def folder_get_list(ctx: Ctx) -> dict:
    """The folders of ``user_id`` (default: the caller), with ``count`` and ``pages``."""
    user = target_user(ctx)
    label = thumbsize(ctx)
    where = "f.owner_id = ?"
    if not ctx.flag("empty"):
        where += " AND EXISTS (SELECT 1 FROM folder_albums fa WHERE fa.folder_id = f.folder_id)"
    rows, pg = ctx.paginate(
        f"SELECT f.* FROM folders f WHERE {where} ORDER BY f.position, f.created_at DESC, f.folder_id DESC",
        (user["user_id"],),
    )
    # pages too, though the 2014 sample omits it: live clients read it (docs/sandbox-divergences.md)
    out: dict[str, Any] = {k: pg[k] for k in ("total", "page", "per_page", "pages", "count")}
    out["thumbsize"] = label
    if ctx.user_id == user["user_id"]:
        out["can"] = {"create": "1"}
    if rows:
        out["folder"] = [folder_record(ctx, r, label, full=False) for r in rows]
    return {"folders": out}


@handler("folder.albums.getList")
def folder_albums_get_list(ctx: Ctx) -> dict:
    """The folder's albums as ``folder.albums.album[]`` (§2.4), each with a ``thumb``."""
    folder = fetch_folder(ctx, ctx.integer("folder_id"))
    label = thumbsize(ctx)
    rows, pg = ctx.paginate(
        "SELECT a.* FROM folder_albums fa JOIN albums a ON a.album_id = fa.album_id "
        "WHERE fa.folder_id = ? ORDER BY fa.position, a.album_id",
        (folder["folder_id"],),
    )
    albums: dict[str, Any] = {k: pg[k] for k in ("total", "page", "per_page", "pages", "count")}
    if rows:
        recs = album_records(ctx, rows, label)
        for rec in recs:
            if "cover" in rec:
                c = rec["cover"]
                rec["thumb"] = {"label": c["label"], "ext": c["ext"], "w": c["w"], "h": c["h"], "url": c["url"]}
        albums["album"] = recs
    out: dict[str, Any] = {"folder_id": s(folder["folder_id"]), "thumbsize": label, "albums": albums}
    first = ctx.db.execute(
        "SELECT album_id FROM folder_albums WHERE folder_id = ? ORDER BY position, album_id LIMIT 1",
        (folder["folder_id"],),
    ).fetchone()
    cover = folder_record(ctx, folder, label).get("cover")
    if cover and first:
        out["cover"] = {"album_id": s(first[0]), "w": cover["w"], "h": cover["h"], "url": cover["url"]}
    return {"folder": out}


# --- writes (POST only; the dispatcher checks the doc:write / doc:delete token) -------------


@handler("folder.create")
def folder_create(ctx: Ctx) -> dict:
    """A new empty folder for the caller (code 1 "Title is missing"); it shows in
    ``folder.getList`` once it holds an album (or with ``empty=1``)."""
    title = ctx.text("title").strip()
    if not title:
        raise Fault(1, "Title is missing")
    fid = next_id(ctx.db, "folders", "folder_id", floor=40000)
    ctx.db.execute(
        "INSERT INTO folders (folder_id, owner_id, title, description, created_at, last_update_at) "
        "VALUES (?,?,?,?,?,?)",
        (fid, ctx.user_id, title, ctx.text("description"), ctx.now, ctx.now),
    )
    return {"folder": folder_record(ctx, fetch_folder(ctx, fid), thumbsize(ctx))}


@handler("folder.edit")
def folder_edit(ctx: Ctx) -> dict:
    """Change title/description/cover: 1 Folder not found, 2 Cover not found, 3 Title is empty,
    4 No parameters were sent (codes as ``album.edit``; the catalog lists none)."""
    folder = fetch_folder(ctx, ctx.integer("folder_id"), owner_only=True)
    edit(ctx, "folders", "folder_id", folder["folder_id"])
    return {"folder": folder_record(ctx, fetch_folder(ctx, folder["folder_id"]), thumbsize(ctx))}


def destroy_folder(ctx: Ctx, folder_id: int) -> None:
    """Delete a folder and its memberships (the albums are kept)."""
    ctx.db.execute("DELETE FROM folder_albums WHERE folder_id = ?", (folder_id,))
    ctx.db.execute("DELETE FROM folders WHERE folder_id = ?", (folder_id,))


@handler("folder.delete")
def folder_delete(ctx: Ctx) -> dict:
    """Delete one of the caller's folders; its albums stay."""
    folder = fetch_folder(ctx, ctx.integer("folder_id"), owner_only=True)
    destroy_folder(ctx, int(folder["folder_id"]))
    return {}


@handler("folder.orderList")
def folder_order_list(ctx: Ctx) -> dict:
    """Listed folders first in the given order; unlisted ones after, ordered by id (catalog)."""
    reorder(ctx, "folders", "folder_id", ctx.ints("folder_ids"), Fault(1, "Folder not found"))
    return {}


@handler("folder.albums.add")
def folder_albums_add(ctx: Ctx) -> dict:
    """Put up to 20 of the caller's albums in a folder: ``folder.album[]{album_id, added}``.

    Codes: 1 Folder not found, 2 Albums not found (none of the ids is the caller's album),
    3 Folder limit reached. Albums already in the folder answer ``added="0"``.
    """
    folder = fetch_folder(ctx, ctx.integer("folder_id"), owner_only=True)
    fid = int(folder["folder_id"])
    ids = unique_ids(ctx, "album_id")
    mine = owned(ctx, "albums", "album_id", ids)
    if not mine:
        raise Fault(2, "Albums not found")
    present = contents(ctx, "folder_albums", "folder_id", fid, "album_id")
    new = [i for i in ids if i in mine and i not in present]
    if len(present) + len(new) > MAX_ALBUMS_PER_FOLDER:
        raise Fault(3, "Folder limit reached")
    append(ctx, "folder_albums", "folder_id", fid, "album_id", new)
    if new:
        ctx.db.execute("UPDATE folders SET last_update_at = ? WHERE folder_id = ?", (ctx.now, fid))
    items = [{"album_id": s(i), "added": s(int(i in new))} for i in ids]
    head = {"folder_id": fid, "total": len(present) + len(new)}
    return {"folder": tally(head, "album", items, added=len(new), skipped=len(ids) - len(new))}


@handler("folder.albums.remove")
def folder_albums_remove(ctx: Ctx) -> dict:
    """Take albums out of a folder; the folder is destroyed when its last album goes (§6.5).

    Codes: 1 Folder not found, 2 Albums not found (none of the ids is in the folder).
    """
    folder = fetch_folder(ctx, ctx.integer("folder_id"), owner_only=True)
    fid = int(folder["folder_id"])
    ids = unique_ids(ctx, "album_id")
    gone, left = take_out(ctx, "folder_albums", "folder_id", fid, "album_id", ids, Fault(2, "Albums not found"))
    if left == 0:
        destroy_folder(ctx, fid)
    else:
        ctx.db.execute("UPDATE folders SET last_update_at = ? WHERE folder_id = ?", (ctx.now, fid))
    items = [{"album_id": s(i), "removed": s(int(i in gone))} for i in ids]
    head = {"folder_id": fid, "total": left}
    return {"folder": tally(head, "album", items, removed=len(gone), skipped=len(ids) - len(gone))}
