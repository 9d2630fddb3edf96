"""One vocabulary of column names across methods: the few renames that make answers agree.

The API names the same thing differently from method to method; frames use one name for it
(docs/frames.md has the full table):

* a **tag** is ``tag_id``, ``tag`` (its text), ``type``, ``user_id`` (who tagged) everywhere:
  ``doc.tags.getList``/``tags.user.*`` send ``{id, tag}``, ``doc.get``'s tags block
  ``{tag_id, keyword}``;
* in **comment** frames the author is ``commenter_*`` (``commenter_user_id``,
  ``commenter_username``, and with ``extra="owner"`` ``commenter_realname`` …), since
  ``owner_*`` means the owner of the row's item (doc, album, post) in every other frame; the doc
  commented on is ``doc_id`` (from the answer's wrapper, :mod:`ipernity_nb.rows`).

Renames work on dotted field paths, before typing, so the typing rules see the new names.

Example:
    >>> renames("doc.comments.getList", ["comment_id", "user_id", "owner.realname"])
    {'user_id': 'commenter.user_id', 'owner.realname': 'commenter.realname'}
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["COMMENT_METHODS", "TAG_ITEMS", "TAG_METHODS", "renames"]

#: Methods whose rows are tags, and the tag records nested in other answers (``tags.tag``).
TAG_METHODS = frozenset({"doc.tags.getList", "tags.user.getList", "tags.user.getPopular"})
#: Renames of one tag record, whatever sent it.
TAG_ITEMS = {"id": "tag_id", "keyword": "tag"}
#: Methods whose rows are comments: their ``user_*``/``owner.*`` fields are the commenter.
COMMENT_METHODS = frozenset({"doc.comments.get", "doc.comments.getList", "post.comments.get", "post.comments.getList"})
_COMMENTER = {"user_id": "commenter.user_id", "username": "commenter.username"}


def renames(method: str, names: Iterable[str]) -> dict[str, str]:
    """``{old: new}`` for the dotted column names of ``method`` that the vocabulary renames.

    Example:
        >>> renames("doc.tags.getList", ["id", "tag", "user_id"])
        {'id': 'tag_id'}
    """
    out: dict[str, str] = {}
    if method in TAG_METHODS:
        out.update((n, TAG_ITEMS[n]) for n in names if n in TAG_ITEMS)
    elif method in COMMENT_METHODS:
        for n in names:
            if n in _COMMENTER:
                out[n] = _COMMENTER[n]
            elif n.startswith("owner."):
                out[n] = "commenter." + n[len("owner.") :]
    return out
