"""Who sees what in the sandbox: the share and permission rules, as Python and as SQL.

Visibility (schema.sql header, docs/protocol.md §6.4): ``share`` 4 is public; 1 family,
2 friends, 3 friends+family are granted by the OWNER's ``network`` row naming the caller
(``network.user_id = owner``, ``contact_id = caller``, not blocked); 0 is private. The owner
always sees their docs; anonymous callers see public docs only. Docs of closed accounts
are visible to nobody. Posts carry the same ``owner_id``/``share`` columns and follow the
same rule. Comment/tag permissions (levels 0..5) are :func:`perm_allows`.

Re-exported by :mod:`ipernity_nb.sandbox.views`, where the handlers import them from.

Example:
    >>> share_visibility(4)["ispublic"]
    '1'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .registry import Ctx, b, s

__all__ = [
    "can_see_doc",
    "perm_allows",
    "relation",
    "safety_clause",
    "share_allows",
    "share_visibility",
    "visible_docs_clause",
]


def visible_docs_clause(ctx: Ctx, alias: str = "d") -> tuple[str, list]:
    """SQL boolean expression (and its args) true for the docs of ``alias`` the caller may see.

    Example:
        >>> # sql, args = visible_docs_clause(ctx, "d")
        >>> # ctx.db.execute(f"SELECT d.doc_id FROM docs d WHERE {sql}", args)
    """
    a = alias
    uid = ctx.user_id
    # Docs of closed accounts are gone for everyone (docs/protocol.md §5.2 "closed/suspended").
    open_owner = f"{a}.owner_id NOT IN (SELECT user_id FROM users WHERE is_closed = 1)"
    if uid is None:
        return f"({a}.share = 4 AND {open_owner})", []
    sql = (
        f"({open_owner} AND ({a}.share = 4 OR {a}.owner_id = ? OR ({a}.share BETWEEN 1 AND 3 AND EXISTS ("
        f"SELECT 1 FROM network vn WHERE vn.user_id = {a}.owner_id AND vn.contact_id = ? "
        f"AND vn.is_blocked = 0 AND ((vn.is_family = 1 AND {a}.share IN (1, 3)) "
        f"OR (vn.is_friend = 1 AND {a}.share IN (2, 3)))))))"
    )
    return sql, [uid, uid]


def safety_clause(ctx: Ctx, alias: str = "d", param: str = "safesurf") -> tuple[str, list]:
    """SQL filter for the ``safesurf`` parameter: docs whose safety level is at most its value.

    Safety levels are 1 all audiences, 2 not for all, 3 adults only (docs/protocol.md §6.4).
    Absent or out-of-range values filter nothing (``"1"``, no args).
    """
    level = ctx.integer(param)
    if level is None or not 1 <= level <= 2:
        return "1", []
    return f"{alias}.safety <= ?", [level]


def relation(ctx: Ctx, owner_id: int) -> dict[str, bool]:
    """The owner's relation to the caller: ``{"self", "contact", "family", "friend"}``."""
    uid = ctx.user_id
    out = {"self": uid is not None and uid == owner_id, "contact": False, "family": False, "friend": False}
    if uid is None or out["self"]:
        return out
    row = ctx.db.execute(
        "SELECT is_family, is_friend FROM network WHERE user_id = ? AND contact_id = ? AND is_blocked = 0",
        (owner_id, uid),
    ).fetchone()
    if row is not None:
        out.update(contact=True, family=bool(row[0]), friend=bool(row[1]))
    return out


def share_allows(ctx: Ctx, owner_id: int, share: int) -> bool:
    """Whether the caller may see an item of ``owner_id`` shared at ``share`` (docs and posts)."""
    if share == 4:
        return True
    rel = relation(ctx, owner_id)
    if rel["self"]:
        return True
    return (share in (1, 3) and rel["family"]) or (share in (2, 3) and rel["friend"])


def share_visibility(share: int) -> dict[str, str]:
    """The ``visibility`` block of a doc/post for a ``share`` level (0..4).

    Example:
        >>> share_visibility(3)
        {'ispublic': '0', 'isfriend': '1', 'isfamily': '1', 'share': '3'}
    """
    return {
        "ispublic": b(share == 4),
        "isfriend": b(share in (2, 3)),
        "isfamily": b(share in (1, 3)),
        "share": s(share),
    }


def perm_allows(level: int, rel: Mapping[str, bool], logged_in: bool) -> bool:
    """Whether a comment/tag permission ``level`` (0..5, schema.sql header) admits the caller."""
    if rel["self"]:
        return True
    if not logged_in:
        return False
    return (
        level == 5
        or (level == 4 and rel["contact"])
        or (level in (1, 3) and rel["family"])
        or (level in (2, 3) and rel["friend"])
    )


def can_see_doc(ctx: Ctx, doc_row: Mapping[str, Any]) -> bool:
    """Whether the caller may see this ``docs`` row (same rule as :func:`visible_docs_clause`)."""
    closed = ctx.db.execute("SELECT is_closed FROM users WHERE user_id = ?", (doc_row["owner_id"],)).fetchone()
    if closed is None or closed[0]:
        return False
    return share_allows(ctx, int(doc_row["owner_id"]), int(doc_row["share"]))
