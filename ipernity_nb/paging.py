"""Walking paginated answers (ipernity-api.md §2.4), shared by ``Client.walk`` and ``Client.frame``.

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
from .errors import ParameterError
from .frames import Located, locate

__all__ = ["RESULT_CAPS", "iter_pages", "plan_per_page"]

#: Methods whose results stop at a fixed number of items (ipernity-api.md §2.4).
RESULT_CAPS = {"doc.search": 3000, "post.search": 3000}

#: Fetch one page: (method, params, page) -> payload.
Fetch = Callable[[str, dict, int | None], dict]


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
