"""tags.*: docs.getList, user.getList, user.getPopular.

* ``tags.docs.getList``: docs carrying one tag (``type=keyword``: ``id`` is the tag id;
  ``type=member``: ``id`` is the tagged member's user id), optionally of one member
  (``user_id``), visible to the caller. Codes: 1 "Tag not found", 2 "User not found".
  Sort ``popular`` (visits, default), ``posted-desc``, ``posted-asc``.
* ``tags.user.getList``: the distinct tags on a member's docs visible to the caller,
  alphabetical, at most ``count`` (default 100, max 1000). ``user_id`` defaults to the
  caller (§8 item 8); code 1 "User not found".
* ``tags.user.getPopular``: the member's most used tags (``docs`` = docs carrying it,
  ``posts`` = blog posts carrying it), most used first, ties alphabetical.

Not emulated: the live service's caching of these heavy queries.

Example:
    >>> from ipernity_nb.sandbox.registry import HANDLERS
    >>> "tags.user.getPopular" in HANDLERS
    True
"""

from __future__ import annotations

from typing import Any

from ..registry import Ctx, Fault, handler, s
from ..views import visible_docs_clause
from ..views_blocks import in_marks
from .doc_common import docs_payload, filter_clauses, page_attrs, target_user

_ORDER = {
    "popular": "d.visits DESC, d.doc_id DESC",
    "posted-desc": "d.posted_at DESC, d.doc_id DESC",
    "posted-asc": "d.posted_at ASC, d.doc_id ASC",
}


def _type(ctx: Ctx) -> str:
    kind = ctx.text("type", "keyword") or "keyword"
    return kind if kind in ("keyword", "member") else "keyword"


@handler("tags.docs.getList")
def tags_docs_get_list(ctx: Ctx) -> dict:
    """Visible docs carrying a keyword or member tag, paginated (default 100, max 500)."""
    kind, tid = _type(ctx), ctx.integer("id")
    if kind == "keyword":
        found = tid is not None and ctx.db.execute("SELECT 1 FROM tags WHERE tag_id = ?", (tid,)).fetchone()
        join = "EXISTS (SELECT 1 FROM doc_tags x WHERE x.doc_id = d.doc_id AND x.tag_id = ?)"
    else:
        found = tid is not None and ctx.db.execute("SELECT 1 FROM users WHERE user_id = ?", (tid,)).fetchone()
        join = "EXISTS (SELECT 1 FROM doc_members x WHERE x.doc_id = d.doc_id AND x.member_id = ?)"
    if not found:
        raise Fault(1, "Tag not found")
    vis, args = visible_docs_clause(ctx, "d")
    where = [vis, join]
    args.append(tid)
    if ctx.has("user_id"):
        user = target_user(ctx, code=2)
        where.append("d.owner_id = ?")
        args.append(user["user_id"])
    fw, fa = filter_clauses(ctx, "d")
    where += fw
    args += fa
    order = _ORDER.get(ctx.text("sort", "popular"), _ORDER["popular"])
    rows, meta = ctx.paginate(f"SELECT d.* FROM docs d WHERE {' AND '.join(where)} ORDER BY {order}", args)
    return docs_payload(ctx, rows, page_attrs(meta), allowed_extra={"owner", "dates", "medias", "original"})


def _user_tags(ctx: Ctx, *, popular: bool) -> dict:
    user = target_user(ctx)
    kind = _type(ctx)
    limit = ctx.count_param("count")
    vis, vargs = visible_docs_clause(ctx, "d")
    if kind == "keyword":
        sql = (
            "SELECT t.tag_id AS id, t.tag AS tag, COUNT(*) AS docs FROM docs d "
            "JOIN doc_tags dt ON dt.doc_id = d.doc_id JOIN tags t ON t.tag_id = dt.tag_id "
            f"WHERE d.owner_id = ? AND {vis} GROUP BY t.tag_id"
        )
    else:
        sql = (
            "SELECT u.user_id AS id, u.username AS tag, COUNT(*) AS docs FROM docs d "
            "JOIN doc_members dm ON dm.doc_id = d.doc_id JOIN users u ON u.user_id = dm.member_id "
            f"WHERE d.owner_id = ? AND {vis} GROUP BY u.user_id"
        )
    order = " ORDER BY docs DESC, tag ASC" if popular else " ORDER BY tag ASC"
    rows = ctx.db.execute(sql + order + " LIMIT ?", (user["user_id"], *vargs, limit)).fetchall()
    posts: dict[int, int] = {}
    if popular and kind == "keyword" and rows:
        marks = in_marks(rows)
        posts = dict(
            ctx.db.execute(
                f"SELECT pt.tag_id, COUNT(*) FROM post_tags pt JOIN posts p ON p.post_id = pt.post_id "
                f"WHERE p.owner_id = ? AND pt.tag_id IN ({marks}) GROUP BY pt.tag_id",
                (user["user_id"], *(r["id"] for r in rows)),
            ).fetchall()
        )
    items: list[dict[str, str]] = []
    for r in rows:
        item = {"id": s(r["id"]), "tag": s(r["tag"]), "type": kind}
        if popular:
            item.update(docs=s(r["docs"]), posts=s(posts.get(r["id"], 0)))
        items.append(item)
    body: dict[str, Any] = {"user_id": s(user["user_id"]), "type": kind, "count": s(len(items))}
    if items:
        body["tag"] = items
    return {"tags": body}


@handler("tags.user.getList")
def tags_user_get_list(ctx: Ctx) -> dict:
    """A member's tags, alphabetical (``type`` keyword|member, ``count`` ≤ 1000)."""
    return _user_tags(ctx, popular=False)


@handler("tags.user.getPopular")
def tags_user_get_popular(ctx: Ctx) -> dict:
    """A member's most used tags with their ``docs``/``posts`` counts (``count`` ≤ 100)."""
    return _user_tags(ctx, popular=True)
