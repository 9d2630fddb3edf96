"""Batched lookups behind the doc records of :mod:`ipernity_nb.sandbox.views`.

Counts for a whole page of docs come from one ``GROUP BY`` query per counted table (all
indexed on ``doc_id``), never one query per doc; owners come from one ``IN`` query. The
``tags`` and ``notes`` blocks of ``doc.get`` live here too.

Example:
    >>> import sqlite3
    >>> counts(sqlite3.connect(":memory:"), [])
    {}
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from .registry import Ctx, s

__all__ = ["counts", "in_marks", "notes_block", "tags_block", "users_by_id"]


def in_marks(ids: Sequence[object]) -> str:
    """``?,?,?`` for an SQL ``IN`` list of ``len(ids)`` values."""
    return ",".join("?" * len(ids))


def _count_by(db: sqlite3.Connection, table: str, ids: Sequence[int]) -> dict[int, int]:
    rows = db.execute(f"SELECT doc_id, COUNT(*) FROM {table} WHERE doc_id IN ({in_marks(ids)}) GROUP BY doc_id", ids)
    return dict(rows.fetchall())


def counts(db: sqlite3.Connection, ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Counts for many docs at once: one GROUP BY query per counted table (indexed on doc_id)."""
    if not ids:
        return {}
    per = {
        "faves": _count_by(db, "faves_docs", ids),
        "comments": _count_by(db, "comments", ids),
        "notes": _count_by(db, "notes", ids),
        "albums": _count_by(db, "album_docs", ids),
        "groups": _groups(db, ids),
    }
    kw = _count_by(db, "doc_tags", ids)
    mb = _count_by(db, "doc_members", ids)
    per["tags"] = {i: kw.get(i, 0) + mb.get(i, 0) for i in ids}
    last = dict(
        db.execute(
            f"SELECT item_id, MAX(visited_at) FROM visits WHERE kind = 'doc' AND item_id IN ({in_marks(ids)}) "
            "GROUP BY item_id",
            ids,
        ).fetchall()
    )
    return {i: {**{k: v.get(i, 0) for k, v in per.items()}, "last_visit": last.get(i, 0)} for i in ids}


def _groups(db: sqlite3.Connection, ids: Sequence[int]) -> dict[int, int]:
    # Pending (moderated) pool entries do not count until accepted.
    rows = db.execute(
        f"SELECT doc_id, COUNT(*) FROM grp_docs WHERE pending = 0 AND doc_id IN ({in_marks(ids)}) GROUP BY doc_id", ids
    )
    return dict(rows.fetchall())


def users_by_id(db: sqlite3.Connection, user_ids: Iterable[int]) -> dict[int, sqlite3.Row]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = db.execute(f"SELECT * FROM users WHERE user_id IN ({in_marks(ids)})", ids).fetchall()
    return {r["user_id"]: r for r in rows}


def tags_block(ctx: Ctx, doc_id: int) -> dict:
    """``{"total", "tag": [...]}``: keyword tags then member tags (ipernity-api.md §6.4 ``type``).

    Member tags carry ``tag_id`` = the member's user id, which ``doc.tags.remove`` accepts.
    """
    kw = ctx.db.execute(
        "SELECT t.tag_id, t.tag, dt.raw, dt.user_id FROM doc_tags dt JOIN tags t USING (tag_id) "
        "WHERE dt.doc_id = ? ORDER BY dt.added_at, t.tag",
        (doc_id,),
    ).fetchall()
    mb = ctx.db.execute(
        "SELECT dm.member_id, u.username, dm.user_id FROM doc_members dm JOIN users u ON u.user_id = dm.member_id "
        "WHERE dm.doc_id = ? ORDER BY dm.added_at, dm.member_id",
        (doc_id,),
    ).fetchall()
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
    """``{"total", "note": [...]}``; each note's text is its element content (ipernity-api.md §2.3)."""
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
