"""Children in one call (Client.frame_each) and frames that say when they are partial.

Against a sandbox of our own over loopback (faults are switched on for one test and off again).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ipernity_nb import ChildrenNotFetchedError, Client, IncompleteResultWarning, ParameterError
from ipernity_nb.completeness import incomplete_reason
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.transport import RetryPolicy, Throttle

KEY, SECRET = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718"
FAST = RetryPolicy(attempts=8, base=0.001, cap=0.01, total=10.0)


@pytest.fixture(scope="module")
def sb():
    with Sandbox(seed="demo") as s:
        yield s


@pytest.fixture(autouse=True)
def no_faults(sb):
    sb.configure(faults={})
    yield
    sb.configure(faults={})


def alice(sb, **kw) -> Client:
    kw.setdefault("retries", FAST)
    token = sb.issue_token(KEY, "alice", {"doc": "read", "network": "read"})
    return Client(KEY, SECRET, url=sb.api_url, token=token, progress=False, **kw)


@pytest.fixture(scope="module")
def docs(sb) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteResultWarning)
        return alice(sb).frame("doc.getList", per_page=30)


@pytest.mark.parametrize(
    "kind", [list, tuple, set, np.array, pd.Series, pd.Index, lambda s: s.astype("float64"), "column"]
)
def test_every_kind_of_ids_gives_the_same_frame(sb, docs, kind):
    if kind == "column":
        ids = docs.doc_id
    else:
        ids = kind(docs.doc_id.tolist()) if kind in (list, tuple, set) else kind(docs.doc_id)
    c = alice(sb)
    tags = c.frame_each("doc.tags.getList", ids)
    want = {d: len(c.call("doc.tags.getList", doc_id=d)["tags"].get("tag", [])) for d in docs.doc_id.tolist()[:5]}
    got = tags.groupby("doc_id").size()
    assert all(got.get(d, 0) == n for d, n in want.items())
    assert tags.columns[0] == "doc_id" and str(tags.doc_id.dtype) == "Int64"
    assert set(tags.doc_id) <= set(docs.doc_id)
    assert tags.attrs["ids"] == len(docs) and tags.attrs["parent"] == "doc_id" and "incomplete" not in tags.attrs


def test_rows_keep_the_order_of_the_ids_and_repeats_are_fetched_once(sb, docs):
    c = alice(sb)
    ids = list(reversed(docs.doc_id.tolist()[:6])) * 2
    tags = c.frame_each("doc.tags.getList", ids)
    seen = list(dict.fromkeys(tags.doc_id.tolist()))
    assert seen == [d for d in ids[:6] if d in set(seen)]
    assert len(c.calls) == 6  # one call per distinct id, all through client.call


def test_paginated_children_are_fetched_whole(sb, docs):
    c = alice(sb)
    one = docs.doc_id[0]
    total = int(c.call("doc.comments.getList", doc_id=one, per_page=1)["comments"]["total"])
    assert total > 2
    comments = c.frame_each("doc.comments.getList", [one], per_page=2)  # forces several pages per id
    assert len(comments) == total and comments.comment_id.is_unique
    assert (comments.doc_id == one).all()


def test_the_parameter_is_found_from_the_column_name_or_given(sb, docs):
    c = alice(sb)
    comments = c.frame_each("doc.comments.getList", docs.doc_id[:5], extra="owner")
    profiles = c.frame_each("user.get", comments.commenter_user_id)  # user.get's user_id, from the name
    assert set(profiles.user_id) == set(comments.commenter_user_id)
    assert "parent_user_id" not in profiles.columns  # the row already is the id
    net = c.frame_each("network.getList", [284001], param="user_id")
    assert (net.parent_user_id == 284001).all() and net.user_id.ne(284001).all()
    with pytest.raises(ParameterError, match="which parameter takes the ids"):
        c.frame_each("doc.search", [1, 2])
    with pytest.raises(ParameterError, match="has no parameter 'doc'"):
        c.frame_each("doc.get", [1], param="doc")


def test_missing_ids_and_scalars_are_refused(sb):
    c = alice(sb)
    with pytest.raises(ParameterError, match="hold missing values; drop them first"):
        c.frame_each("doc.tags.getList", pd.Series([1, None], dtype="Int64", name="doc_id"))
    with pytest.raises(ParameterError, match="ids must be a list"):
        c.frame_each("doc.tags.getList", 5)
    with pytest.raises(ParameterError, match="errors must be"):
        c.frame_each("doc.tags.getList", [1], errors="ignore")
    assert len(c.calls) == 0


def test_failed_ids_are_named_never_a_short_result(sb, docs):
    c = alice(sb)
    ids = [docs.doc_id[0], 999999999, docs.doc_id[1], 999999998]
    with pytest.raises(ChildrenNotFetchedError) as info:
        c.frame_each("doc.tags.getList", ids)
    err = info.value
    assert list(err.failed) == [999999999, 999999998]
    assert "2 id(s) could not be fetched: 999999999, 999999998" in str(err)
    assert set(err.frame.doc_id) <= {docs.doc_id[0], docs.doc_id[1]}
    with pytest.warns(IncompleteResultWarning, match=r"rows of 2 of 4 ids: 2 failed"):
        part = c.frame_each("doc.tags.getList", ids, errors="warn")
    assert list(part.attrs["failed"]) == [999999999, 999999998]
    assert "NotFoundError" in part.attrs["failed"][999999999]
    assert part.attrs["incomplete"].startswith("rows of 2 of 4 ids")


def test_retries_apply_to_every_call(sb, docs):
    sb.configure(faults={"rate": 0.3, "seed": 5, "http_codes": [503], "api_codes": []})
    c = alice(sb)
    tags = c.frame_each("doc.tags.getList", docs.doc_id[:20])
    sb.configure(faults={})
    clean = alice(sb).frame_each("doc.tags.getList", docs.doc_id[:20])
    pd.testing.assert_frame_equal(tags, clean)
    assert len(c.calls) > 20  # some attempts failed and were retried, none was lost


def test_the_throttle_and_cache_apply(sb, docs, tmp_path):
    counted = []

    class Counting(Throttle):
        def acquire(self) -> float:
            counted.append(1)
            return super().acquire()

    c = alice(sb, throttle=Counting(10_000), cache=str(tmp_path / "c.sqlite"))
    first = c.frame_each("doc.tags.getList", docs.doc_id[:10])
    assert len(counted) == 10
    again = c.frame_each("doc.tags.getList", docs.doc_id[:10])
    pd.testing.assert_frame_equal(first, again)
    assert c.calls["from_cache"].tail(10).all()


def test_progress_bar_counts_calls(sb, docs, capsys):
    c = alice(sb)
    c.frame_each("doc.tags.getList", docs.doc_id[:4], progress=True)
    assert "4/4" in capsys.readouterr().err


# --- incomplete frames ----------------------------------------------------------------------


def test_one_page_of_many_says_so(sb):
    c = alice(sb)
    with pytest.warns(IncompleteResultWarning, match=r"^20 of 210 rows: pages='all' fetches all$"):
        df = c.frame("doc.getList")
    assert df.attrs["incomplete"] == "20 of 210 rows: pages='all' fetches all"
    with pytest.warns(IncompleteResultWarning, match=r"^200 of 210 rows"):  # per_page: the maximum
        c.frame("doc.getList", pages=2)


def test_a_whole_answer_says_nothing(sb):
    c = alice(sb)
    with warnings.catch_warnings():
        warnings.simplefilter("error", IncompleteResultWarning)
        whole = c.frame("doc.getList", pages="all")
        one = c.frame("doc.get", doc_id=int(whole.doc_id.iloc[0]))
    assert len(whole) == 210 and "incomplete" not in whole.attrs and "incomplete" not in one.attrs


def test_the_search_cap_says_to_split():
    assert incomplete_reason("doc.search", 3000, {"total": 3000, "page": 1, "pages": 30}) == (
        "3000 of 3000+ rows: doc.search stops at 3000 results; split=True with pages='all' fetches all"
    )
    assert incomplete_reason("doc.search", 3000, {"total": 3000}, split=True) is None
    assert incomplete_reason("doc.search", 2999, {"total": 2999}) is None
    assert incomplete_reason("group.getList", 10, {"page": 1, "pages": 3}) == (
        "10 rows from page 1 of 3: pages='all' fetches all"
    )


@pytest.fixture(scope="module")
def big():
    with Sandbox(seed="demo", scale=4000) as s:
        yield s


def test_a_capped_search_says_to_split_and_split_is_whole(big):
    c = Client(KEY, SECRET, url=big.api_url, progress=False)
    with pytest.warns(IncompleteResultWarning, match=r"stops at 3000 results; split=True"):
        capped = c.frame("doc.search", pages="all")
    assert len(capped) == 3000 and "split=True" in capped.attrs["incomplete"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", IncompleteResultWarning)
        every = c.frame("doc.search", pages="all", split=True)
    assert len(every) > 3000 and "incomplete" not in every.attrs


def test_warnings_are_labelled_by_method_and_shown_every_time(sb, docs):
    c = alice(sb)
    with pytest.warns(IncompleteResultWarning) as got:
        for _ in range(2):  # the same line twice: said twice
            c.frame("doc.getList")
        c.frame_each("doc.tags.getList", [docs.doc_id[0], 999999999], errors="warn")
    assert [w.filename for w in got] == ["doc.getList", "doc.getList", "doc.tags.getList"]
    shown = warnings.formatwarning(got[0].message, got[0].category, got[0].filename, got[0].lineno)
    assert "/" not in shown.split("IncompleteResultWarning")[0]  # no kernel temp-file path in a notebook
