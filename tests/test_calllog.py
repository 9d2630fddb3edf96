"""The call log on its own: cleaning, bounds and typed frames (the live log is in test_client)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from ipernity_nb.calllog import COLUMNS, CallLog, clean_params, mask_key


def test_params_are_cleaned_on_entry():
    out = clean_params(
        {
            "api_key": "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c",
            "auth_token": "284001-abcdef",
            "api_sig": "a269b218feb341ef03bc093a0f2c8078",
            "doc_id": "5",
            "file": b"\x89PNG" * 100,
        }
    )
    assert out == {"api_key": "5f3e…", "auth_token": "***", "api_sig": "***", "doc_id": "5", "file": "<400 bytes>"}
    assert mask_key(None) == "" and mask_key("abcdef") == "abcd…"


def test_log_is_bounded_and_typed():
    log = CallLog(max_log=2)
    log.add(method="a", params={"auth_token": "t"}, verb="GET", status=200, duration_ms=1.5, bytes=10)
    log.add(method="b", params={}, verb="POST", status=200, code=110, error="PermissionDeniedError")
    log.add(method="c", params={}, verb="GET", page=2, pages=5, from_cache=True)
    df = log.frame()
    assert df["method"].tolist() == ["b", "c"] and log.max_log == 2
    assert df.dtypes.astype(str).to_dict() == COLUMNS
    assert df["code"].tolist()[0] == 110 and pd.isna(df["code"][1])
    assert df["page"][1] == 2 and bool(df["from_cache"][1]) is True
    assert (df["time"] <= pd.Timestamp(datetime.now(UTC))).all()
    log.clear()
    empty = log.frame()
    assert len(empty) == 0 and empty.dtypes.astype(str).to_dict() == COLUMNS


def test_max_log_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        CallLog(max_log=0)
