"""doc.comments.*: get, getList (reads) and add, edit, delete, reply (writes).

Rules (docs/protocol.md §5.2, §6.5):

* a comment is visible when its doc is; an unknown or invisible comment answers code 1
  "Comment not found";
* ``add``/``reply`` need the doc's ``perm_comment`` to admit the caller (code 3 "No
  permission to comment"), non-blank ``content`` (code 2 "Comment text is empty");
  an identical comment by the same member on the same doc (same parent) is not stored
  twice: the existing one is returned; ``preview=1`` validates and answers
  ``comment_id="0"`` without saving;
* ``edit`` is for the author only; ``modified_at`` is set only when the edit comes more
  than 5 minutes after posting; ``delete`` is for the author or the doc owner (a deleted
  comment's replies go with it);
* writes bump the doc's ``last_comment_at``/``last_update_at``.

Not emulated: the comments limit (code 4) and the ``lg`` translation parameter.

Example:
    >>> from ipernity_nb.sandbox.registry import HANDLERS
    >>> "doc.comments.reply" in HANDLERS
    True
"""

from __future__ import annotations

from typing import Any

from ..registry import Ctx, Fault, Text, b, handler, s
from ..views import can_see_doc, fetch_doc, perm_allows, relation
from ..views_blocks import in_marks
from .doc_common import bump_doc, page_attrs

#: Seconds: edits within 5 minutes of posting leave ``modified_at`` as it was (§6.5).
EDIT_GRACE = 300


def check_may_comment(ctx: Ctx, item: Any) -> None:
    """``Fault(3, "No permission to comment")`` unless the item's ``perm_comment`` admits the
    (logged-in) caller; shared with ``post.comments.*``, which mirror these rules."""
    if not perm_allows(int(item["perm_comment"]), relation(ctx, int(item["owner_id"])), True):
        raise Fault(3, "No permission to comment")


def edit_time(ctx: Ctx, comment: Any) -> int:
    """The ``modified_at`` an edit now gives: now, or unchanged within :data:`EDIT_GRACE`."""
    return ctx.now if ctx.now - int(comment["posted_at"]) > EDIT_GRACE else int(comment["modified_at"])


def _fetch_comment(ctx: Ctx, comment_id: int | None) -> tuple[Any, Any]:
    """``(comment row, doc row)`` for a comment the caller may see, else code 1."""
    row = None
    if comment_id is not None and comment_id > 0:
        row = ctx.db.execute(
            "SELECT c.*, u.username FROM comments c JOIN users u ON u.user_id = c.user_id WHERE c.comment_id = ?",
            (comment_id,),
        ).fetchone()
    doc = None
    if row is not None:
        doc = ctx.db.execute("SELECT * FROM docs WHERE doc_id = ?", (row["doc_id"],)).fetchone()
    if row is None or doc is None or not can_see_doc(ctx, doc):
        raise Fault(1, "Comment not found")
    return row, doc


def _link(ctx: Ctx, doc: Any, comment_id: int) -> str:
    return f"{ctx.base_url}/doc/{doc['owner_id']}/{doc['doc_id']}#comment{comment_id}"


def _record(ctx: Ctx, c: Any, doc: Any, *, owner: bool = False) -> dict[str, Any]:
    uid = ctx.user_id
    rel = relation(ctx, int(doc["owner_id"]))
    rec: dict[str, Any] = {
        "comment_id": s(c["comment_id"]),
        "user_id": s(c["user_id"]),
        "username": s(c["username"]),
        "posted_at": s(c["posted_at"]),
        "modified_at": s(c["modified_at"]),
        "parent_id": s(c["parent_id"] or 0),
        "canedit": b(uid is not None and uid == c["user_id"]),
        "candelete": b(uid is not None and uid in (c["user_id"], doc["owner_id"])),
        "canreply": b(perm_allows(int(doc["perm_comment"]), rel, uid is not None)),
    }
    if owner:
        u = ctx.db.execute("SELECT realname, is_pro FROM users WHERE user_id = ?", (c["user_id"],)).fetchone()
        rec["owner"] = {
            "user_id": s(c["user_id"]),
            "username": s(c["username"]),
            "realname": s(u["realname"] if u else ""),
            "is_pro": b(u["is_pro"] if u else 0),
        }
    rec["content"] = Text(c["content"])
    return rec


@handler("doc.comments.get")
def comments_get(ctx: Ctx) -> dict:
    """One comment with its ``parent`` (when it is a reply) and the caller's rights on it."""
    c, doc = _fetch_comment(ctx, ctx.integer("comment_id"))
    rec = _record(ctx, c, doc, owner="owner" in ctx.extra())
    rec.pop("modified_at")
    if c["parent_id"]:
        p = ctx.db.execute(
            "SELECT c.*, u.username FROM comments c JOIN users u ON u.user_id = c.user_id WHERE c.comment_id = ?",
            (c["parent_id"],),
        ).fetchone()
        if p is not None:
            rec["parent"] = {
                "comment_id": s(p["comment_id"]),
                "user_id": s(p["user_id"]),
                "username": s(p["username"]),
                "content": Text(p["content"]),
            }
    return {"comment": rec}


@handler("doc.comments.getList")
def comments_get_list(ctx: Ctx) -> dict:
    """Comments of a visible doc, oldest first (conversation order), paginated (default 100)."""
    doc = fetch_doc(ctx, ctx.integer("doc_id"))
    rows, meta = ctx.paginate(
        "SELECT c.*, u.username FROM comments c JOIN users u ON u.user_id = c.user_id "
        "WHERE c.doc_id = ? ORDER BY c.posted_at ASC, c.comment_id ASC",
        (doc["doc_id"],),
    )
    owner = "owner" in ctx.extra()
    body: dict[str, Any] = {"doc_id": s(doc["doc_id"]), **page_attrs(meta, count=True)}
    if rows:
        body["comment"] = [_record(ctx, r, doc, owner=owner) for r in rows]
    return {"comments": body}


def _content(ctx: Ctx) -> str:
    content = ctx.text("content")
    if not content.strip():
        raise Fault(2, "Comment text is empty")
    return content


def _write_answer(ctx: Ctx, doc: Any, comment_id: int, posted_at: int, parent_id: int | None, content: str) -> dict:
    out: dict[str, Any] = {
        "comment_id": s(comment_id),
        "user_id": s(ctx.user_id),
        "posted_at": s(posted_at),
        "link": _link(ctx, doc, comment_id),
    }
    if parent_id:
        out["parent_id"] = s(parent_id)
    out["content"] = Text(content)
    return {"comment": out}


def _post(ctx: Ctx, doc: Any, content: str, parent_id: int | None) -> dict:
    check_may_comment(ctx, doc)
    if ctx.flag("preview"):
        return _write_answer(ctx, doc, 0, ctx.now, parent_id, content)
    same = ctx.db.execute(
        "SELECT comment_id, posted_at FROM comments WHERE doc_id = ? AND user_id = ? AND content = ? "
        "AND COALESCE(parent_id, 0) = ? ORDER BY comment_id LIMIT 1",
        (doc["doc_id"], ctx.user_id, content, parent_id or 0),
    ).fetchone()
    if same is not None:  # duplicate: accepted, not stored twice (§6.5)
        return _write_answer(ctx, doc, same[0], same[1], parent_id, content)
    cur = ctx.db.execute(
        "INSERT INTO comments (doc_id, user_id, parent_id, content, posted_at) VALUES (?, ?, ?, ?, ?)",
        (doc["doc_id"], ctx.user_id, parent_id, content, ctx.now),
    )
    bump_doc(ctx, doc["doc_id"], comment=True)
    return _write_answer(ctx, doc, int(cur.lastrowid or 0), ctx.now, parent_id, content)


@handler("doc.comments.add")
def comments_add(ctx: Ctx) -> dict:
    """Comment a visible doc (codes 1, 2, 3); answers the stored ``comment``."""
    doc = fetch_doc(ctx, ctx.integer("doc_id"))
    return _post(ctx, doc, _content(ctx), None)


@handler("doc.comments.reply")
def comments_reply(ctx: Ctx) -> dict:
    """Answer a comment: a new comment on the same doc with ``parent_id`` set."""
    parent, doc = _fetch_comment(ctx, ctx.integer("comment_id"))
    return _post(ctx, doc, _content(ctx), int(parent["comment_id"]))


@handler("doc.comments.edit")
def comments_edit(ctx: Ctx) -> dict:
    """Change the text of one's own comment; ``modified_at`` only after the 5-minute grace."""
    c, doc = _fetch_comment(ctx, ctx.integer("comment_id"))
    if c["user_id"] != ctx.user_id:
        raise Fault(1, "Comment not found")
    content = _content(ctx)
    modified = edit_time(ctx, c)
    if not ctx.flag("preview"):
        ctx.db.execute(
            "UPDATE comments SET content = ?, modified_at = ? WHERE comment_id = ?",
            (content, modified, c["comment_id"]),
        )
        bump_doc(ctx, doc["doc_id"], comment=True)
    answer = _write_answer(ctx, doc, c["comment_id"], c["posted_at"], c["parent_id"], content)
    answer["comment"] = {"modified_at": s(modified), **answer["comment"]}
    return answer


@handler("doc.comments.delete")
def comments_delete(ctx: Ctx) -> dict:
    """Delete a comment (its author or the doc owner), with the replies to it."""
    c, doc = _fetch_comment(ctx, ctx.integer("comment_id"))
    if ctx.user_id not in (c["user_id"], doc["owner_id"]):
        raise Fault(1, "Comment not found")
    ids = [int(c["comment_id"])]
    frontier = list(ids)
    while frontier:  # replies of replies go too
        frontier = [
            r[0]
            for r in ctx.db.execute(
                f"SELECT comment_id FROM comments WHERE parent_id IN ({in_marks(frontier)})", frontier
            )
        ]
        ids += frontier
    ctx.db.execute(f"DELETE FROM comments WHERE comment_id IN ({in_marks(ids)})", ids)
    last = ctx.db.execute("SELECT COALESCE(MAX(posted_at), 0) FROM comments WHERE doc_id = ?", (doc["doc_id"],))
    ctx.db.execute(
        "UPDATE docs SET last_comment_at = ?, last_update_at = ? WHERE doc_id = ?",
        (last.fetchone()[0], ctx.now, doc["doc_id"]),
    )
    return {}
