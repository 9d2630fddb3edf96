"""Where the rows of an answer are: the catalog's response shape -> records. Pure, no I/O.

Which element becomes rows is read from the catalog's response root (docs/protocol.md §2.4):

* a list wrapper root gives one row per repeated element: ``docs.doc[]``, ``albums.album[]``,
  ``network.user[]``, ``tags.tag[]``, ``methods.method[]``, ``tickets.ticket[]`` …;
* a paginated method under a single object gives the nested list: ``album.docs.doc[]``,
  ``group.docs.doc[]``, ``folder.albums.album[]``; bulk edits give their per-item results
  (``album.doc[]``, ``group.doc[]``, ``folder.album[]``, list pairs of :mod:`ipernity_nb.shapes`);
* a single object (``doc.get``, ``user.get``, ``album.get``) gives one row; several object
  roots (``doc.getPerms``) give one row with the root name as prefix (``visibility_share``);
* several roots of which some are lists (``doc.getMedias``, ``doc.getContext``,
  ``doc.getContainers``) give the rows of every root with a ``section`` column naming it.

The list wrapper's page info (``page``, ``pages``, ``per_page``, ``total``) comes along in
:attr:`Located.info`, and so do the ids of the rows' parents found on the way to the list
(``comments.doc_id``, ``album.album_id``) as ``info["parents"]``: frames give every row those
ids as columns named by :func:`parent_column`. :func:`expected_columns` names the columns of an
empty answer.
``ipernity_nb.frames`` re-exports the public names; import them from there.

Example:
    >>> loc = locate("doc.search", {"docs": {"total": "1", "per_page": "20", "doc": [{"doc_id": "7"}]}})
    >>> loc.records, loc.info, loc.path
    ([{'doc_id': '7'}], {'per_page': 20, 'total': 1, 'pages': 1}, ('docs', 'doc'))
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from . import catalog
from .shapes import as_list, is_list

__all__ = ["PAGE_KEYS", "Located", "expected_columns", "locate", "parent_column", "rows_path"]

#: Page-info keys copied from the list wrapper into ``df.attrs``.
PAGE_KEYS = ("page", "pages", "per_page", "total")


@dataclass
class Located:
    """The records of one answer, the list wrapper's page info, and how they were found."""

    records: list[dict]
    info: dict[str, Any] = field(default_factory=dict)
    path: tuple[str, ...] | None = None  # rows path, None for single-object answers


@cache
def rows_path(method: str) -> tuple[str, ...] | None:
    """The dotted path of the repeated element that becomes rows, per the catalog, or None."""
    m = catalog.get(method)
    if len(m.response_root) != 1:
        return None
    root = m.response_root[0]
    paths = [tuple(p.split(".")) for p in m.response_fields]
    for p in paths:
        if len(p) == 2 and p[0] == root and is_list(p[0], p[1]):
            return p
    if m.paginated:
        for p in paths:
            if len(p) == 3 and p[0] == root and is_list(p[1], p[2]):
                return p
    return None


def _page_info(wrapper: Any) -> dict[str, Any]:
    if not isinstance(wrapper, dict):
        return {}
    info = {k: wrapper[k] for k in (*PAGE_KEYS, "count") if k in wrapper and not isinstance(wrapper[k], (dict, list))}
    for k, v in info.items():
        with contextlib.suppress(TypeError, ValueError):
            info[k] = int(v)
    if "pages" not in info and isinstance(info.get("total"), int) and isinstance(info.get("per_page"), int):
        info["pages"] = math.ceil(info["total"] / info["per_page"]) if info["per_page"] else 0  # §2.4: derive pages
    return info


def _parents(payload: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """Scalar ``*_id`` fields of the wrappers on the way to the rows: the rows' parents."""
    out: dict[str, Any] = {}
    node: Any = payload
    for step in path[:-1]:
        node = node.get(step) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            break
        out.update((k, v) for k, v in node.items() if k.endswith("_id") and not isinstance(v, (dict, list)))
    return out


def parent_column(method: str, name: str) -> str | None:
    """The column holding a row's parent id ``name``: ``name`` itself, or ``parent_<name>`` when the rows
    have their own field of that name (network.getList rows carry ``user_id``), or ``None`` when a
    single-object answer's row already is that id (user.get per ``user_id``).

    Example:
        >>> parent_column("doc.comments.getList", "doc_id"), parent_column("network.getList", "user_id")
        ('doc_id', 'parent_user_id')
    """
    own = name in expected_columns(method)
    if rows_path(method) is None and own:
        return None
    return f"parent_{name}" if own else name


def _dynamic_list(obj: dict, name: str) -> tuple[str, list] | None:
    for key, value in obj.items():
        if is_list(name, key) and isinstance(value, list):
            return key, value
    return None


def locate(method: str, payload: Mapping[str, Any]) -> Located:
    """Find the records of an answer (see the module docstring for the rules).

    Example:
        >>> loc = locate("album.docs.getList", {"album": {"album_id": "3", "docs": {
        ...     "total": "0", "per_page": "20", "page": "1"}}})
        >>> loc.records, loc.info["pages"], loc.path
        ([], 0, ('album', 'docs', 'doc'))
    """
    m = catalog.get(method)
    path = rows_path(method)
    if path is not None:
        wrapper: Any = payload
        for step in path[:-1]:
            wrapper = wrapper.get(step) if isinstance(wrapper, dict) else None
        records = as_list(wrapper.get(path[-1])) if isinstance(wrapper, dict) else []
        if records and not isinstance(records[0], dict):  # text-only list items (<tag>x</tag>)
            records = [r if isinstance(r, dict) else {path[-1]: r} for r in records]
        info = _page_info(wrapper)
        parents = _parents(payload, path)
        if parents:
            info["parents"] = parents
        return Located(records, info, path)
    roots = m.response_root or tuple(payload)
    if len(roots) == 1:
        root = roots[0]
        obj = payload.get(root)
        if isinstance(obj, dict):
            found = _dynamic_list(obj, root) if m.paginated or not m.response_root else None
            if found is not None:  # no catalog fields (e.g. post.search): find the list
                return Located(found[1], _page_info(obj), (root, found[0]))
            return Located([obj], {})
        if isinstance(obj, list):
            return Located(obj, {}, (root,))
        return Located([] if obj is None else [{root: obj}], {})
    present = [r for r in roots if r in payload]
    if not any(_section_rows(m, r, payload[r])[1] for r in present):
        return Located([{r: payload[r] for r in present}] if present else [], {})
    sections: list[dict] = []
    for r in present:
        rows, _ = _section_rows(m, r, payload[r])
        sections.extend({**row, "section": r} if isinstance(row, dict) else {r: row, "section": r} for row in rows)
    return Located(sections, {}, None)


def _section_rows(m: catalog.Method, name: str, value: Any) -> tuple[list, bool]:
    """Rows of one root of a multi-root answer and whether it was a list.

    A wrapper whose list key is absent (an empty list, docs/protocol.md §2.3) gives no rows
    when the catalog knows it as a list wrapper (``prev`` of doc.getContext).
    """
    if isinstance(value, list):
        return value, True
    if isinstance(value, dict):
        found = _dynamic_list(value, name)
        if found is not None:
            return found[1], True
        if any(p.startswith(name + ".") and is_list(name, p.split(".")[1]) for p in m.response_fields):
            return [], True
        return [value], False
    return [value], False


@cache
def expected_columns(method: str) -> tuple[str, ...]:
    """Dotted column paths of a row, from the catalog's response fields (for empty answers)."""
    m = catalog.get(method)
    path = rows_path(method)
    if path is None:
        if len(m.response_root) != 1:
            return ()
        path = m.response_root
    n = len(path)
    text = set(m.response_text_elements)
    cols: list[str] = []
    for key, attrs in m.response_fields.items():
        p = tuple(key.split("."))
        if p[:n] != path:
            continue
        sub = p[n:]
        if any(is_list(a, b) for a, b in zip((path[-1], *sub), sub, strict=False)):
            continue  # lists inside a row stay one object column, named below
        cols.extend(".".join((*sub, a)) for a in attrs)
        if sub and key in text:
            cols.append(".".join(sub))
    return tuple(dict.fromkeys(cols))
