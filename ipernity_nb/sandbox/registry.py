"""How API handlers are written: the ``@handler`` registry, the call context and wire faults.

Every emulated method is a function ``(ctx: Ctx) -> dict`` registered with
``@handler("doc.get")``. It returns the payload (what sits beside ``api`` in the JSON
envelope) and raises :class:`Fault` for API errors. The dispatcher (``sandbox.app``) has
already checked key, format, method, POST, signature, token, account and permission
(docs/protocol.md §5.1) and opened the database transaction in ``ctx.db``.

Payload conventions, so that JSON and XML render from one structure (docs/protocol.md §2.3):

* every scalar is a ``str`` (use :func:`s` / :func:`b`): ``"1"``/``"0"`` for flags, Unix
  seconds for times;
* inside an object, a plain ``str`` is an XML *attribute*; a :class:`Text` value is a child
  element holding text (``description``); the key ``"content"`` is the element's own text;
* a ``list`` of dicts is a repeated child element and always a JSON array, even with one
  item; an empty list is *omitted* from the payload (the live service drops the key);
* a top-level ``str`` value (``hello``, ``echo``, ``ticket``) is a text element.

Example:
    >>> s(12), b(False), Fault(1, "Document not found").message
    ('12', '0', 'Document not found')
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..catalog import Method

__all__ = ["HANDLERS", "Ctx", "Fault", "Text", "b", "handler", "not_emulated", "s"]

HANDLERS: dict[str, Callable[[Ctx], dict]] = {}
#: Catalog methods deliberately not emulated, with the reason (shown in the coverage table).
NOT_EMULATED: dict[str, str] = {}

_INT = re.compile(r"^\s*-?\d+")
#: SQLite integers are 64-bit: larger numbers are clamped so they meet "not found", not a 500.
_I64 = (-(2**63), 2**63 - 1)


def _clamp(n: int) -> int:
    return max(_I64[0], min(_I64[1], n))


class Text(str):
    """A string rendered as a child element with text in XML (plain string in JSON)."""

    __slots__ = ()


class Fault(Exception):
    """An API error answered as ``{"api": {"status": "error", "code", "message"}}``.

    ``message`` is the short label (docs/protocol.md §2.2). ``retry_after`` adds an HTTP
    ``Retry-After`` header (rate limits); ``http_status`` overrides the HTTP status (200).
    """

    def __init__(self, code: int, message: str, *, retry_after: int | None = None, http_status: int = 200) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.http_status = http_status


def s(value: object) -> str:
    """Any scalar as the API emits it: a string; ``None`` becomes ``""``."""
    t = type(value)  # exact-type fast paths: a 100-doc page makes ~3000 calls
    if t is str:
        return value  # type: ignore[return-value]
    if t is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def b(value: object) -> str:
    """A flag as ``"1"``/``"0"``."""
    return "1" if value else "0"


def handler(name: str, *, replace: bool = False) -> Callable[[Callable[[Ctx], dict]], Callable[[Ctx], dict]]:
    """Register ``fn`` as the emulation of API method ``name``."""

    def deco(fn: Callable[[Ctx], dict]) -> Callable[[Ctx], dict]:
        if name in HANDLERS and not replace:
            raise RuntimeError(f"two handlers for {name}")
        HANDLERS[name] = fn
        return fn

    return deco


def not_emulated(name: str, reason: str) -> None:
    """Record that ``name`` is deliberately not emulated (it answers 103 like an unknown method)."""
    NOT_EMULATED[name] = reason


@dataclass
class Ctx:
    """Everything a handler may use. ``params`` are the raw strings received.

    ``user`` is the token's user row (``None`` when anonymous); ``perms`` the token's rights
    per scope (``{}`` when anonymous); ``base_url`` the site root used to build media and
    page URLs (``http://127.0.0.1:PORT``); ``now`` the request time in Unix seconds.
    """

    db: sqlite3.Connection
    method: Method
    params: dict[str, str]
    api_key: str
    user: sqlite3.Row | None
    perms: dict[str, str]
    base_url: str
    now: int
    config: dict[str, Any] = field(default_factory=dict)

    # --- typed parameter access. Malformed numbers read like PHP's intval: the longest
    # leading integer, else the default, so bad input meets "not found", never a traceback.

    @property
    def user_id(self) -> int | None:
        return int(self.user["user_id"]) if self.user is not None else None

    def has(self, name: str) -> bool:
        return self.params.get(name, "") != ""

    def str(self, name: str, default: str = "") -> str:
        v = self.params.get(name)
        return default if v is None else v

    def int(self, name: str, default: int | None = None) -> int | None:
        v = self.params.get(name)
        if v is None or v == "":
            return default
        m = _INT.match(v)
        return _clamp(int(m.group())) if m else default

    def bool(self, name: str, default: bool = False) -> bool:
        v = self.int(name)
        return default if v is None else v != 0

    def list(self, name: str) -> list[str]:
        """A comma list, trimmed, empty items dropped."""
        return [x.strip() for x in self.params.get(name, "").split(",") if x.strip()]

    def ints(self, name: str) -> list[int]:
        out = []
        for x in self.list(name):
            m = _INT.match(x)
            if m:
                out.append(_clamp(int(m.group())))
        return out

    def extra(self) -> set[str]:
        return set(self.list("extra"))

    def page(self) -> tuple[int, int]:
        """``(page, per_page)`` with the catalog's default and maximum for this method."""
        p = self.method.param("per_page")
        default = int(p.default) if p and p.default is not None else 20
        maximum = int(p.max) if p and p.max else 100
        per_page = self.int("per_page", default) or default
        per_page = max(1, min(per_page, maximum))
        page = max(1, self.int("page", 1) or 1)
        return page, per_page

    def count_param(self, name: str = "count") -> int:
        """A ``count``-style size parameter clamped to the catalog's default and maximum."""
        p = self.method.param(name)
        default = int(p.default) if p and p.default is not None else 20
        maximum = int(p.max) if p and p.max else 100
        return max(1, min(self.int(name, default) or default, maximum))

    def paginate(self, sql: str, args: tuple | list = (), *, cap: int | None = None) -> tuple[list[sqlite3.Row], dict]:
        """Run ``sql`` (a SELECT without LIMIT) for the requested page.

        Returns the rows and the wrapper attributes ``{"total", "page", "per_page", "pages",
        "count"}`` as strings. ``cap`` limits the reachable total (doc.search's 3000, §2.4).
        """
        page, per_page = self.page()
        total = self.db.execute(f"SELECT COUNT(*) FROM ({sql})", args).fetchone()[0]
        if cap is not None:
            total = min(total, cap)
        offset = (page - 1) * per_page
        limit = max(0, min(per_page, total - offset))
        rows = self.db.execute(f"{sql} LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall() if limit else []
        pages = (total + per_page - 1) // per_page
        return rows, {
            "total": s(total),
            "page": s(page),
            "per_page": s(per_page),
            "pages": s(pages),
            "count": s(len(rows)),
        }
