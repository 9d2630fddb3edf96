"""The page engine behind ``Client.frame``/``walk``/``export`` and the forms: plain walks and windows.

One bounded thread pool serves a whole harvest: every window's page 1 is fetched at once, then
the remaining pages of all windows, yielded in window order then page order, each exactly once.
``split=True`` lifts doc.search's 3000-result cap (docs/protocol.md §2.4): the posted-date range
is bisected (``posted_min``/``posted_max``, inclusive, whole seconds, so windows are disjoint)
until every window's ``total`` is under the cap, and rows are de-duplicated by ``doc_id``.

Example:
    >>> pages = {(w, n): {"docs": {"page": str(n), "pages": "2", "total": "2",
    ...     "doc": [{"doc_id": f"{w}{n}"}]}} for w in "ab" for n in (1, 2)}
    >>> fetch = lambda method, params, page: pages[(params["text"], page)]
    >>> [(w, p) for w, p, _ in iter_windows(fetch, "doc.search", [{"text": "a"}, {"text": "b"}], workers=2)]
    [(0, 1), (0, 2), (1, 1), (1, 2)]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from . import catalog
from .errors import ParameterError
from .frames import Columns, Located, frame_from_columns, locate
from .paging import (
    DEFAULT_WORKERS,
    RESULT_CAPS,
    PagesNotFetchedError,
    check_workers,
    iter_pages,
    pages_expected,
    plan_per_page,
)

__all__ = [
    "SPLITTABLE",
    "OnPage",
    "dedupe_records",
    "frame_pages",
    "iter_windows",
    "slices",
    "split_by_posted",
    "split_pages",
    "walk_pages",
]

#: Methods ``split=True`` knows how to cut by posting date (records carry ``doc_id``).
SPLITTABLE = {"doc.search": "doc_id"}

Fetch = Callable[[str, dict, int | None], dict]


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
            yield from _Engine(fetch, method, plans, got, max_pages, workers, own, prefetched).run()
        return
    yield from _Engine(fetch, method, plans, got, max_pages, workers, pool, prefetched).run()


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
    ) -> None:
        self.fetch, self.method, self.plans, self.got = fetch, method, plans, got
        self.max_pages, self.workers, self.pool = max_pages, workers, pool
        self.starts = [int(p.get("page") or 1) for p in plans]
        self.futs: dict[tuple[int, int], Future] = dict(prefetched or {})
        self.first_sent = [g is not None for g in got]  # a page 1 given by the caller is never fetched again
        self.rest: list[list[int] | None] = [None] * len(plans)
        self.nxt = [0] * len(plans)
        self.cap = 2 * workers

    def run(self) -> Iterator[tuple[int, int, Located]]:
        try:
            for i in range(len(self.plans)):
                loc = locate(self.method, self.take(i, self.starts[i]))
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


def split_by_posted(
    fetch: Fetch,
    method: str,
    params: Mapping[str, Any],
    *,
    workers: int = DEFAULT_WORKERS,
    pool: ThreadPoolExecutor | None = None,
    prefetched: dict[tuple[int, int], Future] | None = None,
) -> tuple[list[dict], list[dict | None]]:
    """Posted-date windows of ``method`` each under its result cap, with their page-1 payloads.

    The whole query's page 1 (and the oldest and newest posting dates inside any given
    ``posted_min``/``posted_max``: two one-record probes sent alongside) comes first; only when its
    ``total`` reaches the cap is the range cut into ``max(workers, 2)`` equal time slices; a slice
    whose probe still reaches the cap is cut again as soon as that probe lands (no level barrier).
    A probe that fits is kept as that window's page 1, so a fitting window costs nothing extra.
    Windows come oldest first (newest first for ``sort="posted-desc"``, so that sort stays global).
    With a shared ``pool`` and a ``prefetched`` dict, idle workers start fitting windows' later
    pages (earliest window first, at most ``workers`` in all) while probes go on; they are
    filed in ``prefetched`` as ``(window index, page) -> Future`` for :func:`iter_windows`.
    """
    _check_splittable(method)
    if pool is None:
        size = 1 if workers == 1 else max(workers, 3)  # workers=1 means one request at a time, probes too
        with ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"split:{method}") as own:
            return split_by_posted(fetch, method, params, workers=workers, pool=own)
    cap = RESULT_CAPS[method]
    base = dict(params)
    base.pop("page", None)
    per_page = plan_per_page(method, base)
    if per_page is not None:
        base["per_page"] = per_page
    desc = str(base.get("sort", "")) == "posted-desc"

    def total(payload: dict) -> int:
        return int(locate(method, payload).info.get("total") or 0)

    def window(a: int, b: int, page: int) -> dict:
        return {**base, "posted_min": a, "posted_max": b, "page": page}

    ways = max(workers, 2)
    top = pool.submit(fetch, method, {**base, "page": 1}, 1)
    # the oldest and newest posting dates inside the bounds, sent with page 1: if a split is needed,
    # no round trip is lost, and given bounds wider than the data are narrowed before the first cut
    ends = [
        pool.submit(fetch, method, {**base, "sort": sort, "per_page": 1, "page": 1, "extra": "dates"}, None)
        for sort in ("posted-asc", "posted-desc")
    ]
    first = top.result()
    if total(first) < cap:
        for f in ends:
            f.cancel()
        return [base], [first]
    lo, hi = (_posted_at(method, f.result()) for f in ends)
    if base.get("posted_min") is not None:
        lo = max(lo, int(base["posted_min"]))
    if base.get("posted_max") is not None:
        hi = min(hi, int(base["posted_max"]))
    level = slices(lo, hi, ways)
    if len(level) < 2:
        _warn_unsplittable(method, lo, cap)
        return [base], [first]
    done: list[tuple[int, int, dict]] = []
    probes = {pool.submit(fetch, method, window(a, b, 1), 1): (a, b) for a, b in level}
    todo: list[tuple[int, int, int]] = []  # (a, b, page) of fitting windows, to prefetch
    spec: dict[tuple[int, int, int], Future] = {}
    try:
        while probes:
            landed, _ = wait(probes, return_when=FIRST_COMPLETED)
            for fut in sorted(landed, key=probes.__getitem__):
                a, b = probes.pop(fut)
                payload = fut.result()
                if total(payload) < cap or a == b:
                    if a == b and total(payload) >= cap:
                        _warn_unsplittable(method, a, cap)
                    done.append((a, b, payload))
                    if prefetched is not None:
                        todo += [(a, b, page) for page in _later_pages(method, payload)]
                else:
                    for a2, b2 in slices(a, b, ways):
                        probes[pool.submit(fetch, method, window(a2, b2, 1), 1)] = (a2, b2)
            if prefetched is None or not todo:
                continue
            # only idle workers prefetch, so a probe never queues behind a page; earliest window first
            todo.sort(key=lambda t: (-t[0] if desc else t[0], t[2]))
            busy = len(probes) + sum(1 for f in spec.values() if not f.done())
            while todo and busy < workers and len(spec) < workers:
                a, b, page = todo.pop(0)
                spec[(a, b, page)] = pool.submit(fetch, method, window(a, b, page), page)
                busy += 1
    except BaseException:
        for f in [*probes, *spec.values()]:
            f.cancel()
        raise
    done.sort(reverse=desc)
    if prefetched is not None:
        index = {(a, b): i for i, (a, b, _) in enumerate(done)}
        prefetched.update({(index[(a, b)], page): f for (a, b, page), f in spec.items()})
    return [{**base, "posted_min": a, "posted_max": b} for a, b, _ in done], [p for _, _, p in done]


def _check_splittable(method: str) -> None:
    if method not in SPLITTABLE:
        raise ParameterError(
            f"split=True works for {', '.join(SPLITTABLE)} (cut by posting date); {method} has no such cap.",
            method=method,
            param="split",
        )


def _later_pages(method: str, payload: dict) -> list[int]:
    """Pages 2.. of a window whose page 1 is ``payload`` (none when it gives no page count)."""
    loc = locate(method, payload)
    n = pages_expected(loc, 1, None, method) if loc.records else None
    return list(range(2, n + 1)) if n else []


def slices(lo: int, hi: int, ways: int) -> list[tuple[int, int]]:
    """``[lo, hi]`` (whole seconds, inclusive) cut into at most ``ways`` disjoint, covering slices.

    Example:
        >>> slices(0, 9, 3)
        [(0, 2), (3, 5), (6, 9)]
    """
    n = min(ways, hi - lo + 1)
    if n <= 1:
        return [(lo, hi)]
    cuts = [lo + (hi - lo + 1) * i // n for i in range(n + 1)]
    return [(cuts[i], cuts[i + 1] - 1) for i in range(n)]


def _posted_at(method: str, payload: dict) -> int:
    recs = locate(method, payload).records
    return int(recs[0]["dates"]["posted_at"]) if recs else 0


def _warn_unsplittable(method: str, when: int, cap: int) -> None:
    warnings.warn(
        f"{method}: {cap}+ results were posted in the same second ({when}); only the first {cap} of them "
        "can be fetched. Add a filter (text, tags, user_id …) to see the rest.",
        stacklevel=4,
    )


# --- what the Client runs ------------------------------------------------------------------------

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
    _check_splittable(method)  # raised now, not at the first page
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

    ``progress`` shows a tqdm bar; ``on_page(done, expected)`` is told after each page.
    """
    cols = Columns()  # rows go straight into column lists: no DataFrame per page, no concat
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
    return frame_from_columns(method, cols, info=info, params=params)
