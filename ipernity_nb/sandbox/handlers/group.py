"""``group.*``: get, getList, search, docs.getList, docs.getContext (reads), docs.add, docs.remove (writes).

Shapes per the catalog ``response_fields`` and docs/protocol.md §2.4: ``group.getList`` has
``count`` and ``pages`` (the 2014 sample omits ``pages``, docs/sandbox-divergences.md);
``group.docs.getList`` nests ``group.docs.doc[]``. Records carry both ``group_id`` (list
records) and ``id`` (``group.get``'s sample attribute).

Visibility: every group's metadata is public, but a private group's pool (``is_public=0``)
is shown to members only (others get code 1 "Group not found"), and a member's private
groups are listed by ``group.getList`` only to fellow members. Pending (moderated) pool
entries are hidden from the pool until accepted.

Not emulated: group aliases (``group_id`` must be numeric), topics (``count.topics`` 0),
translated titles (``lang`` filters ``group.search`` by the group's language only), the
relevance ranking of ``group.search`` (title matches first, then newest).

Example (over HTTP, with a running ``Sandbox``):
    >>> # client.call("group.search", text="street")["groups"]["group"][0]["title"]
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ..registry import Ctx, Fault, Text, b, handler, s
from ..views import doc_records, visible_docs_clause
from .album import context_answer
from .containers import MAX_GROUPS_PER_DOC, MEDIA, fetch_user, in_marks, media_safety_filter, target_user, thumbsize
from .members import contents, tally, unique_ids
from .search_text import search_terms

_DAY = 86400


def _membership(ctx: Ctx, group_id: int) -> sqlite3.Row | None:
    if ctx.user_id is None:
        return None
    return ctx.db.execute(
        "SELECT role, joined_at FROM grp_members WHERE group_id = ? AND user_id = ?", (group_id, ctx.user_id)
    ).fetchone()


def fetch_group(ctx: Ctx, group_id: int | None, *, pool: bool = False) -> sqlite3.Row:
    """The ``grp`` row, else ``Fault(1, "Group not found")``; with ``pool`` the caller must be
    allowed to see the pool (public group, or a member of a private one)."""
    row = None
    if group_id is not None and group_id > 0:
        row = ctx.db.execute("SELECT * FROM grp WHERE group_id = ?", (group_id,)).fetchone()
    if row is None or (pool and not row["is_public"] and _membership(ctx, int(row["group_id"])) is None):
        raise Fault(1, "Group not found")
    return row


def _accepts(group: Any) -> set[str]:
    return {m.strip() for m in group["media"].split(",") if m.strip()} or set(MEDIA)


def group_records(ctx: Ctx, rows: list, *, full: bool = False) -> list[dict[str, Any]]:
    """Group records: ids, title, link, icon, lang, visibility, dates, counts and ``you``."""
    ids = [int(r["group_id"]) for r in rows]
    if not ids:
        return []
    marks = in_marks(ids)
    docs = dict(
        ctx.db.execute(
            f"SELECT group_id, COUNT(*) FROM grp_docs WHERE pending = 0 AND group_id IN ({marks}) GROUP BY group_id",
            ids,
        ).fetchall()
    )
    last_doc = dict(
        ctx.db.execute(
            f"SELECT group_id, MAX(added_at) FROM grp_docs WHERE pending = 0 AND group_id IN ({marks}) "
            "GROUP BY group_id",
            ids,
        ).fetchall()
    )
    members = dict(
        ctx.db.execute(
            f"SELECT group_id, COUNT(*) FROM grp_members WHERE group_id IN ({marks}) GROUP BY group_id", ids
        ).fetchall()
    )
    mine: dict[int, sqlite3.Row] = {}
    if ctx.user_id is not None:
        mine = {
            r["group_id"]: r
            for r in ctx.db.execute(
                f"SELECT * FROM grp_members WHERE user_id = ? AND group_id IN ({marks})", (ctx.user_id, *ids)
            )
        }
    out = []
    for r in rows:
        gid = int(r["group_id"])
        rec: dict[str, Any] = {
            "group_id": s(gid),
            "id": s(gid),
            "title": s(r["title"]),
            "lang": s(r["lang"]),
            "link": f"{ctx.base_url}/group/{gid}",
            "icon": f"{ctx.base_url}/icons/group/{gid}.png",
        }
        if full:
            rec["description"] = Text(r["description"])
        rec["visibility"] = {"ispublic": b(r["is_public"]), "docs": b(r["is_public"]), "topics": b(r["is_public"])}
        rec["dates"] = {"created_at": s(r["created_at"]), "last_doc_at": s(last_doc.get(gid, 0)), "last_topic_at": "0"}
        rec["count"] = {"docs": s(docs.get(gid, 0)), "members": s(members.get(gid, 0)), "topics": "0"}
        m = mine.get(gid)
        if ctx.user_id is not None:
            n_mine = 0
            if m is not None:
                n_mine = ctx.db.execute(
                    "SELECT COUNT(*) FROM grp_docs gd JOIN docs d ON d.doc_id = gd.doc_id "
                    "WHERE gd.group_id = ? AND d.owner_id = ?",
                    (gid, ctx.user_id),
                ).fetchone()[0]
            rec["you"] = {
                "ismember": b(m is not None),
                "isadmin": b(m is not None and m["role"] == "admin"),
                "ismoderator": b(m is not None and m["role"] in ("admin", "moderator")),
                "joined_at": s(m["joined_at"] if m is not None else 0),
                "visited_at": "0",
                "docs": s(n_mine),
            }
        if full:
            rec["quota"] = _quota(ctx, r, m is not None)
            accepts = _accepts(r)
            can = {f"accept_{m_}": b(m_ in accepts) for m_ in MEDIA}
            can["add_doc"] = b(m is not None and not r["is_closed"])
            can["add_topic"] = b(m is not None)
            rec["can"] = can
        out.append(rec)
    return out


def _added_today(ctx: Ctx, group_id: int) -> int:
    return ctx.db.execute(
        "SELECT COUNT(*) FROM grp_docs WHERE group_id = ? AND user_id = ? AND added_at > ?",
        (group_id, ctx.user_id, ctx.now - _DAY),
    ).fetchone()[0]


def _quota(ctx: Ctx, group: Any, member: bool) -> dict[str, str]:
    """``quota{max, left, period, moderated}``: docs per member per day (0 = unlimited)."""
    mx = int(group["max_docs"])
    left = max(0, mx - _added_today(ctx, int(group["group_id"]))) if mx and member else mx
    return {"max": s(mx), "left": s(left), "period": "day", "moderated": b(group["moderated"])}


# --- reads ---------------------------------------------------------------------------------


@handler("group.get")
def group_get(ctx: Ctx) -> dict:
    """One group with description, quota, ``can`` (accepted media, add_doc) and ``you``."""
    row = fetch_group(ctx, ctx.integer("group_id"))
    return {"group": group_records(ctx, [row], full=True)[0]}


@handler("group.getList")
def group_get_list(ctx: Ctx) -> dict:
    """Groups ``user_id`` (default: the caller) belongs to, with ``count`` and ``pages``."""
    user = target_user(ctx)
    where, args = "m.user_id = ?", [user["user_id"]]
    if ctx.user_id != user["user_id"]:
        mine = "EXISTS (SELECT 1 FROM grp_members me WHERE me.group_id = g.group_id AND me.user_id = ?)"
        where += f" AND (g.is_public = 1 OR {mine})"
        args.append(ctx.user_id or 0)
    rows, pg = ctx.paginate(
        f"SELECT g.* FROM grp g JOIN grp_members m ON m.group_id = g.group_id WHERE {where} "
        "ORDER BY m.joined_at DESC, g.group_id",
        args,
    )
    # pages too, though the 2014 sample omits it: live clients read it (docs/sandbox-divergences.md)
    out: dict[str, Any] = {k: pg[k] for k in ("total", "page", "per_page", "pages", "count")}
    if rows:
        out["group"] = group_records(ctx, rows)
    return {"groups": out}


@handler("group.search")
def group_search(ctx: Ctx) -> dict:
    """Groups whose title or description contains every word of ``text`` (code 1 when empty)."""
    words = search_terms(ctx).include  # bounded (code 5); exclusions are not emulated here
    if not words:
        raise Fault(1, "Search text query is empty")
    where = " AND ".join("(g.title LIKE ? OR g.description LIKE ?)" for _ in words)
    args: list[Any] = [x for w in words for x in (f"%{w}%", f"%{w}%")]
    if ctx.has("lang"):
        where += " AND g.lang = ?"
        args.append(ctx.text("lang"))
    sort = ctx.text("sort", "relevance")
    if sort == "created-asc":
        order = "g.created_at, g.group_id"
    elif sort == "created-desc":
        order = "g.created_at DESC, g.group_id DESC"
    else:
        order = "(g.title LIKE ?) DESC, g.created_at DESC, g.group_id DESC"
    order_args = [f"%{words[0]}%"] if sort not in ("created-asc", "created-desc") else []
    rows, pg = ctx.paginate(f"SELECT g.* FROM grp g WHERE {where} ORDER BY {order}", [*args, *order_args])
    out: dict[str, Any] = {k: pg[k] for k in ("total", "page", "per_page", "pages")}
    if rows:
        out["group"] = group_records(ctx, rows)
    return {"groups": out}


def _pool_sql(ctx: Ctx, group: Any) -> tuple[str, list]:
    vis, vargs = visible_docs_clause(ctx, "d")
    where, args = ["gd.group_id = ?", "gd.pending = 0", vis], [group["group_id"], *vargs]
    if ctx.has("user_id"):
        try:
            user = fetch_user(ctx, ctx.text("user_id"))
        except Fault:
            raise Fault(2, "User not found") from None
        where.append("d.owner_id = ?")
        args.append(user["user_id"])
    mwhere, margs = media_safety_filter(ctx, "d")
    where += mwhere
    args += margs
    sql = (
        "SELECT d.* FROM grp_docs gd JOIN docs d ON d.doc_id = gd.doc_id "
        f"WHERE {' AND '.join(where)} ORDER BY gd.added_at DESC, d.doc_id DESC"
    )
    return sql, args


@handler("group.docs.getList")
def group_docs_get_list(ctx: Ctx) -> dict:
    """The pool as ``group.docs.doc[]`` (§2.4). Codes: 1 Group not found (or private and the
    caller is not a member), 2 User not found (unknown ``user_id`` filter)."""
    group = fetch_group(ctx, ctx.integer("group_id"), pool=True)
    sql, args = _pool_sql(ctx, group)
    label = thumbsize(ctx)
    rows, pg = ctx.paginate(sql, args)
    docs: dict[str, Any] = {k: pg[k] for k in ("total", "page", "per_page", "pages", "count")}
    if rows:
        docs["doc"] = doc_records(ctx, rows, extra=ctx.extra(), thumbsize=label)
    return {"group": {"group_id": s(group["group_id"]), "thumbsize": label, "docs": docs}}


@handler("group.docs.getContext")
def group_docs_get_context(ctx: Ctx) -> dict:
    """The neighbours of ``doc_id`` in the pool (newest first), ``prev``/``next`` 1-50."""
    group = fetch_group(ctx, ctx.integer("group_id"), pool=True)
    return context_answer(ctx, "group", group["group_id"], *_pool_sql(ctx, group))


# --- writes --------------------------------------------------------------------------------


@handler("group.docs.add")
def group_docs_add(ctx: Ctx) -> dict:
    """Submit up to 20 of the caller's docs: ``group{group_id,total,added,pending,skipped, doc[]}``.

    Per doc (docs/protocol.md §5.2): ``added="0"`` already in the pool / not the caller's doc,
    ``error="1"`` doc in the maximum number of groups, ``error="2"`` media type refused,
    ``pending="1"`` awaiting moderation (moderated group). Codes: 1 Group not found (or the
    caller is not a member), 2 Documents not found, 3 Quota limit reached (the group's daily
    per-member quota), 4 Group closed or limit reached.
    """
    group = fetch_group(ctx, ctx.integer("group_id"))
    gid = int(group["group_id"])
    if _membership(ctx, gid) is None:
        raise Fault(1, "Group not found")
    if group["is_closed"]:
        raise Fault(4, "Group closed or limit reached")
    ids = unique_ids(ctx, "doc_id")
    own = {
        r["doc_id"]: r
        for r in (
            ctx.db.execute(
                f"SELECT doc_id, media FROM docs WHERE owner_id = ? AND doc_id IN ({in_marks(ids)})",
                (ctx.user_id, *ids),
            )
            if ids
            else []
        )
    }
    if not own:
        raise Fault(2, "Documents not found")
    present = contents(ctx, "grp_docs", "group_id", gid, "doc_id")
    in_groups = dict(
        ctx.db.execute(
            f"SELECT doc_id, COUNT(*) FROM grp_docs WHERE doc_id IN ({in_marks(list(own))}) GROUP BY doc_id", list(own)
        ).fetchall()
    )
    accepts, pending = _accepts(group), int(bool(group["moderated"]))
    items, new = [], []
    for d in ids:
        err = 0
        if d in own and d not in present:
            if in_groups.get(d, 0) >= MAX_GROUPS_PER_DOC:
                err = 1
            elif own[d]["media"] not in accepts:
                err = 2
        ok = d in own and d not in present and not err
        if ok:
            new.append(d)
        items.append({"doc_id": s(d), "added": s(int(ok)), "pending": s(pending if ok else 0), "error": s(err)})
    if new and group["max_docs"] and _added_today(ctx, gid) + len(new) > int(group["max_docs"]):
        raise Fault(3, "Quota limit reached")
    ctx.db.executemany(
        "INSERT INTO grp_docs (group_id, doc_id, user_id, added_at, pending) VALUES (?,?,?,?,?)",
        [(gid, d, ctx.user_id, ctx.now, pending) for d in new],
    )
    total = ctx.db.execute("SELECT COUNT(*) FROM grp_docs WHERE group_id = ? AND pending = 0", (gid,)).fetchone()[0]
    skipped = len(ids) - len(new)
    head = {"group_id": gid, "total": total}
    return {"group": tally(head, "doc", items, added=len(new), pending=pending * len(new), skipped=skipped)}


@handler("group.docs.remove")
def group_docs_remove(ctx: Ctx) -> dict:
    """Withdraw docs from the pool: ``group{group_id,total,removed,skipped, docs[]{doc_id,removed}}``.

    The per-doc key is ``docs`` (``doc`` for group.docs.add), as clients tested against the
    live service read it (``res["group"]["docs"][0]["doc_id"]``; docs/sandbox-divergences.md).

    A member removes their own docs; group admins and moderators may remove anyone's.
    Codes: 1 Group not found (or not a member), 2 Documents not found (none removable).
    """
    group = fetch_group(ctx, ctx.integer("group_id"))
    gid = int(group["group_id"])
    m = _membership(ctx, gid)
    if m is None:
        raise Fault(1, "Group not found")
    ids = unique_ids(ctx, "doc_id")
    staff = m["role"] in ("admin", "moderator")
    rows = (
        ctx.db.execute(
            f"SELECT gd.doc_id, d.owner_id FROM grp_docs gd JOIN docs d ON d.doc_id = gd.doc_id "
            f"WHERE gd.group_id = ? AND gd.doc_id IN ({in_marks(ids)})",
            (gid, *ids),
        ).fetchall()
        if ids
        else []
    )
    gone = [r[0] for r in rows if staff or r[1] == ctx.user_id]
    if not gone:
        raise Fault(2, "Documents not found")
    ctx.db.executemany("DELETE FROM grp_docs WHERE group_id = ? AND doc_id = ?", [(gid, d) for d in gone])
    total = ctx.db.execute("SELECT COUNT(*) FROM grp_docs WHERE group_id = ? AND pending = 0", (gid,)).fetchone()[0]
    items = [{"doc_id": s(d), "removed": s(int(d in gone))} for d in ids]
    head = {"group_id": gid, "total": total}
    return {"group": tally(head, "docs", items, removed=len(gone), skipped=len(ids) - len(gone))}
