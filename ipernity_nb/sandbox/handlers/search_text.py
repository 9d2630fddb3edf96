"""Search text: one linear, bounded parser for ``doc.search``, ``group.search`` and ``post.search``.

Words must all match; a word starting with ``-`` excludes; a leading ``+`` is dropped;
``"quoted phrases"`` (``-"quoted"`` to exclude) match as one string; an unclosed quote runs
to the end. Parsing is one regular-expression pass, and the query is bounded: past
:data:`MAX_TEXT_CHARS` characters (checked before any parsing) or :data:`MAX_TERMS` terms,
the call answers API code 5 with a label that says the limit. The live limits are
undocumented: these are the sandbox's (docs/sandbox-divergences.md).

Text is read through :func:`~ipernity_nb.sandbox.registry.clean_text` like every parameter,
so a query made only of characters no stored text can hold (``"\\x00"``) matches nothing.

Example:
    >>> text_terms('cat "red car" -dog +sun -"grey sky"')
    (['cat', 'red car', 'sun'], ['dog', 'grey sky'])
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..registry import Ctx, Fault

__all__ = ["MAX_TERMS", "MAX_TEXT_CHARS", "Terms", "search_terms", "text_terms"]

#: Longest search text accepted, in characters, and most terms (words or phrases).
MAX_TEXT_CHARS = 1000
MAX_TERMS = 20
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


class Terms(NamedTuple):
    """Required and excluded terms (lower case); ``impossible`` when nothing can match."""

    include: list[str]
    exclude: list[str]
    impossible: bool


def _too_long() -> Fault:
    return Fault(5, f"Search text too long: at most {MAX_TERMS} words and {MAX_TEXT_CHARS} characters")


def text_terms(text: str, limit: int | None = None) -> tuple[list[str], list[str]]:
    """Split a query into required and excluded terms (lower case), in one pass.

    More than ``limit`` terms raises the API's code 5 (parsing stops there).
    """
    inc: list[str] = []
    exc: list[str] = []
    for n, m in enumerate(_TOKEN.finditer(text)):
        if limit is not None and n >= limit:
            raise _too_long()
        neg, phrase, word = m.groups()
        if word is not None:
            neg, phrase = ("-", word[1:]) if word.startswith("-") else ("", word.lstrip("+"))
        term = phrase.strip().lower()
        if term:
            (exc if neg else inc).append(term)
    return inc, exc


def search_terms(ctx: Ctx, name: str = "text") -> Terms:
    """The bounded terms of parameter ``name`` (code 5 past :data:`MAX_TEXT_CHARS` or :data:`MAX_TERMS`)."""
    raw = ctx.params.get(name, "")
    if len(raw) > MAX_TEXT_CHARS:
        raise _too_long()
    text = ctx.text(name)
    inc, exc = text_terms(text, MAX_TERMS)
    # text that held something, all of it characters no stored text can hold (a NUL)
    return Terms(inc, exc, impossible=bool(raw.strip()) and not text.strip())
