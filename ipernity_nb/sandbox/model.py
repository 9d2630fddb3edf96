"""The sandbox's model layer, shared parts: housekeeping (and the rule for errors).

Domain operations (grants and tokens in :mod:`.grants`, application keys in :mod:`.appkeys`,
statistics in :mod:`.appstats`) take a database connection and plain values; they know
nothing about HTTP. The API handlers, the site pages and the control plane call them alike
and turn the :class:`~ipernity_nb.errors.ControlError` they raise (the package's one error
tree; ``status`` is the HTTP status to answer) into their own answer (a JSON error, an HTML
error page).

Example:
    >>> from ipernity_nb.errors import ControlError
    >>> err = ControlError("unknown api_key", status=404)
    >>> str(err), err.status
    ('unknown api_key', 404)
"""

from __future__ import annotations

import sqlite3

__all__ = ["purge_expired"]


def purge_expired(db: sqlite3.Connection, now: int, *, session_ttl: int, frob_ttl: int, oauth_skew: int) -> int:
    """Delete what can never be used again; returns the number of rows removed.

    Sessions older than ``session_ttl``; frobs past their expiry (a used or expired frob
    answers code 2 whether or not its row exists); OAuth request tokens older than
    ``frob_ttl``; nonces older than the clock skew window (a request that old is refused with
    132 before its nonce is looked at, and the newest nonce of each key stays, so 134's
    "older than a previous request" keeps its reference).

    Example:
        >>> from ipernity_nb.sandbox.state import State
        >>> st = State(None, seed="empty")
        >>> with st.transaction(write=True) as db:
        ...     purge_expired(db, 2_000_000_000, session_ttl=60, frob_ttl=60, oauth_skew=300)
        0
        >>> st.close()
    """
    removed = 0
    for sql, args in (
        ("DELETE FROM sessions WHERE created_at <= ?", (now - session_ttl,)),
        ("DELETE FROM frobs WHERE expires_at <= ?", (now,)),
        ("DELETE FROM oauth_tokens WHERE kind = 'request' AND created_at <= ?", (now - frob_ttl,)),
        (
            "DELETE FROM oauth_nonces WHERE timestamp < ? AND timestamp <"
            " (SELECT MAX(n.timestamp) FROM oauth_nonces n WHERE n.api_key = oauth_nonces.api_key)",
            (now - oauth_skew,),
        ),
    ):
        removed += db.execute(sql, args).rowcount
    return removed
