"""Decoded payloads -> typed pandas DataFrames. Pure functions, no I/O.

Which element becomes rows is read from the catalog's response root (ipernity-api.md §2.4):

* a list wrapper root gives one row per repeated element: ``docs.doc[]``, ``albums.album[]``,
  ``network.user[]``, ``tags.tag[]``, ``methods.method[]``, ``tickets.ticket[]`` …;
* a paginated method under a single object gives the nested list: ``album.docs.doc[]``,
  ``group.docs.doc[]``, ``folder.albums.album[]``; bulk edits give their per-item results
  (``album.doc[]``, ``group.doc[]``, ``folder.album[]``, list pairs of :mod:`ipernity_nb.shapes`);
* a single object (``doc.get``, ``user.get``, ``album.get``) gives one row; several object
  roots (``doc.getPerms``) give one row with the root name as prefix (``visibility_share``);
* several roots of which some are lists (``doc.getMedias``, ``doc.getContext``,
  ``doc.getContainers``) give the rows of every root with a ``section`` column naming it.

Nested blocks flatten with ``_`` (``owner_user_id``, ``dates_posted_at``, ``count_visits``).
Lists inside a row (``thumbs_thumb``, ``tags_tag``, ``medias_media`` of ``doc.get``) stay
Python lists of dicts in one ``object`` column named by their path.

Types come from one small table of field-name rules (:data:`RULES`), never per method:
ids and counts -> ``Int64``; ``"0"``/``"1"`` flags -> ``boolean``; Unix seconds (``*_at``,
``last_visit`` …) -> ``datetime64[ns, UTC]`` with ``0`` -> NaT; ``YYYY-MM-DD HH:MM:SS`` dates
(``created``) -> UTC datetimes with ``0000-00-00 00:00:00`` -> NaT; small vocabularies
(``media``, ``license``, ``share`` …) -> ``category``; lat/lng -> ``Float64``; any other text ->
``string``. Strings and bare JSON numbers are accepted alike. A column whose values do not
fit its rule (e.g. a flag holding ``"2"``) falls back to ``Int64`` or ``string`` rather than
losing data.

Example:
    >>> payload = {"docs": {"page": "1", "pages": "1", "per_page": "20", "total": "1",
    ...            "doc": [{"doc_id": "7", "media": "photo", "owner": {"user_id": "2"}}]}}
    >>> df = to_frame("doc.search", payload)
    >>> df.dtypes.astype(str).to_dict(), df.attrs["total"]
    ({'doc_id': 'Int64', 'media': 'category', 'owner_user_id': 'Int64'}, 1)
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from . import catalog
from .errors import redact
from .shapes import is_list

__all__ = ["RULES", "Located", "classify", "expected_columns", "frame_from_records", "locate", "to_frame"]

#: Page-info keys copied from the list wrapper into ``df.attrs``.
PAGE_KEYS = ("page", "pages", "per_page", "total")

_TIME_NAMES = frozenset({"last_visit", "member_since", "last_online", "created", "taken", "date"})
_FLAG_NAMES = frozenset({"done", "invalid", "added", "complete", "pending", "online", "closed", "invited", "found"})
_INT_NAMES = frozenset(
    {
        "id", "total", "page", "pages", "per_page", "count", "w", "h", "bytes", "length", "lenght",
        "rotation", "visits", "faves", "comments", "notes", "tags", "albums", "groups", "docs",
        "members", "topics", "network", "posts", "eta", "left", "farm", "x", "y", "error", "max",
        "used", "folders", "views", "position", "index",
    }
)  # fmt: skip
_FLOAT_NAMES = frozenset({"lat", "lng", "latitude", "longitude"})
_CATEGORY_NAMES = frozenset(
    {
        "media", "license", "share", "safety", "type", "label", "ext", "thumbsize", "relation",
        "lg", "lang", "sex", "service", "status", "level", "dir", "orientation", "section", "privacy",
    }
)  # fmt: skip

#: The typing table, first match wins: (rule name, test on (field name, parent block), dtype kind).
RULES: tuple[tuple[str, Any, str], ...] = (
    ("Unix seconds or YYYY-MM-DD HH:MM:SS", lambda n, p: n.endswith("_at") or n in _TIME_NAMES, "time"),
    (
        "0/1 flags",
        lambda n, p: n.startswith(("is", "rev", "can")) or p in ("can", "authentication") or n in _FLAG_NAMES,
        "bool",
    ),
    ("coordinates", lambda n, p: n in _FLOAT_NAMES, "float"),
    ("permission levels", lambda n, p: p in ("permissions", "perms"), "category"),
    ("ids and counts", lambda n, p: n.endswith("_id") or n in _INT_NAMES or p in ("count", "upload"), "int"),
    ("small vocabularies", lambda n, p: n in _CATEGORY_NAMES, "category"),
)


def classify(path: str) -> str:
    """The dtype kind for a dotted field path: time, bool, float, int, category or string.

    Example:
        >>> [classify(p) for p in ("doc_id", "dates.posted_at", "can.fave", "media", "title")]
        ['int', 'time', 'bool', 'category', 'string']
    """
    parts = path.split(".")
    name, parent = parts[-1], (parts[-2] if len(parts) > 1 else "")
    for _, test, kind in RULES:
        if test(name, parent):
            return kind
    return "string"


# --- converters: vectorised, each falls back instead of losing data -------------------------


def _numbers(s: pd.Series) -> pd.Series | None:
    """``s`` as floats (blank -> NaN), or ``None`` when a non-blank value is not a number."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("float64")
    try:
        return s.astype("float64")  # fast path (a pyarrow cast for pandas' str dtype); fails on blanks
    except (TypeError, ValueError):
        pass
    try:
        n = pd.to_numeric(s, errors="coerce")
    except (TypeError, ValueError):
        return None
    if n.hasnans and (n.isna() & s.notna() & s.ne("")).any():  # the slow check only when needed
        return None
    return n.astype("float64")


def _to_string(s: pd.Series) -> pd.Series:
    return s.astype("string")


def _to_int(s: pd.Series) -> pd.Series:
    n = _numbers(s)
    if n is None:
        return _to_string(s)
    if ((n.dropna() % 1) != 0).any():
        return n.astype("Float64")
    return n.astype("Int64")


def _to_float(s: pd.Series) -> pd.Series:
    n = _numbers(s)
    return _to_string(s) if n is None else n.astype("Float64")


def _to_bool(s: pd.Series) -> pd.Series:
    n = _numbers(s)
    if n is None or not n.dropna().isin((0.0, 1.0)).all():
        return _to_int(s)
    return n.astype("boolean")


_NEVER = ("", "0000-00-00 00:00:00", "0000-00-00")


def _to_time(s: pd.Series) -> pd.Series:
    n = _numbers(s)
    if n is not None:  # Unix seconds, 0 = never (ipernity-api.md §2.3)
        return pd.to_datetime(n.where(n != 0), unit="s", utc=True).astype("datetime64[ns, UTC]")
    text = s.astype("string")
    text = text.mask(text.isin(_NEVER))
    out = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce", utc=True)  # the API's form, fast
    if out.hasnans and (out.isna() & text.notna()).any():
        out = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)  # e.g. a bare YYYY-MM-DD
        if (out.isna() & text.notna()).any():
            return text
    return out.astype("datetime64[ns, UTC]")


def _to_category(s: pd.Series) -> pd.Series:
    text = s.astype("string")
    return text.mask((text == "").fillna(False)).astype("category")


_CONVERT = {
    "time": _to_time,
    "bool": _to_bool,
    "float": _to_float,
    "int": _to_int,
    "category": _to_category,
    "string": _to_string,
}


def _holds_containers(s: pd.Series) -> bool:
    if s.dtype != object:
        return False
    i = s.first_valid_index()
    return i is not None and isinstance(s.loc[i], (list, dict))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    cols: dict[str, pd.Series] = {}
    for col in df.columns:
        s = df[col]
        cols[col.replace(".", "_")] = s if _holds_containers(s) else _CONVERT[classify(col)](s)
    return pd.DataFrame(cols, index=pd.RangeIndex(len(df)))


# --- where the rows are ---------------------------------------------------------------------


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


def _as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


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
        records = _as_list(wrapper.get(path[-1])) if isinstance(wrapper, dict) else []
        if records and not isinstance(records[0], dict):  # text-only list items (<tag>x</tag>)
            records = [r if isinstance(r, dict) else {path[-1]: r} for r in records]
        return Located(records, _page_info(wrapper), path)
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
    records: list[dict] = []
    for r in present:
        rows, _ = _section_rows(m, r, payload[r])
        records.extend({**row, "section": r} if isinstance(row, dict) else {r: row, "section": r} for row in rows)
    return Located(records, {}, None)


def _section_rows(m: catalog.Method, name: str, value: Any) -> tuple[list, bool]:
    """Rows of one root of a multi-root answer and whether it was a list.

    A wrapper whose list key is absent (an empty list, ipernity-api.md §2.3) gives no rows
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


# --- frames ---------------------------------------------------------------------------------


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
    out = _typed(df)
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
    """Records flattened to dotted columns, untyped (one page's share of :func:`frame_from_parts`)."""
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
    out = _typed(cols.frame())
    out.attrs.update({k: dict(info or {}).get(k) for k in PAGE_KEYS})
    out.attrs["method"] = method
    out.attrs["params"] = redact(dict(params or {}))
    return out


def frame_from_parts(
    method: str,
    parts: list[pd.DataFrame],
    *,
    info: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Like :func:`frame_from_records`, from pages already flattened by :func:`normalize_records`.

    Columns keep their first-seen order, as in one ``json_normalize``. (Harvests now use
    :class:`Columns` and :func:`frame_from_columns`: a frame per page plus a concat cost 3x more.)

    Example:
        >>> parts = [normalize_records([{"doc_id": "1"}]), normalize_records([{"doc_id": "2", "media": "photo"}])]
        >>> frame_from_parts("doc.search", parts).dtypes.astype(str).tolist()
        ['Int64', 'category']
    """
    parts = [p for p in parts if len(p)]
    if not parts:
        return frame_from_records(method, [], info=info, params=params)
    df = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True, sort=False)
    out = _typed(df)
    out.attrs.update({k: dict(info or {}).get(k) for k in PAGE_KEYS})
    out.attrs["method"] = method
    out.attrs["params"] = redact(dict(params or {}))
    return out


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
    for f in frames:
        for c in f.columns:
            if isinstance(f[c].dtype, pd.CategoricalDtype):
                cats.setdefault(c, set()).update(f[c].cat.categories)
    fixed = []
    for f in frames:
        todo = {c: f[c].astype(pd.CategoricalDtype(sorted(cats[c]))) for c in cats if c in f.columns}
        fixed.append(f.assign(**todo) if todo else f)
    out = pd.concat(fixed, ignore_index=True)
    out.attrs = {"method": frames[0].attrs.get("method"), "total": len(out)}
    return out
