"""Multi-window harvests: one pool for every window, and ``split=True`` past doc.search's 3000 cap.

Exactness is the point: every window's pages exactly once, in window then page order, equal to a
sequential run and to the sandbox database itself; no duplicate or missing row.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from ipernity_nb import Client
from ipernity_nb.errors import ParameterError
from ipernity_nb.harvest import iter_windows, split_pages
from ipernity_nb.paging import PagesNotFetchedError
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP
from ipernity_nb.split import slices, split_by_posted

# --- the engine, on a fake fetch (no network: exact counts and timing control) -----------------

PAGES = {"a": 3, "b": 0, "c": 1, "d": 7, "e": 2}  # pages per window; "b" is empty


class FakeApi:
    def __init__(self, fail: tuple[str, int] | None = None) -> None:
        self.calls: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.live = self.peak = 0
        self.fail = fail
        self.rng = random.Random(7)

    def __call__(self, method: str, params: dict, page: int | None) -> dict:
        w = params["text"]
        with self.lock:
            self.calls.append((w, page))
            self.live += 1
            self.peak = max(self.peak, self.live)
            delay = self.rng.random() * 0.004
        try:
            time.sleep(delay)  # pages finish out of order
            if (w, page) == self.fail:
                raise ConnectionError("connection reset by peer")
            n = PAGES[w]
            docs = [{"doc_id": f"{w}{page}-{i}"} for i in range(10)] if n else []
            return {"docs": {"page": str(page), "pages": str(n), "per_page": "10", "total": str(n * 10), "doc": docs}}
        finally:
            with self.lock:
                self.live -= 1


def expected() -> list[tuple[int, int]]:
    return [(i, p) for i, w in enumerate(PAGES) for p in range(1, max(PAGES[w], 1) + 1)]


@pytest.mark.parametrize("workers", [1, 2, 3, 5])
def test_windows_in_order_each_page_exactly_once(workers):
    api = FakeApi()
    got = [(i, p, [r["doc_id"] for r in loc.records]) for i, p, loc in iter_windows(
        api, "doc.search", [{"text": w, "per_page": 10} for w in PAGES], workers=workers
    )]  # fmt: skip
    assert [(i, p) for i, p, _ in got] == expected()
    assert sorted(api.calls) == sorted((w, p) for w in PAGES for p in range(1, max(PAGES[w], 1) + 1))
    ids = [d for _, _, recs in got for d in recs]
    assert len(ids) == len(set(ids)) == 10 * sum(PAGES.values())
    assert api.peak <= 2 * workers  # bounded: never more pages in flight than the window allows


def test_given_first_pages_are_not_fetched_again():
    api = FakeApi()
    plans = [{"text": w, "per_page": 10} for w in PAGES]
    firsts = [api("doc.search", {**p, "page": 1}, 1) for p in plans]
    api.calls.clear()
    got = [(i, p) for i, p, _ in iter_windows(api, "doc.search", plans, workers=3, firsts=firsts)]
    assert got == expected()
    assert all(p != 1 for _, p in api.calls)


def test_a_failed_page_raises_never_a_short_result():
    api = FakeApi(fail=("d", 4))
    with pytest.raises(PagesNotFetchedError) as err:
        list(iter_windows(api, "doc.search", [{"text": w, "per_page": 10} for w in PAGES], workers=3))
    assert 4 in err.value.pages and isinstance(err.value.__cause__, ConnectionError)


def test_slices_cover_the_range_disjointly():
    rng = random.Random(3)
    for _ in range(200):
        lo = rng.randrange(0, 10**9)
        hi = lo + rng.randrange(0, 50)
        ways = rng.randrange(2, 9)
        cut = slices(lo, hi, ways)
        assert cut[0][0] == lo and cut[-1][1] == hi and len(cut) <= ways
        assert all(a <= b for a, b in cut)
        assert all(cut[i][1] + 1 == cut[i + 1][0] for i in range(len(cut) - 1))


# --- split and pages in one pool: prefetched pages of fitting windows while probes go on --------


class FakeSearch:
    """doc.search over synthetic posting dates (skewed, so some slices need a second cut)."""

    def __init__(self, n: int = 12_000, fail_page: int | None = None, seed: int = 11) -> None:
        rng = random.Random(seed)
        self.docs = sorted((int(rng.triangular(0, 100_000, 100_000)), i) for i in range(n))
        self.calls: list[tuple] = []
        self.lock = threading.Lock()
        self.live = self.peak = 0
        self.fail_page = fail_page
        self.rng = random.Random(seed)

    def __call__(self, method: str, params: dict, page: int | None) -> dict:
        lo, hi = int(params.get("posted_min", 0)), int(params.get("posted_max", 10**9))
        per, n = int(params["per_page"]), int(params.get("page", 1))
        with self.lock:
            self.calls.append((lo, hi, per, n, params.get("sort")))
            self.live += 1
            self.peak = max(self.peak, self.live)
            delay = self.rng.random() * 0.003
        try:
            time.sleep(delay)  # answers land out of order
            if per > 1 and n == self.fail_page and "posted_min" in params:
                raise ConnectionError("connection reset by peer")
            hits = [d for d in self.docs if lo <= d[0] <= hi]
            if params.get("sort") == "posted-desc":
                hits.reverse()
            part = hits[(n - 1) * per : n * per]
            docs = [{"doc_id": str(i), "dates": {"posted_at": str(t)}} for t, i in part]
            pages = -(-len(hits) // per)
            return {"docs": {"page": str(n), "pages": str(pages), "per_page": str(per), "total": str(len(hits)),
                             "doc": docs}}  # fmt: skip
        finally:
            with self.lock:
                self.live -= 1


@pytest.mark.parametrize("workers", [3, 6, 8])
@pytest.mark.parametrize("sort", ["posted-asc", "posted-desc"])
def test_one_pool_split_gets_every_doc_once_in_order_and_no_page_twice(workers, sort):
    api = FakeSearch()
    rows = [r["doc_id"] for _, loc in split_pages(api, "doc.search", {"per_page": 100, "sort": sort}, workers)
            for r in loc.records]  # fmt: skip
    truth = [str(i) for _, i in (api.docs if sort == "posted-asc" else reversed(api.docs))]
    assert rows == truth  # exactly once each, in the global posted order
    window_pages = [c for c in api.calls if c[2] == 100 and "posted_min"]
    assert len(window_pages) == len(set(window_pages))  # no page fetched twice (probes and prefetch reused)
    assert api.peak <= workers  # probes and pages share the one bounded pool


def test_prefetched_pages_start_before_the_split_ends_and_are_reused():
    api = FakeSearch()
    pre: dict = {}
    with ThreadPoolExecutor(max_workers=6) as pool:
        wins, firsts = split_by_posted(api, "doc.search", {"per_page": 100}, workers=6, pool=pool, prefetched=pre)
        assert 0 < len(pre) <= 6  # idle workers fetched later pages, at most `workers` held
        assert all(p > 1 and 0 <= i < len(wins) for i, p in pre)
        plan = [(i, p) for i, f in enumerate(firsts) for p in range(1, int(f["docs"]["pages"]) + 1)]
        got = [(i, p) for i, p, _ in iter_windows(api, "doc.search", wins, workers=6, firsts=firsts, pool=pool,
                                                  prefetched=pre)]  # fmt: skip
    assert got == plan
    assert firsts == [None] * len(wins)  # each window's page 1 let go once taken: memory stays flat
    final = {(w["posted_min"], w["posted_max"]) for w in wins}
    recut = {(c[0], c[1]) for c in api.calls if c[2] == 100 and (c[0], c[1]) not in final} - {(0, 10**9)}
    assert recut  # the skewed dates made some slice reach the cap: it was cut again
    pages = [c for c in api.calls if (c[0], c[1]) in final]
    assert len(pages) == len(set(pages)) == len(plan)  # probes and prefetched pages reused, none sent twice


def test_prefetched_pages_taken_early_are_never_sent_again():
    # window 0 has 7 pages and the cap is 2*workers=4: its pages 6 and 7 come prefetched, taken while
    # nxt still lags behind them; they must not be submitted a second time
    api = FakeApi()
    plans = [{"text": w, "per_page": 10} for w in PAGES]
    firsts = [api("doc.search", {**p, "page": 1}, 1) for p in plans]
    with ThreadPoolExecutor(max_workers=2) as pool:
        pre = {(3, 6): pool.submit(api, "doc.search", {**plans[3], "page": 6}, 6),
               (3, 7): pool.submit(api, "doc.search", {**plans[3], "page": 7}, 7)}  # fmt: skip
        api.calls.clear()
        got = [(i, p) for i, p, _ in iter_windows(api, "doc.search", plans, workers=2, firsts=firsts, pool=pool,
                                                  prefetched=pre)]  # fmt: skip
    assert got == expected()
    assert sorted(api.calls) == sorted((w, p) for w in PAGES for p in range(2, PAGES[w] + 1) if (w, p) not in
                                       {("d", 6), ("d", 7)})  # fmt: skip


def test_a_failed_prefetched_page_raises_never_a_short_result():
    api = FakeSearch(fail_page=2)
    with pytest.raises(PagesNotFetchedError) as err:
        list(split_pages(api, "doc.search", {"per_page": 100}, 6))
    assert 2 in err.value.pages and isinstance(err.value.__cause__, ConnectionError)


# --- split=True on a sandbox with more than 3000 public docs --------------------------------------


@pytest.fixture(scope="module")
def big():
    with Sandbox(seed="demo", scale=7000) as sb:
        yield sb


@pytest.fixture
def client(big) -> Client:
    return Client(APP["api_key"], APP["secret"], url=big.api_url, progress=False)


def public_ids(sb: Sandbox, lo: int | None = None, hi: int | None = None) -> set[int]:
    """Ground truth: what an anonymous doc.search may see (share 4, owner not closed)."""
    sql = "SELECT doc_id FROM docs WHERE share = 4 AND owner_id NOT IN (SELECT user_id FROM users WHERE is_closed = 1)"
    args: list = []
    if lo is not None:
        sql += " AND posted_at BETWEEN ? AND ?"
        args = [lo, hi]
    with sqlite3.connect(sb.db_path) as db:
        return {r[0] for r in db.execute(sql, args)}


def test_split_gets_every_public_doc_once_and_equals_a_sequential_run(big, client):
    df = client.frame("doc.search", pages="all", split=True, extra="dates", sort="posted-asc")
    truth = public_ids(big)
    assert len(truth) > 3000  # past the cap, so the split really happened
    assert df["doc_id"].is_unique
    assert set(df["doc_id"].astype(int)) == truth
    assert df.attrs["total"] == len(df)
    assert df["dates_posted_at"].is_monotonic_increasing  # windows oldest first + posted-asc inside
    seq = Client(APP["api_key"], APP["secret"], url=big.api_url, progress=False, workers=1)
    pd.testing.assert_frame_equal(
        df, seq.frame("doc.search", pages="all", split=True, extra="dates", sort="posted-asc")
    )


def test_split_is_not_the_capped_harvest(client):
    assert len(client.frame("doc.search", pages="all")) == 3000
    assert len(client.frame("doc.search", pages="all", split=True)) > 3000


def test_split_posted_desc_keeps_the_global_order(client):
    asc = client.frame("doc.search", pages="all", split=True, extra="dates", sort="posted-asc")
    desc = client.frame("doc.search", pages="all", split=True, extra="dates", sort="posted-desc")
    assert desc["dates_posted_at"].is_monotonic_decreasing
    assert sorted(desc["doc_id"]) == sorted(asc["doc_id"])


def test_split_inside_given_bounds_and_walk_agrees(big, client):
    asc = client.frame("doc.search", pages="all", split=True, extra="dates", sort="posted-asc")
    lo = int(asc["dates_posted_at"].iloc[100].timestamp())
    hi = int(asc["dates_posted_at"].iloc[-100].timestamp())
    part = client.frame("doc.search", pages="all", split=True, posted_min=lo, posted_max=hi)
    assert set(part["doc_id"].astype(int)) == public_ids(big, lo, hi)
    walked = [int(d["doc_id"]) for d in client.walk("doc.search", split=True, posted_min=lo, posted_max=hi)]
    assert walked == part["doc_id"].astype(int).tolist()


def test_split_under_the_cap_costs_no_extra_page(client):
    plain = client.frame("doc.search", pages="all", text="paris")
    client.clear_calls()
    split = client.frame("doc.search", pages="all", split=True, text="paris")
    pd.testing.assert_frame_equal(plain, split)
    pages = client.calls["page"]
    assert pages.dropna().astype(int).tolist() == list(range(1, plain.attrs["pages"] + 1))
    assert pages.isna().sum() <= 2  # at most the two one-record date probes sent alongside page 1


def test_split_needs_pages_all_and_a_splittable_method(client):
    with pytest.raises(ParameterError, match="pages='all'"):
        client.frame("doc.search", pages=3, split=True)
    with pytest.raises(ParameterError, match=r"split=True works for doc\.search"):
        client.frame("group.search", pages="all", split=True, text="x")


def test_export_split_streams_every_doc_once(big, client, tmp_path):
    out = client.export("doc.search", tmp_path / "all.csv", format="csv", split=True, chunk_rows=1000)
    ids = pd.read_csv(out["path"])["doc_id"]
    assert out["rows"] == len(ids) and ids.is_unique
    assert set(ids) == public_ids(big)
