"""A teaching aid: the request-signing steps of docs/protocol.md §3, shown one by one.

:func:`explain_signature` computes a signature with :mod:`ipernity_nb.signing` (no second
implementation) and shows the sorted pairs, the string that is hashed — with the secret
replaced by ``•••`` and the auth token masked — and the resulting ``api_sig``. The object
renders as an HTML table in Jupyter and as plain text elsewhere. It never stores the secret
or the token.

Example (the worked example of docs/protocol.md §3.1):
    >>> ex = explain_signature("doc.tags.add", {"doc_id": 1234, "keywords": "easy"},
    ...     api_key="6fa87ba500002712bd4eed6020f3bd72", secret="e9a599f0cf6ce193")
    >>> ex.string
    'api_key6fa87ba500002712bd4eed6020f3bd72doc_id1234keywordseasydoc.tags.add•••'
    >>> ex.api_sig
    'a269b218feb341ef03bc093a0f2c8078'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from .signing import UNSIGNED_PARAMS, api_sig, param_str, signature_base

__all__ = ["MASK", "SignatureExplanation", "explain_signature"]

#: What is shown instead of the secret and the auth token.
MASK = "•••"
_MASKED_PARAMS = frozenset({"auth_token", "secret", "api_secret", "password"})


@dataclass(frozen=True, repr=False)
class SignatureExplanation:
    """The signing steps of one call (or authorization link when ``method`` is None)."""

    method: str | None
    pairs: tuple[tuple[str, str], ...]  # sorted (name, value) as signed; secrets masked
    skipped: tuple[str, ...]  # parameters sent but not signed (api_sig, file)
    string: str  # the string hashed, secret and token masked
    api_sig: str

    @property
    def what(self) -> str:
        return f"the call {self.method}" if self.method else "an authorization link (no method name, §3.2)"

    def __str__(self) -> str:
        width = max((len(k) for k, _ in self.pairs), default=0)
        lines = [f"Signing {self.what} (docs/protocol.md §3.1)", "1. parameters, sorted by name:"]
        lines += [f"   {k.ljust(width)} = {v}" for k, v in self.pairs]
        if self.skipped:
            lines.append(f"   (not signed: {', '.join(self.skipped)})")
        tail = f"then the method name {self.method!r}, " if self.method else ""
        lines += [
            f"2. concatenate name+value with no separator, {tail}then the secret (shown as {MASK}):",
            f"   {self.string}",
            "3. api_sig = lowercase hex MD5 of that UTF-8 string:",
            f"   {self.api_sig}   (signature of this demo call; it is sent as the api_sig parameter)",
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<SignatureExplanation {self.method or '(authorization link)'}: {len(self.pairs)} pairs>"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{escape(k)}</code></td><td><code>{escape(v)}</code></td></tr>" for k, v in self.pairs
        )
        skipped = (
            f"<p><small>Sent but not signed: {escape(', '.join(self.skipped))}.</small></p>" if self.skipped else ""
        )
        tail = f", then the method name <code>{escape(self.method)}</code>" if self.method else ""
        return (
            f'<div class="ipn-explain"><b>Signing {escape(self.what)}</b> '
            "<small>(docs/protocol.md §3.1)</small>"
            "<p>1. Every parameter sent, sorted by name:</p>"
            f'<table style="border-collapse:collapse"><tr><th>name</th><th>value</th></tr>{rows}</table>{skipped}'
            f"<p>2. Concatenate <i>name</i>+<i>value</i> with no separator{tail}, "
            f"then the application secret (shown as {MASK}):</p>"
            f'<pre style="white-space:pre-wrap;word-break:break-all">{escape(self.string)}</pre>'
            "<p>3. <code>api_sig</code> = lowercase hex MD5 of that UTF-8 string:</p>"
            f"<pre>{escape(self.api_sig)}</pre>"
            "<p><small>This is the signature of this demo call only; the secret itself is never shown "
            "or sent.</small></p></div>"
        )


def explain_signature(
    method: str | None,
    params: Mapping[str, object],
    *,
    api_key: str,
    secret: str,
    token: str | None = None,
) -> SignatureExplanation:
    """Explain how ``api_sig`` is computed for ``method`` with ``params``.

    ``api_key`` (and ``auth_token`` when ``token`` is given) are added as the client would;
    ``method=None`` explains an authorization-link signature (docs/protocol.md §3.2).

    Example:
        >>> print(explain_signature(None, {"perm_network": "read"},
        ...     api_key="6fa87ba500002712bd4eed6020f3bd72", secret="e9a599f0cf6ce193").api_sig)
        da183021cd39461108770b822fcd9398
    """
    full: dict[str, object] = {k: v for k, v in params.items() if v is not None}
    full["api_key"] = api_key
    if token:
        full["auth_token"] = token
    signed = {k: param_str(v) for k, v in full.items() if k not in UNSIGNED_PARAMS}
    shown = {k: (MASK if k in _MASKED_PARAMS else v) for k, v in signed.items()}
    return SignatureExplanation(
        method=method,
        pairs=tuple(sorted(shown.items())),
        skipped=tuple(sorted(k for k in full if k in UNSIGNED_PARAMS)),
        string=signature_base(shown, method) + MASK,
        api_sig=api_sig(signed, secret, method),
    )
