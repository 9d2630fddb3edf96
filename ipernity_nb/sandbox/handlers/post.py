"""``post.*`` reads: get, getList, getContext, getFaves, getVisitors, search, comments.get, comments.getList.

Blog articles ("posts") follow the docs' ``share`` visibility (docs/protocol.md §6.4); a post
the caller may not see is code 1 "Post not found", as a missing one. ``post.get`` follows the
catalog ``response_fields``; the article body is the text element ``description``.

Parameters the catalog does not know (params ``null``, docs/protocol.md §6.1), chosen to
mirror the doc methods:

* ``post.getList``: ``user_id`` (default: the caller; code 1 "User not found"), ``share``
  (0-4, the caller's own posts only), ``extra`` (``tags``), ``page``, ``per_page`` (20, max 100)
  -> ``posts{total,page,per_page,pages,count, post[]}``, newest first.
* ``post.getContext``: ``post_id`` -> ``post{post_id}``, ``prev`` and ``next`` (one article each,
  omitted at the ends) in the author's stream visible to the caller.
* ``post.comments.getList``: ``post_id``, ``page``, ``per_page`` (20, max 100) ->
  ``comments{post_id,total,page,per_page,pages,count, comment[]}``, oldest first.
* ``post.comments.get``: ``comment_id`` -> ``comment{...}`` (code 1 "Comment not found").

Not emulated: ``extra=embed`` (no embedded docs), full-text relevance (``post.search``
``sort=relevance`` is newest first), post safety levels (always 1), ``lg_id`` translations.

Example (over HTTP, with a running ``Sandbox``):
    >>> # client.call("post.getList", user_id=284001)["posts"]["post"][0]["title"]
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ..registry import Ctx, Fault, Text, b, handler, s
from ..views import perm_allows, relation, share_allows, share_visibility, visible_docs_clause
from .containers import (
    faves_payload,
    in_marks,
    own_share_filter,
    target_user,
    user_icon,
    visitors_payload,
)
from .search_text import search_terms

#: post.search full-text results stop here (docs/protocol.md §2.4).
SEARCH_CAP = 3000
_LICENSES = (0, 1, 3, 5, 7, 9, 11, 255)


def fetch_post(ctx: Ctx, post_id: int | None, *, owner_only: bool = False) -> sqlite3.Row:
    """The ``posts`` row the caller may see (or owns), else ``Fault(1, "Post not found")``."""
    row = None
    if post_id is not None and post_id > 0:
        row = ctx.db.execute(
            "SELECT p.* FROM posts p JOIN users u ON u.user_id = p.owner_id WHERE p.post_id = ? AND u.is_closed = 0",
            (post_id,),
        ).fetchone()
    if row is None:
        raise Fault(1, "Post not found")
    if owner_only and row["owner_id"] != ctx.user_id:
        raise Fault(1, "Post not found")
    if not share_allows(ctx, int(row["owner_id"]), int(row["share"])):
        raise Fault(1, "Post not found")
    return row


def post_link(ctx: Ctx, row: Any) -> str:
    return f"{ctx.base_url}/blog/{row['owner_id']}/{row['post_id']}"


def _tags(ctx: Ctx, post_id: int, owner_id: int) -> dict[str, Any]:
    rows = ctx.db.execute(
        "SELECT t.tag_id, t.tag FROM post_tags pt JOIN tags t USING (tag_id) WHERE pt.post_id = ? ORDER BY t.tag",
        (post_id,),
    ).fetchall()
    out: dict[str, Any] = {"total": s(len(rows))}
    if rows:
        out["tag"] = [
            {"id": s(r[0]), "tag": s(r[1]), "type": "keyword", "user_id": s(owner_id), "added_at": "0"} for r in rows
        ]
    return out


def post_records(ctx: Ctx, rows: list, *, full: bool = False) -> list[dict[str, Any]]:
    """Post records; ``full`` (post.get/post.set) adds description, permissions, can, you, share."""
    ids = [int(r["post_id"]) for r in rows]
    if not ids:
        return []
    marks = in_marks(ids)

    def count(sql: str) -> dict[int, int]:
        return dict(ctx.db.execute(sql.format(marks=marks), ids).fetchall())

    comments = count("SELECT post_id, COUNT(*) FROM post_comments WHERE post_id IN ({marks}) GROUP BY post_id")
    last_comment = count(
        "SELECT post_id, MAX(posted_at) FROM post_comments WHERE post_id IN ({marks}) GROUP BY post_id"
    )
    faves = count("SELECT post_id, COUNT(*) FROM faves_posts WHERE post_id IN ({marks}) GROUP BY post_id")
    tags = count("SELECT post_id, COUNT(*) FROM post_tags WHERE post_id IN ({marks}) GROUP BY post_id")
    oids = sorted({int(r["owner_id"]) for r in rows})
    owners = {u["user_id"]: u for u in ctx.db.execute(f"SELECT * FROM users WHERE user_id IN ({in_marks(oids)})", oids)}
    logged_in = ctx.user_id is not None
    extra = ctx.extra()
    out = []
    for r in rows:
        pid, oid = int(r["post_id"]), int(r["owner_id"])
        u = owners.get(oid)
        rec: dict[str, Any] = {
            "post_id": s(pid),
            "title": s(r["title"]),
            "intro": s(r["intro"]),
            "license": s(r["license"]),
            "safety": "1",
            "link": post_link(ctx, r),
        }
        if full:
            rec["description"] = Text(r["content"])
        rec["visibility"] = share_visibility(int(r["share"]))
        rec["dates"] = {
            "posted_at": s(r["posted_at"]),
            "created": s(r["created"]),
            "last_update_at": s(r["modified_at"] or r["posted_at"]),
            "last_comment_at": s(last_comment.get(pid, 0)),
        }
        rec["owner"] = {
            "user_id": s(oid),
            "username": s(u["username"] if u else ""),
            "alias": s(u["alias"] if u else ""),
            "is_pro": b(u["is_pro"] if u else 0),
            "icon": user_icon(ctx, oid),
        }
        rec["count"] = {
            "comments": s(comments.get(pid, 0)),
            "faves": s(faves.get(pid, 0)),
            "tags": s(tags.get(pid, 0)),
            "visits": s(r["visits"]),
        }
        if full:
            rel = relation(ctx, oid)
            perms = {"comment": r["perm_comment"], "tag": r["perm_tag"], "tagme": r["perm_tagme"]}
            rec["permissions"] = {k: s(v) for k, v in perms.items()}
            rec["share"] = {"url": post_link(ctx, r)}
            rec["can"] = {
                "comment": b(perm_allows(int(r["perm_comment"]), rel, logged_in)),
                "fave": b(logged_in and not rel["self"]),
                "tag": b(perm_allows(int(r["perm_tag"]), rel, logged_in)),
                "tagme": b(perm_allows(int(r["perm_tagme"]), rel, logged_in)),
                "share": b(int(r["share"]) == 4),
                "download": "0",
                "print": b(rel["self"]),
                "zoom": "1",
                "extra": "0",
            }
            if logged_in:
                fav = ctx.db.execute(
                    "SELECT 1 FROM faves_posts WHERE user_id = ? AND post_id = ?", (ctx.user_id, pid)
                ).fetchone()
                vis = ctx.db.execute(
                    "SELECT visits, visited_at FROM visits WHERE kind = 'post' AND item_id = ? AND user_id = ?",
                    (pid, ctx.user_id),
                ).fetchone()
                rec["you"] = {
                    "isfave": b(fav is not None),
                    "visits": s(vis[0] if vis else 0),
                    "last_visit_at": s(vis[1] if vis else 0),
                }
        if "tags" in extra:
            rec["tags"] = _tags(ctx, pid, oid)
        out.append(rec)
    return out


def _list(ctx: Ctx, sql: str, args: list, *, cap: int | None = None) -> dict:
    rows, pg = ctx.paginate(sql, args, cap=cap)
    out: dict[str, Any] = {k: pg[k] for k in ("total", "page", "per_page", "pages", "count")}
    if rows:
        out["post"] = post_records(ctx, rows)
    return {"posts": out}


@handler("post.get")
def post_get(ctx: Ctx) -> dict:
    """One article (code 1 "Post not found"); ``extra=tags`` adds ``tags{total, tag[]}``."""
    return {"post": post_records(ctx, [fetch_post(ctx, ctx.integer("post_id"))], full=True)[0]}


@handler("post.getList")
def post_get_list(ctx: Ctx) -> dict:
    """Articles of ``user_id`` (default: the caller) visible to the caller, newest first."""
    user = target_user(ctx)
    vis, vargs = visible_docs_clause(ctx, "p")
    swhere, sargs = own_share_filter(ctx, "p", user["user_id"])
    where, args = ["p.owner_id = ?", vis, *swhere], [user["user_id"], *vargs, *sargs]
    return _list(
        ctx, f"SELECT p.* FROM posts p WHERE {' AND '.join(where)} ORDER BY p.posted_at DESC, p.post_id DESC", args
    )


@handler("post.getContext")
def post_get_context(ctx: Ctx) -> dict:
    """The previous (older) and next (newer) article of the same author the caller may see."""
    post = fetch_post(ctx, ctx.integer("post_id"))
    vis, vargs = visible_docs_clause(ctx, "p")
    key = (int(post["posted_at"]), int(post["post_id"]))
    base = f"SELECT p.* FROM posts p WHERE p.owner_id = ? AND {vis} AND "
    older = ctx.db.execute(
        base
        + "(p.posted_at < ? OR (p.posted_at = ? AND p.post_id < ?)) ORDER BY p.posted_at DESC, p.post_id DESC LIMIT 1",
        (post["owner_id"], *vargs, key[0], key[0], key[1]),
    ).fetchone()
    newer = ctx.db.execute(
        base + "(p.posted_at > ? OR (p.posted_at = ? AND p.post_id > ?)) ORDER BY p.posted_at, p.post_id LIMIT 1",
        (post["owner_id"], *vargs, key[0], key[0], key[1]),
    ).fetchone()

    def brief(r: Any) -> dict[str, str]:
        return {
            "post_id": s(r["post_id"]),
            "title": s(r["title"]),
            "posted_at": s(r["posted_at"]),
            "link": post_link(ctx, r),
        }

    out: dict[str, Any] = {"post": brief(post)}
    if older is not None:
        out["prev"] = brief(older)
    if newer is not None:
        out["next"] = brief(newer)
    return out


@handler("post.getFaves")
def post_get_faves(ctx: Ctx) -> dict:
    """Members who faved the article, newest first."""
    post = fetch_post(ctx, ctx.integer("post_id"))
    return {"faves": {"post_id": s(post["post_id"]), **faves_payload(ctx, "faves_posts", "post_id", post["post_id"])}}


@handler("post.getVisitors")
def post_get_visitors(ctx: Ctx) -> dict:
    """Identified visitors of one of the caller's articles plus the anonymous remainder."""
    post = fetch_post(ctx, ctx.integer("post_id"), owner_only=True)
    return {"visits": visitors_payload(ctx, "post", int(post["post_id"]), int(post["visits"]))}


@handler("post.search")
def post_search(ctx: Ctx) -> dict:
    """Articles by text (all words in title/intro/content), tags, license, dates; capped at 3000."""
    vis, args = visible_docs_clause(ctx, "p")
    where = [vis, "u.is_closed = 0"]
    if ctx.has("user_id"):
        user_id = ctx.integer("user_id", 0) or 0
        where.append("p.owner_id = ?")
        args.append(user_id)
        swhere, sargs = own_share_filter(ctx, "p", user_id)
        where += swhere
        args += sargs
    terms = search_terms(ctx)  # bounded (code 5), one pass
    if terms.impossible:
        where.append("0")
    for word, neg in [(w, "") for w in terms.include] + [(w, "NOT ") for w in terms.exclude]:
        where.append(f"{neg}(p.title LIKE ? OR p.intro LIKE ? OR p.content LIKE ?)")
        args += [f"%{word}%"] * 3
    tags = [t.lower() for t in ctx.items("tags")][:20]
    if tags:
        where.append(
            "EXISTS (SELECT 1 FROM post_tags pt JOIN tags t USING (tag_id) "
            f"WHERE pt.post_id = p.post_id AND t.tag IN ({in_marks(tags)}))"
        )
        args += tags
    lic = [x for x in ctx.ints("license") if x in _LICENSES]
    if lic:
        where.append(f"p.license IN ({in_marks(lic)})")
        args += lic
    for name, op in (("posted_min", ">="), ("posted_max", "<=")):
        if (v := ctx.integer(name)) is not None:
            where.append(f"p.posted_at {op} ?")
            args.append(v)
    if ctx.has("created_min"):
        where.append("substr(p.created, 1, 10) >= ?")
        args.append(ctx.text("created_min")[:10])
    if ctx.has("created_max"):
        where.append("substr(p.created, 1, 10) <= ?")
        args.append(ctx.text("created_max")[:10])
    order = {
        "posted-asc": "p.posted_at, p.post_id",
        "created-desc": "p.created DESC, p.post_id DESC",
        "created-asc": "p.created, p.post_id",
        "popular": "p.visits DESC, p.post_id DESC",
    }.get(ctx.text("sort"), "p.posted_at DESC, p.post_id DESC")
    sql = f"SELECT p.* FROM posts p JOIN users u ON u.user_id = p.owner_id WHERE {' AND '.join(where)} ORDER BY {order}"
    return _list(ctx, sql, args, cap=SEARCH_CAP)


def comment_record(ctx: Ctx, row: Any, post: Any) -> dict[str, Any]:
    """One comment; ``content`` is the element's text (docs/protocol.md §2.3)."""
    mine = ctx.user_id is not None and ctx.user_id == row["user_id"]
    owner = ctx.user_id is not None and ctx.user_id == post["owner_id"]
    rec: dict[str, Any] = {
        "comment_id": s(row["comment_id"]),
        "post_id": s(row["post_id"]),
        "user_id": s(row["user_id"]),
        "username": s(row["username"]),
        "parent_id": s(row["parent_id"] or 0),
        "posted_at": s(row["posted_at"]),
        "modified_at": s(row["modified_at"]),
        "link": f"{post_link(ctx, post)}#comment{row['comment_id']}",
        "canedit": b(mine),
        "candelete": b(mine or owner),
        "canreply": b(ctx.user_id is not None),
    }
    rec["content"] = s(row["content"])
    return rec


def fetch_comment(ctx: Ctx, comment_id: int | None) -> tuple[sqlite3.Row, sqlite3.Row]:
    """The comment row (with ``username``) and its post, else ``Fault(1, "Comment not found")``."""
    row = None
    if comment_id is not None and comment_id > 0:
        row = ctx.db.execute(
            "SELECT c.*, u.username FROM post_comments c JOIN users u ON u.user_id = c.user_id WHERE c.comment_id = ?",
            (comment_id,),
        ).fetchone()
    if row is None:
        raise Fault(1, "Comment not found")
    try:
        post = fetch_post(ctx, int(row["post_id"]))
    except Fault:
        raise Fault(1, "Comment not found") from None
    return row, post


@handler("post.comments.get")
def post_comments_get(ctx: Ctx) -> dict:
    """One comment by ``comment_id`` (code 1 "Comment not found")."""
    row, post = fetch_comment(ctx, ctx.integer("comment_id"))
    return {"comment": comment_record(ctx, row, post)}


@handler("post.comments.getList")
def post_comments_get_list(ctx: Ctx) -> dict:
    """Comments on ``post_id``, oldest first (code 1 "Post not found")."""
    post = fetch_post(ctx, ctx.integer("post_id"))
    rows, pg = ctx.paginate(
        "SELECT c.*, u.username FROM post_comments c JOIN users u ON u.user_id = c.user_id "
        "WHERE c.post_id = ? ORDER BY c.posted_at, c.comment_id",
        (post["post_id"],),
    )
    out: dict[str, Any] = {"post_id": s(post["post_id"])}
    out.update({k: pg[k] for k in ("total", "page", "per_page", "pages", "count")})
    if rows:
        out["comment"] = [comment_record(ctx, r, post) for r in rows]
    return {"comments": out}
