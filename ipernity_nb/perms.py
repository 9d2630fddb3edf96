"""The permission vocabulary, defined once for the client and the sandbox (stdlib only).

A token grants one level per scope (docs/protocol.md §4.1); levels are ordered and each includes
the weaker ones. ``profile`` stops at ``write``: there is nothing to delete in a profile.

Example:
    >>> level_allows("delete", "write"), level_allows("read", "write"), SCOPE_LEVELS["profile"]
    (True, False, ('none', 'read', 'write'))
"""

from __future__ import annotations

__all__ = ["LEVELS", "SCOPES", "SCOPE_LEVELS", "level_allows"]

#: Permission scopes in the order the site lists them (docs/protocol.md §4.1).
SCOPES = ("doc", "blog", "post", "network", "profile")
#: Permission levels, weakest first: each includes the lower ones.
LEVELS = ("none", "read", "write", "delete")
#: Levels each scope accepts; ``profile`` stops at write.
SCOPE_LEVELS: dict[str, tuple[str, ...]] = {s: LEVELS for s in SCOPES} | {"profile": LEVELS[:3]}


def level_allows(granted: str | None, needed: str) -> bool:
    """Whether a granted level covers the needed one (read < write < delete).

    Example:
        >>> level_allows("delete", "write"), level_allows("read", "write"), level_allows("bogus", "read")
        (True, False, False)
    """
    try:
        return LEVELS.index(granted or "none") >= LEVELS.index(needed)
    except ValueError:
        return False
