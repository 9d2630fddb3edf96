"""Streaming export: Parquet and CSV round-trip with the same rows and dtypes as Client.frame."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ipernity_nb import Client
from ipernity_nb.errors import ParameterError
from ipernity_nb.export import read_csv

EXTRA = "owner,dates,count,license,geo"
PARAMS = {"per_page": 100, "extra": EXTRA, "sort": "posted-asc"}


@pytest.fixture(scope="module")
def client(sandbox, demo_app) -> Client:
    return Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, progress=False)


@pytest.fixture(scope="module")
def expected(client) -> pd.DataFrame:
    df = client.frame("doc.search", pages=6, **PARAMS)
    assert len(df) == 600
    return df


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert got.dtypes.astype(str).tolist() == want.dtypes.astype(str).tolist()
    pd.testing.assert_frame_equal(got, want, check_categorical=False, check_dtype=True)


@pytest.mark.parametrize("chunk_rows", [5000, 150])  # one chunk, and several chunks (schema fixed by page 1)
def test_parquet_round_trip_same_rows_and_dtypes(client, expected, tmp_path, chunk_rows):
    path = tmp_path / "docs.parquet"
    info = client.export("doc.search", path, pages=6, chunk_rows=chunk_rows, **PARAMS)
    assert info["rows"] == 600 and info["pages"] == 6 and info["format"] == "parquet"
    if chunk_rows < 600:
        assert pq.ParquetFile(path).num_row_groups > 1
    same(pd.read_parquet(path), expected)


@pytest.mark.parametrize("chunk_rows", [5000, 150])
def test_csv_round_trip_same_rows_and_dtypes(client, expected, tmp_path, chunk_rows):
    path = tmp_path / "docs.csv"
    info = client.export("doc.search", path, format="csv", pages=6, chunk_rows=chunk_rows, **PARAMS)
    assert info["rows"] == 600
    same(read_csv(path), expected)


def test_empty_harvest_writes_an_empty_typed_file(client, tmp_path):
    path = tmp_path / "none.parquet"
    info = client.export("doc.search", path, text="zzzz-no-such-word-zzzz", **PARAMS)
    assert info["rows"] == 0
    assert len(pd.read_parquet(path)) == 0


def test_bad_format_and_pages_raise(client, tmp_path):
    with pytest.raises(ParameterError, match="format must be one of parquet, csv"):
        client.export("doc.search", tmp_path / "x.json", format="json")
    with pytest.raises(ParameterError, match="pages must be"):
        client.export("doc.search", tmp_path / "x.parquet", pages=0)


def test_read_csv_needs_the_sidecar(tmp_path):
    (tmp_path / "plain.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ParameterError, match=r"dtypes\.json is missing"):
        read_csv(tmp_path / "plain.csv")
