"""Children in one call: one API call per id, fetched concurrently, one typed frame with the parent id.

``client.frame_each("doc.tags.getList", docs.doc_id)`` calls ``doc.tags.getList`` once for each
distinct id (a list, tuple, set, array, ``Series``, ``Index`` or a frame's column), through the
client's own :meth:`~ipernity_nb.client.Client.call` (validation, signing, its retries,
throttle, cache and pooled keep-alive session), ``workers`` calls at a time, with a tqdm.auto
progress bar. Rows come in the ids' order, typed once at the end, each carrying its parent id:

* the column is named as the parameter (``doc_id``) so a merge with the parent frame is one
  ``merge(on="doc_id")``; when the child rows have their own field of that name (``network.getList``
  rows carry ``user_id``), the parent's is ``parent_user_id``; a single-object answer whose row
  already is the id (``user.get`` per ``user_id``) gets no extra column;
* a paginated child list is fetched whole: ``per_page`` defaults to the method's maximum and any
  further pages of one id are walked by ``client.walk`` (the client's page engine).

No short result without saying so: with ``errors="raise"`` (default) any failed id raises
:class:`~ipernity_nb.errors.ChildrenNotFetchedError` naming every failed id (the rows fetched are
on its ``frame``); ``errors="warn"`` returns those rows with ``attrs["failed"]`` and an
:class:`~ipernity_nb.errors.IncompleteResultWarning`.

Example:
    >>> parent_column("doc.tags.getList", "doc_id"), parent_column("network.getList", "user_id")
    ('doc_id', 'parent_user_id')
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any, Protocol

import pandas as pd

from . import catalog
from .coerce import MISSING, is_collection, items
from .completeness import warn_incomplete
from .errors import ChildrenNotFetchedError, ParameterError
from .frames import Columns, frame_from_columns, locate
from .paging import check_workers
from .rows import parent_column

__all__ = ["ERRORS", "Caller", "frame_each", "id_param"]

#: What ``errors=`` accepts: raise on any failed id, or warn and return the rest.
ERRORS = ("raise", "warn")


class Caller(Protocol):
    """What the fan-out needs of a client: its public call and walk, and its defaults."""

    workers: int
    progress: bool
    session: Any
    url: str

    def call(self, method: str, /, **params: Any) -> dict: ...

    def walk(self, method: str, /, workers: int | None = None, split: bool = False, **params: Any) -> Any: ...


def id_param(method: str, ids: object, param: str | None = None) -> str:
    """The parameter that receives each id: ``param``, else the one the ids' name or the method points to.

    Example:
        >>> import pandas as pd
        >>> id_param("user.get", pd.Series([1], name="owner_user_id")), id_param("doc.tags.getList", [1])
        ('user_id', 'doc_id')
    """
    m = catalog.get(method)
    names = [p.name for p in m.params or ()]
    if param is not None:
        if m.params is not None and param not in names:
            raise ParameterError(
                f"{method} has no parameter {param!r}; it takes {', '.join(names) or 'none'}.",
                method=method,
                param=param,
            )
        return param
    ids_name = str(getattr(ids, "name", None) or "")
    id_names = [n for n in names if n.endswith("_id")]
    required = [p.name for p in m.params or () if p.required and p.name.endswith("_id")]
    for pick in (
        [n for n in id_names if n == ids_name],
        required if len(required) == 1 else [],
        [n for n in id_names if ids_name.endswith("_" + n)],
        id_names if len(id_names) == 1 else [],
    ):
        if len(pick) == 1:
            return pick[0]
    raise ParameterError(
        f"{method}: which parameter takes the ids? Pass param=, one of {', '.join(id_names or names) or 'none'}.",
        method=method,
        param="param",
        expected="a parameter name",
    )


def _distinct_ids(method: str, param: str, ids: object) -> list[Any]:
    if not is_collection(ids):
        raise ParameterError(
            f"{method}: ids must be a list, tuple, set, array, Series or Index (e.g. df.doc_id); got "
            f"{type(ids).__name__}.",
            method=method,
            param=param,
            received=ids,
        )
    values = items(ids)  # type: ignore[arg-type]
    if any(v is MISSING for v in values):
        raise ParameterError(
            f"{method}: the ids for {param!r} hold missing values; drop them first (e.g. df.{param}.dropna()).",
            method=method,
            param=param,
            received="NaN/<NA>",
        )
    return list(dict.fromkeys(values))


def _fetch_one(client: Caller, method: str, params: dict) -> list[dict]:
    """Every record of one id: the first page through ``call``, any further ones through ``walk``."""
    loc = locate(method, client.call(method, **params))
    pages, total = loc.info.get("pages"), loc.info.get("total")
    if isinstance(pages, int) or isinstance(total, int):
        more = (isinstance(pages, int) and pages > 1) or (isinstance(total, int) and total > len(loc.records))
    else:  # a list that only gives its count: a full page may have a next one
        more = len(loc.records) >= int(params.get("per_page") or 0) > 0
    if not catalog.get(method).paginated or not loc.records or not more:
        return loc.records
    rest = list(client.walk(method, workers=1, **{**params, "page": int(params.get("page") or 1) + 1}))
    return loc.records + rest


def frame_each(
    client: Caller,
    method: str,
    ids: object,
    *,
    param: str | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    errors: str = "raise",
    **params: Any,
) -> pd.DataFrame:
    """One typed frame of ``method`` called once per distinct id (see the module docstring)."""
    if errors not in ERRORS:
        raise ParameterError(f"errors must be 'raise' or 'warn'; got {errors!r}.", param="errors", received=errors)
    n = check_workers(client.workers if workers is None else workers, method)
    name = id_param(method, ids, param)
    todo = _distinct_ids(method, name, ids)
    base = dict(params)
    spec = catalog.get(method).param("per_page")
    if spec is not None and spec.max and "per_page" not in base:
        base["per_page"] = spec.max  # fewest calls per id
    results: dict[Any, list[dict]] = {}
    failed: dict[Any, BaseException] = {}
    show = client.progress if progress is None else progress
    from tqdm.auto import tqdm  # imported when used, as harvest.py does: it pulls in ipywidgets

    with (
        ThreadPoolExecutor(max_workers=n, thread_name_prefix=f"each:{method}") as pool,
        tqdm(total=len(todo), desc=method, unit="call", disable=not show) as bar,
    ):
        futures: dict[Future, Any] = {pool.submit(_fetch_one, client, method, {**base, name: i}): i for i in todo}
        for fut in as_completed(futures):
            i = futures[fut]
            exc = fut.exception()
            if exc is None:
                results[i] = fut.result()
            else:
                failed[i] = exc
            bar.update(1)
    df = _assemble(method, name, todo, results, base)
    if failed:
        failed = {i: failed[i] for i in todo if i in failed}  # in the ids' order
        df.attrs["failed"] = {i: f"{type(e).__name__}: {e}" for i, e in failed.items()}
        reason = f"rows of {len(results)} of {len(todo)} ids: {len(failed)} failed (see attrs['failed'])"
        if errors == "raise":
            df.attrs["incomplete"] = reason
            err = ChildrenNotFetchedError(method, failed, frame=df)
            raise err from next(iter(failed.values()))
        warn_incomplete(df, reason)
    return df


def _assemble(method: str, name: str, todo: list, results: Mapping[Any, list[dict]], params: dict) -> pd.DataFrame:
    column = parent_column(method, name)
    cols = Columns()
    for i in todo:
        recs = results.get(i)
        if recs:
            cols.add([{column: i, **r} for r in recs] if column else recs)
    info = {"total": len(cols)}
    df = frame_from_columns(method, cols, info=info, params=params)
    if column and column not in df.columns:  # no rows at all: keep the parent column
        df.insert(0, column, pd.Series([], dtype="Int64"))
    df.attrs.update(ids=len(todo), parent=column or name)
    return df
