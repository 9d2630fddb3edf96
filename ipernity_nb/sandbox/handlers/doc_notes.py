"""doc.notes.*: add, edit, delete (rectangles with text, or member notes, on a doc).

Rules (docs/protocol.md §6.5): coordinates are pixels on the 560-px rendition; a rectangle
that cannot fit (negative origin, empty or larger than the image) is reset to
``x=0, y=0, w=50, h=50``; a member note (``member_id`` of an open account) needs no
content, any other note does (code 2 "Content is empty"); ``preview=1`` validates and
answers ``note_id="0"`` without saving.

Who may write: ``add`` the owner or anyone the doc's ``perm_tag`` admits (notes are
annotations, like tags; code 110 otherwise); ``edit``/``delete`` the note's author or the
doc owner. An unknown or foreign note answers code 1 "Note not found".

Not emulated: notes on the 500-px rendition used by older pages.

Example:
    >>> normalise_rect(10, 10, 100, 50, 560, 420), normalise_rect(500, 0, 100, 50, 560, 420)
    ((10, 10, 100, 50), (0, 0, 50, 50))
"""

from __future__ import annotations

from typing import Any

from ..media import thumb_dims
from ..registry import Ctx, Fault, handler, s
from ..views import fetch_doc, perm_allows, relation
from .doc_common import bump_doc

_DEFAULT = (0, 0, 50, 50)


def normalise_rect(x: int, y: int, w: int, h: int, img_w: int, img_h: int) -> tuple[int, int, int, int]:
    """The rectangle if it fits inside ``img_w``×``img_h``, else the default 0,0,50,50."""
    if x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > img_w or y + h > img_h:
        return _DEFAULT
    return x, y, w, h


def _rect(ctx: Ctx, doc: Any) -> tuple[int, int, int, int]:
    dw, dh = int(doc["w"] or 0), int(doc["h"] or 0)
    img_w, img_h = thumb_dims(dw, dh, "560") if dw and dh else (560, 560)
    x, y, w, h = (ctx.integer(k) for k in ("x", "y", "w", "h"))
    if x is None or y is None or w is None or h is None:
        return _DEFAULT
    return normalise_rect(x, y, w, h, img_w, img_h)


def _member(ctx: Ctx) -> int | None:
    mid = ctx.integer("member_id")
    if not mid:
        return None
    row = ctx.db.execute("SELECT user_id FROM users WHERE user_id = ? AND is_closed = 0", (mid,)).fetchone()
    return int(row[0]) if row else None


def _answer(note_id: int, user_id: int | None, rect: tuple[int, int, int, int], posted: int, content: str) -> dict:
    x, y, w, h = rect
    note: dict[str, Any] = {
        "note_id": s(note_id),
        "user_id": s(user_id),
        "x": s(x),
        "y": s(y),
        "w": s(w),
        "h": s(h),
        "posted_at": s(posted),
        "content": content,
    }
    return {"note": note}


@handler("doc.notes.add")
def notes_add(ctx: Ctx) -> dict:
    """Add a note (or a member note) to a doc; answers the stored ``note``."""
    doc = fetch_doc(ctx, ctx.integer("doc_id"))
    if not perm_allows(int(doc["perm_tag"]), relation(ctx, int(doc["owner_id"])), True):
        raise Fault(110, "Insufficient permissions")
    member = _member(ctx)
    content = ctx.text("content").strip()
    if not content and member is None:
        raise Fault(2, "Content is empty")
    rect = _rect(ctx, doc)
    if ctx.flag("preview"):
        return _answer(0, ctx.user_id, rect, ctx.now, content)
    cur = ctx.db.execute(
        "INSERT INTO notes (doc_id, user_id, member_id, content, x, y, w, h, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
        (doc["doc_id"], ctx.user_id, member, content, *rect, ctx.now),
    )
    bump_doc(ctx, doc["doc_id"])
    return _answer(int(cur.lastrowid or 0), ctx.user_id, rect, ctx.now, content)


def _fetch_note(ctx: Ctx) -> tuple[Any, Any]:
    nid = ctx.integer("note_id")
    note = ctx.db.execute("SELECT * FROM notes WHERE note_id = ?", (nid,)).fetchone() if nid else None
    if note is None:
        raise Fault(1, "Note not found")
    doc = ctx.db.execute("SELECT * FROM docs WHERE doc_id = ?", (note["doc_id"],)).fetchone()
    if doc is None or ctx.user_id not in (note["user_id"], doc["owner_id"]):
        raise Fault(1, "Note not found")
    return note, doc


@handler("doc.notes.edit")
def notes_edit(ctx: Ctx) -> dict:
    """Change a note's text and rectangle (its author or the doc owner)."""
    note, doc = _fetch_note(ctx)
    content = ctx.text("content").strip()
    if not content and note["member_id"] is None:
        raise Fault(2, "Content is empty")
    rect = _rect(ctx, doc)
    if not ctx.flag("preview"):
        ctx.db.execute(
            "UPDATE notes SET content = ?, x = ?, y = ?, w = ?, h = ? WHERE note_id = ?",
            (content, *rect, note["note_id"]),
        )
        bump_doc(ctx, doc["doc_id"])
    return _answer(int(note["note_id"]), int(note["user_id"]), rect, int(note["created_at"]), content)


@handler("doc.notes.delete")
def notes_delete(ctx: Ctx) -> dict:
    """Delete a note (its author or the doc owner)."""
    note, doc = _fetch_note(ctx)
    ctx.db.execute("DELETE FROM notes WHERE note_id = ?", (note["note_id"],))
    bump_doc(ctx, doc["doc_id"])
    return {}
