"""Decoded payloads -> typed pandas DataFrames. Pure functions, no I/O.

Three steps, three modules: :mod:`ipernity_nb.rows` finds the records of an answer from the
catalog's response shape (:func:`locate`, docs/protocol.md §2.4); :class:`Columns` (here)
flattens them into columns; :mod:`ipernity_nb.dtypes` types each column by its field name
(:data:`RULES`, :func:`classify`). This module is the public face of all three.

Nested blocks flatten with ``_`` (``owner_user_id``, ``dates_posted_at``, ``count_visits``).
Lists inside a row (``thumbs_thumb``, ``tags_tag``, ``medias_media`` of ``doc.get``) stay
Python lists of dicts in one ``object`` column named by their path. ``df.attrs`` holds the
page info, the method and the call's parameters (secrets removed).

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

from .dtypes import RULES, classify, typed_frame
from .errors import redact
from .rows import PAGE_KEYS, Located, expected_columns, locate, rows_path

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
    if records:
        df = normalize_records(records)
    else:
        df = pd.DataFrame({c: pd.Series([], dtype=object) for c in expected_columns(method)})
    return _with_attrs(typed_frame(df), method, info, params)


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

    def __len__(self) -> int:
        return self.n

    def _put(self, key: str, value: Any, row: int) -> None:
        col = self.cols.get(key)
        if col is None:
            col = self.cols[key] = [_NAN] * row
        elif len(col) < row:
            col.extend([_NAN] * (row - len(col)))
        col.append(value)

    def _nested(self, d: dict, prefix: str, row: int) -> None:
        for k, v in d.items():
            if isinstance(v, dict):
                self._nested(v, f"{prefix}{k}.", row)
            else:
                self._put(prefix + k, v, row)

    def add(self, records: list[dict]) -> None:
        """Append the rows of one page."""
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

    def frame(self) -> pd.DataFrame:
        """The untyped frame (dotted column names)."""
        for col in self.cols.values():
            if len(col) < self.n:
                col.extend([_NAN] * (self.n - len(col)))
        return pd.DataFrame(self.cols, index=pd.RangeIndex(self.n))


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
    if not len(cols):
        return frame_from_records(method, [], info=info, params=params)
    return _with_attrs(typed_frame(cols.frame()), method, info, params)


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
    """Stack typed frames of one method (e.g. several harvest windows), keeping every dtype.

    ``pandas.concat`` turns a category column into object when the parts' categories differ;
    here the categories are unified first.

    Example:
        >>> a = to_frame("doc.search", {"docs": {"doc": [{"doc_id": "1", "media": "photo"}]}})
        >>> b = to_frame("doc.search", {"docs": {"doc": [{"doc_id": "2", "media": "video"}]}})
        >>> concat_frames([a, b]).dtypes.astype(str).tolist()
        ['Int64', 'category']
    """
    frames = [f for f in frames if f is not None]
    if not frames:
        return pd.DataFrame()
    cats: dict[str, set] = {}
    order: dict[str, Any] = {}  # every column, in order of first appearance, with its first dtype
    for f in frames:
        for c in f.columns:
            order.setdefault(c, f[c].dtype)
            if isinstance(f[c].dtype, pd.CategoricalDtype):
                cats.setdefault(c, set()).update(f[c].cat.categories)
    for c, values in cats.items():  # the union, keeping the categories' own dtype (string stays string)
        order[c] = pd.CategoricalDtype(pd.Index(sorted(values), dtype=order[c].categories.dtype))
    fixed = []
    for f in frames:
        todo = {c: f[c].astype(order[c]) for c in cats if c in f.columns}
        # a column a part lacks is missing there, typed as elsewhere (not an object column of NaN)
        todo |= {c: pd.Series(_NAN, index=f.index, dtype=object).astype(d) for c, d in order.items() if c not in f}
        fixed.append(f.assign(**todo)[list(order)] if todo else f)
    out = pd.concat(fixed, ignore_index=True)
    out.attrs = {"method": frames[0].attrs.get("method"), "total": len(out)}
    return out
