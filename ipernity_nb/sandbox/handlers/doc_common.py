"""Shared pieces of the doc-family handlers (doc.*, tags.*, explore.*, faves.docs.*, network.docs.*).

No handler lives here. Record builders and visibility come from
:mod:`ipernity_nb.sandbox.views`; this module adds the list wrappers (docs/protocol.md §2.4),
the common filters (``media``, ``safesurf``, ``share``) and the caller-default lookup of
``user_id`` (docs/protocol.md §8 item 8).

Example:
    >>> page_attrs({"total": "3", "page": "1", "per_page": "20", "pages": "1", "count": "3"})
    {'total': '3', 'page': '1', 'per_page': '20', 'pages': '1'}
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..registry import Ctx, Fault
from ..views import doc_records, safety_clause
from ..views_blocks import in_marks
from .containers import MEDIA, thumbsize

__all__ = [
    "MEDIA",
    "bump_doc",
    "docs_payload",
    "filter_clauses",
    "page_attrs",
    "target_user",
    "thumbsize",
]

_PAGE_KEYS = ("total", "page", "per_page", "pages")


def page_attrs(meta: Mapping[str, str], *, count: bool = False) -> dict[str, str]:
    """The wrapper attributes of a paginated list; ``count`` only where documented (§2.4)."""
    keys = (*_PAGE_KEYS, "count") if count else _PAGE_KEYS
    return {k: meta[k] for k in keys}


def docs_payload(
    ctx: Ctx,
    rows: Sequence[sqlite3.Row],
    attrs: Mapping[str, str],
    *,
    allowed_extra: Iterable[str] | None = None,
    records: list[dict] | None = None,
) -> dict[str, Any]:
    """``{"docs": {attrs..., "doc": [records]}}``; ``doc`` omitted when empty (registry rules)."""
    extra = ctx.extra()
    if allowed_extra is not None:
        extra &= set(allowed_extra)
    if records is None:
        records = doc_records(ctx, rows, extra=extra, thumbsize=thumbsize(ctx))
    body: dict[str, Any] = dict(attrs)
    if records:
        body["doc"] = records
    return {"docs": body}


def filter_clauses(ctx: Ctx, alias: str = "d", *, share_owner: int | None = None) -> tuple[list[str], list]:
    """SQL conditions for ``media`` (comma list accepted, as clients send), ``safesurf``
    and ``share`` (applied only when ``share_owner`` is the caller: a privacy filter on
    one's own docs, docs/protocol.md §6.4). Unknown media names match nothing.
    """
    where: list[str] = []
    args: list = []
    media = ctx.items("media")
    if media:
        where.append(f"{alias}.media IN ({in_marks(media)})")
        args += media
    sql, sargs = safety_clause(ctx, alias)
    if sargs:
        where.append(sql)
        args += sargs
    share = ctx.integer("share")
    if share is not None and share_owner is not None and share_owner == ctx.user_id:
        where.append(f"{alias}.share = ?")
        args.append(share)
    return where, args


def target_user(ctx: Ctx, param: str = "user_id", *, code: int = 1) -> sqlite3.Row:
    """The member named by ``param``, defaulting to the token's user (live quirk, §8 item 8).

    Raises ``Fault(code, "User not found")`` when neither is given, the id is unknown or the
    account is closed.
    """
    uid = ctx.integer(param) if ctx.has(param) else ctx.user_id
    row = None
    if uid is not None:
        row = ctx.db.execute("SELECT * FROM users WHERE user_id = ?", (uid,)).fetchone()
    if row is None or row["is_closed"]:
        raise Fault(code, "User not found")
    return row


def bump_doc(ctx: Ctx, doc_id: int, *, comment: bool = False) -> None:
    """Mark a doc changed: ``modified_at``/``last_update_at`` (or ``last_comment_at``) = now."""
    if comment:
        ctx.db.execute(
            "UPDATE docs SET last_comment_at = ?, last_update_at = ? WHERE doc_id = ?", (ctx.now, ctx.now, doc_id)
        )
    else:
        ctx.db.execute(
            "UPDATE docs SET modified_at = ?, last_update_at = ? WHERE doc_id = ?", (ctx.now, ctx.now, doc_id)
        )
