"""``faves.albums.*``: getList, add, remove (``faves.docs.*`` lives with the docs).

``faves.albums.getList`` lists ``user_id``'s favourite albums (default: the caller, although
the catalog marks it required, docs/protocol.md §8.8), newest fave first, as
``albums{total,page,per_page,pages,count, album[]}``. The member's own albums are left out
unless ``owner_id == user_id`` (§6.5). ``extra=owner`` adds ``owner{user_id,username,alias}``.

``faves.albums.add``/``remove`` answer only the status (§2.5 write-only methods); both are
idempotent (faving twice keeps one fave, removing a missing fave succeeds). Code 1 "Album
not found" for an unknown album.

Not emulated: the live service's delay before a new fave shows in lists (docs/protocol.md
§8.10); faving one's own album is allowed (the live rule is undocumented).

Example (over HTTP, with a running ``Sandbox``):
    >>> # client.call("faves.albums.add", album_id=120001)
"""

from __future__ import annotations

from typing import Any

from ..registry import Ctx, handler, s
from .containers import album_records, fetch_album, in_marks, target_user, thumbsize


@handler("faves.albums.getList")
def faves_albums_get_list(ctx: Ctx) -> dict:
    """Favourite albums of ``user_id``, optionally only those owned by ``owner_id``."""
    user = target_user(ctx)
    uid = int(user["user_id"])
    where, args = ["f.user_id = ?", "u.is_closed = 0"], [uid]
    owner = ctx.integer("owner_id")
    if ctx.has("owner_id"):
        where.append("a.owner_id = ?")
        args.append(owner if owner is not None else 0)
    if owner != uid:
        where.append("a.owner_id != ?")
        args.append(uid)
    rows, pg = ctx.paginate(
        "SELECT a.*, f.faved_at FROM faves_albums f JOIN albums a ON a.album_id = f.album_id "
        f"JOIN users u ON u.user_id = a.owner_id WHERE {' AND '.join(where)} ORDER BY f.faved_at DESC, a.album_id",
        args,
    )
    label = thumbsize(ctx)
    out: dict[str, Any] = {k: pg[k] for k in ("total", "page", "per_page", "pages", "count")}
    out["user_id"] = s(uid)
    if rows:
        recs = album_records(ctx, rows, label)
        owners = {}
        if "owner" in ctx.extra():
            oids = sorted({int(r["owner_id"]) for r in rows})
            owners = {
                u[0]: u
                for u in ctx.db.execute(
                    f"SELECT user_id, username, alias FROM users WHERE user_id IN ({in_marks(oids)})", oids
                )
            }
        for rec, row in zip(recs, rows, strict=True):
            rec["user_id"] = s(row["owner_id"])
            rec["faved_at"] = s(row["faved_at"])
            if "cover" in rec:
                rec["cover"]["cover_id"] = rec["cover"]["doc_id"]
            if (o := owners.get(int(row["owner_id"]))) is not None:
                rec["owner"] = {"user_id": s(o[0]), "username": s(o[1]), "alias": s(o[2])}
        out["album"] = recs
    return {"albums": out}


@handler("faves.albums.add")
def faves_albums_add(ctx: Ctx) -> dict:
    """Fave an album (idempotent). Code 1 "Album not found"."""
    album = fetch_album(ctx, ctx.integer("album_id"))
    ctx.db.execute(
        "INSERT OR IGNORE INTO faves_albums (user_id, album_id, faved_at) VALUES (?,?,?)",
        (ctx.user_id, album["album_id"], ctx.now),
    )
    return {}


@handler("faves.albums.remove")
def faves_albums_remove(ctx: Ctx) -> dict:
    """Unfave an album (idempotent). Code 1 "Album not found"."""
    album = fetch_album(ctx, ctx.integer("album_id"))
    ctx.db.execute("DELETE FROM faves_albums WHERE user_id = ? AND album_id = ?", (ctx.user_id, album["album_id"]))
    return {}
