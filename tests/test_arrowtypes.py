"""The pyarrow typing path gives what pandas' converters give, or steps aside (``None``).

Every kind of column is fed the API's usual forms and the awkward ones (blanks, NaN, the
"none" id 0, decimals in a count, padded numbers, text in an id, bare JSON numbers, numbers
past 64 bits, non-API date forms); whatever :func:`ipernity_nb.arrowtypes.convert` accepts
must equal the pandas converter's result, and the common forms must be accepted.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ipernity_nb import arrowtypes
from ipernity_nb.dtypes import classify, typed_columns

NAN = float("nan")

COLUMNS = {
    "doc_id": (["7", "0", "", NAN, "12"], True),
    "dates.posted_at": (["1700000000", "0", NAN, ""], True),
    "created": (["2024-01-02 03:04:05", "0000-00-00 00:00:00", "", NAN], True),
    "count.visits": ([3, 0, NAN, 12], True),
    "owner.is_pro": (["1", "0", "", NAN], True),
    "can.fave": (["1", "2", "0"], True),  # a flag holding 2 stays a number
    "geo.lat": (["48.85", "-2.5", "", NAN], True),
    "license": (["9", "11", "0"], True),
    "media": (["photo", "video", "", NAN, "photo"], True),
    "title": (["a", "", NAN, "é😀"], True),
    # forms left to pandas (or typed the same when taken)
    "count.faves": (["1.5", "2"], False),
    "count.notes": ([" 7", "8"], False),
    "user_id": (["abc", "7"], False),
    "parent_id": (["7", 8], False),
    "count.docs": ([2**70, 1], False),
    "share": ([str(2**70), "1"], False),
    "taken": (["2024-01-02", "2024-01-03 00:00:00"], False),
    "permissions.comment": (["read", "write"], False),
    "lng": (["nan", "1"], False),
    "last_visit": ([str(2**40), "1"], False),
    "is_closed": ([True, False], False),
    "alias": ([NAN, NAN], False),
}


def _pandas_only(monkeypatch: pytest.MonkeyPatch, cols: dict, n: int) -> pd.DataFrame:
    with monkeypatch.context() as m:
        m.setattr(arrowtypes, "convert", lambda kind, values, prepared=None: None)
        return typed_columns(cols, n)


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_arrow_path_matches_pandas_or_steps_aside(name, monkeypatch):
    values, common = COLUMNS[name]
    values = values * 200  # above dtypes.SMALL: the harvest path

    taken = arrowtypes.convert(classify(name), values)
    if common:
        assert taken is not None, f"{name}: a usual form must not fall back to pandas"
    want = _pandas_only(monkeypatch, {name: values}, len(values))
    got = typed_columns({name: values}, len(values))
    pd.testing.assert_frame_equal(got, want, obj=name)


def _pages(name: str, values: list, size: int = 100) -> list[list[dict]]:
    """Records with the field ``name`` (dotted: in blocks) from ``values``, missing from the
    first 150 rows, in pages."""
    records: list[dict] = [{"doc_id": str(i + 1)} for i in range(150)]
    *blocks, leaf = name.split(".")
    for i, v in enumerate(values):
        rec: dict = {"doc_id": str(i + 151)}
        node = rec
        for b in blocks:  # "dates.posted_at" -> {"dates": {"posted_at": v}}
            node = node.setdefault(b, {})
        node[leaf] = v
        records.append(rec)
    return [records[i : i + size] for i in range(0, len(records), size)]


@pytest.mark.parametrize("name", sorted(COLUMNS))
@pytest.mark.parametrize("every", [1, 3])
def test_columns_prepared_while_pages_arrive_type_the_same(name, every):
    """A harvest makes arrow arrays of its rows a stretch at a time (Columns.compact); the frame
    is the one typing the whole lists at the end gives, whatever the stretches hold."""
    from ipernity_nb.frames import Columns, frame_from_columns

    values = COLUMNS[name][0] * 200
    if name == "title":  # a stretch of text after stretches of numbers: the lists decide
        values = list(range(300)) + ["x"] * 300
    whole, stretched = Columns(), Columns()
    for i, page in enumerate(_pages(name, values)):
        whole.add(page)
        stretched.add(page)
        if i % every == 0:
            stretched.compact()
    assert stretched.done > 0
    if name == "title":
        assert name not in stretched.arrays()  # text after numbers: typed from the lists
    elif COLUMNS[name][1]:
        assert name in stretched.arrays()  # the usual forms are typed from the arrays
    pd.testing.assert_frame_equal(
        frame_from_columns("doc.search", stretched), frame_from_columns("doc.search", whole), obj=name
    )
