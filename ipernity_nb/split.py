"""Cutting doc.search past its 3000-result cap into posted-date windows (``split=True``).

The posted-date range is bisected (``posted_min``/``posted_max``, inclusive, whole seconds, so
windows are disjoint) until every window's ``total`` is under the cap (docs/protocol.md §2.4);
the page engine (harvest.py) then walks every window's pages in the same pool.

Example:
    >>> slices(0, 9, 3)
    [(0, 2), (3, 5), (6, 9)]
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from .errors import ParameterError
from .frames import locate
from .paging import DEFAULT_WORKERS, RESULT_CAPS, Fetch, pages_expected, plan_per_page

__all__ = ["SPLITTABLE", "check_splittable", "slices", "split_by_posted"]

#: Methods ``split=True`` knows how to cut by posting date (records carry ``doc_id``).
SPLITTABLE = {"doc.search": "doc_id"}


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
    check_splittable(method)
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


def check_splittable(method: str) -> None:
    """Raise a ParameterError unless ``split=True`` works for ``method``."""
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
