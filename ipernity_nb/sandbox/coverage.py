"""Which catalog methods the sandbox emulates, generated from the catalog and the registry.

Example:
    >>> rows = coverage()
    >>> len(rows) == len(catalog.methods()), rows[0].method
    (True, 'account.getQuota')
"""

from __future__ import annotations

from typing import NamedTuple

from .. import catalog
from . import handlers as _handlers  # noqa: F401  (registers every handler)
from .pages import esc
from .registry import HANDLERS, NOT_EMULATED

__all__ = ["Row", "coverage", "coverage_html", "coverage_text"]


class Row(NamedTuple):
    method: str
    emulated: bool
    reason: str


def coverage() -> list[Row]:
    """One row per catalog method, sorted by name: emulated or not, and why not."""
    rows = []
    for name in catalog.methods():
        if name in NOT_EMULATED:
            rows.append(Row(name, False, NOT_EMULATED[name]))
        elif name in HANDLERS:
            rows.append(Row(name, True, ""))
        else:
            rows.append(Row(name, False, "not yet emulated: no handler (answers 103 Method not found)"))
    return rows


def coverage_text() -> str:
    """The table as aligned plain text, with a summary line."""
    rows = coverage()
    width = max(len(r.method) for r in rows)
    lines = [f"{'method':<{width}}  emulated  reason", f"{'-' * width}  --------  ------"]
    lines += [f"{r.method:<{width}}  {'yes' if r.emulated else 'no':<8}  {r.reason}".rstrip() for r in rows]
    done = sum(r.emulated for r in rows)
    lines.append(f"\n{done} of {len(rows)} catalog methods emulated.")
    return "\n".join(lines)


def coverage_html() -> str:
    """The table as an HTML fragment (the sandbox's /coverage page)."""
    rows = coverage()
    done = sum(r.emulated for r in rows)
    body = "".join(
        f"<tr><td><code>{esc(r.method)}</code></td><td class={'yes' if r.emulated else 'no'}>"
        f"{'yes' if r.emulated else 'no'}</td><td>{esc(r.reason)}</td></tr>"
        for r in rows
    )
    return (
        f"<h1>API coverage</h1><p>{done} of {len(rows)} catalog methods are emulated.</p>"
        f"<table><thead><tr><th>method</th><th>emulated</th><th>reason</th></tr></thead><tbody>{body}</tbody></table>"
    )
