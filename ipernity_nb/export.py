"""Streaming export: a harvest written page by page to Parquet or CSV, memory flat.

Each page becomes a typed frame (the same dtypes as ``Client.frame``) and is appended to the
file at once; only the pages in flight are ever in memory. The Parquet schema is fixed by the
first page (all-empty columns take the type their name implies, as in ``frames.classify``);
later pages are conformed to it. CSV (missing values written as ``\\N``) gets a ``<path>.dtypes.json`` sidecar so
:func:`read_csv` restores the same dtypes. The files open in pandas, DuckDB, Spark or Dask.

Example:
    >>> from ipernity_nb import connect  # doctest: +SKIP
    >>> client = connect()  # doctest: +SKIP
    >>> client.export("doc.search", "docs.parquet", text="paris")  # doctest: +SKIP
    {'path': 'docs.parquet', 'format': 'parquet', 'rows': 120, 'pages': 2, 'columns': 22}
    >>> pd.read_parquet("docs.parquet").dtypes["doc_id"]  # doctest: +SKIP
    Int64Dtype()
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pandas.api.types import pandas_dtype
from tqdm.auto import tqdm

from .errors import ParameterError
from .frames import classify, frame_from_records
from .harvest import OnPage
from .paging import max_pages_of, pages_expected
from .seam import ApiClient

__all__ = ["FORMATS", "export", "read_csv"]

FORMATS = ("parquet", "csv")
#: How a missing value is written to CSV, so an empty string stays an empty string.
NA_REP = r"\N"
_ARROW_FOR_KIND = {
    "time": pa.timestamp("ns", tz="UTC"),
    "bool": pa.bool_(),
    "float": pa.float64(),
    "int": pa.int64(),
    "category": pa.dictionary(pa.int32(), pa.string()),
    "string": pa.string(),
}
_PANDAS_FOR_KIND = {
    "time": "datetime64[ns, UTC]",
    "bool": "boolean",
    "float": "Float64",
    "int": "Int64",
    "category": "category",
    "string": "string",
}


def _kind(column: str) -> str:
    """The dtype kind of a frame column (dots became underscores: try each split)."""
    for i, ch in enumerate(column):
        if ch == "_" and (k := classify(column[:i] + "." + column[i + 1 :])) != "string":
            return k
    return classify(column)


def _fill_null_types(schema: pa.Schema, df: pd.DataFrame) -> pa.Schema:
    """Columns that were all empty on page 1 get the type their name implies (pandas metadata too)."""
    fields = []
    for f in schema:
        if pa.types.is_null(f.type):
            f = pa.field(f.name, _ARROW_FOR_KIND[_kind(f.name)])
        elif pa.types.is_dictionary(f.type):  # later pages may bring more categories
            f = pa.field(f.name, pa.dictionary(pa.int32(), f.type.value_type))
        fields.append(f)
    meta = pa.Schema.from_pandas(_empty_like(df, schema), preserve_index=False).metadata
    return pa.schema(fields, metadata=meta)


def _empty_like(df: pd.DataFrame, schema: pa.Schema) -> pd.DataFrame:
    out = {}
    for f in schema:
        s = df[f.name]
        if pa.types.is_null(f.type):
            s = pd.Series([], dtype=_PANDAS_FOR_KIND[_kind(f.name)])
        out[f.name] = s.iloc[:0]
    return pd.DataFrame(out)


def _conform(df: pd.DataFrame, schema: pa.Schema, method: str, warned: set[str]) -> pa.Table:
    """The page as a table of exactly ``schema``'s columns and types (extra columns dropped, warned once)."""
    extra = [c for c in df.columns if c not in schema.names and c not in warned]
    if extra:
        warned.update(extra)
        warnings.warn(
            f"{method}: column(s) {', '.join(extra)} first appear after page 1 and are not in the export "
            "(its schema is fixed by page 1); pass the same extra= on every page, or use Client.frame.",
            stacklevel=3,
        )
    arrays = []
    for f in schema:
        if f.name in df.columns:
            try:
                arrays.append(pa.array(df[f.name], type=f.type, from_pandas=True))
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                raise ParameterError(
                    f"{method}: column {f.name!r} changed type between pages (page 1: {f.type}); "
                    "export as format='csv' or use Client.frame.",
                    method=method,
                    param=f.name,
                ) from None
        else:
            arrays.append(pa.nulls(len(df), type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _dtype_name(s: pd.Series) -> str:
    """``str(dtype)``, with the categories' own dtype for a categorical (``category:int64``)."""
    if isinstance(s.dtype, pd.CategoricalDtype) and s.dtype.categories.dtype.kind in "iuf":
        return f"category:{s.dtype.categories.dtype}"
    return str(s.dtype)


def _csv_value(s: pd.Series) -> pd.Series:
    if s.dtype == object:  # lists/dicts inside a row: JSON text
        return s.map(lambda v: json.dumps(v) if isinstance(v, (list, dict)) else v)
    return s


def export(
    client: ApiClient,
    method: str,
    path: str | os.PathLike,
    *,
    format: str = "parquet",
    pages: int | str = "all",
    workers: int | None = None,
    progress: bool | None = None,
    chunk_rows: int = 5000,
    split: bool = False,
    on_page: OnPage | None = None,
    **params: Any,
) -> dict:
    """Write every page of ``method`` (or the first ``pages``) to ``path``; return a summary.

    Pages are fetched like ``Client.frame`` (concurrently, in page order) and written in chunks
    of about ``chunk_rows`` rows (typing cost is per column, so small chunks are slow), so peak
    memory is one chunk plus the pages in flight, whatever the total. ``split=True`` exports
    every doc.search result past the 3000 cap, as ``Client.frame(..., split=True)`` does.
    ``on_page(done, expected)`` is told after each page (a form's progress bar).

    Example:
        >>> export(client, "doc.search", "docs.csv", format="csv", text="cat")  # doctest: +SKIP
        {'path': 'docs.csv', 'format': 'csv', 'rows': 42, 'pages': 1, 'columns': 22}
    """
    if format not in FORMATS:
        raise ParameterError(
            f"format must be one of {', '.join(FORMATS)}; got {format!r}.",
            method=method,
            param="format",
            expected=" or ".join(FORMATS),
            received=format,
        )
    max_pages = max_pages_of(pages, method)
    path = os.fspath(path)
    show = client.progress if progress is None else progress
    out = _Writer(path, format, method, params)
    rows = n_pages = 0
    buf: list[dict] = []
    expected: int | None = None
    try:
        with tqdm(desc=method, unit="page", disable=not show) as bar:
            for page, loc in client.pages(method, params, max_pages=max_pages, workers=workers, split=split):
                if n_pages == 0:
                    expected = None if split else pages_expected(loc, page or 1, max_pages, method)
                    bar.reset(total=expected)
                buf.extend(loc.records)
                if n_pages == 0 or len(buf) >= chunk_rows:  # page 1 alone fixes the schema early
                    out.write(buf)
                    rows += len(buf)
                    buf = []
                n_pages += 1
                bar.update(1)
                if on_page is not None:
                    on_page(n_pages, expected)
            if buf or n_pages == 0:
                out.write(buf)
                rows += len(buf)
    finally:
        out.close()
    return {"path": path, "format": format, "rows": rows, "pages": n_pages, "columns": out.width}


class _Writer:
    """Appends typed chunks to one Parquet or CSV file; the first chunk fixes the columns."""

    def __init__(self, path: str, format: str, method: str, params: dict) -> None:
        self.path, self.format, self.method, self.params = path, format, method, params
        self.writer: pq.ParquetWriter | None = None
        self.schema: pa.Schema | None = None
        self.columns: list[str] | None = None
        self.warned: set[str] = set()

    @property
    def width(self) -> int:
        return len(self.schema.names) if self.schema is not None else len(self.columns or [])

    def write(self, records: list[dict]) -> None:
        df = frame_from_records(self.method, records, params=self.params)
        if self.schema is None and self.columns is None:
            self._start(df)
        if not len(df):
            return
        if self.writer is not None and self.schema is not None:
            self.writer.write_table(_conform(df, self.schema, self.method, self.warned))
        elif self.columns is not None:
            out = df.reindex(columns=self.columns)
            out = out.assign(**{c: _csv_value(out[c]) for c in self.columns if out[c].dtype == object})
            out.to_csv(self.path, mode="a", header=False, index=False, na_rep=NA_REP)

    def _start(self, df: pd.DataFrame) -> None:
        if self.format == "parquet":
            self.schema = _fill_null_types(pa.Schema.from_pandas(df, preserve_index=False), df)
            self.writer = pq.ParquetWriter(self.path, self.schema)
        else:
            self.columns = list(df.columns)
            dtypes = {c: _dtype_name(df[c]) for c in self.columns}
            with open(self.path + ".dtypes.json", "w", encoding="utf-8") as fh:
                json.dump({"method": self.method, "dtypes": dtypes}, fh, indent=1)
            df.iloc[:0].to_csv(self.path, index=False)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def read_csv(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV written by :func:`export` back with the dtypes ``Client.frame`` gives.

    Example:
        >>> read_csv("docs.csv").dtypes["doc_id"]  # doctest: +SKIP
        Int64Dtype()
    """
    path = os.fspath(path)
    try:
        with open(path + ".dtypes.json", encoding="utf-8") as fh:
            dtypes: dict[str, str] = json.load(fh)["dtypes"]
    except FileNotFoundError:
        raise ParameterError(
            f"{path}.dtypes.json is missing: read_csv restores dtypes only for files written by export().",
            param="path",
            received=path,
        ) from None
    direct = {c: d for c, d in dtypes.items() if d in ("Int64", "Float64", "boolean", "string")}
    text = {c: "string" for c, d in dtypes.items() if c not in direct}
    df = pd.read_csv(path, dtype={**direct, **text}, keep_default_na=False, na_values=[NA_REP])
    for c, d in dtypes.items():
        if d.startswith("datetime64"):
            df[c] = pd.to_datetime(df[c], utc=True, format="ISO8601").astype(pandas_dtype(d))
        elif d == "object":
            df[c] = pd.Series(
                [json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v for v in df[c].astype(object)],
                dtype=object,
                index=df.index,
            ).where(df[c].notna(), None)
        elif d.startswith("category:"):
            df[c] = pd.to_numeric(df[c]).astype(pandas_dtype(d.split(":", 1)[1].capitalize())).astype("category")
        elif d not in direct:
            df[c] = df[c].astype(pandas_dtype(d))
    return df[list(dtypes)]
