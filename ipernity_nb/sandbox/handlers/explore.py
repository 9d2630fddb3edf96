"""explore.*: docs.getPopular, docs.getRecent, docs.homepage, groups.getRandom.

Explore lists show public docs only (``share`` 4) of open accounts, whoever asks:

* ``docs.getPopular``: most visited first (ties: newest id), paginated (default 20, max 50);
  ``media`` photo|video.
* ``docs.getRecent``: newest first, ``count`` (default 50, max 100); wrapper carries only
  ``count`` (docs/protocol.md §2.4).
* ``docs.homepage``: the "featured" selection: public photos for all audiences (safety 1)
  with at least one fave, most faved first; paginated by ``page``/``per_page`` (default 5).
  The 2014 sample's wrapper carries only ``count``; like every paged list here it also
  carries ``total``, ``page``, ``per_page`` and ``pages`` (docs/sandbox-divergences.md).
* ``groups.getRandom``: up to ``count`` (default 10, max 50) public groups, drawn with a
  generator seeded by the request second (repeatable within one second, varied across).

Not emulated: the editors' choice behind the live homepage; group topics (``topics`` = 0).

Example:
    >>> from ipernity_nb.sandbox.registry import HANDLERS
    >>> "explore.groups.getRandom" in HANDLERS
    True
"""

from __future__ import annotations

import random
from typing import Any

from ..registry import Ctx, b, handler, s
from .doc_common import docs_payload, filter_clauses, page_attrs

_EXTRA = frozenset({"owner", "dates", "license", "medias", "geo"})
_PUBLIC = "d.share = 4 AND d.owner_id IN (SELECT user_id FROM users WHERE is_closed = 0)"


def _public_where(ctx: Ctx) -> tuple[str, list]:
    fw, fa = filter_clauses(ctx, "d")
    return " AND ".join([_PUBLIC, *fw]), fa


@handler("explore.docs.getPopular")
def explore_popular(ctx: Ctx) -> dict:
    """Public docs by visits, paginated."""
    where, args = _public_where(ctx)
    rows, meta = ctx.paginate(f"SELECT d.* FROM docs d WHERE {where} ORDER BY d.visits DESC, d.doc_id DESC", args)
    return docs_payload(ctx, rows, page_attrs(meta), allowed_extra=_EXTRA)


@handler("explore.docs.getRecent")
def explore_recent(ctx: Ctx) -> dict:
    """The ``count`` newest public docs."""
    where, args = _public_where(ctx)
    rows = ctx.db.execute(
        f"SELECT d.* FROM docs d WHERE {where} ORDER BY d.posted_at DESC, d.doc_id DESC LIMIT ?",
        (*args, ctx.count_param("count")),
    ).fetchall()
    return docs_payload(ctx, rows, {"count": s(len(rows))}, allowed_extra=_EXTRA)


@handler("explore.docs.homepage")
def explore_homepage(ctx: Ctx) -> dict:
    """Featured public photos (most faved, all audiences)."""
    rows, meta = ctx.paginate(
        f"SELECT d.*, (SELECT COUNT(*) FROM faves_docs f WHERE f.doc_id = d.doc_id) AS nf FROM docs d "
        f"WHERE {_PUBLIC} AND d.media = 'photo' AND d.safety = 1 "
        "AND EXISTS (SELECT 1 FROM faves_docs f WHERE f.doc_id = d.doc_id) ORDER BY nf DESC, d.doc_id DESC"
    )
    return docs_payload(ctx, rows, page_attrs(meta, count=True), allowed_extra=_EXTRA)


@handler("explore.groups.getRandom")
def explore_groups_random(ctx: Ctx) -> dict:
    """A random draw of public groups with their counts and dates."""
    ids = [r[0] for r in ctx.db.execute("SELECT group_id FROM grp WHERE is_public = 1 ORDER BY group_id")]
    n = min(len(ids), ctx.count_param("count"))
    chosen = random.Random(ctx.now).sample(ids, n)
    items: list[dict[str, Any]] = []
    for gid in chosen:
        g = ctx.db.execute(
            "SELECT g.*, (SELECT COUNT(*) FROM grp_docs x WHERE x.group_id = g.group_id AND x.pending = 0) AS docs, "
            "(SELECT COUNT(*) FROM grp_members m WHERE m.group_id = g.group_id) AS members, "
            "(SELECT COALESCE(MAX(added_at), 0) FROM grp_docs x WHERE x.group_id = g.group_id AND x.pending = 0) "
            "AS last_doc_at FROM grp g WHERE g.group_id = ?",
            (gid,),
        ).fetchone()
        items.append(
            {
                "group_id": s(g["group_id"]),
                "title": s(g["title"]),
                "link": f"{ctx.base_url}/group/{g['group_id']}",
                "icon": f"{ctx.base_url}/icons/group/{g['group_id']}.png",
                "count": {"docs": s(g["docs"]), "members": s(g["members"]), "topics": "0"},
                "dates": {"created_at": s(g["created_at"]), "last_doc_at": s(g["last_doc_at"]), "last_topic_at": "0"},
                "visibility": {"ispublic": b(g["is_public"]), "docs": "1", "topics": "1"},
            }
        )
    body: dict[str, Any] = {"count": s(len(items))}
    if items:
        body["group"] = items
    return {"groups": body}
