"""Request signatures, exactly as docs/protocol.md §3 describes them. Standard library only.

One rule turns Python values into the strings that are both signed and sent
(:func:`param_str`); both sides of the wire (client and sandbox) use this module, so its
known-answer tests pin the algorithm.

Example:
    >>> api_sig({"api_key": "6fa87ba500002712bd4eed6020f3bd72", "doc_id": 1234,
    ...          "keywords": "easy"}, "e9a599f0cf6ce193", method="doc.tags.add")
    'a269b218feb341ef03bc093a0f2c8078'
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime

__all__ = ["UNSIGNED_PARAMS", "api_sig", "param_str", "prepare_params", "same_sig", "sign", "signature_base"]

#: Parameters never part of the signature: the signature itself and the uploaded file (§3.1).
UNSIGNED_PARAMS = frozenset({"api_sig", "file"})


def param_str(value: object) -> str:
    """Turn one Python value into the string that is signed and sent.

    The rule (docs/protocol.md §3, §8.3):

    * ``str`` is kept as is (raw UTF-8, never URL-encoded);
    * ``bool`` becomes ``"1"`` / ``"0"`` (checked before ``int``, since bool is an int);
    * ``int`` and ``float`` become their decimal text (``float`` via ``repr``: ``48.85``);
    * timezone-aware ``datetime`` becomes Unix seconds; naive ones are taken as UTC;
      ``date`` becomes ``YYYY-MM-DD``;
    * a list, tuple or set becomes its items converted by this rule, joined by ``","``
      (sets are sorted so the result is stable).

    Example:
        >>> param_str(True), param_str(0), param_str(["a b", 2]), param_str(48.85)
        ('1', '0', 'a b,2', '48.85')
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return str(int(value.timestamp()))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return ",".join(sorted(param_str(v) for v in value))
    if isinstance(value, (list, tuple)):
        return ",".join(param_str(v) for v in value)
    raise TypeError(f"cannot send a {type(value).__name__} as an API parameter value")


def prepare_params(params: Mapping[str, object]) -> dict[str, str]:
    """Convert every value with :func:`param_str`, dropping ``None`` (= not sent).

    File values (the ``file`` part of uploads) are passed through untouched.

    Example:
        >>> prepare_params({"doc_id": 5, "title": None, "is_public": False})
        {'doc_id': '5', 'is_public': '0'}
    """
    out: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        out[name] = value if name == "file" else param_str(value)  # type: ignore[assignment]
    return out


def signature_base(params: Mapping[str, object], method: str | None = None) -> str:
    """The exact string that is hashed, *without* the secret appended.

    Parameters sorted by name, ``name+value`` concatenated, then the method name (omitted
    for the authorize URL, §3.2).

    Example:
        >>> signature_base({"b": "2", "a": "1"}, "test.echo")
        'a1b2test.echo'
    """
    items = sorted((k, param_str(v)) for k, v in params.items() if k not in UNSIGNED_PARAMS and v is not None)
    return "".join(k + v for k, v in items) + (method or "")


def api_sig(params: Mapping[str, object], secret: str, method: str | None = None) -> str:
    """Lowercase hex MD5 of :func:`signature_base` followed by the secret (§3.1).

    ``method=None`` signs an authorization link (§3.2).

    Example:
        >>> api_sig({"api_key": "6fa87ba500002712bd4eed6020f3bd72", "perm_network": "read"},
        ...         "e9a599f0cf6ce193")
        'da183021cd39461108770b822fcd9398'
    """
    return hashlib.md5((signature_base(params, method) + secret).encode("utf-8")).hexdigest()


def sign(params: Mapping[str, object], secret: str, method: str | None = None) -> dict[str, str]:
    """Return the prepared parameters with ``api_sig`` added.

    Example:
        >>> sign({"api_key": "k", "echo": "hi"}, "s", "test.echo")["api_sig"]
        'df3a1183b05430e01cbfd12a14fe84bd'
    """
    prepared = prepare_params({k: v for k, v in params.items() if k != "api_sig"})
    prepared["api_sig"] = api_sig(prepared, secret, method)
    return prepared


def same_sig(a: str, b: str) -> bool:
    """Constant-time comparison of two signatures (used by the sandbox)."""
    import hmac

    return hmac.compare_digest(a.lower().encode(), b.lower().encode())
