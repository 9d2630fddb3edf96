"""Concurrent pagination: exact, in page order, bounded, and never a short result."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from ipernity_nb import Client
from ipernity_nb.errors import ParameterError
from ipernity_nb.harvest import walk_pages
from ipernity_nb.paging import PagesNotFetchedError

EXTRA = "owner,dates,count,license"


@pytest.fixture
def client(sandbox, demo_app) -> Client:
    return Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, progress=False)


def test_concurrent_frame_equals_sequential(client):
    seq = client.frame("doc.search", pages="all", workers=1, per_page=50, extra=EXTRA)
    con = client.frame("doc.search", pages="all", workers=4, per_page=50, extra=EXTRA)
    assert len(seq) > 500  # many pages, so the pool really has work
    assert seq["doc_id"].is_unique and con["doc_id"].is_unique
    assert len(con) == con.attrs["total"]
    pd.testing.assert_frame_equal(seq, con)  # same rows, same order, same dtypes


def test_concurrent_walk_keeps_page_order(client):
    ids_seq = [d["doc_id"] for d in client.walk("doc.search", workers=1, per_page=37, sort="posted-asc")]
    ids_con = [d["doc_id"] for d in client.walk("doc.search", workers=3, per_page=37, sort="posted-asc")]
    assert ids_con == ids_seq
    assert len(set(ids_con)) == len(ids_con)


def test_pages_limit_and_calls_logged_once_per_page(client):
    client.clear_calls()
    df = client.frame("doc.search", pages=4, workers=4, per_page=20)
    assert len(df) == 80
    pages = client.calls["page"].tolist()
    assert sorted(pages) == [1, 2, 3, 4]


def test_workers_share_one_session_from_several_threads(client):
    seen: set[str] = set()
    send = client.caller.send

    def spy(method, params, page=None):  # records which threads fetched, then sends for real
        seen.add(threading.current_thread().name)
        return send(method, params, page)

    client.caller.send = spy  # type: ignore[method-assign]
    client.frame("doc.search", pages=8, workers=4, per_page=10)
    assert len(seen) >= 2  # page 1 on the caller's thread, the rest on pool threads


def test_per_page_above_maximum_raises(client):
    with pytest.raises(ParameterError, match="per_page is at most 100"):
        client.frame("doc.search", pages="all", per_page=500)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_workers_raise(client, bad):
    with pytest.raises(ParameterError, match="workers"):
        client.frame("doc.search", pages=2, workers=bad)


def test_failed_page_raises_naming_the_missing_pages(client):
    send = client.caller.send

    def flaky(method, params, page=None):
        if page == 5:
            raise ConnectionError("connection reset by peer")
        return send(method, params, page)

    client.caller.send = flaky  # type: ignore[method-assign]
    with pytest.raises(PagesNotFetchedError) as err:
        client.frame("doc.search", pages=10, workers=3, per_page=10)
    assert 5 in err.value.pages and 1 not in err.value.pages
    assert err.value.pages == sorted(err.value.pages) and err.value.pages[-1] == 10
    assert "page(s) 5" in str(err.value) and "No partial result" in str(err.value)


def test_search_cap_limits_pages_fetched():
    """doc.search stops at 3000 results (docs/protocol.md §2.4), whatever total the answer claims."""
    asked: list[int] = []
    lock = threading.Lock()

    def fetch(method, params, page):
        with lock:
            asked.append(page)
        docs = [{"doc_id": str(page * 1000 + i)} for i in range(100)]
        return {"docs": {"page": str(page), "pages": "90", "per_page": "100", "total": "9000", "doc": docs}}

    got = [p for p, _ in walk_pages(fetch, "doc.search", {"per_page": 100}, workers=4)]
    assert got == list(range(1, 31))
    assert sorted(asked) == list(range(1, 31))


def test_count_only_lists_fall_back_to_sequential_walk():
    def fetch(method, params, page):
        n = 10 if page < 3 else 4  # no "pages": a short page is the last one
        return {
            "docs": {"page": str(page), "per_page": "10", "doc": [{"doc_id": str(page * 100 + i)} for i in range(n)]}
        }

    got = [(p, len(loc.records)) for p, loc in walk_pages(fetch, "doc.search", {"per_page": 10}, workers=4)]
    assert got == [(1, 10), (2, 10), (3, 4)]


def test_sandbox_search_memo_sees_writes(sandbox, demo_app, token_for):
    """The sandbox reuses a search's hit list across pages; a write must still show at once."""
    token = token_for("alice", {"doc": "write"})
    alice = Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, token=token, progress=False)
    anon = Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, progress=False)
    first = anon.frame("doc.search", pages="all", per_page=100, sort="posted-asc")["doc_id"].tolist()
    assert anon.frame("doc.search", pages="all", per_page=100, sort="posted-asc")["doc_id"].tolist() == first
    assert anon.call("doc.search", text="zqxharvestmemo")["docs"]["total"] == "0"
    doc = anon.call("doc.search", user_id=284001, per_page=1)["docs"]["doc"][0]["doc_id"]
    alice.call("doc.set", doc_id=doc, title="zqxharvestmemo")
    assert anon.call("doc.search", text="zqxharvestmemo")["docs"]["total"] == "1"


@pytest.mark.parametrize("split", [False, True])
def test_typed_chunks_stack_to_the_same_frame(client, monkeypatch, split):
    """Large harvests are typed in chunks as pages arrive: the stacked frame is the one-shot frame."""
    from ipernity_nb import harvest

    params = {"per_page": 100, "extra": "owner,dates,count,license,medias,geo,original"}
    whole = client.frame("doc.search", pages="all", split=split, **params)
    monkeypatch.setattr(harvest, "CHUNK_ROWS", 250)  # a dozen chunks on the demo seed
    chunked = client.frame("doc.search", pages="all", split=split, **params)
    assert len(whole) > 2000 and whole.attrs["total"] == len(whole)
    pd.testing.assert_frame_equal(chunked, whole, check_categorical=True)
    assert chunked.attrs == whole.attrs


@pytest.mark.parametrize(("first_page_seconds", "most"), [(0.001, 2), (1.0, 4)])
def test_pages_in_flight_follow_how_near_the_server_is(first_page_seconds, most):
    """A first page back within NEAR_SECONDS (the engine's clock, injected here) means a server on
    these cores: two pages in flight; a farther one gets every worker (4 here, held together)."""
    from ipernity_nb.harvest import NEAR_IN_FLIGHT, NEAR_SECONDS, iter_windows

    assert (first_page_seconds < NEAR_SECONDS) == (most == NEAR_IN_FLIGHT)
    ticks = iter([0.0, first_page_seconds])
    lock = threading.Lock()
    active, peak = [0], [0]
    together = threading.Barrier(most, timeout=10)  # pages 2..most+1 must all be in flight at once

    def fetch(method, params, page):
        if page > 1:
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            if page <= most + 1:
                together.wait()
            threading.Event().wait(0.005)  # overlap: a third page, were it sent, would be counted
            with lock:
                active[0] -= 1
        docs = [{"doc_id": str(page * 1000 + i)} for i in range(10)]
        return {"docs": {"page": str(page), "pages": "12", "per_page": "10", "total": "120", "doc": docs}}

    clock = lambda: next(ticks, first_page_seconds)  # noqa: E731
    got = [p for _, p, _ in iter_windows(fetch, "doc.search", [{"per_page": 10}], workers=4, clock=clock)]
    assert got == list(range(1, 13))
    assert peak[0] == most
