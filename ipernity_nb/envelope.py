"""Parse an API answer (JSON or XML) into the payload dict, or raise the matching error.

Both formats give exactly the same dict (docs/protocol.md §2.2, §2.3): the payload is
everything beside ``api`` in the JSON envelope; in XML, attributes become keys, a text-only
element becomes a string, an element with attributes *and* text keeps the text as
``"content"``, and list children (per :func:`ipernity_nb.shapes.is_list`, or any repeated
child) become lists. An empty element without attributes becomes ``""`` (the sandbox
emits text elements that way; the live service omits empty lists altogether).

A body that is not an API envelope (HTML proxy or maintenance page, empty body, truncated
JSON) raises :class:`~ipernity_nb.errors.ServerError` naming the HTTP status and what to
do — never a decode traceback.

Example:
    >>> parse(b'{"api": {"status": "ok"}, "hello": "hello world!"}', "json", "test.hello")
    {'hello': 'hello world!'}
    >>> parse('<api status="ok"><hello>hello world!</hello></api>', "xml", "test.hello")
    {'hello': 'hello world!'}
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from .errors import ServerError, error_for
from .shapes import is_item_list, is_list

__all__ = ["FORMATS", "parse", "xml_to_dict"]

#: Output formats the client can read (docs/protocol.md §2.1; php and SOAP are not supported).
FORMATS = ("json", "xml")


def _non_api(method: str | None, status: int | None, what: str) -> ServerError:
    where = f"{method}: " if method else ""
    http = f"HTTP {status}" if status is not None else "the server"
    hint = (
        "The service may be down or in maintenance, or a proxy answered instead: retry later."
        if status is None or status >= 500 or status == 200
        else "Check that the client's url points at the API root (it ends in /api/)."
    )
    return ServerError(
        f"{where}{http} answered {what}, not an ipernity API envelope. {hint}", method=method, status=status
    )


def _describe(text: str) -> str:
    head = text.lstrip()[:200].lower()
    if not head:
        return "an empty body"
    if head.startswith("<!doctype html") or "<html" in head:
        return "an HTML page"
    return "a body that could not be decoded"


def _text(body: bytes | str) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    return body


def _check_status(api: Any, method: str | None, status: int | None, retry_after: float | None) -> None:
    """Raise the matching error for an error envelope; accept ``ok``."""
    if not isinstance(api, dict) or "status" not in api:
        raise _non_api(method, status, "JSON without an api status")
    if api["status"] == "ok":
        return
    code = api.get("code", -1)
    message = str(api.get("message") or "")
    raise error_for(code, message, method=method, retry_after=retry_after)


def _parse_json(body: bytes | str, method: str | None, status: int | None, retry_after: float | None) -> dict:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _non_api(method, status, _describe(_text(body))) from None
    if not isinstance(data, dict) or "api" not in data:
        raise _non_api(method, status, "JSON without an api member")
    _check_status(data["api"], method, status, retry_after)
    return {k: v for k, v in data.items() if k != "api"}


def _element(el: Element) -> str | dict:
    """One XML element in the JSON shape (docs/protocol.md §2.3)."""
    children = list(el)
    text = el.text if el.text is not None else ""
    if not el.attrib and not children:
        return text
    out: dict[str, Any] = dict(el.attrib)
    if children:
        counts: dict[str, int] = {}
        for child in children:
            counts[child.tag] = counts.get(child.tag, 0) + 1
        for child in children:
            value = _element(child)
            if counts[child.tag] > 1 or is_list(el.tag, child.tag) or is_item_list(el.tag, child.tag, child.attrib):
                out.setdefault(child.tag, []).append(value)
            else:
                out[child.tag] = value
    if text.strip():
        out["content"] = text
    return out


def xml_to_dict(root: Element) -> dict:
    """The payload under an ``<api>`` root element, as the JSON format would give it."""
    out: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for child in root:
        counts[child.tag] = counts.get(child.tag, 0) + 1
    for child in root:
        value = _element(child)
        if counts[child.tag] > 1:
            out.setdefault(child.tag, []).append(value)
        else:
            out[child.tag] = value
    return out


def _parse_xml(body: bytes | str, method: str | None, status: int | None, retry_after: float | None) -> dict:
    text = _text(body)
    if not text.strip():
        raise _non_api(method, status, "an empty body")
    try:
        root = SafeET.fromstring(body)
    except DefusedXmlException:
        raise _non_api(method, status, "XML with forbidden constructs (entities/DTD)") from None
    except (ParseError, ValueError):
        raise _non_api(method, status, _describe(text)) from None
    if root.tag != "api":
        what = "an HTML page" if root.tag.lower() == "html" else f"XML with a <{root.tag}> root"
        raise _non_api(method, status, what)
    _check_status(dict(root.attrib), method, status, retry_after)
    return xml_to_dict(root)


def parse(
    body: bytes | str,
    format: str = "json",
    method: str | None = None,
    *,
    status: int | None = None,
    retry_after: float | str | None = None,
) -> dict:
    """The payload of an API answer, or raise the error it carries.

    ``status`` is the HTTP status (named in errors for non-API bodies); ``retry_after`` is
    the HTTP ``Retry-After`` header, passed to rate-limit errors.

    Example:
        >>> parse('{"api": {"status": "error", "code": "1", "message": "Document not found"}}',
        ...       method="doc.get")
        Traceback (most recent call last):
        ...
        ipernity_nb.errors.NotFoundError: API error 1 'Document not found' in doc.get. ...
    """
    try:
        wait = float(retry_after) if retry_after not in (None, "") else None
    except (TypeError, ValueError):
        wait = None
    if format == "xml":
        return _parse_xml(body, method, status, wait)
    if format == "json":
        return _parse_json(body, method, status, wait)
    raise ValueError(f"unsupported format {format!r}; use one of {', '.join(FORMATS)}")
