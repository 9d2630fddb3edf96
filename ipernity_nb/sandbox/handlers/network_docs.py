"""network.docs.getRecent: the latest docs of the caller's contacts (token required).

* Contacts are the caller's own ``network`` rows (not blocked). ``relation``: 0 all
  (default), 1 family, 2 friends, 3 family or friends, 4 contacts that are neither.
* Only docs the caller may see (the owner's relation to the caller decides, as everywhere).
* ``hours``: only docs posted in the last N hours (absent or 0: no limit); ``limit``: at
  most N docs per contact (default 5, max 10); ``count``: at most N docs in all (default
  50, max 100). Newest first.
* The wrapper carries ``count`` and ``show`` (docs/protocol.md §2.4); ``show`` is the
  per-contact ``limit`` applied (the live meaning is undocumented).

Not emulated: the live service's notion of "recent" beyond ``hours`` (no activity feed:
only posting time counts).

Example:
    >>> from ipernity_nb.sandbox.registry import HANDLERS
    >>> "network.docs.getRecent" in HANDLERS
    True
"""

from __future__ import annotations

from ..registry import Ctx, handler, s
from ..views import visible_docs_clause
from .doc_common import docs_payload, filter_clauses

_RELATION = {
    1: "n.is_family = 1",
    2: "n.is_friend = 1",
    3: "(n.is_family = 1 OR n.is_friend = 1)",
    4: "(n.is_family = 0 AND n.is_friend = 0)",
}
_EXTRA = frozenset({"dates", "count", "geo", "medias", "original", "owner"})


@handler("network.docs.getRecent")
def network_docs_recent(ctx: Ctx) -> dict:
    """Newest visible docs of the caller's contacts, ``limit`` per contact, ``count`` in all."""
    vis, args = visible_docs_clause(ctx, "d")
    where = ["n.user_id = ?", "n.is_blocked = 0", vis]
    args = [ctx.user_id, *args]
    rel = _RELATION.get(ctx.integer("relation", 0) or 0)
    if rel:
        where.append(rel)
    hours = min(ctx.integer("hours", 0) or 0, 10**9)  # ~114,000 years: all of them; larger overflows SQLite
    if hours > 0:
        where.append("d.posted_at >= ?")
        args.append(ctx.now - hours * 3600)
    fw, fa = filter_clauses(ctx, "d")
    where += fw
    args += fa
    per_contact = ctx.count_param("limit")
    rows = ctx.db.execute(
        "SELECT * FROM (SELECT d.*, ROW_NUMBER() OVER (PARTITION BY d.owner_id ORDER BY d.posted_at DESC, "
        f"d.doc_id DESC) AS rn FROM docs d JOIN network n ON n.contact_id = d.owner_id WHERE {' AND '.join(where)}) "
        "WHERE rn <= ? ORDER BY posted_at DESC, doc_id DESC LIMIT ?",
        (*args, per_contact, ctx.count_param("count")),
    ).fetchall()
    return docs_payload(ctx, rows, {"count": s(len(rows)), "show": s(per_contact)}, allowed_extra=_EXTRA)
