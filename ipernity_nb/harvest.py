"""The page engine behind ``Client.frame``/``walk``/``export`` and the forms: plain walks and windows.

One bounded thread pool serves a whole harvest: every window's page 1 is fetched at once, then
the remaining pages of all windows, yielded in window order then page order, each exactly once.
A plain walk is one window; ``split=True`` lifts doc.search's 3000-result cap with posted-date
windows (split.py) walked by the same pool, rows de-duplicated by ``doc_id``.

Example:
    >>> pages = {(w, n): {"docs": {"page": str(n), "pages": "2", "total": "2",
    ...     "doc": [{"doc_id": f"{w}{n}"}]}} for w in "ab" for n in (1, 2)}
    >>> fetch = lambda method, params, page: pages[(params["text"], page)]
    >>> [(w, p) for w, p, _ in iter_windows(fetch, "doc.search", [{"text": "a"}, {"text": "b"}], workers=2)]
    [(0, 1), (0, 2), (1, 1), (1, 2)]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from . import catalog
from .errors import ParameterError
from .frames import Columns, Located, concat_frames, frame_from_columns, frame_from_records, locate
from .paging import (
    DEFAULT_WORKERS,
    Fetch,
    PagesNotFetchedError,
    check_workers,
    iter_pages,
    pages_expected,
    plan_per_page,
)
from .split import SPLITTABLE, check_splittable, split_by_posted

__all__ = ["OnPage", "dedupe_records", "frame_pages", "iter_windows", "split_pages", "walk_pages"]


def iter_windows(
    fetch: Fetch,
    method: str,
    windows: Sequence[Mapping[str, Any]],
    *,
    max_pages: int | None = None,
    workers: int = DEFAULT_WORKERS,
    firsts: Sequence[dict | None] | None = None,
    pool: ThreadPoolExecutor | None = None,
    prefetched: Mapping[tuple[int, int], Future] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[tuple[int, int, Located]]:
    """Yield ``(window index, page, located records)`` for every page of every window, in order.

    The one page engine: a plain walk is one window, a split harvest many. ``firsts`` gives
    page-1 payloads already fetched (by :func:`split_by_posted`); a list is consumed (entries set
    to ``None`` as they are taken) so memory stays flat however many windows there are. At most ``workers`` first pages
    and ``2 * workers`` pages in all are held at once (bounded memory); later pages are submitted
    strictly in yield order, so the pool never waits on itself. ``pool`` shares a caller's pool;
    ``prefetched`` maps ``(window, page)`` to pages already in flight there (at most ``workers``,
    so ``workers`` slots stay for the pages in yield order). A page that fails raises
    :class:`PagesNotFetchedError` naming it and every later page of its window.

    When a one-window walk's first page came back within :data:`NEAR_SECONDS` (``clock`` times it), the server
    is on this machine or next to it: then at most two pages are in flight, one served while
    the other is parsed, since more would only contend for the same cores (docs/client-core.md,
    "How many pages in flight").
    """
    plans = [_plan(method, w) for w in windows]
    # the caller's list itself: each page 1 is dropped once taken, so a long split harvest does not keep
    # every window's first page alive until the end
    got: list[dict | None] = firsts if isinstance(firsts, list) else [*(firsts or [None] * len(plans))]
    if workers == 1 or not catalog.get(method).paginated:
        for i, p in enumerate(plans):
            one = _with_first(fetch, got[i], int(p.get("page") or 1))
            got[i] = None  # held by `one` while this window is walked, then freed
            for page, loc in iter_pages(one, method, p, max_pages=max_pages):
                yield i, page, loc
        return
    if pool is None:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"harvest:{method}") as own:
            yield from _Engine(fetch, method, plans, got, max_pages, workers, own, prefetched, clock).run()
        return
    yield from _Engine(fetch, method, plans, got, max_pages, workers, pool, prefetched, clock).run()


def _plan(method: str, window: Mapping[str, Any]) -> dict:
    p = dict(window)
    per_page = plan_per_page(method, p)
    if per_page is not None:
        p["per_page"] = per_page
    return p


def _with_first(fetch: Fetch, first: dict | None, start: int) -> Fetch:
    """``fetch``, answering page ``start`` with ``first`` when it is already known."""
    if first is None:
        return fetch
    return lambda m, q, n: first if n == start else fetch(m, q, n)


#: A first page answered within this many seconds comes from a server on this machine or next
#: to it (the sandbox answers a 100-doc page in about 4 ms); then :data:`NEAR_IN_FLIGHT` pages at
#: most are in flight (benchmarks/bench_floor.py, no latency: 2 in flight beat 6 or 8).
NEAR_SECONDS = 0.02
NEAR_IN_FLIGHT = 2


class _Engine:
    """The state of one concurrent walk over windows: what is planned, in flight and yielded.

    Per window ``i``: ``starts[i]`` its first page, ``got[i]`` a page-1 payload given by the
    caller (consumed once), ``rest[i]`` the later page numbers once page 1 is known (``None``
    before), ``nxt[i]`` how many of them were submitted. ``futs`` holds pages in flight.
    """

    def __init__(
        self,
        fetch: Fetch,
        method: str,
        plans: list[dict],
        got: list[dict | None],
        max_pages: int | None,
        workers: int,
        pool: ThreadPoolExecutor,
        prefetched: Mapping[tuple[int, int], Future] | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetch, self.method, self.plans, self.got = fetch, method, plans, got
        self.max_pages, self.workers, self.pool = max_pages, workers, pool
        self.starts = [int(p.get("page") or 1) for p in plans]
        self.futs: dict[tuple[int, int], Future] = dict(prefetched or {})
        self.first_sent = [g is not None for g in got]  # a page 1 given by the caller is never fetched again
        self.rest: list[list[int] | None] = [None] * len(plans)
        self.nxt = [0] * len(plans)
        self.cap = 2 * workers
        self.clock = clock
        self.asked: float | None = None  # when the engine sent the walk's first page

    def tune(self) -> None:
        """Once the first page is back: two pages in flight when it came back within NEAR_SECONDS."""
        if self.asked is not None and self.clock() - self.asked < NEAR_SECONDS:
            self.cap = min(self.cap, NEAR_IN_FLIGHT)
        self.asked = None

    def run(self) -> Iterator[tuple[int, int, Located]]:
        try:
            for i in range(len(self.plans)):
                loc = locate(self.method, self.take(i, self.starts[i]))
                self.tune()
                yield i, self.starts[i], loc
                if self.rest[i] is None:
                    try:
                        self.rest[i] = self.plan_rest(i, loc)
                    except _CountOnly:  # a list that gives no page count: walk it page by page
                        self.rest[i] = []
                        yield from self.walk_count_only(i)
                        continue
                for page in self.rest[i] or []:
                    yield i, page, locate(self.method, self.take(i, page))
        finally:
            for f in self.futs.values():
                f.cancel()

    def walk_count_only(self, i: int) -> Iterator[tuple[int, int, Located]]:
        left = None if self.max_pages is None else self.max_pages - 1
        if left == 0:
            return
        more = {**self.plans[i], "page": self.starts[i] + 1}
        for page, loc in iter_pages(self.fetch, self.method, more, max_pages=left):
            yield i, page, loc

    def plan_rest(self, i: int, loc: Located) -> list[int]:
        if not loc.records or (self.max_pages is not None and self.max_pages <= 1):
            return []
        n_pages = pages_expected(loc, self.starts[i], self.max_pages, self.method)
        if n_pages is None:
            raise _CountOnly
        return list(range(self.starts[i] + 1, self.starts[i] + n_pages))

    def submit(self, i: int, page: int) -> None:
        if len(self.plans) == 1 and page == self.starts[0]:  # a split harvest keeps its slots for first pages
            self.asked = self.clock()
        self.futs[(i, page)] = self.pool.submit(self.fetch, self.method, {**self.plans[i], "page": page}, page)

    def submit_more(self) -> None:
        # every window's page 1 early (it tells how many pages follow), at most `workers` of them,
        # so at least `workers` slots stay for the later pages the consumer waits on
        n_first = sum(1 for (i, p) in self.futs if p == self.starts[i])
        for i in range(len(self.plans)):
            if len(self.futs) >= self.cap or n_first >= self.workers:
                break
            if not self.first_sent[i]:
                self.first_sent[i] = True
                self.submit(i, self.starts[i])
                n_first += 1
        for i in range(len(self.plans)):  # then the later pages, strictly in yield order
            rest = self.rest[i]
            if rest is None:
                f = self.futs.get((i, self.starts[i]))
                pre = self.got[i] if f is None else (f.result() if f.done() and f.exception() is None else None)
                if pre is None:
                    return
                if i == 0:
                    self.tune()  # before the later pages go out
                try:
                    rest = self.rest[i] = self.plan_rest(i, locate(self.method, pre))
                except _CountOnly:
                    return  # walked sequentially by the consumer
            while self.nxt[i] < len(rest) and len(self.futs) < self.cap:
                if (i, rest[self.nxt[i]]) not in self.futs:  # not prefetched
                    self.submit(i, rest[self.nxt[i]])
                self.nxt[i] += 1
            if self.nxt[i] < len(rest):
                return

    def take(self, i: int, page: int) -> dict:
        """The payload of ``page`` of window ``i``, waiting for it while keeping the pool busy."""
        given = self.got[i]
        if page == self.starts[i] and given is not None:
            self.got[i] = None
            return given
        self.submit_more()
        want = self.futs[(i, page)]  # KeyError here would be a bug in submit_more's order
        while not want.done():  # sleep until any page in flight lands (done ones would make wait spin)
            wait([f for f in self.futs.values() if not f.done()], return_when=FIRST_COMPLETED)
            self.submit_more()
        if self.rest[i] and page > self.starts[i]:  # a prefetched page taken before its turn: never send it again
            self.nxt[i] = max(self.nxt[i], page - self.starts[i])
        try:
            return self.futs.pop((i, page)).result()
        except BaseException as exc:
            later = (self.rest[i] or [])[self.nxt[i] :]
            missing = sorted({page, *(p for (j, p) in self.futs if j == i), *later})
            raise PagesNotFetchedError(self.method, missing, exc) from exc


class _CountOnly(Exception):
    """A list that gives no page count (``count`` only)."""


# --- what the Client runs ------------------------------------------------------------------------

#: Rows typed at a time by :func:`frame_pages`: typing costs a fixed ~0.1 s per chunk, so a chunk is
#: large; a harvest under it is typed once, at the end (measured by benchmarks/bench_floor.py --memory).
CHUNK_ROWS = 5_000

#: Rows made arrow arrays at a time while a harvest waits for its pages (Columns.compact):
#: fewer calls cost more per row, more leave more to do after the last page.
PREPARE_ROWS = 500

#: Told after each page of a harvest: (pages done, pages expected or None when unknown).
OnPage = Callable[[int, int | None], Any]


def walk_pages(
    fetch: Fetch,
    method: str,
    params: Mapping[str, Any],
    *,
    max_pages: int | None = None,
    workers: int = DEFAULT_WORKERS,
    split: bool = False,
) -> Iterator[tuple[int, Located]]:
    """``(page, located records)`` of a harvest, in order, each page once: the one entry point.

    A plain walk is one window of :func:`iter_windows`; ``split=True`` first cuts doc.search into
    posted-date windows (:func:`split_by_posted`) in the same pool, and drops records already seen.
    """
    check_workers(workers, method)
    if not split:
        return (
            (page, loc) for _, page, loc in iter_windows(fetch, method, [params], max_pages=max_pages, workers=workers)
        )
    if max_pages is not None:
        raise ParameterError("split=True harvests every result: use it with pages='all'.", method=method, param="split")
    check_splittable(method)  # raised now, not at the first page
    return dedupe_records(method, split_pages(fetch, method, params, workers))


def split_pages(fetch: Fetch, method: str, params: Mapping[str, Any], n: int) -> Iterator[tuple[int, Located]]:
    """Every page of a split harvest (records not yet de-duplicated), windows found and walked in one pool.

    Fitting windows' later pages start while probes go on; :func:`walk_pages` is the usual entry.
    """
    if n < 3:  # workers=1 means one request at a time, workers=2 keeps the 3-request first round
        wins, firsts = split_by_posted(fetch, method, params, workers=n)
        for _, page, loc in iter_windows(fetch, method, wins, workers=n, firsts=firsts):
            yield page, loc
        return
    with ThreadPoolExecutor(max_workers=n, thread_name_prefix=f"harvest:{method}") as pool:
        pre: dict[tuple[int, int], Future] = {}
        wins, firsts = split_by_posted(fetch, method, params, workers=n, pool=pool, prefetched=pre)
        for _, page, loc in iter_windows(fetch, method, wins, workers=n, firsts=firsts, pool=pool, prefetched=pre):
            yield page, loc


def dedupe_records(method: str, pages: Iterable[tuple[int, Located]]) -> Iterator[tuple[int, Located]]:
    """Drop records seen on an earlier page (by ``SPLITTABLE[method]``): windows of a split harvest."""
    key, seen = SPLITTABLE[method], set()
    for page, loc in pages:
        fresh = []
        for r in loc.records:
            k = r.get(key)
            if k not in seen:
                seen.add(k)
                fresh.append(r)
        yield page, Located(fresh, loc.info) if len(fresh) != len(loc.records) else loc


def frame_pages(
    pages: Iterable[tuple[int, Located]],
    method: str,
    params: Mapping[str, Any],
    *,
    max_pages: int | None = None,
    split: bool = False,
    progress: bool = False,
    on_page: OnPage | None = None,
) -> pd.DataFrame:
    """Every page as one typed frame; records are flattened while the workers wait on the network.

    Rows go straight into column lists (no DataFrame per page); every :data:`CHUNK_ROWS` rows
    they are typed and the raw values let go, so a large harvest never holds its untyped cells
    all at once; the typed chunks are stacked at the end. ``progress`` shows a tqdm bar;
    ``on_page(done, expected)`` is told after each page.
    """
    cols = Columns()
    chunks: list[pd.DataFrame] = []
    first = last = None
    totals = done = 0
    expected: int | None = None
    with tqdm(desc=method, unit="page", disable=not progress) as bar:
        for page, loc in pages:
            if first is None:
                first = loc
                expected = None if split else pages_expected(loc, page or 1, max_pages, method)
                bar.reset(total=expected)
            if split and page == 1:
                totals += int(loc.info.get("total") or 0)
            last = loc
            if loc.records:
                cols.add(loc.records)
                if len(cols) - cols.done >= PREPARE_ROWS:  # while the next pages are on their way
                    cols.compact()
                if len(cols) >= CHUNK_ROWS:
                    chunks.append(frame_from_columns(method, cols))
                    cols = Columns()
            done += 1
            bar.update(1)
            if on_page is not None:
                on_page(done, expected)
    info = dict(first.info if first else {})
    if last is not None and "pages" not in info and "pages" in last.info:
        info["pages"] = last.info["pages"]
    if split:
        info["total"] = totals
        info.pop("pages", None)
    if not chunks:
        return frame_from_columns(method, cols, info=info, params=params)
    if len(cols):
        chunks.append(frame_from_columns(method, cols))
    del cols
    out = _stack(chunks)
    out.attrs = frame_from_records(method, [], info=info, params=params).attrs
    return out


def _stack(chunks: list[pd.DataFrame]) -> pd.DataFrame:
    """The typed chunks stacked column by column, each chunk's column let go once stacked, so the
    harvest holds about one frame's worth at the end, not the chunks and their copy (a 100k-doc
    frame's peak went from 3.06x to about 2.8x its size; ``benchmarks/bench_floor.py --memory``).
    Empties ``chunks``."""
    names = list(dict.fromkeys(c for ch in chunks for c in ch.columns))
    stacked: dict[str, pd.Series] = {}
    for name in names:
        parts = [ch.pop(name).to_frame() if name in ch.columns else pd.DataFrame(index=ch.index) for ch in chunks]
        stacked[name] = concat_frames(parts)[name]
        del parts
    index = pd.RangeIndex(sum(len(ch) for ch in chunks))
    chunks.clear()
    return pd.DataFrame({k: v.set_axis(index) for k, v in stacked.items()}, index=index, copy=False)
