"""Field-name typing rules: an untyped (all-text) frame -> pandas dtypes. Pure, no I/O.

Types come from one small table of field-name rules (:data:`RULES`), never per method:
ids -> ``Int64`` with the API's "none" id ``0`` -> ``<NA>`` (``parent_id``, a missing cover);
counts -> ``Int64``; ``"0"``/``"1"`` flags -> ``boolean``; Unix seconds (``*_at``,
``last_visit`` …) -> ``datetime64[ns, UTC]`` with ``0`` -> NaT; ``YYYY-MM-DD HH:MM:SS`` dates
(``created``) -> UTC datetimes with ``0000-00-00 00:00:00`` -> NaT; documented numeric codes
(``license``, ``safety``, ``share``, ``permissions_*``) -> ``Int64``, so they sort and group as
numbers (:func:`ipernity_nb.codes.label` gives their words); small vocabularies (``media``,
``type`` …) -> ``category``; lat/lng -> ``Float64``; any other text -> ``string`` with ``""`` ->
``<NA>``. Strings and bare JSON numbers are accepted alike. A column whose values do not fit
its rule (e.g. a flag holding ``"2"``) falls back to ``Int64`` or ``string`` rather than losing
data. Frames of up to :data:`SMALL` rows are typed value by value in Python
(:mod:`ipernity_nb.smalltypes`: no per-column pandas parsing, so a one-page answer costs about
as much as its HTTP call), bigger ones column by column in pyarrow compute
(:mod:`ipernity_nb.arrowtypes`) for the API's usual forms, else in pandas; all give the same frame.
``ipernity_nb.frames`` re-exports :data:`RULES` and :func:`classify`.

Example:
    >>> import pandas as pd
    >>> typed_frame(pd.DataFrame({"doc_id": ["7"], "owner.is_pro": ["1"]})).dtypes.astype(str).to_dict()
    {'doc_id': 'Int64', 'owner_is_pro': 'boolean'}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from . import arrowtypes, smalltypes

__all__ = ["RULES", "SMALL", "classify", "typed_columns", "typed_frame"]

#: Frames up to this many rows are typed in plain Python (faster below it, slower above).
SMALL = 400

_TIME_NAMES = frozenset({"last_visit", "member_since", "last_online", "created", "taken", "date"})
_FLAG_NAMES = frozenset(
    {"done", "invalid", "added", "complete", "pending", "online", "closed", "invited", "found", "moderated"}
)
_INT_NAMES = frozenset(
    {
        "id", "total", "page", "pages", "per_page", "count", "w", "h", "bytes", "length", "lenght",
        "rotation", "visits", "faves", "comments", "notes", "tags", "albums", "groups", "docs",
        "members", "topics", "network", "posts", "eta", "left", "farm", "x", "y", "error", "max",
        "used", "folders", "views", "position", "index", "accuracy", "tmo", "zoom",
    }
)  # fmt: skip
#: Per-audience counts of album and group ``visibility``/``count`` blocks (album.get: family="1").
_AUDIENCE_NAMES = frozenset({"family", "friend", "ff", "public"})
#: Documented numeric codes (docs/protocol.md §6.4), numbers with labels in ipernity_nb.codes.
_CODE_NAMES = frozenset({"license", "safety", "share", "dir"})
_FLOAT_NAMES = frozenset({"lat", "lng", "latitude", "longitude"})
_CATEGORY_NAMES = frozenset(
    {
        "media", "type", "label", "ext", "thumbsize", "relation",
        "lg", "lang", "sex", "service", "status", "level", "orientation", "section", "privacy",
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
    ("numeric codes and permission levels", lambda n, p: n in _CODE_NAMES or p in ("permissions", "perms"), "code"),
    ("ids, 0 = none", lambda n, p: n.endswith("_id") or n == "id", "id"),
    (
        "counts",
        lambda n, p: n in _INT_NAMES or p in ("count", "upload") or (p == "visibility" and n in _AUDIENCE_NAMES),
        "int",
    ),
    ("small vocabularies", lambda n, p: n in _CATEGORY_NAMES, "category"),
)


def classify(path: str) -> str:
    """The dtype kind for a dotted field path: time, bool, float, code, id, int, category or string.

    Example:
        >>> [classify(p) for p in ("doc_id", "dates.posted_at", "can.fave", "license", "media", "title")]
        ['id', 'time', 'bool', 'code', 'category', 'string']
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
    text = s.astype("string")
    return text.mask((text == "").fillna(False))  # "" is the API's "none" for text (alias, description)


#: Integers past this are not ids or counts; they stay text rather than lose digits or fail.
_INT_BOUND = 2.0**63


def _to_int(s: pd.Series) -> pd.Series:
    n = _numbers(s)
    if n is None or n.abs().max() >= _INT_BOUND:
        return _to_string(s)
    if ((n.dropna() % 1) != 0).any():
        return n.astype("Float64")
    return n.astype("Int64")


def _to_id(s: pd.Series) -> pd.Series:
    out = _to_int(s)
    return out.mask(out == 0) if str(out.dtype) == "Int64" else out  # id 0 = none (parent_id, cover)


def _to_code(s: pd.Series) -> pd.Series:
    n = _numbers(s)
    if n is None or ((n.dropna() % 1) != 0).any() or n.abs().max() >= _INT_BOUND:
        return _to_category(s)  # text levels (auth's "read"/"write")
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
    if n is not None:  # Unix seconds, 0 = never (docs/protocol.md §2.3)
        try:
            return pd.to_datetime(n.where(n != 0), unit="s", utc=True).astype("datetime64[ns, UTC]")
        except (OverflowError, pd.errors.OutOfBoundsDatetime):  # past year 2262: kept as text
            return _to_string(s)
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
    "id": _to_id,
    "code": _to_code,
    "category": _to_category,
    "string": _to_string,
}


def _holds_containers(values: pd.Series | list) -> bool:
    for v in values:
        if isinstance(v, (list, dict)):
            return True
        if not (v is None or (isinstance(v, float) and v != v)):
            return False
    return False


def typed_columns(cols: Mapping[str, list], n: int, *, prepared: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Columns of raw values (dotted names, as :class:`ipernity_nb.frames.Columns` holds them) -> typed frame.

    List and dict columns are kept as Python objects. Up to :data:`SMALL` rows, values are typed
    in plain Python (:func:`ipernity_nb.smalltypes.convert`); above, in pyarrow compute
    (:func:`ipernity_nb.arrowtypes.convert`), and in pandas for the forms that one leaves.
    ``prepared`` maps columns to their :func:`ipernity_nb.arrowtypes.prepare` arrays, when made.

    Example:
        >>> typed_columns({"doc_id": ["7", "0"], "license": ["9", "11"]}, 2).dtypes.astype(str).tolist()
        ['Int64', 'Int64']
    """
    out: dict[str, Any] = {}
    for col, values in cols.items():
        kind = classify(col)
        if _holds_containers(values):
            out[col.replace(".", "_")] = pd.Series(values, dtype=object, index=pd.RangeIndex(n))
            continue
        if n <= SMALL:
            typed = smalltypes.convert(kind, values)
        else:
            typed = arrowtypes.convert(kind, values, (prepared or {}).get(col))
        if typed is None:
            typed = _CONVERT[kind](pd.Series(values, index=pd.RangeIndex(n)))  # inferred: str columns cast fast
        out[col.replace(".", "_")] = typed
    return pd.DataFrame(out, index=pd.RangeIndex(n), copy=False)


def typed_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Each column converted by its name's rule (dotted names become ``_``); list/dict columns kept.

    Example:
        >>> typed_frame(pd.DataFrame({"alias": ["", "al"]})).alias.tolist()
        [<NA>, 'al']
    """
    return typed_columns({c: df[c].tolist() for c in df.columns}, len(df))
