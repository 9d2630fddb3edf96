"""The membership lists of containers: albums hold docs, folders hold albums, groups hold docs.

No handler lives here: the writes of ``album_write``, ``folder`` and ``group`` share these
pieces so that their bulk answers (per-item flags, docs/protocol.md §5.2), ``*.edit`` and
``*.orderList`` follow one rule. Table and column names are the module's own constants,
never caller input.

Example:
    >>> tally({"album_id": 7, "total": 3}, "doc", [], skipped=1, added=2)
    {'album_id': '7', 'total': '3', 'added': '2', 'skipped': '1', 'doc': []}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..registry import Ctx, Fault, s
from .containers import in_marks

__all__ = ["append", "edit", "owned", "reorder", "take_out", "tally", "unique_ids"]


def unique_ids(ctx: Ctx, name: str, cap: int | None = 20) -> list[int]:
    """The ids of list parameter ``name``, first occurrence kept, at most ``cap`` (bulk calls take 20)."""
    ids = list(dict.fromkeys(ctx.ints(name)))
    return ids[:cap] if cap else ids


def owned(ctx: Ctx, table: str, id_col: str, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` are rows of ``table`` owned by the caller."""
    if not ids:
        return set()
    rows = ctx.db.execute(
        f"SELECT {id_col} FROM {table} WHERE owner_id = ? AND {id_col} IN ({in_marks(ids)})", (ctx.user_id, *ids)
    )
    return {r[0] for r in rows}


def contents(ctx: Ctx, table: str, key_col: str, key: int, item_col: str) -> set[int]:
    """The items in container ``key`` (``SELECT item_col FROM table WHERE key_col = key``)."""
    return {r[0] for r in ctx.db.execute(f"SELECT {item_col} FROM {table} WHERE {key_col} = ?", (key,))}


def append(ctx: Ctx, table: str, key_col: str, key: int, item_col: str, new: Sequence[int], **extra: object) -> None:
    """Insert ``new`` after the container's last ``position``; ``extra`` columns get the same value."""
    pos = ctx.db.execute(f"SELECT COALESCE(MAX(position), 0) FROM {table} WHERE {key_col} = ?", (key,)).fetchone()[0]
    cols = ", ".join((key_col, item_col, "position", *extra))
    marks = ",".join("?" * (3 + len(extra)))
    ctx.db.executemany(
        f"INSERT INTO {table} ({cols}) VALUES ({marks})",
        [(key, item, pos + n + 1, *extra.values()) for n, item in enumerate(new)],
    )


def take_out(
    ctx: Ctx, table: str, key_col: str, key: int, item_col: str, ids: Sequence[int], fault: Fault
) -> tuple[list[int], int]:
    """Delete those of ``ids`` that are in the container: ``(removed, items left)``; none -> ``fault``."""
    present = contents(ctx, table, key_col, key, item_col)
    gone = [i for i in ids if i in present]
    if not gone:
        raise fault
    ctx.db.executemany(f"DELETE FROM {table} WHERE {key_col} = ? AND {item_col} = ?", [(key, i) for i in gone])
    return gone, len(present) - len(gone)


def tally(head: Mapping[str, object], child: str, items: list, *, skipped: int, **counts: int) -> dict[str, Any]:
    """A bulk answer: ``head`` attributes, the ``counts``, ``skipped``, then the per-item list."""
    out: dict[str, Any] = {k: s(v) for k, v in head.items()}
    out.update((k, s(v)) for k, v in counts.items())
    out["skipped"] = s(skipped)
    out[child] = items
    return out


def reorder(ctx: Ctx, table: str, id_col: str, ids: Sequence[int], fault: Fault) -> None:
    """``*.orderList``: the listed rows of the caller first, in order, the others after by id.

    Ids that are not the caller's are ignored; none left -> ``fault``.
    """
    mine = [
        r[0]
        for r in ctx.db.execute(f"SELECT {id_col} FROM {table} WHERE owner_id = ? ORDER BY {id_col}", (ctx.user_id,))
    ]
    mine_set = set(mine)
    listed = [i for i in dict.fromkeys(ids) if i in mine_set]
    if not listed:
        raise fault
    listed_set = set(listed)
    order = listed + [i for i in mine if i not in listed_set]
    ctx.db.executemany(f"UPDATE {table} SET position = ? WHERE {id_col} = ?", [(n + 1, i) for n, i in enumerate(order)])


def edit(ctx: Ctx, table: str, id_col: str, key: int) -> None:
    """``album.edit``/``folder.edit``: set ``title``, ``description``, ``cover_id`` (the caller's doc).

    Codes: 2 Cover not found, 3 Title is empty, 4 No parameters were sent. Validation comes
    before the one UPDATE, so a failed call changes nothing.
    """
    if not any(n in ctx.params for n in ("title", "description", "cover_id")):
        raise Fault(4, "No parameters were sent")
    sets: dict[str, object] = {}
    if "title" in ctx.params:
        title = ctx.text("title").strip()
        if not title:
            raise Fault(3, "Title is empty")
        sets["title"] = title
    if "description" in ctx.params:
        sets["description"] = ctx.text("description")
    if "cover_id" in ctx.params:
        cover = ctx.integer("cover_id")
        if cover is None or not owned(ctx, "docs", "doc_id", [cover]):
            raise Fault(2, "Cover not found")
        sets["cover_id"] = cover
    sets["last_update_at"] = ctx.now
    cols = ", ".join(f"{k} = ?" for k in sets)
    ctx.db.execute(f"UPDATE {table} SET {cols} WHERE {id_col} = ?", (*sets.values(), key))
