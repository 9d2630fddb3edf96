"""Saying when a frame holds fewer rows than exist: ``attrs["incomplete"]`` and a warning.

Three ways a frame can be knowingly partial, each said in ``df.attrs["incomplete"]`` and by an
:class:`~ipernity_nb.errors.IncompleteResultWarning` (shown under the cell in a notebook):

* one page (the default ``pages=1``) or ``pages=N`` when more pages exist:
  ``"20 of 210 rows: pages='all' fetches all"``;
* a search stopped at its result cap (doc.search: 3000, docs/protocol.md §2.4):
  ``"3000 of 3000+ rows: doc.search stops at 3000 results; split=True with pages='all' fetches all"``;
* a fan-out told to go on past failed calls (``errors="warn"``, :mod:`ipernity_nb.fanout`).

A complete frame has no ``"incomplete"`` key. The warning is shown every time (not once per
line) and is labelled by the method, ``doc.getList:0: IncompleteResultWarning: 20 of 210 rows …``,
rather than by a file name: in a notebook that would be a temporary file of the kernel. Silence
it with the standard filter, ``warnings.simplefilter("ignore", ipn.IncompleteResultWarning)``;
attrs still say it.

Example:
    >>> import pandas as pd, warnings
    >>> df = pd.DataFrame({"doc_id": range(20)})
    >>> df.attrs.update(method="doc.getList", total=210, page=1, pages=11)
    >>> with warnings.catch_warnings(record=True):
    ...     flag_incomplete(df).attrs["incomplete"]
    "20 of 210 rows: pages='all' fetches all"
"""

from __future__ import annotations

import warnings

import pandas as pd

from .errors import IncompleteResultWarning
from .paging import RESULT_CAPS

__all__ = ["flag_incomplete", "incomplete_reason", "warn_incomplete"]


def incomplete_reason(method: str, rows: int, info: dict, *, split: bool = False) -> str | None:
    """Why a frame of ``rows`` rows with page info ``info`` is partial, or ``None`` when it is whole.

    Example:
        >>> incomplete_reason("doc.search", 3000, {"total": 3000, "pages": 30, "page": 1})
        "3000 of 3000+ rows: doc.search stops at 3000 results; split=True with pages='all' fetches all"
    """
    total, pages, page = info.get("total"), info.get("pages"), info.get("page")
    cap = RESULT_CAPS.get(method)
    if not split and cap and isinstance(total, int) and total >= cap:
        how = "split=True with pages='all' fetches all"
        return f"{rows} of {total}+ rows: {method} stops at {cap} results; {how}"
    if isinstance(total, int) and rows < total and not split:
        return f"{rows} of {total} rows: pages='all' fetches all"
    if isinstance(pages, int) and isinstance(page, int) and page < pages and not isinstance(total, int):
        return f"{rows} rows from page {page} of {pages}: pages='all' fetches all"
    return None


def warn_incomplete(df: pd.DataFrame, reason: str) -> pd.DataFrame:
    """Record ``reason`` in ``df.attrs["incomplete"]`` and warn with it, labelled by the frame's method."""
    df.attrs["incomplete"] = reason
    label = str(df.attrs.get("method") or "ipernity_nb")
    # a fresh registry: every partial frame says so, not only the first one from a given line
    warnings.warn_explicit(IncompleteResultWarning(reason), IncompleteResultWarning, label, 0, module="ipernity_nb")
    return df


def flag_incomplete(df: pd.DataFrame, *, split: bool = False) -> pd.DataFrame:
    """``df`` itself, with ``attrs["incomplete"]`` and a warning when its page info says rows are missing."""
    reason = incomplete_reason(str(df.attrs.get("method")), len(df), df.attrs, split=split)
    if reason is not None:
        warn_incomplete(df, reason)
    return df
