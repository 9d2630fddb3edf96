"""The client's call log: one secret-free record per HTTP call, shown as a typed DataFrame.

Parameters are stored with :func:`ipernity_nb.errors.redact` applied (``api_sig`` and
``auth_token`` become ``"***"``), the API key masked to its first 4 characters and an
uploaded file replaced by a short description, so the log can be displayed or shared.

Example:
    >>> log = CallLog(max_log=2)
    >>> for i in range(3):
    ...     _ = log.add(method="test.hello", params={"api_key": "5f3e7b1c9a", "api_sig": "x"}, verb="GET")
    >>> len(log), log.frame()["params"][0]
    (2, {'api_key': '5f3e…', 'api_sig': '***'})
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import pandas as pd
from pandas.api.types import pandas_dtype

from .errors import redact

__all__ = ["COLUMNS", "CallLog", "CallRecord", "mask_key"]


def mask_key(key: str | None) -> str:
    """The first 4 characters of an API key and an ellipsis (``None`` -> ``''``)."""
    return f"{key[:4]}…" if key else ""


def _describe_file(value: object) -> str:
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    name = getattr(value, "name", None) or (str(value) if not hasattr(value, "read") else "file object")
    return f"<file {name}>"


def clean_params(params: Mapping[str, object]) -> dict[str, object]:
    """``params`` safe to show: secrets redacted, key masked, file described."""
    out = redact(params)
    if "api_key" in out:
        out["api_key"] = mask_key(str(out["api_key"]))
    if "file" in out:
        out["file"] = _describe_file(out["file"])
    return out


@dataclass
class CallRecord:
    """One HTTP call. ``code`` is the API error code (``None`` when the answer was ok)."""

    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    method: str = ""
    params: dict = field(default_factory=dict)
    verb: str = "GET"
    status: int | None = None
    code: int | None = None
    error: str = ""
    duration_ms: float | None = None
    bytes: int | None = None
    page: int | None = None
    pages: int | None = None
    from_cache: bool = False


#: Columns of :meth:`CallLog.frame` and their dtypes.
COLUMNS: dict[str, str] = {
    "time": "datetime64[ns, UTC]",
    "method": "string",
    "params": "object",
    "verb": "category",
    "status": "Int64",
    "code": "Int64",
    "error": "string",
    "duration_ms": "Float64",
    "bytes": "Int64",
    "page": "Int64",
    "pages": "Int64",
    "from_cache": "boolean",
}


class CallLog:
    """A bounded log of calls; the oldest records are dropped beyond ``max_log``."""

    def __init__(self, max_log: int = 1000) -> None:
        if max_log < 1:
            raise ValueError(f"max_log must be at least 1, got {max_log}")
        self._records: deque[CallRecord] = deque(maxlen=max_log)

    @property
    def max_log(self) -> int:
        return self._records.maxlen or 0

    def add(self, *, params: Mapping[str, object] | None = None, **fields: object) -> CallRecord:
        """Append a record; ``params`` are cleaned here so no caller can forget it."""
        rec = CallRecord(params=clean_params(params or {}), **fields)  # type: ignore[arg-type]
        self._records.append(rec)
        return rec

    def clear(self) -> None:
        self._records.clear()

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self):
        return iter(self._records)

    def frame(self) -> pd.DataFrame:
        """The log as a DataFrame with the dtypes of :data:`COLUMNS`, oldest first."""
        rows = [asdict(r) for r in self._records]
        data = {}
        for col, dtype in COLUMNS.items():
            values = [r[col] for r in rows]
            if dtype == "object":
                s = pd.Series(values, dtype=object)
            elif dtype.startswith("datetime"):
                s = pd.to_datetime(pd.Series(values, dtype=object), utc=True).astype(pandas_dtype(dtype))
            else:
                s = pd.Series(values, dtype=object).astype(pandas_dtype(dtype))
            data[col] = s
        return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
