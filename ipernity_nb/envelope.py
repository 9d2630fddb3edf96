"""Parse an API answer (JSON or XML) into the payload dict, or raise the matching error.

Both formats give exactly the same dict (docs/protocol.md §2.2, §2.3): the payload is
everything beside ``api`` in the JSON envelope; in XML, attributes become keys, a text-only
element becomes a string, an element with attributes *and* text keeps the text as
``"content"``, and list children (per :func:`ipernity_nb.shapes.is_list`, or any repeated
child) become lists. An empty element without attributes becomes ``""`` (the sandbox
emits text elements that way; the live service omits empty lists altogether).

A body that is not an API envelope (HTML proxy or maintenance page, empty body, truncated
JSON) raises :class:`~ipernity_nb.errors.ServerError` naming the HTTP status and what to
do — never a decode traceback; an empty or cut-off body is marked ``retryable``. So does a
hostile one: nesting deeper than :data:`MAX_DEPTH` levels, or numbers no float can hold
(``1e400``, ``NaN``), never reach the caller as ``RecursionError`` or ``inf``.

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
import orjson
from defusedxml import DefusedXmlException

from .errors import ServerError, error_for
from .shapes import is_item_list, is_list
from .transport import retry_after_seconds

__all__ = ["FORMATS", "MAX_DEPTH", "parse", "xml_to_dict"]

#: Output formats the client can read (docs/protocol.md §2.1; php and SOAP are not supported).
FORMATS = ("json", "xml")
#: Deepest nesting of objects/elements accepted; real answers stay under 10 (docs/protocol.md §2.3).
MAX_DEPTH = 64


class _TooDeep(ValueError):
    """The answer nests deeper than :data:`MAX_DEPTH`."""


class _Absurd(ValueError):
    """A number no API answer carries (infinite, NaN, or hundreds of digits)."""


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")) or value != value:
        raise _Absurd("a number out of range")
    return value


def _int(text: str) -> int:
    if len(text) > 40:  # ids and counts have at most 20 digits
        raise _Absurd("a number out of range")
    return int(text)


def _reject_constant(name: str) -> float:
    raise _Absurd(f"{name}, not a number")


def _check_depth(data: Any) -> None:
    """Raise :class:`_TooDeep` when containers nest deeper than :data:`MAX_DEPTH` (iterative)."""
    todo: list[tuple[Any, int]] = [(data, 1)]
    while todo:
        node, depth = todo.pop()
        if depth > MAX_DEPTH:
            raise _TooDeep(f"nested deeper than {MAX_DEPTH} levels")
        children = node.values() if isinstance(node, dict) else node
        todo.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))


def _non_api(method: str | None, status: int | None, what: str, *, retryable: bool = False) -> ServerError:
    where = f"{method}: " if method else ""
    http = f"HTTP {status}" if status is not None else "the server"
    hint = (
        "The service may be down or in maintenance, or a proxy answered instead: retry later."
        if status is None or status >= 500 or status == 200
        else "Check that the client's url points at the API root (it ends in /api/)."
    )
    return ServerError(
        f"{where}{http} answered {what}, not an ipernity API envelope. {hint}",
        method=method,
        status=status,
        sent=True,
        retryable=retryable,
    )


#: What an empty or cut-off body is described as: worth another attempt for a read.
_CUT = ("an empty body", "a body that could not be decoded")


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


#: JSON bytes other than brackets and quotes (deleted by :func:`_depth_of`).
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'{}[]"')
#: Digits to ``0``, every other byte to a space (:func:`_has_long_digit_run`).
_DIGIT_RUNS = bytes.maketrans(bytes(range(256)), bytes(48 if 48 <= b <= 57 else 32 for b in range(256)))


def _depth_of(body: bytes) -> int | None:
    """The deepest bracket nesting of a well-formed JSON text, or ``None`` when a string holds
    a bracket or an escaped quote (then only walking the parsed answer tells).

    Bytes methods only: they keep the GIL, where numpy would release and re-take it in every
    call and wait up to a switch interval for it while other harvest threads run.
    """
    if b'\\"' in body:
        return None
    marks = body.translate(None, _NOT_STRUCTURE).replace(b'""', b"")  # strings without brackets vanish
    if b'"' in marks:
        return None
    depth = 0
    while marks:
        shorter = marks.replace(b"{}", b"").replace(b"[]", b"")  # innermost pairs: one level a pass
        if len(shorter) == len(marks) or depth > MAX_DEPTH:
            break
        marks, depth = shorter, depth + 1
    return depth


def _has_long_digit_run(body: bytes) -> bool:
    """Whether 20 digits or more stand in a row (an integer orjson would read as a float)."""
    return b"0" * 20 in body.translate(_DIGIT_RUNS)


def _fast_json(body: bytes | str) -> Any:
    """orjson for a well-formed, bounded body (about 2x the standard parser with its checks, on
    a 100-doc page); ``None`` sends anything doubtful to the exact standard-library path: a
    run of 20 digits in the text, nesting past :data:`MAX_DEPTH`, or anything orjson refuses
    (it refuses NaN, Infinity and ``1e400`` itself). Nesting is read from the bytes, or, when
    strings hold brackets, by walking the parsed answer.
    """
    raw = body.encode() if isinstance(body, str) else body
    if _has_long_digit_run(raw):
        return None
    try:
        data = orjson.loads(raw)  # its own limit (1024 levels) keeps it from recursing deeper
    except orjson.JSONDecodeError:
        return None  # the exact path names what is wrong (cut, HTML, absurd number…)
    depth = _depth_of(raw)
    if depth is None:
        _check_depth(data)
    elif depth > MAX_DEPTH:
        raise _TooDeep(f"nested deeper than {MAX_DEPTH} levels")
    return data


def _parse_json(body: bytes | str, method: str | None, status: int | None, retry_after: float | None) -> dict:
    try:
        data = _fast_json(body)
        if data is None:
            data = json.loads(body, parse_float=_finite, parse_int=_int, parse_constant=_reject_constant)
            _check_depth(data)
    except (_TooDeep, _Absurd) as exc:
        raise _non_api(method, status, f"JSON with {exc}" if isinstance(exc, _Absurd) else f"JSON {exc}") from None
    except RecursionError:
        raise _non_api(method, status, f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError):
        what = _describe(_text(body))
        raise _non_api(method, status, what, retryable=what in _CUT) from None
    if not isinstance(data, dict) or "api" not in data:
        raise _non_api(method, status, "JSON without an api member", retryable=True)
    _check_status(data["api"], method, status, retry_after)
    return {k: v for k, v in data.items() if k != "api"}


def _element(el: Element, depth: int = 2) -> str | dict:
    """One XML element in the JSON shape (docs/protocol.md §2.3)."""
    if depth > MAX_DEPTH:
        raise _TooDeep(f"nested deeper than {MAX_DEPTH} levels")
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
            value = _element(child, depth + 1)
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
        raise _non_api(method, status, "an empty body", retryable=True)
    try:
        root = SafeET.fromstring(body)
    except DefusedXmlException:
        raise _non_api(method, status, "XML with forbidden constructs (entities/DTD)") from None
    except RecursionError:
        raise _non_api(method, status, f"XML nested deeper than {MAX_DEPTH} levels") from None
    except (ParseError, ValueError):
        what = _describe(text)
        raise _non_api(method, status, what, retryable=what in _CUT) from None
    if root.tag != "api":
        what = "an HTML page" if root.tag.lower() == "html" else f"XML with a <{root.tag}> root"
        raise _non_api(method, status, what)
    _check_status(dict(root.attrib), method, status, retry_after)
    try:
        return xml_to_dict(root)
    except _TooDeep as exc:
        raise _non_api(method, status, f"XML {exc}") from None


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
    wait = retry_after_seconds(retry_after)
    if format == "xml":
        return _parse_xml(body, method, status, wait)
    if format == "json":
        return _parse_json(body, method, status, wait)
    raise ValueError(f"unsupported format {format!r}; use one of {', '.join(FORMATS)}")
