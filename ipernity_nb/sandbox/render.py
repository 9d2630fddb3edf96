"""The one place payloads become JSON or XML envelopes (docs/protocol.md §2.2, §2.3).

Payload conventions are those of :mod:`ipernity_nb.sandbox.registry`: strings everywhere,
:class:`~ipernity_nb.sandbox.registry.Text` for text child elements, ``"content"`` for an
element's own text, lists for repeated children.

Example:
    >>> from ipernity_nb.sandbox.registry import Text
    >>> render_ok({"hello": Text("hello world!")}, "xml")[0].decode()
    '<?xml version="1.0" encoding="utf-8"?>\\n<api status="ok"><hello>hello world!</hello></api>'
    >>> render_error(1, "Document not found", "json")[0]
    b'{"api": {"status": "error", "code": "1", "message": "Document not found"}}'
"""

from __future__ import annotations

import json
import re

from .registry import Text

__all__ = ["CONTENT_TYPES", "render_error", "render_ok"]

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# Characters XML 1.0 cannot carry at all, even escaped.
_ILLEGAL = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NAME_BAD = re.compile(r"[^A-Za-z0-9_.\-]")
#: Attribute values made only of these characters are emitted as they are.
_ATTR_PLAIN = re.compile(r"[A-Za-z0-9 _.,:/?=+\-]*\Z").match
_NAMES: dict[str, str] = {}
#: Payloads are trees built per call, never cyclic: skipping the cycle check saves a tenth.
_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)


def _clean(text: str) -> str:
    return _ILLEGAL.sub("", text)


def _text(value: str) -> str:
    return _clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    if _ATTR_PLAIN(value):  # most values (ids, dates, URLs) need no escaping
        return value
    # Whitespace characters are escaped so attribute normalisation keeps them.
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


def _name(name: str) -> str:
    """A valid XML element/attribute name (test.echo echoes arbitrary parameter names)."""
    n = _NAMES.get(name) if type(name) is str else None
    if n is None:
        n = _make_name(name)
        if type(name) is str and len(_NAMES) < 4096:  # payload keys are a small fixed set; echoed names could be many
            _NAMES[name] = n
    return n


def _make_name(name: str) -> str:
    n = _NAME_BAD.sub("_", str(name)) or "_"
    if not (n[0].isalpha() or n[0] == "_") or n.lower().startswith("xml"):
        n = "_" + n
    return n


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _element(name: str, value: object, out: list[str]) -> None:
    tag = _name(name)
    if isinstance(value, dict):
        attrs: list[str] = []
        children: list[str] = []
        content = ""
        for k, v in value.items():
            if type(v) is str:  # fast path: most members are plain-string attributes
                if k == "content":
                    content = _text(v)
                else:
                    attrs.append(f' {_NAMES.get(k) or _name(k)}="{v if _ATTR_PLAIN(v) else _attr(v)}"')
                continue
            if v is None:
                continue
            if k == "content" and not isinstance(v, (dict, list)):
                content = _text(_scalar(v))
            elif isinstance(v, list):
                for item in v:
                    _element(k, item, children)
            elif isinstance(v, (dict, Text)):
                _element(k, v, children)
            else:
                attrs.append(f' {_name(k)}="{_attr(_scalar(v))}"')
        out.append(f"<{tag}{''.join(attrs)}>{content}{''.join(children)}</{tag}>")
    elif isinstance(value, list):
        for item in value:
            _element(name, item, out)
    elif value is not None:
        out.append(f"<{tag}>{_text(_scalar(value))}</{tag}>")


def _jsonable(value: object) -> object:
    """Strings everywhere, as the live service emits them (a handler's stray int included).

    Returns ``value`` itself when it already follows the payload conventions (a
    100-doc page has ~4000 values; checking them in a loop costs a fraction of copying them),
    so ``json.dumps`` then encodes the handler's payload directly (``Text`` is a ``str``).
    """
    t = type(value)
    if t is str:
        return value
    if t is dict:
        return _jsonable_dict(value)  # type: ignore[arg-type]
    if t is list:
        return _jsonable_list(value)  # type: ignore[arg-type]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return _scalar(value)


def _jsonable_dict(d: dict) -> dict:
    changed = None  # {key: converted value} for the members that are not plain strings
    for k, v in d.items():
        t = type(v)
        if t is str or t is Text:
            continue
        if t is dict:
            c = _jsonable_dict(v)
        elif t is list:
            c = _jsonable_list(v)
        elif v is None:
            c = None
        else:
            c = _jsonable(v)
        if c is not v or v is None:
            if changed is None:
                changed = {}
            changed[k] = c
    if changed is None:
        return d
    out = {}
    for k, v in d.items():
        if k in changed:
            v = changed[k]
            if v is None:  # None members are dropped
                continue
        out[k] = v
    return out


def _jsonable_list(items: list) -> list:
    out = None
    for i, v in enumerate(items):
        t = type(v)
        if t is str or t is Text:
            continue
        c = _jsonable_dict(v) if t is dict else _jsonable(v)
        if c is not v:
            if out is None:
                out = list(items)
            out[i] = c
    return items if out is None else out


def render_ok(payload: dict, fmt: str) -> tuple[bytes, str]:
    """``(body, content_type)`` of a success envelope."""
    if fmt == "xml":
        out: list[str] = []
        for k, v in payload.items():
            if k != "api":
                _element(k, v, out)
        body = '<?xml version="1.0" encoding="utf-8"?>\n<api status="ok">' + "".join(out) + "</api>"
        return body.encode("utf-8"), CONTENT_TYPES["xml"]
    doc: dict = {"api": {"status": "ok"}}
    # The envelope's "api" member is never overwritten by a payload key (test.echo api=…).
    doc.update((k, v) for k, v in _jsonable(payload).items() if k != "api")  # type: ignore[union-attr]
    return _JSON.encode(doc).encode("utf-8"), CONTENT_TYPES["json"]


def render_error(code: int, message: str, fmt: str) -> tuple[bytes, str]:
    """``(body, content_type)`` of an error envelope; ``message`` is the short label (§2.2)."""
    if fmt == "xml":
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<api status="error" code="{code}" message="{_attr(message)}"></api>'
        )
        return body.encode("utf-8"), CONTENT_TYPES["xml"]
    doc = {"api": {"status": "error", "code": str(code), "message": message}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8"), CONTENT_TYPES["json"]
