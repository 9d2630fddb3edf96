"""Batched lookups behind the doc records of :mod:`ipernity_nb.sandbox.views`.

Counts for a whole page of docs come from one query (an indexed subquery per counted
table), never one query per doc; owners come from one ``IN`` query. The
``tags`` and ``notes`` blocks of ``doc.get`` live here too.

Example:
    >>> import sqlite3
    >>> counts(sqlite3.connect(":memory:"), [])
    {}
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from .registry import Ctx, s

__all__ = ["counts", "doc_tag_rows", "in_marks", "notes_block", "tags_block", "users_by_id"]


def in_marks(ids: Sequence[object]) -> str:
    """``?,?,?`` for an SQL ``IN`` list of ``len(ids)`` values."""
    return ",".join("?" * len(ids))


#: Every count of a page of docs in ONE statement: the ids travel as one JSON
#: parameter (binding 100 ids per table was most of the cost) and each count is an indexed
#: correlated subquery. Pending (moderated) group pool entries do not count until accepted.
_COUNTS_SQL = """
SELECT json_group_array(json_array(i.value,
  (SELECT COUNT(*) FROM faves_docs x WHERE x.doc_id = i.value),
  (SELECT COUNT(*) FROM comments x WHERE x.doc_id = i.value),
  (SELECT COUNT(*) FROM notes x WHERE x.doc_id = i.value),
  (SELECT COUNT(*) FROM doc_tags x WHERE x.doc_id = i.value)
    + (SELECT COUNT(*) FROM doc_members x WHERE x.doc_id = i.value),
  (SELECT COUNT(*) FROM album_docs x WHERE x.doc_id = i.value),
  (SELECT COUNT(*) FROM grp_docs x WHERE x.doc_id = i.value AND x.pending = 0),
  (SELECT COALESCE(MAX(x.visited_at), 0) FROM visits x WHERE x.kind = 'doc' AND x.item_id = i.value)))
FROM json_each(?) i
"""
_COUNT_KEYS = ("faves", "comments", "notes", "tags", "albums", "groups", "last_visit")


def counts(db: sqlite3.Connection, ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Counts for many docs at once, in one query (every count indexed on the doc id)."""
    if not ids:
        return {}
    # One row holding every count as JSON (integers only: exact), not one row per doc: each
    # row fetched lets go of the GIL, and under concurrent requests every re-take queues
    # behind the other threads (a page's CPU went from 3 ms alone to 6 ms with 4 clients).
    (packed,) = db.execute(_COUNTS_SQL, (json.dumps([int(i) for i in ids]),)).fetchone()
    got = {r[0]: dict(zip(_COUNT_KEYS, r[1:], strict=True)) for r in json.loads(packed)}
    return {i: got[i] for i in ids}


#: The member columns doc records show (views._owner_block); all TEXT/INTEGER, so exact in JSON.
_OWNER_COLUMNS = ("user_id", "username", "realname", "alias", "is_pro")


def users_by_id(db: sqlite3.Connection, user_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """``{user_id: {user_id, username, realname, alias, is_pro}}`` for the owners of a page.

    One JSON row rather than a row per member, as :func:`counts` (fewer GIL hand-offs).
    """
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    cols = ", ".join(_OWNER_COLUMNS)
    (packed,) = db.execute(
        f"SELECT json_group_array(json_array({cols})) FROM users WHERE user_id IN ({in_marks(ids)})", ids
    ).fetchone()
    return {r[0]: dict(zip(_OWNER_COLUMNS, r, strict=True)) for r in json.loads(packed)}


def doc_tag_rows(db: sqlite3.Connection, doc_id: int) -> tuple[list[Any], list[Any]]:
    """A doc's tags in display order, for doc.get's ``tags`` block and the doc.tags.* answers:
    keyword rows ``(tag_id, tag, raw, user_id, added_at)`` then member rows
    ``(member_id, username, user_id, added_at)``, each by date added."""
    kw = db.execute(
        "SELECT t.tag_id, t.tag, dt.raw, dt.user_id, dt.added_at FROM doc_tags dt JOIN tags t USING (tag_id) "
        "WHERE dt.doc_id = ? ORDER BY dt.added_at, t.tag",
        (doc_id,),
    ).fetchall()
    mb = db.execute(
        "SELECT dm.member_id, u.username, dm.user_id, dm.added_at FROM doc_members dm "
        "JOIN users u ON u.user_id = dm.member_id WHERE dm.doc_id = ? ORDER BY dm.added_at, dm.member_id",
        (doc_id,),
    ).fetchall()
    return kw, mb


def tags_block(ctx: Ctx, doc_id: int) -> dict:
    """``{"total", "tag": [...]}``: keyword tags then member tags (docs/protocol.md §6.4 ``type``).

    Member tags carry ``tag_id`` = the member's user id, which ``doc.tags.remove`` accepts.
    """
    kw, mb = doc_tag_rows(ctx.db, doc_id)
    tags = [
        {"tag_id": s(t[0]), "type": "keyword", "keyword": s(t[1]), "title": s(t[2]), "user_id": s(t[3])} for t in kw
    ]
    tags += [
        {"tag_id": s(m[0]), "type": "member", "member_id": s(m[0]), "title": s(m[1]), "user_id": s(m[2])} for m in mb
    ]
    out: dict[str, Any] = {"total": s(len(tags))}
    if tags:
        out["tag"] = tags
    return out


def notes_block(ctx: Ctx, doc_id: int) -> dict:
    """``{"total", "note": [...]}``; each note's text is its element content (docs/protocol.md §2.3)."""
    rows = ctx.db.execute(
        "SELECT n.*, u.username, m.username AS membername FROM notes n "
        "LEFT JOIN users u ON u.user_id = n.user_id LEFT JOIN users m ON m.user_id = n.member_id "
        "WHERE n.doc_id = ? ORDER BY n.note_id",
        (doc_id,),
    ).fetchall()
    notes = []
    for n in rows:
        note = {
            "note_id": s(n["note_id"]),
            "user_id": s(n["user_id"]),
            "username": s(n["username"]),
            "x": s(n["x"]),
            "y": s(n["y"]),
            "w": s(n["w"]),
            "h": s(n["h"]),
            "created_at": s(n["created_at"]),
        }
        if n["member_id"] is not None:
            note.update(member_id=s(n["member_id"]), membername=s(n["membername"]))
        note["content"] = s(n["content"])
        notes.append(note)
    out: dict[str, Any] = {"total": s(len(notes))}
    if notes:
        out["note"] = notes
    return out
