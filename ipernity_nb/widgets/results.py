"""Rendering MethodForm results: tables, a collapsible JSON tree, thumbnails and code lines.

Pure functions returning HTML strings, so the form can update ``HTML`` widgets from its worker
thread (safer than writing into an ``Output`` from another thread).

Example:
    >>> "<details" in json_tree_html({"doc": {"doc_id": "1", "title": "x"}})
    True
    >>> code_line("doc.search", {"text": "paris", "per_page": 50}, tabular=True)
    'client.frame("doc.search", text="paris", per_page=50)'
"""

from __future__ import annotations

import json
import keyword
from collections.abc import Mapping
from html import escape

from ..catalog import Method, level_allows
from ..display import thumbs_html

__all__ = ["code_line", "frame_html", "is_tabular", "json_tree_html", "method_info_html", "result_html"]

_MAX_ROWS = 50


def is_tabular(method: str, payload: Mapping) -> bool:
    """Whether a payload is a list of records (shown as a DataFrame) rather than one object.

    Uses the same rows rule as :func:`ipernity_nb.frames.locate` (docs/protocol.md §2.4), so the
    form shows a table exactly when ``client.frame`` gives one row per record.
    """
    from ..frames import locate

    return locate(method, payload).path is not None


def _scalar_html(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else f'"{value}"'
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        href = escape(value, quote=True)
        return f'<a href="{href}" target="_blank" rel="noopener" style="color:#2471a3">{escape(text)}</a>'
    return f'<span style="color:#117a65">{escape(text)}</span>'


def json_tree_html(obj: object, *, name: str | None = None, depth: int = 0, open_depth: int = 2) -> str:
    """A collapsible tree (nested ``<details>``) of a decoded payload; levels < open_depth start open."""
    label = f"<b>{escape(name)}</b>: " if name is not None else ""
    if isinstance(obj, Mapping):
        if not obj:
            return f"<div>{label}{{}}</div>"
        inner = "".join(json_tree_html(v, name=str(k), depth=depth + 1, open_depth=open_depth) for k, v in obj.items())
        summary = f"{label}{{…}} <small>{len(obj)} keys</small>"
    elif isinstance(obj, list):
        if not obj:
            return f"<div>{label}[]</div>"
        inner = "".join(
            json_tree_html(v, name=f"[{i}]", depth=depth + 1, open_depth=open_depth) for i, v in enumerate(obj)
        )
        summary = f"{label}[…] <small>{len(obj)} items</small>"
    else:
        return f"<div>{label}{_scalar_html(obj)}</div>"
    opened = " open" if depth < open_depth else ""
    style = "margin-left:14px" if depth else "font-family:monospace;font-size:12px"
    return f'<details class="ipn-json"{opened} style="{style}"><summary>{summary}</summary>{inner}</details>'


def frame_html(df: object, *, max_rows: int = _MAX_ROWS) -> str:
    """A DataFrame as an HTML table with its shape and dtypes summary (first ``max_rows`` rows)."""
    n = len(df)  # type: ignore[arg-type]
    cols = len(df.columns)  # type: ignore[attr-defined]
    head = df.head(max_rows) if n > max_rows else df  # type: ignore[attr-defined]
    table = head.to_html(classes="ipn-frame", border=0, max_cols=30, escape=True)  # type: ignore[attr-defined,union-attr]
    more = f" — showing the first {max_rows}" if n > max_rows else ""
    return (
        f"<div><small>DataFrame: {n} rows × {cols} columns{more}. The full frame is in "
        f"<code>form.result</code>.</small></div>"
        f'<div style="max-height:420px;overflow:auto">{table}</div>'
    )


def result_html(result: object, *, payload: object = None) -> str:
    """Everything shown for a result: thumbnails (when docs have them) and the table or the tree."""
    if hasattr(result, "to_html") and hasattr(result, "columns"):
        grid = thumbs_html(result) or (thumbs_html(payload) if payload is not None else "")
        return grid + frame_html(result)
    grid = thumbs_html(result)
    return grid + json_tree_html(result)


def _py_literal(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # double quotes, escapes like Python
    if hasattr(value, "read"):
        return f'open({json.dumps(getattr(value, "name", "file"))}, "rb")'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_py_literal(v) for v in value) + "]"
    return repr(value)


def code_line(method: str, params: Mapping[str, object], *, tabular: bool, pages: object = 1) -> str:
    """The one-line Python call reproducing a form run. Credentials are never part of it.

    Parameter names that are not identifiers (or are Python keywords) go through ``**{...}``.
    """
    func = "frame" if tabular else "call"
    parts = [json.dumps(method)]
    if tabular and pages != 1:
        parts.append(f"pages={_py_literal(pages)}")
    odd: dict[str, object] = {}
    for k, v in params.items():
        if k in {"api_key", "auth_token", "api_sig", "secret"}:
            continue  # never reproduce credentials; the client adds them
        if k.isidentifier() and not keyword.iskeyword(k) and k != "method":
            parts.append(f"{k}={_py_literal(v)}")
        else:
            odd[k] = v
    if odd:
        parts.append("**{" + ", ".join(f"{json.dumps(k)}: {_py_literal(v)}" for k, v in odd.items()) + "}")
    return f"client.{func}({', '.join(parts)})"


def _rights_html(m: Method, has_token: bool, rights: Mapping[str, str] | None) -> str:
    """What the method needs (docs/protocol.md §4.1) and whether the current token has it."""
    perm = f"{m.permission[0]}:{m.permission[1]}" if m.permission else ""
    if m.needs_token:
        need = f"Needs a token with <b>{perm}</b>." if perm else "Needs a token."
    elif m.auth == "none":
        need = "No token needed."
    else:
        need = f"Token optional (with <b>{perm}</b> it sees more)." if perm else "Token optional."
    token = has_token
    if not token:
        have = (
            '<span style="color:#c0392b">✗ no token — authorize first (AuthForm)</span>'
            if m.needs_token
            else "No token: you see what an anonymous visitor sees."
        )
    elif m.permission is None:
        have = '<span style="color:#1e8449">✓ token present</span>'
    elif rights is None:
        have = "token present (its rights are unknown)"
    else:
        scope, level = m.permission
        granted = rights.get(scope)
        ok = level_allows(granted, level)
        have = (
            f'<span style="color:#1e8449">✓ your token grants {scope}:{escape(str(granted))}</span>'
            if ok
            else f'<span style="color:#c0392b">✗ your token grants {scope}:{escape(str(granted or "none"))}'
            f" — authorize with perm_{scope}={level}</span>"
        )
    return f"{need} {have}"


def method_info_html(m: Method, *, has_token: bool, rights: Mapping[str, str] | None) -> str:
    """The method's description, verb, flags and whether the current token has the right it needs."""
    verb = "POST — <b>changes data</b>" if m.is_write else "GET"
    flags = [verb] + (["paginated"] if m.paginated else []) + (["signed"] if m.signed else [])
    unknown = "<br><i>Parameters undocumented: type them as key=value.</i>" if m.params is None else ""
    return (
        f'<div style="margin:4px 0"><b>{escape(m.name)}</b> — {escape(m.description)}<br>'
        f"<small>{' · '.join(flags)} · {_rights_html(m, has_token, rights)} · "
        f'<a href="{escape(m.doc_url)}" target="_blank" style="color:#2471a3">documentation</a> · '
        f'<b style="color:#c0392b">*</b> = required</small>{unknown}</div>'
    )
