"""The 102 API methods as frozen dataclasses, and parameter validation. Standard library only.

The data is ``ipernity_nb/data/methods.json``, a copy of the shared method catalog
(ipernity-methods.json, docs/protocol.md §6). :func:`validate` checks a call before anything
is sent, with the same rules for the client, the widgets and the docs.

Example:
    >>> from ipernity_nb import catalog
    >>> m = catalog.get("doc.search")
    >>> m.http, m.auth, m.param("per_page").max
    ('GET', 'optional', 100)
    >>> catalog.validate("doc.get", {"doc_id": 5, "extra": ["tags", "geo"]})
    {'doc_id': '5', 'extra': 'tags,geo'}

What an analyst holds goes in as it is (:mod:`ipernity_nb.coerce`): numpy and pandas integers,
integral floats (``284001.0`` after a merge), numpy booleans, and for list parameters a list,
tuple, set, numpy array, ``Series`` or ``Index``. A missing value (``NaN``, ``<NA>``) is refused
naming the parameter; lists longer than the method's maximum, ``per_page`` (or any number)
above its maximum, and ``extra`` blocks the method does not document are refused too.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import NoReturn

from .coerce import MISSING, is_collection, items, plain
from .errors import ParameterError, UnknownMethodError
from .perms import LEVELS, level_allows  # the permission vocabulary, re-exported here
from .signing import param_str

__all__ = [
    "CALLER_DEFAULTS",
    "IMPLICIT_PARAMS",
    "LEVELS",
    "Method",
    "Param",
    "families",
    "get",
    "level_allows",
    "list_max",
    "method_names",
    "methods",
    "validate",
]


#: Parameters every method accepts without listing them: credentials, the signature and
#: ``lg``, which clients add to every call since the 2026 change (docs/protocol.md §8.1).
IMPLICIT_PARAMS = frozenset({"api_key", "auth_token", "api_sig", "lg"})

#: Where the live service fills a "required" parameter with the caller when a token is sent,
#: although the catalog marks it required (docs/protocol.md §8.8, and the sandbox issue).
CALLER_DEFAULTS: dict[str, frozenset[str]] = {
    "user.get": frozenset({"user_id"}),
    "doc.getList": frozenset({"user_id"}),
    "album.getList": frozenset({"user_id"}),
    "faves.docs.getList": frozenset({"user_id"}),
    "faves.albums.getList": frozenset({"user_id"}),
    "tags.user.getList": frozenset({"user_id"}),
    "tags.user.getPopular": frozenset({"user_id"}),
}

_INT = re.compile(r"^-?\d+$")
_DOC_MAX = re.compile(r"\(max\.? (\d+)\)")


@dataclass(frozen=True)
class Param:
    """One documented parameter of a method."""

    name: str
    type: str  # int | string | bool | timestamp | enum | list | file
    required: bool = False
    values: tuple[object, ...] | None = None
    default: object = None
    max: int | None = None
    doc: str = ""


@dataclass(frozen=True)
class Method:
    """One API method: what it does, what it needs, and its parameters.

    ``params`` is ``None`` when no source documents the parameter list (10 methods);
    such methods accept any parameter.
    """

    name: str
    description: str
    auth: str  # none | optional | required
    permission: tuple[str, str] | None  # (scope, level)
    http: str  # GET (GET or POST accepted) | POST (POST only)
    signed: bool
    response_root: tuple[str, ...]
    params: tuple[Param, ...] | None
    errors: tuple[tuple[int, str], ...] = ()
    notes: tuple[str, ...] = ()
    service: str = ""
    api_title: str = ""
    modified_at: int = 0
    response_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)
    response_text_elements: tuple[str, ...] = ()

    @property
    def family(self) -> str:
        """The first dotted part: ``doc`` for ``doc.tags.add``."""
        return self.name.split(".", 1)[0]

    @property
    def needs_token(self) -> bool:
        return self.auth == "required"

    @property
    def is_write(self) -> bool:
        """POST-only methods are the ones that change data (docs/protocol.md §1.2)."""
        return self.http == "POST"

    @property
    def is_upload(self) -> bool:
        return any(p.type == "file" for p in self.params or ())

    @property
    def paginated(self) -> bool:
        return self.param("page") is not None

    @property
    def doc_url(self) -> str:
        return f"https://www.ipernity.com/help/api/method/{self.name}"

    def param(self, name: str) -> Param | None:
        """The parameter called ``name``, or ``None``."""
        return next((p for p in self.params or () if p.name == name), None)

    def required_params(self, *, has_token: bool = False) -> list[str]:
        """Names of the parameters that must be given (caller defaults relaxed with a token)."""
        relaxed = CALLER_DEFAULTS.get(self.name, frozenset()) if has_token else frozenset()
        return [p.name for p in self.params or () if p.required and p.name not in relaxed and p.default is None]


def _data_path() -> str:
    return str(resources.files("ipernity_nb") / "data" / "methods.json")  # a real file: the package is on disk


@cache
def _raw() -> dict:
    with open(_data_path(), encoding="utf-8") as fh:
        return json.load(fh)


def _param(raw: dict) -> Param:
    values = raw.get("values")
    return Param(
        name=raw["name"],
        type=raw["type"],
        required=bool(raw.get("required")),
        values=tuple(values) if values else None,
        default=raw.get("default"),
        max=raw.get("max"),
        doc=raw.get("doc") or "",
    )


def _method(name: str, raw: dict) -> Method:
    perm = raw.get("permission")
    root = raw.get("response_root")
    params = raw.get("params")
    return Method(
        name=name,
        description=raw.get("description") or "",
        auth=raw["auth"],
        permission=tuple(perm.split(":", 1)) if perm else None,  # type: ignore[arg-type]
        http=raw["http"],
        signed=bool(raw.get("signed")),
        response_root=tuple(root) if isinstance(root, list) else ((root,) if root else ()),
        params=None if params is None else tuple(_param(p) for p in params),
        errors=tuple((int(e["code"]), e["message"]) for e in raw.get("errors") or ()),
        notes=tuple(raw.get("notes") or ()),
        service=raw.get("service") or "",
        api_title=raw.get("api_title") or "",
        modified_at=int(raw.get("modified_at") or 0),
        response_fields={k: tuple(v) for k, v in (raw.get("response_fields") or {}).items()},
        response_text_elements=tuple(raw.get("response_text_elements") or ()),
    )


@cache
def methods() -> dict[str, Method]:
    """All catalog methods by name, sorted by name."""
    raw = _raw()["methods"]
    return {name: _method(name, raw[name]) for name in sorted(raw)}


def method_names() -> list[str]:
    """All method names, sorted."""
    return list(methods())


def families() -> dict[str, list[str]]:
    """Method names grouped by family (``doc``, ``album`` …), for pickers and docs."""
    out: dict[str, list[str]] = {}
    for name, m in methods().items():
        out.setdefault(m.family, []).append(name)
    return out


def generic_errors() -> list[dict]:
    """The generic error table (code, label, description) from the catalog's meta block."""
    return list(_raw()["meta"]["generic_errors"])


def get(name: str) -> Method:
    """The method called ``name``; unknown names raise with close matches.

    Example:
        >>> get("doc.getLst")
        Traceback (most recent call last):
        ...
        ipernity_nb.errors.UnknownMethodError: Unknown API method 'doc.getLst'. Did you mean doc.getList, ...
    """
    try:
        return methods()[name]
    except (KeyError, TypeError):
        pass
    suggestions = difflib.get_close_matches(str(name), list(methods()), n=3, cutoff=0.6)
    raise UnknownMethodError(str(name), suggestions)


# --- validation -----------------------------------------------------------------------------


def _is_file(value: object) -> bool:
    return isinstance(value, (str, bytes, os.PathLike)) or hasattr(value, "read")


def _is_int(value: object) -> bool:
    return not isinstance(value, bool) and (
        isinstance(value, int) or (isinstance(value, str) and bool(_INT.match(value)))
    )


#: Per simple type: (accepts the value?, what it expects, said in the error).
_SIMPLE: dict[str, tuple[Callable[[object], bool], str]] = {
    "int": (_is_int, "an integer"),
    "bool": (lambda v: isinstance(v, bool) or v in (0, 1) or v in ("0", "1"), "a boolean (True/False, 1/0)"),
    "timestamp": (
        lambda v: isinstance(v, (datetime, date)) or _is_int(v),
        "a Unix timestamp (int seconds) or a datetime",
    ),
    "string": (lambda v: not isinstance(v, bool) and isinstance(v, (str, int, float)), "a string"),
    "file": (_is_file, "a path, bytes or an open binary file"),
}


def _fail(method: str, p: Param, value: object, expected: str, message: str | None = None) -> NoReturn:
    """The one way a parameter is refused: the message names method, parameter and what it takes."""
    raise ParameterError(
        message or f"{method}: parameter {p.name!r} expects {expected}, got {value!r} ({type(value).__name__}).",
        method=method,
        param=p.name,
        expected=expected,
        received=value,
    )


def _check_enum(method: str, p: Param, value: object) -> None:
    # An enum documented as taking a comma list (doc.search media=photo,video, docs/protocol.md
    # §6.4) accepts several allowed values; others take exactly one.
    multi = "comma" in p.doc.lower()
    if isinstance(value, dict) or (isinstance(value, (list, tuple, set)) and not multi):
        _fail(method, p, value, "one value")
    items = [param_str(v) for v in value] if isinstance(value, (list, tuple, set)) else [param_str(value)]
    if multi:
        items = [i.strip() for item in items for i in item.split(",")]
    if p.values is not None and any(i not in {param_str(v) for v in p.values} for i in items):
        allowed = ", ".join(param_str(v) for v in p.values)
        _fail(
            method,
            p,
            value,
            f"one of {allowed}",
            f"{method}: parameter {p.name!r} must be one of {allowed}; got {value!r}.",
        )


def list_max(p: Param) -> int | None:
    """How many items a list parameter takes: the catalog's ``max``, else the "(max N)" of its doc.

    Example:
        >>> list_max(get("doc.search").param("tags")), list_max(get("album.docs.add").param("doc_id"))
        (20, 20)
    """
    if p.max:
        return p.max
    found = _DOC_MAX.search(p.doc)
    return int(found.group(1)) if found else None


def _check_list(method: str, p: Param, value: object) -> None:
    items_ = value.split(",") if isinstance(value, str) else value
    if not isinstance(items_, (list, tuple, set, frozenset)) or any(
        isinstance(i, (list, tuple, set, dict)) for i in items_
    ):
        _fail(method, p, value, "a comma-separated string or a list of values")
    most = list_max(p)
    if most and len(items_) > most:
        msg = f"{method}: parameter {p.name!r} takes at most {most} items; got {len(items_)}. "
        _fail(method, p, value, f"at most {most} items", msg + "Split the call into batches.")
    if p.values is None:
        return
    allowed = {param_str(v) for v in p.values}
    bad = [i for i in items_ if param_str(i).strip() not in allowed]
    if not bad:
        return
    if p.name == "extra":  # the blocks would silently never arrive: say which exist
        close = difflib.get_close_matches(param_str(bad[0]).strip(), sorted(allowed), n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        msg = (
            f"{method}: extra={', '.join(map(repr, bad))} is not a block of this method.{hint} "
            f"{method} documents extra blocks: {', '.join(param_str(v) for v in p.values)}."
        )
        _fail(method, p, value, "blocks among " + ", ".join(param_str(v) for v in p.values), msg)
    msg = f"{method}: parameter {p.name!r} accepts {', '.join(sorted(allowed))}; got {bad!r}."
    _fail(method, p, value, "items among " + ", ".join(sorted(allowed)), msg)


def _check_scalar(method: str, p: Param, value: object) -> None:
    if p.type in _SIMPLE:
        ok, expected = _SIMPLE[p.type]
        if not ok(value):
            _fail(method, p, value, expected)
        if p.type == "int" and p.max is not None and int(value) > p.max:  # type: ignore[call-overload]
            hint = f" Use per_page={p.max} with pages='all' to get more." if p.name == "per_page" else ""
            _fail(method, p, value, f"at most {p.max}", f"{method}: {p.name} is at most {p.max}, got {value}.{hint}")
    elif p.type == "enum":
        _check_enum(method, p, value)
    elif p.type == "list":
        _check_list(method, p, value)


def _takes_many(p: Param | None) -> bool:
    return p is not None and (p.type == "list" or (p.type == "enum" and "comma" in p.doc.lower()))


def _coerce(method: str, name: str, p: Param | None, value: object) -> object:
    """``value`` as a plain Python value (or list of them); a missing value is refused naming ``name``."""
    if is_collection(value) and not isinstance(value, (list, tuple, set, frozenset)) and not _takes_many(p):
        return value  # an array for a one-value parameter: refused by the type check, as a list is
    got = items(value) if is_collection(value) else plain(value)  # type: ignore[arg-type]
    if got is MISSING or (isinstance(got, list) and any(v is MISSING for v in got)):
        raise ParameterError(
            f"{method}: parameter {name!r} got a missing value ({value!r}). Missing values are never sent: "
            "drop those rows first (e.g. df.dropna(subset=[...])) or pass None to leave the parameter out.",
            method=method,
            param=name,
            expected="a value (not NaN or <NA>)",
            received=value,
        )
    return got


def validate(name: str, params: Mapping[str, object], *, has_token: bool = False) -> dict[str, object]:
    """Check ``params`` for method ``name`` and return them ready to sign and send.

    ``None`` values are dropped; every other value is converted with
    :func:`ipernity_nb.signing.param_str` (a ``file`` value is kept as given). Raises
    :class:`~ipernity_nb.errors.UnknownMethodError` or
    :class:`~ipernity_nb.errors.ParameterError` naming the method and parameter.

    Example:
        >>> validate("doc.search", {"tags": ["cat", "dog"], "per_page": 50})
        {'tags': 'cat,dog', 'per_page': '50'}
    """
    m = get(name)
    given = {k: _coerce(name, k, m.param(k), v) for k, v in params.items() if v is not None and k != "file"}
    if params.get("file") is not None:
        given["file"] = params["file"]
    if m.params is not None:
        known = {p.name for p in m.params}
        for k in given:
            if k not in known and k not in IMPLICIT_PARAMS:
                close = difflib.get_close_matches(k, sorted(known), n=3, cutoff=0.6)
                hint = f" Did you mean {', '.join(close)}?" if close else ""
                accepted = ", ".join(sorted(known)) or "no parameters"
                raise ParameterError(
                    f"{name}: unknown parameter {k!r}.{hint} It accepts: {accepted}.",
                    method=name,
                    param=k,
                    expected="a documented parameter",
                    received=k,
                )
        for req in m.required_params(has_token=has_token):
            if req not in given or (isinstance(given[req], str) and given[req] == ""):
                relaxed = req in CALLER_DEFAULTS.get(name, ())
                extra = " (with a token it defaults to the signed-in user)" if relaxed else ""
                spec = m.param(req)
                raise ParameterError(
                    f"{name}: missing required parameter {req!r}{extra}. {spec.doc if spec else ''}".rstrip(),
                    method=name,
                    param=req,
                    expected="a value",
                    received=None,
                )
        for k, v in given.items():
            p = m.param(k)
            if p is not None:
                _check_scalar(name, p, v)
    out: dict[str, object] = {}
    for k, v in given.items():
        try:
            out[k] = v if k == "file" else param_str(v)
        except TypeError as exc:
            raise ParameterError(
                f"{name}: parameter {k!r} cannot be sent: {exc}.", method=name, param=k, received=v
            ) from None
    return out
