"""Which XML child elements are lists: the one rule shared by the XML parser and the tests.

JSON answers always carry list children as arrays, even with one item (docs/protocol.md
§2.3). XML cannot say so, so the parser needs to know which (parent, child) element pairs
are lists. The rule: the parent is the child's plural (``docs``/``doc``, ``tags``/``tag``,
``medias``/``media``) or the pair is listed in :data:`LIST_PAIRS`. A test renders every
sandbox answer in both formats and checks they parse to the same dict, so a shape the rule
misses fails there; extend :data:`LIST_PAIRS` then.

Example:
    >>> is_list("docs", "doc"), is_list("network", "user"), is_list("doc", "owner")
    (True, True, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ITEM_PAIRS", "LIST_PAIRS", "as_list", "is_item_list", "is_list"]

#: (parent element, child element) pairs whose child is a list although not a plural.
LIST_PAIRS = frozenset(
    {
        ("network", "user"),
        ("prev", "doc"),
        ("next", "doc"),
        ("faves", "user"),
        ("visits", "user"),
        ("exif", "tag"),
        # per-item flags of bulk container writes (album.docs.add/remove/setList,
        # group.docs.add/remove, folder.albums.add/remove), docs/protocol.md §5.2
        ("album", "doc"),
        ("group", "doc"),
        ("folder", "album"),
    }
)


def is_list(parent: str, child: str) -> bool:
    """Whether ``child`` elements under ``parent`` always form a list."""
    return parent == child + "s" or (parent, child) in LIST_PAIRS


#: Bulk writes whose per-item list is named in the plural (group.docs.remove and
#: album.docs.setList answer ``docs[]``, docs/sandbox-divergences.md), while the same pair
#: is the page wrapper of group.docs.getList and album.docs.getList: an item carries ``doc_id``.
ITEM_PAIRS = frozenset({("album", "docs"), ("group", "docs")})


def is_item_list(parent: str, child: str, attrs: Mapping[str, str]) -> bool:
    """Whether a ``child`` element with these attributes is one item of a per-item list.

    Example:
        >>> is_item_list("group", "docs", {"doc_id": "1"}), is_item_list("group", "docs", {"total": "3"})
        (True, False)
    """
    return (parent, child) in ITEM_PAIRS and "doc_id" in attrs


def as_list(value: Any) -> list:
    """One-or-many as a list: absent or empty -> ``[]``, one record -> ``[record]``, a list as is.

    A one-item list may arrive as the item itself (XML, or a JSON answer built from it) and an
    empty one as ``""`` or not at all (docs/protocol.md §2.3).

    Example:
        >>> as_list(None), as_list(""), as_list({"id": "1"}), as_list([1, 2])
        ([], [], [{'id': '1'}], [1, 2])
    """
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]
