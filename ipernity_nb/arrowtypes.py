"""Typing a big column with pyarrow compute: the fast path of :mod:`ipernity_nb.dtypes` for harvests.

pandas' own converters (``astype``, ``to_numeric``, ``to_datetime``, ``mask``) cost about a
millisecond per 3,000-value column; the same casts done once in pyarrow compute cost a fifth
of that, which is most of the time a 30-page harvest spends after its last page arrives
(``benchmarks/bench_floor.py`` measures the whole harvest). Only the common, unambiguous forms
are handled here: a column of text, or of integers, with blanks (``""``) and missing values.
Anything else (decimals in a count, text in an id, non-API date forms, numbers past 64 bits)
returns ``None`` and the pandas converter decides, so both paths give the same frame (a test
types tricky columns both ways and compares them).

Example:
    >>> convert("id", ["7", "0", ""]).tolist(), convert("time", ["0", "1700000000"])[1].year
    ([7, <NA>, <NA>], 2023)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .smalltypes import category_dtype

__all__ = ["convert", "joined", "prepare"]

_NEVER = pa.array(["0000-00-00 00:00:00", "0000-00-00"])
#: Unix seconds beyond this would overflow nanoseconds; the pandas converter reports them.
_MAX_SECONDS = 9_000_000_000


def prepare(values: Sequence[Any]) -> pa.Array | None:
    """The values as one arrow array of text or integers, NaN as nulls (all-missing values give
    a null array); ``None`` for anything else. A harvest prepares its columns a stretch of rows
    at a time while pages arrive (:meth:`ipernity_nb.frames.Columns.compact`).

    Only the conversion from Python objects happens here: it keeps the interpreter lock, where
    a compute function lets go of it and then waits up to a thread switch interval to take it
    back while the harvest's threads run (docs/client-core.md, "Where the time goes").
    """
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None  # mixed text and numbers, or an integer past 64 bits
    ok = pa.types.is_string(arr.type) or pa.types.is_int64(arr.type) or pa.types.is_null(arr.type)
    return arr if ok else None


def _blanks_to_null(arr: pa.Array) -> pa.Array:
    """``""`` is the API's "none" for text as for numbers."""
    if pa.types.is_string(arr.type):
        return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return arr


def joined(parts: Sequence[pa.Array]) -> pa.Array | None:
    """Prepared stretches of one column as one array (what :func:`prepare` gives for all of its
    values), or ``None`` when they hold both text and integers."""
    kinds = {p.type for p in parts if not pa.types.is_null(p.type)}
    if len(kinds) > 1:
        return None
    kind = kinds.pop() if kinds else pa.null()
    return pa.concat_arrays([p if p.type == kind else pa.nulls(len(p), kind) for p in parts])


def _ints(arr: pa.Array) -> pa.Array | None:
    if pa.types.is_int64(arr.type):
        return arr
    try:
        return pc.cast(arr, pa.int64())
    except pa.ArrowInvalid:  # "1.5", " 7", "abc": the pandas converter decides
        return None


def _int_array(ints: pa.Array, *, zero_is_none: bool = False) -> Any:
    mask = ints.is_null().to_numpy(zero_copy_only=False)
    data = ints.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64, copy=True)
    if zero_is_none:
        mask = mask | (data == 0)
    return pd.arrays.IntegerArray(data, mask)


def _to_int(arr: pa.Array, *, zero_is_none: bool = False) -> Any:
    ints = _ints(arr)
    return None if ints is None else _int_array(ints, zero_is_none=zero_is_none)


def _to_float(arr: pa.Array) -> Any:
    try:
        nums = pc.cast(arr, pa.float64())
    except pa.ArrowInvalid:
        return None
    data = nums.fill_null(0.0).to_numpy(zero_copy_only=False)
    if not np.isfinite(data).all():  # "nan", "inf": the pandas converter decides
        return None
    return pd.arrays.FloatingArray(data.astype(np.float64, copy=True), nums.is_null().to_numpy(zero_copy_only=False))


def _to_bool(arr: pa.Array) -> Any:
    ints = _ints(arr)
    if ints is None:
        return None
    data = ints.fill_null(0).to_numpy(zero_copy_only=False)
    if not np.isin(data, (0, 1)).all():
        return _int_array(ints)  # a flag holding "2" stays a number, as in the pandas converter
    return pd.arrays.BooleanArray(data == 1, ints.is_null().to_numpy(zero_copy_only=False))


def _to_time(arr: pa.Array) -> Any:
    ints = _ints(arr)
    if ints is not None:  # Unix seconds, 0 = never (docs/protocol.md §2.3)
        seconds = ints.fill_null(0).to_numpy(zero_copy_only=False)
        if np.abs(seconds).max(initial=0) > _MAX_SECONDS:
            return None
        never = (seconds == 0) | ints.is_null().to_numpy(zero_copy_only=False)
    else:
        text = pc.if_else(pc.is_in(arr, value_set=_NEVER), pa.scalar(None, pa.string()), arr)
        try:
            stamps = pc.strptime(text, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=False)
        except pa.ArrowInvalid:  # another form (a bare date…): the pandas converter decides
            return None
        never = stamps.is_null().to_numpy(zero_copy_only=False)
        seconds = pc.cast(stamps.fill_null(0), pa.int64()).to_numpy(zero_copy_only=False)
    ns = seconds.astype(np.int64) * 1_000_000_000
    ns[never] = np.iinfo(np.int64).min  # NaT
    return pd.DatetimeIndex(ns.view("M8[ns]"), tz="UTC").array


def _to_string(arr: pa.Array) -> Any:
    if not pa.types.is_string(arr.type):
        return None
    return pd.arrays.ArrowStringArray(arr.cast(pa.large_string()))


def _to_category(arr: pa.Array) -> Any:
    if not pa.types.is_string(arr.type):
        return None
    cats = pc.array_sort_indices(levels := pc.unique(arr.drop_null()))
    levels = levels.take(cats)
    codes = pc.index_in(arr, value_set=levels).fill_null(-1).to_numpy(zero_copy_only=False)
    return pd.Categorical.from_codes(codes, dtype=category_dtype(tuple(levels.to_pylist())), validate=False)


_CONVERT = {
    "time": _to_time,
    "bool": _to_bool,
    "float": _to_float,
    "int": _to_int,
    "id": lambda arr: _to_int(arr, zero_is_none=True),
    "code": _to_int,  # text levels (auth's "read"/"write") fail the cast: the pandas converter makes a category
    "category": _to_category,
    "string": _to_string,
}


def convert(kind: str, values: Sequence[Any], prepared: pa.Array | None = None) -> Any:
    """``values`` as the pandas array of ``kind``, or ``None`` to use the pandas converter.

    ``prepared`` is :func:`prepare` of ``values`` when already made (a harvest's columns).
    """
    arr = prepare(values) if prepared is None else prepared
    if arr is None or pa.types.is_null(arr.type):
        return None  # an all-missing column: the pandas converter gives its dtype
    return _CONVERT[kind](_blanks_to_null(arr))
