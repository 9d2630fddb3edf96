"""The API's numeric codes and their readable labels (docs/protocol.md §6.4). Pandas only.

Frames keep codes as numbers (``Int64``), so they sort and group as numbers in pandas, DuckDB
and Polars (license ``9`` before ``11``, not after); :func:`label` gives the readable words for
plots and tables, as an ordered category whose order is the codes' order.

Example:
    >>> import pandas as pd
    >>> label(pd.Series([9, 0, 255], dtype="Int64", name="license")).tolist()
    ['CC BY-SA', 'All rights reserved', 'Copyleft']
"""

from __future__ import annotations

import pandas as pd

from .errors import ParameterError

__all__ = ["CODE_LABELS", "PERMISSION_LEVELS", "SHARE_LEVELS", "label", "labels_for"]

#: Who may comment, tag or tag themselves (``permissions_comment``, ``_tag``, ``_tagme``).
PERMISSION_LEVELS = {
    0: "owner only",
    1: "family",
    2: "friends",
    3: "friends & family",
    4: "contacts",
    5: "everyone",
}

#: Who sees a doc or post (``visibility_share``); doc.get's note uses 5 for public too.
SHARE_LEVELS = {0: "private", 1: "family", 2: "friends", 3: "friends & family", 4: "public", 5: "public"}

#: Field name -> {code: label}.
CODE_LABELS: dict[str, dict[int, str]] = {
    "license": {
        0: "All rights reserved",
        1: "CC BY",
        3: "CC BY-NC",
        5: "CC BY-ND",
        7: "CC BY-NC-ND",
        9: "CC BY-SA",
        11: "CC BY-NC-SA",
        255: "Copyleft",
    },
    "safety": {1: "all audiences", 2: "not for all", 3: "adults only"},
    "share": SHARE_LEVELS,
    "comment": PERMISSION_LEVELS,
    "tag": PERMISSION_LEVELS,
    "tagme": PERMISSION_LEVELS,
}


def labels_for(column: str) -> dict[int, str] | None:
    """The code table of a column name (``license``, ``visibility_share``, ``permissions_tag`` …) or ``None``.

    Example:
        >>> labels_for("visibility_share")[4], labels_for("title")
        ('public', None)
    """
    name = column.rsplit("_", 1)[-1] if column not in CODE_LABELS else column
    if name in ("comment", "tag", "tagme") and not column.startswith("permissions"):
        return None  # count_comments, tags_tag …: not permission levels
    return CODE_LABELS.get(name)


def label(codes: pd.Series) -> pd.Series:
    """Readable labels of a code column, as an ordered category in code order (unknown codes as text).

    Example:
        >>> import pandas as pd
        >>> s = pd.Series([4, 0, None], dtype="Int64", name="visibility_share")
        >>> label(s).cat.categories.tolist()[:2], label(s).isna().tolist()
        (['private', 'family'], [False, False, True])
    """
    table = labels_for(str(codes.name))
    if table is None:
        raise ParameterError(
            f"{codes.name!r} is not a coded column; coded columns end in: {', '.join(CODE_LABELS)}.",
            param="codes",
            received=codes.name,
        )
    present = sorted(int(c) for c in codes.dropna().unique())
    order = dict.fromkeys([*table, *present])
    words = list(dict.fromkeys(table.get(c, str(c)) for c in order))
    mapped = codes.map(lambda c: table.get(int(c), str(int(c))) if pd.notna(c) else None)
    out = mapped.astype(pd.CategoricalDtype(words, ordered=True))
    out.name = codes.name
    return out
