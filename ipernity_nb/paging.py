"""Page arithmetic of paginated answers (docs/protocol.md §2.4) and the sequential walk.

List wrappers carry ``page``/``per_page``/``total``/``pages``, but not uniformly: some lack
``pages`` (derived from ``total``/``per_page``), some carry only ``count``, and an empty
result may omit the list key. Full-text search stops at 3000 results.

Example:
    >>> plan_per_page("doc.search", {})
    100
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from . import catalog
from .errors import PagesNotFetchedError, ParameterError
from .frames import Located, locate

__all__ = [
    "DEFAULT_WORKERS",
    "RESULT_CAPS",
    "PagesNotFetchedError",
    "check_workers",
    "iter_pages",
    "max_pages_of",
    "pages_expected",
    "plan_per_page",
]

#: Pages fetched at once by a multi-page walk (one pooled session). 8 takes a capped search (30
#: pages) in page 1 plus 4 rounds instead of 5 with 6 workers; it fits requests' default pool (10
#: per host), and the client's throttle and its backoff on quota errors (112, 113) keep the live
#: service's limits. Against a server within reach of the same cores, the engine keeps 2 in flight
#: instead (harvest.NEAR_SECONDS). Measured by ``python -m benchmarks.bench_floor`` (3,000 docs,
#: 50 ms latency; docs/client-core.md, "Measuring"): about 0.39 s with 6 workers, 0.32 s with 8.
DEFAULT_WORKERS = 8

#: Methods whose results stop at a fixed number of items (docs/protocol.md §2.4).
RESULT_CAPS = {"doc.search": 3000, "post.search": 3000}

#: Fetch one page: (method, params, page) -> payload.
Fetch = Callable[[str, dict, int | None], dict]


def check_workers(workers: object, method: str | None = None) -> int:
    """``workers`` when it is a positive integer (not a bool), else a ParameterError saying so.

    Example:
        >>> check_workers(6)
        6
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ParameterError(
            f"workers must be a positive integer (1 = one request at a time); got {workers!r}.",
            method=method,
            param="workers",
            expected="1, 2, …",
            received=workers,
        )
    return workers


def max_pages_of(pages: int | str, method: str) -> int | None:
    """``pages=`` of ``frame``/``export`` as a page limit: ``"all"`` -> None, N >= 1 -> N.

    Example:
        >>> max_pages_of("all", "doc.search"), max_pages_of(3, "doc.search")
        (None, 3)
    """
    if pages == "all":
        return None
    if isinstance(pages, int) and not isinstance(pages, bool) and pages >= 1:
        return pages
    raise ParameterError(
        f"pages must be a positive integer or 'all'; got {pages!r}.",
        method=method,
        param="pages",
        expected="1, 2, … or 'all'",
        received=pages,
    )


def plan_per_page(method: str, params: Mapping[str, Any]) -> int | None:
    """``per_page`` for a walk: the caller's, else the catalog maximum; above the maximum raises."""
    p = catalog.get(method).param("per_page")
    given = params.get("per_page")
    if given is None:
        return p.max if p is not None and p.max else None
    try:
        n = int(given)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{method}: per_page must be an integer, got {given!r}.", method=method, param="per_page", received=given
        ) from None
    if p is not None and p.max and n > p.max:
        raise ParameterError(
            f"{method}: per_page is at most {p.max}, got {n}. Use per_page={p.max} with pages='all' to get more.",
            method=method,
            param="per_page",
            expected=f"at most {p.max}",
            received=given,
        )
    return n


def iter_pages(
    fetch: Fetch, method: str, params: Mapping[str, Any], *, max_pages: int | None = None
) -> Iterator[tuple[int, Located]]:
    """Yield ``(page number, located records)`` until the last page, ``max_pages`` or the cap.

    Non-paginated methods give one page (``page`` is then ``None``).
    """
    m = catalog.get(method)
    params = dict(params)
    if not m.paginated:
        yield 0, locate(method, fetch(method, params, None))
        return
    per_page = plan_per_page(method, params)
    if per_page is not None:
        params["per_page"] = per_page
    page = int(params.get("page") or 1)
    cap = RESULT_CAPS.get(method)
    done = 0
    while True:
        loc = locate(method, fetch(method, {**params, "page": page}, page))
        yield page, loc
        done += 1
        size = loc.info.get("per_page") or per_page
        if not loc.records or (max_pages is not None and done >= max_pages):
            return
        pages = loc.info.get("pages")
        if pages is not None:
            if page >= pages:
                return
        elif size and len(loc.records) < size:
            return  # count-only list: a short page is the last one
        if cap and size and page * size >= cap:
            return
        page += 1


def pages_expected(loc: Located, start: int, max_pages: int | None, method: str) -> int | None:
    """How many pages a walk will fetch, once the first answer is known (for progress bars)."""
    pages = loc.info.get("pages")
    if pages is None:
        return None
    n = max(pages - start + 1, 1)
    size = loc.info.get("per_page")
    cap = RESULT_CAPS.get(method)
    if cap and size:
        n = min(n, max(-(-cap // size) - start + 1, 1))
    return min(n, max_pages) if max_pages else n
