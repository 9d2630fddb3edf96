"""Anything an analyst holds goes back into a call: numpy/pandas scalars, arrays, Series, Index.

Checked on the catalog's validation (what is sent) and end to end on the sandbox with ids taken
straight from a frame; missing values, over-long lists, unknown ``extra`` blocks and ``per_page``
above the maximum are refused naming the parameter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipernity_nb import ParameterError, catalog


@pytest.mark.parametrize(
    "value",
    [np.int64(46996789), np.int32(46996789), np.uint64(46996789), 46996789.0, np.float64(46996789.0),
     pd.Series([46996789], dtype="Int64")[0], pd.Series([46996789.0])[0], "46996789", 46996789],
)  # fmt: skip
def test_integers_of_every_kind_go_in(value):
    assert catalog.validate("doc.get", {"doc_id": value}) == {"doc_id": "46996789"}


def test_string_parameters_take_numpy_integers_too():
    assert catalog.validate("user.get", {"user_id": np.int64(284001)}) == {"user_id": "284001"}
    assert catalog.validate("user.get", {"user_id": 284001.0}) == {"user_id": "284001"}


@pytest.mark.parametrize(("value", "sent"), [(np.True_, "1"), (np.False_, "0"), (True, "1")])
def test_numpy_booleans(value, sent):
    assert catalog.validate("doc.setPerms", {"doc_id": 1, "is_public": value})["is_public"] == sent


def test_a_fractional_float_is_still_refused():
    with pytest.raises(ParameterError, match="expects an integer") as info:
        catalog.validate("doc.get", {"doc_id": 12.5})
    assert info.value.param == "doc_id"


@pytest.mark.parametrize("missing", [float("nan"), np.nan, pd.NA, pd.NaT, pd.Series([None], dtype="Int64")[0]])
def test_missing_values_name_the_parameter(missing):
    with pytest.raises(ParameterError, match="'doc_id' got a missing value") as info:
        catalog.validate("doc.get", {"doc_id": missing})
    assert info.value.param == "doc_id" and "dropna" in str(info.value)


IDS = [3, 1, 2]


@pytest.mark.parametrize(
    "ids",
    [IDS, tuple(IDS), np.array(IDS), pd.Series(IDS), pd.Series(IDS, dtype="Int64"), pd.Index(IDS),
     pd.Series([3.0, 1.0, 2.0]), [np.int64(3), np.int64(1), np.int64(2)]],
)  # fmt: skip
def test_list_parameters_from_every_collection(ids):
    assert catalog.validate("album.docs.add", {"album_id": 1, "doc_id": ids})["doc_id"] == "3,1,2"


def test_a_set_is_sent_sorted():
    assert catalog.validate("album.docs.add", {"album_id": 1, "doc_id": {3, 1, 2}})["doc_id"] == "1,2,3"


def test_a_missing_item_in_a_list_is_refused():
    with pytest.raises(ParameterError, match="'doc_id' got a missing value"):
        catalog.validate("album.docs.add", {"album_id": 1, "doc_id": pd.Series([1, None], dtype="Int64")})


@pytest.mark.parametrize("kind", [list, np.array, pd.Series, pd.Index])
def test_lists_past_the_maximum_say_so(kind):
    with pytest.raises(ParameterError, match=r"takes at most 20 items; got 21\. Split the call into batches"):
        catalog.validate("album.docs.add", {"album_id": 1, "doc_id": kind(list(range(1, 22)))})


def test_the_maximum_written_only_in_the_doc_counts_too():
    with pytest.raises(ParameterError, match="at most 20 items"):
        catalog.validate("doc.search", {"tags": pd.Series([f"t{i}" for i in range(21)])})
    assert catalog.validate("doc.search", {"tags": pd.Series(["cat", "dog"])})["tags"] == "cat,dog"


def test_an_array_for_a_one_value_parameter_is_refused():
    with pytest.raises(ParameterError, match="expects an integer"):
        catalog.validate("doc.get", {"doc_id": np.array([1, 2])})


def test_license_codes_from_a_frame_column():
    codes = pd.Series([9, 11], dtype="Int64")
    assert catalog.validate("doc.search", {"license": codes})["license"] == "9,11"


@pytest.mark.parametrize(
    ("method", "extra", "hint"),
    [("doc.search", "tagz", None), ("doc.getList", "tags", None), ("doc.search", "ownr", "Did you mean 'owner'?"),
     ("doc.get", ["tags", "note"], "Did you mean 'notes'?")],
)  # fmt: skip
def test_unknown_extra_blocks_are_refused_with_the_list(method, extra, hint):
    with pytest.raises(ParameterError, match="is not a block of this method") as info:
        catalog.validate(method, {"extra": extra, "doc_id" if method == "doc.get" else "user_id": 1})
    assert info.value.param == "extra"
    assert "documents extra blocks: " in str(info.value)
    if hint:
        assert hint in str(info.value)


def test_per_page_above_the_maximum_is_refused_before_sending():
    with pytest.raises(ParameterError, match=r"per_page is at most 100, got 500. Use per_page=100 with pages='all'"):
        catalog.validate("doc.search", {"per_page": 500})
    assert catalog.validate("doc.search", {"per_page": np.int64(100)}) == {"per_page": "100"}


def test_per_page_is_refused_the_same_for_one_page_and_all_pages(sandbox):
    from ipernity_nb import connect

    client = connect(sandbox=sandbox)
    messages = []
    for pages in (1, "all"):
        with pytest.raises(ParameterError) as info:
            client.frame("doc.search", pages=pages, per_page=500, text="sunset")
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "at most 100" in messages[0]
    assert len(client.calls) == 0  # nothing was sent


def test_ids_from_a_frame_go_straight_back_in(sandbox):
    from ipernity_nb import connect

    alice = connect(sandbox=sandbox, user="alice")
    docs = alice.frame("doc.getList", per_page=5)
    doc = alice.call("doc.get", doc_id=docs.doc_id[0])["doc"]
    assert doc["doc_id"] == str(docs.doc_id[0])
    merged = docs[["doc_id"]].merge(pd.DataFrame({"doc_id": [docs.doc_id[1]], "x": [1]}), how="left")
    assert merged.doc_id.dtype == "Int64"
    as_float = merged.doc_id.astype("float64")[1]  # what a merge through float gives
    assert alice.call("doc.get", doc_id=as_float)["doc"]["doc_id"] == str(docs.doc_id[1])
    profile = alice.call("user.get", user_id=alice.frame("user.get").user_id[0])
    assert profile["user"]["username"] == "alice"


def test_a_set_holding_nan_is_refused_not_crashed():
    with pytest.raises(ParameterError, match="'doc_id' got a missing value"):
        catalog.validate("album.docs.add", {"album_id": 1, "doc_id": {1, float("nan")}})
