"""Typing a small answer value by value in plain Python: the fast path of :mod:`ipernity_nb.dtypes`.

A one-page answer has a few dozen rows and up to ~60 columns; pandas' vectorised parsers cost
about a millisecond per column whatever the row count, more than the HTTP call itself. Here
each column is converted in a Python loop and wrapped in its pandas array directly
(``IntegerArray``, ``BooleanArray``, ``DatetimeIndex`` …), with the same rules and results as
the vectorised path (a test types every sample payload both ways and compares). ``None`` means
"not handled here" and the caller falls back to the vectorised converter.

Example:
    >>> convert("id", ["7", "0", ""]).tolist(), convert("code", ["9", "11"]).tolist()
    ([7, <NA>, <NA>], [9, 11])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["category_dtype", "convert"]

_NEVER = ("0000-00-00 00:00:00", "0000-00-00")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _blank(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, float) and math.isnan(v))


def _numbers(values: Sequence[Any]) -> list[int | float | None] | None:
    """Numbers (None for blanks), or None when a value is not a number."""
    out: list[int | float | None] = []
    for v in values:
        if _blank(v):
            out.append(None)
        elif isinstance(v, bool):
            out.append(int(v))
        elif isinstance(v, (int, float)):
            out.append(v)
        elif isinstance(v, str):
            try:
                out.append(int(v))
            except ValueError:
                try:
                    x = float(v)
                except ValueError:
                    return None
                if not math.isfinite(x):
                    return None
                out.append(x)
        else:
            return None
    return out


def _ints(nums: list[int | float | None], *, zero_is_none: bool = False) -> Any:
    if any(isinstance(x, float) and not x.is_integer() for x in nums):
        return _floats(nums)
    mask = np.fromiter((x is None or (zero_is_none and x == 0) for x in nums), bool, len(nums))
    try:
        data = np.fromiter((0 if x is None else int(x) for x in nums), np.int64, len(nums))
    except OverflowError:
        return None
    return pd.arrays.IntegerArray(data, mask)


def _floats(nums: list[int | float | None]) -> Any:
    mask = np.fromiter((x is None for x in nums), bool, len(nums))
    data = np.fromiter((0.0 if x is None else float(x) for x in nums), np.float64, len(nums))
    return pd.arrays.FloatingArray(data, mask)


def _to_int(values: Sequence[Any]) -> Any:
    nums = _numbers(values)
    return _to_string(values) if nums is None else _ints(nums)


def _to_id(values: Sequence[Any]) -> Any:
    nums = _numbers(values)
    return _to_string(values) if nums is None else _ints(nums, zero_is_none=True)


def _to_float(values: Sequence[Any]) -> Any:
    nums = _numbers(values)
    return _to_string(values) if nums is None else _floats(nums)


def _to_bool(values: Sequence[Any]) -> Any:
    nums = _numbers(values)
    if nums is None or any(x not in (0, 1) for x in nums if x is not None):
        return _to_int(values)
    mask = np.fromiter((x is None for x in nums), bool, len(nums))
    return pd.arrays.BooleanArray(np.fromiter((x == 1 for x in nums), bool, len(nums)), mask)


def _text(v: Any) -> Any:
    return None if _blank(v) else (v if isinstance(v, str) else str(v))


#: The storage of pandas' "string" dtype here (pyarrow when installed, as this package requires).
_ARROW_STRINGS = pd.StringDtype().storage == "pyarrow"


def _to_string(values: Sequence[Any]) -> Any:
    text = [_text(v) for v in values]
    if _ARROW_STRINGS:
        return pd.arrays.ArrowStringArray(pa.array(text, type=pa.large_string()))
    return pd.array(text, dtype="string")


@lru_cache(maxsize=1024)
def category_dtype(cats: tuple[str, ...]) -> pd.CategoricalDtype:
    """The category dtype of sorted ``cats``: "string" categories, as ``astype("category")`` gives.

    Built once per vocabulary (the dtype is the costly part of a small column).
    """
    return pd.CategoricalDtype(pd.Index(list(cats), dtype="string"))


def _to_category(values: Sequence[Any]) -> Any:
    text = [None if _blank(v) else (v if isinstance(v, str) else str(v)) for v in values]
    cats = tuple(sorted({t for t in text if t is not None}))
    index = {c: i for i, c in enumerate(cats)}
    codes = np.fromiter((-1 if t is None else index[t] for t in text), np.int64, len(text))
    return pd.Categorical.from_codes(codes, dtype=category_dtype(cats), validate=False)


def _to_code(values: Sequence[Any]) -> Any:
    nums = _numbers(values)
    if nums is None or any(isinstance(x, float) and not x.is_integer() for x in nums):
        return _to_category(values)
    return _ints(nums)


def _to_time(values: Sequence[Any]) -> Any:
    nums = _numbers(values)
    if nums is not None:  # Unix seconds, 0 = never (docs/protocol.md §2.3)
        if any(isinstance(x, float) for x in nums):
            return None
        ns = [None if not x else int(x) * 1_000_000_000 for x in nums]
    else:
        ns = []
        for v in values:
            if _blank(v) or v in _NEVER:
                ns.append(None)
                continue
            try:
                t = datetime.strptime(v, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            except (TypeError, ValueError):
                return None  # other forms: the vectorised parser decides
            ns.append(int((t - _EPOCH).total_seconds()) * 1_000_000_000)
    data = np.fromiter((np.iinfo(np.int64).min if x is None else x for x in ns), np.int64, len(ns))
    return pd.DatetimeIndex(data.view("M8[ns]"), tz="UTC").array


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


def convert(kind: str, values: Sequence[Any]) -> Any:
    """``values`` as the pandas array of ``kind``, or ``None`` to use the vectorised converter."""
    try:
        return _CONVERT[kind](values)
    except OverflowError:
        return None
