"""doc.tags.*: getList (read) and add, edit, remove (writes), keyword and member tags.

* Keywords are a comma list; each is stored trimmed as typed (``raw``) and indexed lower
  case (``tag``), so ``Paris`` and ``paris`` are one tag. Members are user ids (or
  usernames) of open accounts.
* ``add``: the owner, or anyone the doc's ``perm_tag`` admits (``perm_tagme`` when the
  member tag names the caller); otherwise code 110 "Insufficient permissions". Tags
  already present or naming unknown members are counted in ``dropped``.
* ``edit`` (owner only): ``keywords`` replaces the keyword set and ``members`` the member
  set; a parameter sent empty clears its set (§6.5).
* ``remove``: the owner, the member who added the tag, or the tagged member themself;
  an unknown tag answers code 2 "Tag not found".

Not emulated: per-doc tag limits; machine tags get no special parsing.

Example:
    >>> split_keywords(" Paris, paris ,Eiffel tower,,")
    ['Paris', 'Eiffel tower']
"""

from __future__ import annotations

from typing import Any

from ..registry import Ctx, Fault, handler, s
from ..views import fetch_doc, perm_allows, relation
from ..views_blocks import doc_tag_rows, in_marks
from .doc_common import bump_doc

_MAX_TAG = 100


def split_keywords(value: str) -> list[str]:
    """Comma list -> distinct trimmed keywords (first spelling wins, case-insensitive)."""
    seen: set[str] = set()
    out = []
    for raw in value.split(","):
        raw = " ".join(raw.split())[:_MAX_TAG]
        if raw and raw.lower() not in seen:
            seen.add(raw.lower())
            out.append(raw)
    return out


def tag_list(ctx: Ctx, doc_id: int) -> list[dict[str, str]]:
    """The doc's tags as doc.tags.* show them: ``{id, tag, type, user_id, added_at}``."""
    kw, mb = doc_tag_rows(ctx.db, doc_id)
    return [{"id": s(r[0]), "tag": s(r[1]), "type": "keyword", "user_id": s(r[3]), "added_at": s(r[4])} for r in kw] + [
        {"id": s(r[0]), "tag": s(r[1]), "type": "member", "user_id": s(r[2]), "added_at": s(r[3])} for r in mb
    ]


@handler("doc.tags.getList")
def tags_get_list(ctx: Ctx) -> dict:
    """Keyword then member tags of a visible doc."""
    doc = fetch_doc(ctx, ctx.integer("doc_id"))
    tags = tag_list(ctx, doc["doc_id"])
    body: dict[str, Any] = {"total": s(len(tags))}
    if tags:
        body["tag"] = tags
    return {"tags": body}


def _members(ctx: Ctx, values: list[str]) -> tuple[list[int], int]:
    """Resolve member ids/usernames of open accounts; returns ``(ids, unknown_count)``."""
    ids: list[int] = []
    unknown = 0
    for v in values:
        row = ctx.db.execute(
            "SELECT user_id FROM users WHERE (user_id = ? OR username = ?) AND is_closed = 0",
            (int(v) if v.isdigit() else -1, v),
        ).fetchone()
        if row is None:
            unknown += 1
        elif row[0] not in ids:
            ids.append(int(row[0]))
    return ids, unknown


def _add_keyword(ctx: Ctx, doc_id: int, raw: str) -> bool:
    tag = raw.lower()
    ctx.db.execute("INSERT OR IGNORE INTO tags (tag) VALUES (?)", (tag,))
    tag_id = ctx.db.execute("SELECT tag_id FROM tags WHERE tag = ?", (tag,)).fetchone()[0]
    cur = ctx.db.execute(
        "INSERT OR IGNORE INTO doc_tags (doc_id, tag_id, raw, user_id, added_at) VALUES (?, ?, ?, ?, ?)",
        (doc_id, tag_id, raw, ctx.user_id, ctx.now),
    )
    return cur.rowcount > 0


def _add_member(ctx: Ctx, doc_id: int, member_id: int) -> bool:
    cur = ctx.db.execute(
        "INSERT OR IGNORE INTO doc_members (doc_id, member_id, user_id, added_at) VALUES (?, ?, ?, ?)",
        (doc_id, member_id, ctx.user_id, ctx.now),
    )
    return cur.rowcount > 0


def _answer(ctx: Ctx, doc_id: int, added: int, dropped: int) -> dict:
    tags = [{k: v for k, v in t.items() if k != "added_at"} for t in tag_list(ctx, doc_id)]
    body: dict[str, Any] = {"added": s(added), "dropped": s(dropped)}
    if tags:
        body["tag"] = tags
    return {"tags": body}


@handler("doc.tags.add")
def tags_add(ctx: Ctx) -> dict:
    """Add keyword and/or member tags; answers ``added``/``dropped`` and the doc's tags."""
    doc = fetch_doc(ctx, ctx.integer("doc_id"))
    keywords = split_keywords(ctx.text("keywords"))
    members, unknown = _members(ctx, ctx.items("members"))
    rel = relation(ctx, int(doc["owner_id"]))
    tags_others = bool(keywords) or any(m != ctx.user_id for m in members)
    if tags_others and not perm_allows(int(doc["perm_tag"]), rel, True):
        raise Fault(110, "Insufficient permissions")
    if ctx.user_id in members and not (
        perm_allows(int(doc["perm_tagme"]), rel, True) or perm_allows(int(doc["perm_tag"]), rel, True)
    ):
        raise Fault(110, "Insufficient permissions")
    added = sum(_add_keyword(ctx, doc["doc_id"], k) for k in keywords)
    added += sum(_add_member(ctx, doc["doc_id"], m) for m in members)
    dropped = len(keywords) + len(members) + unknown - added
    if added:
        bump_doc(ctx, doc["doc_id"])
    return _answer(ctx, doc["doc_id"], added, dropped)


@handler("doc.tags.edit")
def tags_edit(ctx: Ctx) -> dict:
    """Replace the keyword set (``keywords``) and/or member set (``members``) of one's own doc."""
    doc = fetch_doc(ctx, ctx.integer("doc_id"), owner_only=True)
    doc_id = doc["doc_id"]
    replace_kw = "keywords" in ctx.params or "members" not in ctx.params
    added = dropped = 0
    if replace_kw:
        keywords = split_keywords(ctx.text("keywords"))
        keep = {k.lower() for k in keywords}
        old = ctx.db.execute(
            "SELECT t.tag_id, t.tag FROM doc_tags dt JOIN tags t ON t.tag_id = dt.tag_id WHERE dt.doc_id = ?", (doc_id,)
        ).fetchall()
        for tag_id, tag in old:
            if tag not in keep:
                ctx.db.execute("DELETE FROM doc_tags WHERE doc_id = ? AND tag_id = ?", (doc_id, tag_id))
                dropped += 1
        added += sum(_add_keyword(ctx, doc_id, k) for k in keywords)
    if "members" in ctx.params:
        members, unknown = _members(ctx, ctx.items("members"))
        keep_sql = f" AND member_id NOT IN ({in_marks(members)})" if members else ""
        cur = ctx.db.execute(f"DELETE FROM doc_members WHERE doc_id = ?{keep_sql}", (doc_id, *members))
        dropped += cur.rowcount + unknown
        added += sum(_add_member(ctx, doc_id, m) for m in members)
    bump_doc(ctx, doc_id)
    return _answer(ctx, doc_id, added, dropped)


@handler("doc.tags.remove")
def tags_remove(ctx: Ctx) -> dict:
    """Remove one tag (``type`` keyword|member, ``id`` tag id or member id)."""
    doc = fetch_doc(ctx, ctx.integer("doc_id"))
    kind, tid = ctx.text("type", "keyword"), ctx.integer("id", 0)
    if kind == "member":
        row = ctx.db.execute(
            "SELECT user_id, member_id FROM doc_members WHERE doc_id = ? AND member_id = ?", (doc["doc_id"], tid)
        ).fetchone()
        allowed = row is not None and ctx.user_id in (doc["owner_id"], row[0], row[1])
        table, col = "doc_members", "member_id"
    elif kind == "keyword":
        row = ctx.db.execute(
            "SELECT user_id FROM doc_tags WHERE doc_id = ? AND tag_id = ?", (doc["doc_id"], tid)
        ).fetchone()
        allowed = row is not None and ctx.user_id in (doc["owner_id"], row[0])
        table, col = "doc_tags", "tag_id"
    else:
        raise Fault(3, "Invalid tag type")
    if row is None:
        raise Fault(2, "Tag not found")
    if not allowed:
        raise Fault(110, "Insufficient permissions")
    ctx.db.execute(f"DELETE FROM {table} WHERE doc_id = ? AND {col} = ?", (doc["doc_id"], tid))
    bump_doc(ctx, doc["doc_id"])
    return {}
