"""doc.search: full-text, tag, licence, media, date, geo, album and group filters (docs/protocol.md §2.4).

Semantics chosen where the live documentation is silent:

* ``text``: every word must appear (case-insensitive substring) in the title, the
  description or one of the tags; a word starting with ``-`` excludes docs containing it;
  ``"quoted phrases"`` match as one string.
* ``tags``: comma list (max 20, normalised to lower case); a doc must carry **all** of them.
* ``user_id``: that member's docs; without it, every doc the caller may see.
* ``share`` filters only when ``user_id`` is the caller (§6.4); ``license`` is a list.
* ``lat``/``lng``/``dist`` (metres, default 5000, max 30000): a bounding box narrows with the
  index, then the exact haversine distance decides.
* ``sort``: ``relevance`` (title matches first, then newest; newest when no text),
  ``popular`` (visits), ``posted-*``, ``created-*``. Every order ends on ``doc_id`` so pages
  never overlap or skip. Results are capped at 3000 (``total`` never exceeds it).

Speed: one scan yields the ordered ids of at most 3000 hits (the capped total
and the page slice), then only the page's rows are read; tags are looked up by id; the
``docs_visits``, ``docs_geo`` and covering ``docs_text`` indexes (schema.sql) serve the
popular sort, the geo box and the text scan.

Not emulated: the live full-text engine's ranking and stemming; ``text`` with ``tags``,
and ``album_id`` with ``group_id``, are all applied together instead of being refused.

Example:
    >>> text_terms('cat "red car" -dog')
    (['cat', 'red car'], ['dog'])
"""

from __future__ import annotations

import math
import re
import shlex
import sqlite3
from collections import OrderedDict

from ..registry import Ctx, handler
from ..views import visible_docs_clause
from ..views_blocks import in_marks
from .doc_common import docs_payload, filter_clauses

_EARTH_M = 6_371_000.0
CAP = 3000  # full-text results are capped (docs/protocol.md §2.4)
_COMMON_TAG = 2000
_SORTS = {
    "posted-desc": "d.posted_at DESC, d.doc_id DESC",
    "posted-asc": "d.posted_at ASC, d.doc_id ASC",
    "created-desc": "d.created DESC, d.doc_id DESC",
    "created-asc": "d.created ASC, d.doc_id ASC",
    "popular": "d.visits DESC, d.doc_id DESC",
}
#: The docs columns list records read (views.doc_records): not the long description and exif
#: texts, whose fetching was a tenth of a 100-doc page's CPU.
_RECORD_COLUMNS = (
    "doc_id, owner_id, title, media, license, safety, md5, secret, farm, w, h, ext, bytes, filename, length, "
    "posted_at, created, modified_at, replaced_at, last_comment_at, last_update_at, visits, lat, lng, geo_accuracy"
)
_FLOAT = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)")


def text_terms(text: str) -> tuple[list[str], list[str]]:
    """Split a query into required and excluded terms (lower case, quotes kept together)."""
    try:
        words = shlex.split(text)
    except ValueError:  # unbalanced quote: fall back to plain words
        words = text.split()
    inc = [w.lower() for w in words if w and not w.startswith("-")]
    exc = [w[1:].lower() for w in words if w.startswith("-") and len(w) > 1]
    return [w for w in inc if w.strip("+")], exc


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _term_clause(term: str) -> tuple[str, list]:
    pat = _like(term.lstrip("+"))
    # The tag branch is an uncorrelated IN list: SQLite builds it once per query, not per doc.
    sql = (
        "(d.title LIKE ? ESCAPE '\\' OR d.description LIKE ? ESCAPE '\\' OR d.doc_id IN (SELECT st.doc_id "
        "FROM doc_tags st WHERE st.tag_id IN (SELECT tt.tag_id FROM tags tt WHERE tt.tag LIKE ? ESCAPE '\\')))"
    )
    return sql, [pat, pat, pat]


def _tag_use(ctx: Ctx, tag: str) -> tuple[int, int]:
    """``(tag_id, number of docs carrying it)``; ``(-1, 0)`` for an unknown tag."""
    row = ctx.db.execute("SELECT tag_id FROM tags WHERE tag = ?", (tag,)).fetchone()
    if row is None:
        return -1, 0
    return row[0], ctx.db.execute("SELECT COUNT(*) FROM doc_tags WHERE tag_id = ?", (row[0],)).fetchone()[0]


def _float(ctx: Ctx, name: str) -> float | None:
    m = _FLOAT.match(ctx.str(name))
    return float(m.group()) if m else None


def haversine(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(a)))


def _geo_clause(ctx: Ctx) -> tuple[list[str], list]:
    lat, lng = _float(ctx, "lat"), _float(ctx, "lng")
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return [], []
    dist = max(1, min(ctx.int("dist", 5000) or 5000, 30000))
    dlat = math.degrees(dist / _EARTH_M)
    dlng = dlat / max(0.01, math.cos(math.radians(lat)))
    ctx.db.create_function("sb_dist", 4, haversine, deterministic=True)
    return (
        ["d.lat BETWEEN ? AND ?", "d.lng BETWEEN ? AND ?", "sb_dist(?, ?, d.lat, d.lng) <= ?"],
        [lat - dlat, lat + dlat, lng - dlng, lng + dlng, lat, lng, dist],
    )


#: Per-connection memo of recent scans (a harvest asks the same query for pages 1..N), keyed by
#: ``id(conn)``; the connection itself is kept in the entry so its id cannot be reused meanwhile.
_SCANS: OrderedDict[int, tuple[sqlite3.Connection, OrderedDict]] = OrderedDict()
_SCANS_CONNS = 64
_SCANS_PER_CONN = 16


def _scan(db: sqlite3.Connection, sql: str, args: list) -> tuple[int, ...]:
    """The ordered hit ids of ``sql``, reused while the database is unchanged for ``db``.

    ``PRAGMA data_version`` changes when another connection commits and ``total_changes``
    when this one writes, so together they tell that nothing this connection can see moved.
    """
    version = (db.execute("PRAGMA data_version").fetchone()[0], db.total_changes)
    key = (sql, tuple(args))
    entry = _SCANS.get(id(db))
    if entry is None or entry[0] is not db:
        entry = _SCANS[id(db)] = (db, OrderedDict())
        while len(_SCANS) > _SCANS_CONNS:
            _SCANS.popitem(last=False)
    memo = entry[1]
    hit = memo.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    ids = tuple(r[0] for r in db.execute(sql, args).fetchall())
    memo[key] = (version, ids)
    while len(memo) > _SCANS_PER_CONN:
        memo.popitem(last=False)
    return ids


def _page(ctx: Ctx, where: str, args: list, order: str, order_args: list) -> tuple[list, dict[str, str]]:
    """One page and its wrapper from a single scan.

    The ordered ids of at most ``CAP`` hits give both the capped ``total`` and the page
    slice; only the page's rows are then read in full (sorting narrow keys, not whole rows).
    """
    page, per_page = ctx.page()
    ids = _scan(
        ctx.db, f"SELECT d.doc_id FROM docs d WHERE {where} ORDER BY {order} LIMIT ?", [*args, *order_args, CAP]
    )
    total = len(ids)
    wanted = list(ids[(page - 1) * per_page : page * per_page])
    rows = []
    if wanted:
        got = ctx.db.execute(f"SELECT {_RECORD_COLUMNS} FROM docs WHERE doc_id IN ({in_marks(wanted)})", wanted)
        by_id = {r["doc_id"]: r for r in got}
        rows = [by_id[i] for i in wanted]
    pages = (total + per_page - 1) // per_page
    return rows, {"total": str(total), "page": str(page), "per_page": str(per_page), "pages": str(pages)}


@handler("doc.search")
def doc_search(ctx: Ctx) -> dict:
    """Docs the caller may see matching every given filter, paginated, capped at 3000 (§2.4)."""
    vis, args = visible_docs_clause(ctx, "d")
    where = [vis]
    user_id = ctx.int("user_id") if ctx.has("user_id") else None
    if user_id is not None:
        where.append("d.owner_id = ?")
        args.append(user_id)
    fw, fa = filter_clauses(ctx, "d", share_owner=user_id)
    where += fw
    args += fa
    licenses = ctx.ints("license")
    if ctx.has("license"):
        where.append(f"d.license IN ({in_marks(licenses) or 'NULL'})")
        args += licenses
    for name, op in (("posted_min", ">="), ("posted_max", "<=")):
        v = ctx.int(name)
        if v is not None:
            where.append(f"d.posted_at {op} ?")
            args.append(v)
    for name, op in (("created_min", ">="), ("created_max", "<=")):
        if ctx.has(name):
            where.append(f"d.created {op} ?")
            args.append(ctx.str(name).strip())
    tags = [t.lower() for t in ctx.list("tags")][:20]
    for tag in tags:
        tag_id, uses = _tag_use(ctx, tag)
        # A rare tag drives the query (look its docs up by id); a common one is only a filter
        # while the posted_at index gives the order ("+" keeps SQLite from driving with it).
        plus = "+" if uses > _COMMON_TAG else ""
        where.append(f"{plus}d.doc_id IN (SELECT xt.doc_id FROM doc_tags xt WHERE xt.tag_id = ?)")
        args.append(tag_id)
    inc, exc = text_terms(ctx.str("text"))
    for term in inc:
        sql, a = _term_clause(term)
        where.append(sql)
        args += a
    for term in exc:
        sql, a = _term_clause(term)
        where.append(f"NOT {sql}")
        args += a
    if ctx.has("album_id"):
        where.append("d.doc_id IN (SELECT doc_id FROM album_docs WHERE album_id = ?)")
        args.append(ctx.int("album_id", 0))
    if ctx.has("group_id"):
        where.append("d.doc_id IN (SELECT doc_id FROM grp_docs WHERE group_id = ? AND pending = 0)")
        args.append(ctx.int("group_id", 0))
    gw, ga = _geo_clause(ctx)
    where += gw
    args += ga

    sort = ctx.str("sort", "relevance")
    order = _SORTS.get(sort)
    order_args: list = []
    if order is None:  # relevance: title hits on the first term first, then newest
        if inc:
            order = "(d.title LIKE ? ESCAPE '\\') DESC, d.posted_at DESC, d.doc_id DESC"
            order_args = [_like(inc[0].lstrip("+"))]
        else:
            order = _SORTS["posted-desc"]
    rows, meta = _page(ctx, " AND ".join(where), args, order, order_args)
    return docs_payload(
        ctx,
        rows,
        meta,
        allowed_extra={"owner", "dates", "count", "license", "medias", "geo", "original", "md5", "link"},
    )
