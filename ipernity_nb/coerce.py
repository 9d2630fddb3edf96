"""What an analyst holds -> plain Python values, before the catalog checks a call. Standard library only.

Values taken from a DataFrame are numpy or pandas objects: ``np.int64(46996789)`` from
``df.doc_id[0]``, ``284001.0`` after a merge brought a missing value into an integer column,
``np.True_``, a whole ``Series`` or ``Index`` of ids. :func:`plain` turns a scalar into the
Python value it stands for, :func:`items` turns any collection into a list of them, and
:func:`is_missing` spots ``NaN``/``<NA>``/``NaT`` (never sent: the catalog names the parameter).
numpy and pandas are recognised by duck typing (``.item()``, ``.tolist()``), so this leaf
imports neither.

Example:
    >>> import numpy as np, pandas as pd
    >>> plain(np.int64(7)), plain(284001.0), plain(np.bool_(True)), items(pd.Series([3, 1]))
    (7, 284001, True, [3, 1])
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable
from typing import Any

__all__ = ["MISSING", "is_collection", "is_missing", "items", "plain"]

#: Sentinel returned by :func:`plain` for a missing value (``NaN``, ``<NA>``, ``NaT``).
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()

_MISSING_TYPES = frozenset({"NAType", "NaTType"})


def is_missing(value: object) -> bool:
    """Whether ``value`` is a missing value of Python, numpy or pandas (``None`` is not: it means "not sent").

    Example:
        >>> import pandas as pd
        >>> [is_missing(v) for v in (float("nan"), pd.NA, pd.NaT, 0, "")]
        [True, True, True, False, False]
    """
    if type(value).__name__ in _MISSING_TYPES:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if _is_numpy_scalar(value):
        v = value.item()  # type: ignore[attr-defined]
        return isinstance(v, float) and math.isnan(v)
    return False


def _is_numpy_scalar(value: object) -> bool:
    return type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0


def plain(value: object) -> Any:
    """The Python value a numpy/pandas scalar stands for; integral floats become ``int``.

    Missing values give :data:`MISSING`; anything else is returned unchanged.

    Example:
        >>> plain(3.0), plain(3.5), plain("x")
        (3, 3.5, 'x')
    """
    if is_missing(value):
        return MISSING
    if _is_numpy_scalar(value):
        value = value.item()  # type: ignore[attr-defined]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def is_collection(value: object) -> bool:
    """A list, tuple, set, numpy array, ``Series`` or ``Index`` (not a string, bytes, dict or scalar)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return True
    return hasattr(value, "tolist") and getattr(value, "ndim", 0) == 1 and not isinstance(value, (str, bytes))


def items(value: Iterable[object]) -> list[Any]:
    """The items of a collection as plain values (sets sorted so the result is stable).

    Example:
        >>> items({3, 1, 2}), items((1.0, "a"))
        ([1, 2, 3], [1, 'a'])
    """
    raw = value.tolist() if hasattr(value, "tolist") else list(value)  # type: ignore[union-attr]
    out = [plain(v) for v in raw]
    if isinstance(value, (set, frozenset)):
        # numbers in order, then text; a missing value makes it unsortable, and is refused anyway
        with contextlib.suppress(TypeError):
            out.sort(key=lambda v: (isinstance(v, str), v))
    return out
