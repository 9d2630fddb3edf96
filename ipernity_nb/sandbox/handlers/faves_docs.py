"""faves.docs.*: getList (read), add and remove (writes).

* ``getList``: the docs a member faved, latest fave first, that the caller may see.
  ``user_id`` defaults to the caller (§8 item 8; code 1 "User not found" without either).
  The member's own docs are left out unless ``owner_id`` equals ``user_id`` (§6.5);
  ``owner_id`` keeps one owner's docs. Each record adds ``faved_at`` and the caller's
  relation to the owner (``iscontact``/``isfamily``/``isfriend``, from the caller's
  network).
* ``add``: a doc the caller may see and does not own (own doc: code 2 "You cannot fave
  your own document"); faving twice is accepted and changes nothing.
* ``remove``: a doc not in the faves answers code 1 "Document not found".

Not emulated: fave limits.

Example:
    >>> from ipernity_nb.sandbox.registry import HANDLERS
    >>> "faves.docs.getList" in HANDLERS
    True
"""

from __future__ import annotations

from ..registry import Ctx, Fault, b, handler, s
from ..views import doc_records, fetch_doc, visible_docs_clause
from ..views_blocks import in_marks
from .doc_common import docs_payload, filter_clauses, page_attrs, target_user, thumbsize

_EXTRA = frozenset({"owner", "dates", "count", "geo", "medias", "original"})


@handler("faves.docs.getList")
def faves_docs_get_list(ctx: Ctx) -> dict:
    """A member's faved docs visible to the caller, latest fave first."""
    user = target_user(ctx)
    uid = user["user_id"]
    vis, args = visible_docs_clause(ctx, "d")
    where = ["f.user_id = ?", vis]
    args = [uid, *args]
    owner_id = ctx.integer("owner_id") if ctx.has("owner_id") else None
    if owner_id is not None:
        where.append("d.owner_id = ?")
        args.append(owner_id)
    if owner_id != uid:
        where.append("d.owner_id <> ?")
        args.append(uid)
    fw, fa = filter_clauses(ctx, "d")
    where += fw
    args += fa
    rows, meta = ctx.paginate(
        f"SELECT d.*, f.faved_at FROM faves_docs f JOIN docs d ON d.doc_id = f.doc_id WHERE {' AND '.join(where)} "
        "ORDER BY f.faved_at DESC, d.doc_id DESC",
        args,
    )
    records = doc_records(ctx, rows, extra=ctx.extra() & _EXTRA, thumbsize=thumbsize(ctx))
    rel: dict[int, tuple[int, int]] = {}
    if ctx.user_id is not None and rows:
        owners = sorted({r["owner_id"] for r in rows})
        marks = in_marks(owners)
        rel = {
            r[0]: (r[1], r[2])
            for r in ctx.db.execute(
                f"SELECT contact_id, is_family, is_friend FROM network WHERE user_id = ? AND is_blocked = 0 "
                f"AND contact_id IN ({marks})",
                (ctx.user_id, *owners),
            )
        }
    for rec, r in zip(records, rows, strict=True):
        fam_friend = rel.get(r["owner_id"])
        rec["faved_at"] = s(r["faved_at"])
        rec["iscontact"] = b(fam_friend is not None)
        rec["isfamily"] = b(fam_friend is not None and fam_friend[0])
        rec["isfriend"] = b(fam_friend is not None and fam_friend[1])
    return docs_payload(ctx, rows, page_attrs(meta), records=records)


@handler("faves.docs.add")
def faves_docs_add(ctx: Ctx) -> dict:
    """Fave a visible doc of someone else."""
    doc = fetch_doc(ctx, ctx.integer("doc_id"))
    if doc["owner_id"] == ctx.user_id:
        raise Fault(2, "You cannot fave your own document")
    ctx.db.execute(
        "INSERT OR IGNORE INTO faves_docs (user_id, doc_id, faved_at) VALUES (?, ?, ?)",
        (ctx.user_id, doc["doc_id"], ctx.now),
    )
    return {}


@handler("faves.docs.remove")
def faves_docs_remove(ctx: Ctx) -> dict:
    """Remove a doc from the caller's faves."""
    doc_id = ctx.integer("doc_id")
    cur = ctx.db.execute("DELETE FROM faves_docs WHERE user_id = ? AND doc_id = ?", (ctx.user_id, doc_id or 0))
    if cur.rowcount == 0:
        raise Fault(1, "Document not found")
    return {}
