"""``post.set`` and ``post.comments.add/edit/delete/reply`` (POST only, checked by the dispatcher).

``post.set`` creates an article (no ``post_id``: ``title`` and ``content`` required, else
code 2 "No parameters were sent") or edits one of the caller's (code 1 "Post not found";
nothing to change is code 2). Out-of-range ``share`` (0-4), ``license``, ``com``/``tag``/
``tagme`` (0-5) or ``lg_id`` is code 3 "Invalid arguments". Answer: the ``post`` record.

The comment methods have no documented parameters (catalog ``params: null``); they mirror
``doc.comments.*`` (docs/protocol.md §6.5):

* ``post.comments.add``: ``post_id``, ``content``, ``preview`` -> ``comment{comment_id, link,
  posted_at, user_id, content}``. Codes 1 Post not found, 2 Comment text is empty, 3 No
  permission to comment. An identical comment by the same member is not stored twice (the
  existing one is answered); ``preview=1`` validates without saving (``comment_id="0"``).
* ``post.comments.edit``: ``comment_id``, ``content`` -> the comment; only its author (else code
  1 "Comment not found"); ``modified_at`` is set only more than 5 minutes after posting.
* ``post.comments.delete``: ``comment_id``; the author or the article's owner. Replies stay.
* ``post.comments.reply``: ``comment_id``, ``content`` -> a new comment with ``parent_id``.

Not emulated: post tags (``post.set`` has no tag parameter), comment limits (code 4 of
``doc.comments.add``), HTML sanitising of article bodies and comments.

Example (over HTTP, with a running ``Sandbox``):
    >>> # client.call("post.set", title="Hello", content="First article")["post"]["post_id"]
"""

from __future__ import annotations

from collections.abc import Collection

from ..registry import Ctx, Fault, handler, next_id, s
from .doc_comments import check_may_comment, edit_time
from .post import comment_record, fetch_comment, fetch_post, post_link, post_records

_LICENSES = (0, 1, 3, 5, 7, 9, 11, 255)


def _enum(ctx: Ctx, name: str, allowed: Collection[int]) -> int | None:
    if name not in ctx.params:
        return None
    raw = ctx.text(name).strip()
    if not raw.lstrip("-").isdigit() or int(raw) not in allowed:
        raise Fault(3, "Invalid arguments")
    return int(raw)


@handler("post.set")
def post_set(ctx: Ctx) -> dict:
    """Create (no ``post_id``) or edit one of the caller's articles; answers the ``post`` record."""
    post = fetch_post(ctx, ctx.integer("post_id"), owner_only=True) if ctx.has("post_id") else None
    sets: dict[str, object] = {}
    for name in ("title", "content", "intro"):
        if name in ctx.params:
            sets[name] = ctx.text(name).strip() if name == "title" else ctx.text(name)
    checks = {
        "share": ("share", range(0, 5)),
        "license": ("license", _LICENSES),
        "com": ("perm_comment", range(0, 6)),
        "tag": ("perm_tag", range(0, 6)),
        "tagme": ("perm_tagme", range(0, 6)),
        "lg_id": ("lg_id", range(0, 1000)),
    }
    for param, (col, allowed) in checks.items():
        if (v := _enum(ctx, param, allowed)) is not None:
            sets[col] = v
    if post is None:
        if not sets.get("title") or not str(sets.get("content", "")).strip():
            raise Fault(2, "No parameters were sent")
        post_id = next_id(ctx.db, "posts", "post_id", floor=70000)
        created = ctx.db.execute("SELECT strftime('%Y-%m-%d %H:%M:%S', ?, 'unixepoch')", (ctx.now,)).fetchone()[0]
        cols = {"post_id": post_id, "owner_id": ctx.user_id, "posted_at": ctx.now, "created": created, **sets}
        ctx.db.execute(
            f"INSERT INTO posts ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", tuple(cols.values())
        )
    else:
        if not sets:
            raise Fault(2, "No parameters were sent")
        if "title" in sets and not sets["title"]:
            raise Fault(2, "No parameters were sent")
        post_id = int(post["post_id"])
        sets["modified_at"] = ctx.now
        ctx.db.execute(
            f"UPDATE posts SET {', '.join(f'{k} = ?' for k in sets)} WHERE post_id = ?", (*sets.values(), post_id)
        )
    row = ctx.db.execute("SELECT * FROM posts WHERE post_id = ?", (post_id,)).fetchone()
    return {"post": post_records(ctx, [row], full=True)[0]}


def _content(ctx: Ctx) -> str:
    content = ctx.text("content").strip()
    if not content:
        raise Fault(2, "Comment text is empty")
    return content


def _store(ctx: Ctx, post: object, content: str, parent_id: int | None) -> dict:
    """Insert a comment (or find its identical twin) and answer ``comment{...}``."""
    post_id = int(post["post_id"])  # type: ignore[index]
    same = ctx.db.execute(
        "SELECT comment_id FROM post_comments WHERE post_id = ? AND user_id = ? AND content = ? "
        "AND COALESCE(parent_id, 0) = ?",
        (post_id, ctx.user_id, content, parent_id or 0),
    ).fetchone()
    if ctx.flag("preview"):
        comment_id = 0
    elif same is not None:
        comment_id = int(same[0])
    else:
        comment_id = next_id(ctx.db, "post_comments", "comment_id", floor=900000)
        ctx.db.execute(
            "INSERT INTO post_comments (comment_id, post_id, user_id, parent_id, content, posted_at) "
            "VALUES (?,?,?,?,?,?)",
            (comment_id, post_id, ctx.user_id, parent_id, content, ctx.now),
        )
    out = {
        "comment_id": s(comment_id),
        "link": f"{post_link(ctx, post)}#comment{comment_id}",
        "posted_at": s(ctx.now),
        "user_id": s(ctx.user_id),
    }
    if parent_id:
        out["parent_id"] = s(parent_id)
    out["content"] = content
    return {"comment": out}


@handler("post.comments.add")
def post_comments_add(ctx: Ctx) -> dict:
    """Comment on an article the caller may see and comment on."""
    post = fetch_post(ctx, ctx.integer("post_id"))
    content = _content(ctx)
    check_may_comment(ctx, post)
    return _store(ctx, post, content, None)


@handler("post.comments.reply")
def post_comments_reply(ctx: Ctx) -> dict:
    """Answer a comment: a new comment on the same article with ``parent_id``."""
    parent, post = fetch_comment(ctx, ctx.integer("comment_id"))
    content = _content(ctx)
    check_may_comment(ctx, post)
    return _store(ctx, post, content, int(parent["comment_id"]))


@handler("post.comments.edit")
def post_comments_edit(ctx: Ctx) -> dict:
    """Replace the text of one of the caller's comments."""
    row, post = fetch_comment(ctx, ctx.integer("comment_id"))
    if row["user_id"] != ctx.user_id:
        raise Fault(1, "Comment not found")
    content = _content(ctx)
    if not ctx.flag("preview"):
        modified = edit_time(ctx, row)
        ctx.db.execute(
            "UPDATE post_comments SET content = ?, modified_at = ? WHERE comment_id = ?",
            (content, modified, row["comment_id"]),
        )
    row, post = fetch_comment(ctx, int(row["comment_id"]))
    rec = comment_record(ctx, row, post)
    if ctx.flag("preview"):
        rec["content"] = content
    return {"comment": rec}


@handler("post.comments.delete")
def post_comments_delete(ctx: Ctx) -> dict:
    """Delete a comment: its author or the article's owner (else code 1 "Comment not found")."""
    row, post = fetch_comment(ctx, ctx.integer("comment_id"))
    if ctx.user_id not in (row["user_id"], post["owner_id"]):
        raise Fault(1, "Comment not found")
    ctx.db.execute("DELETE FROM post_comments WHERE comment_id = ?", (row["comment_id"],))
    return {}
