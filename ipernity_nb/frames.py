"""Decoded payloads -> typed pandas DataFrames. Pure functions, no I/O.

Three steps, three modules: :mod:`ipernity_nb.rows` finds the records of an answer from the
catalog's response shape (:func:`locate`, docs/protocol.md §2.4); :class:`Columns` (here)
flattens them into columns; :mod:`ipernity_nb.dtypes` types each column by its field name
(:data:`RULES`, :func:`classify`). This module is the public face of all three.

Nested blocks flatten with ``_`` (``owner_user_id``, ``dates_posted_at``, ``count_visits``);
a few names are unified across methods (:mod:`ipernity_nb.vocabulary`: ``tag_id``/``tag``,
``commenter_*``), and rows carry their parents' ids (``doc_id`` on comments). Lists inside a
row (``thumbs_thumb``, ``tags_tag``, ``medias_media`` of ``doc.get``) stay Python lists of the
raw records in one ``object`` column named by their path, for every method alike;
:func:`unnest` gives any of them as a typed child frame with the parent's id.
``df.attrs`` holds the page info, the method, the call's parameters (secrets removed) and, when
rows are knowingly missing, ``incomplete`` (:mod:`ipernity_nb.completeness`); :func:`concat_frames`
stacks typed frames keeping dtypes and attrs (docs/frames.md says when attrs survive).

Example:
    >>> payload = {"docs": {"page": "1", "pages": "1", "per_page": "20", "total": "1",
    ...            "doc": [{"doc_id": "7", "media": "photo", "owner": {"user_id": "2"}}]}}
    >>> df = to_frame("doc.search", payload)
    >>> df.dtypes.astype(str).to_dict(), df.attrs["total"]
    ({'doc_id': 'Int64', 'media': 'category', 'owner_user_id': 'Int64'}, 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import pyarrow as pa

from . import arrowtypes
from .dtypes import RULES, classify, typed_columns
from .errors import ParameterError, redact
from .rows import PAGE_KEYS, Located, expected_columns, locate, parent_column, rows_path
from .vocabulary import TAG_ITEMS, renames

__all__ = [
    "RULES",
    "Columns",
    "Located",
    "classify",
    "concat_frames",
    "expected_columns",
    "frame_from_columns",
    "frame_from_records",
    "locate",
    "rows_path",
    "to_frame",
    "unnest",
]


def frame_from_records(
    method: str,
    records: list[dict],
    *,
    info: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Typed DataFrame from raw records (as :func:`locate` or ``Client.walk`` give them).

    Example:
        >>> frame_from_records("doc.search", []).columns[:3].tolist()
        ['doc_id', 'license', 'title']
    """
    cols = Columns()
    cols.add(records)
    return frame_from_columns(method, cols, info=info, params=params)


def _with_attrs(
    out: pd.DataFrame, method: str, info: Mapping[str, Any] | None, params: Mapping[str, Any] | None
) -> pd.DataFrame:
    """Page info, method and secret-free parameters in ``df.attrs`` (every frame gets the same)."""
    info = dict(info or {})
    out.attrs.update({k: info.get(k) for k in PAGE_KEYS})
    out.attrs["method"] = method
    out.attrs["params"] = redact(dict(params or {}))
    return out


_NAN = float("nan")


class Columns:
    """Records flattened straight into column lists, as ``pandas.json_normalize(records, sep=".")``
    would name, order and fill them (top-level scalars first, then nested dicts; empty dicts
    vanish; lists stay values; NaN where a record lacks a column) — page by page, with no dict
    or DataFrame per row or page: a 100k-row harvest holds one reference per cell.

    Example:
        >>> cols = Columns()
        >>> cols.add([{"owner": {"user_id": "1"}, "doc_id": "9", "geo": {}}]); cols.add([{"doc_id": "8"}])
        >>> cols.frame().to_dict("list")
        {'doc_id': ['9', '8'], 'owner.user_id': ['1', nan]}
    """

    def __init__(self) -> None:
        self.cols: dict[str, list] = {}
        self.n = 0
        self.prepared: dict[str, list] = {}  # column -> arrow stretches of rows [0, self.done)
        self.done = 0
        self.unprepared: set[str] = set()  # columns pyarrow cannot hold as text or integers

    def compact(self) -> None:
        """Make the rows added since the last call arrow arrays, column by column
        (:func:`ipernity_nb.arrowtypes.prepare`): a harvest does it while it waits for pages,
        so typing after the last page only casts them (docs/client-core.md, "Where the time goes")."""
        start, end = self.done, self.n
        if end <= start:
            return
        for key in self.cols:
            if key in self.unprepared:
                continue
            col = self._column_at(key, end)
            parts = self.prepared.get(key)
            if parts is None:  # first seen in this stretch: missing from the rows before it
                parts = self.prepared[key] = [pa.nulls(start)] if start else []
            part = arrowtypes.prepare(col[start:end])
            if part is None:
                self.unprepared.add(key)
                del self.prepared[key]
            else:
                parts.append(part)
        self.done = end

    def arrays(self) -> dict[str, pa.Array]:
        """Every column prepared for all rows (compacting the last ones), keyed by column."""
        self.compact()
        out = {}
        for key, parts in self.prepared.items():
            joined = arrowtypes.joined(parts)
            if joined is not None:
                out[key] = joined
        return out

    def __len__(self) -> int:
        return self.n

    def _column_at(self, key: str, row: int) -> list:
        """Column ``key``, made or filled with NaN up to ``row`` (records that lacked the field)."""
        col = self.cols.get(key)
        if col is None:
            col = self.cols[key] = [_NAN] * row
        elif len(col) < row:
            col.extend([_NAN] * (row - len(col)))
        return col

    def _put(self, key: str, value: Any, row: int) -> None:
        self._column_at(key, row).append(value)

    def _nested(self, d: dict, prefix: str, row: int) -> None:
        for k, v in d.items():
            if isinstance(v, dict):
                self._nested(v, f"{prefix}{k}.", row)
            else:
                self._put(prefix + k, v, row)

    def add(self, records: list[dict]) -> None:
        """Append the rows of one page."""
        if not (records and self._add_alike(records)):
            self._add_each(records)

    def _add_alike(self, records: list[dict]) -> bool:
        """A page whose records all have the first one's fields, one level of blocks at most
        (every list answer of the API): column by column, a comprehension each, about 3x
        faster than value by value. ``False`` (nothing added) for any other page.

        Same sizes and no missing field (``KeyError``) mean the same fields; checked that way,
        in C, rather than comparing every record's keys (which was a third of this method)."""
        first = records[0]
        if set(map(len, records)) != {len(first)}:
            return False
        out: list[tuple[str, list]] = []
        blocks: list[tuple[str, dict, list]] = []
        try:
            for k, v in first.items():
                values = [r[k] for r in records]
                kinds = set(map(type, values))
                if type(v) is dict:
                    if kinds != {dict} or set(map(len, values)) != {len(v)}:
                        return False
                    blocks.append((k, v, values))
                elif dict in kinds:
                    return False
                else:
                    out.append((k, values))
            for k, v, values in blocks:  # nested blocks after the top-level fields, as json_normalize
                for inner in v:
                    column = [d[inner] for d in values]
                    if dict in set(map(type, column)):
                        return False  # blocks within blocks: value by value
                    out.append((f"{k}.{inner}", column))
        except (KeyError, TypeError):
            return False
        row = self.n
        for key, values in out:
            self._column_at(key, row).extend(values)
        self.n = row + len(records)
        return True

    def _add_each(self, records: list[dict]) -> None:
        row = self.n
        for rec in records:
            for k, v in rec.items():
                if not isinstance(v, dict):
                    self._put(k, v, row)
            for k, v in rec.items():
                if isinstance(v, dict):
                    self._nested(v, k + ".", row)
            row += 1
        self.n = row

    def padded(self) -> dict[str, list]:
        """The column lists, each filled to the row count (NaN where a record lacked the field)."""
        for key in self.cols:
            self._column_at(key, self.n)
        return self.cols

    def frame(self) -> pd.DataFrame:
        """The untyped frame (dotted column names)."""
        return pd.DataFrame(self.padded(), index=pd.RangeIndex(self.n))


def normalize_records(records: list[dict]) -> pd.DataFrame:
    """Records flattened to dotted columns, untyped (as ``pandas.json_normalize(records, sep=".")``)."""
    cols = Columns()
    cols.add(records)
    return cols.frame()


def frame_from_columns(
    method: str,
    cols: Columns,
    *,
    info: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The typed frame of a multi-page harvest whose pages were added to ``cols`` as they came.

    Example:
        >>> cols = Columns(); cols.add([{"doc_id": "1"}]); cols.add([{"doc_id": "2", "media": "photo"}])
        >>> frame_from_columns("doc.search", cols).dtypes.astype(str).tolist()
        ['Int64', 'category']
    """
    n = len(cols)
    arrays = cols.arrays() if cols.done else {}  # prepared by a harvest as its pages came
    raw = cols.padded() if n else {c: [] for c in expected_columns(method)}
    named = _vocabulary(method, raw)
    parents = (info or {}).get("parents") or {}
    for name, value in reversed(list(parents.items())):
        col = parent_column(method, name)
        if col is not None and col not in named:
            named = {col: [value] * n, **named}
    by_list = {id(raw[k]): a for k, a in arrays.items()}  # renamed columns keep their list; merged ones do not
    prepared = {name: by_list[id(v)] for name, v in named.items() if id(v) in by_list}
    return _with_attrs(typed_columns(named, n, prepared=prepared), method, info, params)


def _vocabulary(method: str, raw: dict[str, list]) -> dict[str, list]:
    """The columns under the vocabulary's names; two that become one are merged, first non-missing wins."""
    todo = renames(method, raw)
    if not todo:
        return raw
    out: dict[str, list] = {}
    for name, values in raw.items():
        new = todo.get(name, name)
        if new in out:
            out[new] = [a if not _missing(a) else b for a, b in zip(out[new], values, strict=True)]
        else:
            out[new] = values
    return out


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def to_frame(method: str, payload: Mapping[str, Any], *, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The payload of one answer of ``method`` as a typed DataFrame.

    ``params`` (the call's parameters) are stored in ``df.attrs["params"]`` with secrets removed.

    Example:
        >>> to_frame("user.get", {"user": {"user_id": "284001", "is_pro": "1"}}).dtypes.astype(str).tolist()
        ['Int64', 'boolean']
    """
    loc = locate(method, payload)
    return frame_from_records(method, loc.records, info=loc.info, params=params)


def concat_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack typed frames (harvest windows, the pages of a loop, fan-outs), keeping every dtype and attrs.

    ``pandas.concat`` turns a category column into text when the parts' categories differ, and
    a column missing from a part into ``object``; here categories are unified first and missing
    columns come as typed ``<NA>``. ``attrs`` are the first frame's, with ``total`` the row
    count, page info cleared and any part's ``incomplete`` reasons kept.

    Example:
        >>> a = to_frame("doc.search", {"docs": {"doc": [{"doc_id": "1", "media": "photo"}]}})
        >>> b = to_frame("doc.search", {"docs": {"doc": [{"doc_id": "2", "media": "video", "title": "x"}]}})
        >>> concat_frames([a, b]).dtypes.astype(str).tolist()
        ['Int64', 'category', 'string']
    """
    frames = [f for f in frames if f is not None]
    if not frames:
        return pd.DataFrame()
    dtypes: dict[str, Any] = {}
    cats: dict[str, set] = {}
    for f in frames:
        for c in f.columns:
            dtypes.setdefault(c, f[c].dtype)
            if isinstance(f[c].dtype, pd.CategoricalDtype):
                cats.setdefault(c, set()).update(f[c].cat.categories)
    for c, values in cats.items():
        dtypes[c] = pd.CategoricalDtype(pd.Index(sorted(values, key=str), dtype=dtypes[c].categories.dtype))
    fixed = []
    for f in frames:
        todo = {c: f[c].astype(dtypes[c]) for c in cats if c in f.columns}
        todo.update({c: pd.Series(pd.NA, index=f.index, dtype=d) for c, d in dtypes.items() if c not in f.columns})
        fixed.append(f.assign(**todo)[list(dtypes)] if todo else f[list(dtypes)])
    out = pd.concat(fixed, ignore_index=True)
    out.attrs = {**frames[0].attrs, "total": len(out), "page": None, "pages": None, "per_page": None}
    reasons = [f.attrs["incomplete"] for f in frames if f.attrs.get("incomplete")]
    out.attrs.pop("incomplete", None)
    if reasons:
        out.attrs["incomplete"] = "; ".join(dict.fromkeys(reasons))
    return out


def unnest(df: pd.DataFrame, column: str, *, parent: str | None = None) -> pd.DataFrame:
    """The lists of one nested column (``tags_tag``, ``medias_media`` …) as a typed child frame.

    Each item becomes a row, typed by the same rules as every frame, with the parent row's id
    first (``parent``: default the frame's first ``*_id`` column, e.g. ``doc_id``). Tag items use
    the tag vocabulary (``tag_id``, ``tag``) whatever method sent them.

    Example:
        >>> doc = to_frame("doc.get", {"doc": {"doc_id": "5", "tags": {"tag": [
        ...     {"tag_id": "9", "keyword": "cat"}, {"tag_id": "8", "keyword": "dog"}]}}})
        >>> unnest(doc, "tags_tag").to_dict("list")
        {'doc_id': [5, 5], 'tag_id': [9, 8], 'tag': ['cat', 'dog']}
    """
    if column not in df.columns:
        raise ParameterError(f"no column {column!r}; nested list columns here: {_list_columns(df) or 'none'}.")
    key = parent or next((c for c in df.columns if c.endswith("_id")), None)
    if key is None or key not in df.columns:
        raise ParameterError(f"which column is the parent id? Pass parent=, one of {list(df.columns)[:8]} ….")
    is_tags = column.endswith("tags_tag")
    records: list[dict] = []
    for pid, items in zip(df[key].tolist(), df[column].tolist(), strict=True):
        for item in items if isinstance(items, list) else ():
            rec = {TAG_ITEMS.get(k, k): v for k, v in item.items()} if is_tags else item
            records.append({key: pid, **rec} if isinstance(rec, dict) else {key: pid, column: rec})
    cols = Columns()
    cols.add(records)
    out = typed_columns(cols.padded(), len(cols)) if records else pd.DataFrame({key: pd.Series([], dtype="Int64")})
    out.attrs = {"method": df.attrs.get("method"), "parent": key, "nested": column, "total": len(out)}
    return out


def _list_columns(df: pd.DataFrame) -> str:
    return ", ".join(c for c in df.columns if df[c].dtype == object)
