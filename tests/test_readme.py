"""The README is a promise: its quickstart runs, and it documents every public name."""

from __future__ import annotations

import re
from pathlib import Path

import ipernity_nb

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _block_after(heading: str) -> str:
    section = README.split(heading, 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_quickstart_runs_as_written():
    scope: dict = {}
    exec(compile(_block_after("## Quickstart"), "README quickstart", "exec"), scope)
    assert scope["client"].call("test.hello") == {"hello": "hello world!"}
    df = scope["df"]
    assert len(df) == df.attrs["total"] > 0
    assert str(df["doc_id"].dtype) == "Int64" and str(df["dates_posted_at"].dtype) == "datetime64[ns, UTC]"
    alice, doc_id = scope["alice"], int(scope["mine"].doc_id[0])
    assert alice.call("doc.get", doc_id=doc_id)["doc"]["title"] == "Golden hour"


def test_every_public_name_is_documented():
    missing = [n for n in ipernity_nb.__all__ if n not in {"__version__", "catalog", "errors"} and n not in README]
    assert not missing, f"README does not mention {missing}"
