"""Deterministic demo data for the sandbox: contract constants, password hashing and seed().

Everything here is reproducible: the generator uses ``random.Random(SEED)`` only and a fixed
reference time (``DEFAULT_NOW``, 2026-06-01 UTC), never the wall clock, so two seeds of the
same name and scale produce identical rows and tutorial outputs stay stable.

>>> import sqlite3
>>> from ipernity_nb.sandbox.seed import seed, check_password, DEMO_PASSWORD
>>> db = sqlite3.connect(":memory:")
>>> counts = seed(db, "demo", scale=200)
>>> counts["docs"]
200
>>> stored = db.execute("SELECT password_hash FROM users WHERE username='alice'").fetchone()[0]
>>> check_password(stored, DEMO_PASSWORD)
True
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3

__all__ = [
    "DEFAULT_NOW",
    "DEMO_APPS",
    "DEMO_DESKTOP_APP",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "DEMO_WEB_APP",
    "check_password",
    "hash_password",
    "seed",
]

# Shared contract: other parts of the package and the docs rely on these values.
DEMO_DESKTOP_APP = {
    "name": "ipernity_nb demo (desktop)",
    "api_key": "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c",
    "secret": "a1b2c3d4e5f60718",
    "kind": "desktop",
    "callback": "",
}
DEMO_WEB_APP = {
    "name": "ipernity_nb demo (web)",
    "api_key": "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49",
    "secret": "0f1e2d3c4b5a6978",
    "kind": "web",
    # Relative: resolved against the sandbox root, which serves /apps/callback showing the frob.
    "callback": "/apps/callback",
}
DEMO_APPS = (DEMO_DESKTOP_APP, DEMO_WEB_APP)
DEMO_PASSWORD = "demo"  # every seeded user, the closed account included

# The named users tutorials talk about (all with DEMO_PASSWORD); generated members follow
# (ids 285000-299000). alice is PRO; closed_account is closed (API error 108 for its tokens).
DEMO_USERS: list[dict] = [
    {"username": "alice", "user_id": 284001, "realname": "Alice Martin", "is_pro": True, "is_closed": False},
    {"username": "bob", "user_id": 284002, "realname": "Bob Schneider", "is_pro": False, "is_closed": False},
    {"username": "carol", "user_id": 284003, "realname": "Carol Ferreira", "is_pro": False, "is_closed": False},
    {"username": "dave", "user_id": 284004, "realname": "Dave O'Brien", "is_pro": False, "is_closed": False},
    {"username": "closed_account", "user_id": 284999, "realname": "Closed Account", "is_pro": False, "is_closed": True},
]
CLOSED_USERNAME = "closed_account"

DEFAULT_NOW = 1780272000  # 2026-06-01 00:00:00 UTC: fixed so tutorial outputs are stable


def hash_password(password: str, salt: str) -> str:
    """Return the stored form ``"salt$sha256hex(salt + password)"`` for users.password_hash.

    >>> hash_password("demo", "ab12")[:5]
    'ab12$'
    """
    if "$" in salt:
        raise ValueError("salt must not contain '$' (it separates salt and digest)")
    digest = hashlib.sha256((salt + password).encode("utf-8")).hexdigest()
    return f"{salt}${digest}"


def check_password(stored: str, password: str) -> bool:
    """True when ``password`` matches a ``"salt$hex"`` value made by :func:`hash_password`.

    Constant-time comparison; a malformed stored value simply fails.

    >>> check_password(hash_password("demo", "s1"), "demo"), check_password(hash_password("demo", "s1"), "x")
    (True, False)
    """
    if not isinstance(stored, str) or "$" not in stored or not isinstance(password, str):
        return False
    salt, _, digest = stored.partition("$")
    expected = hashlib.sha256((salt + password).encode("utf-8")).hexdigest()
    return hmac.compare_digest(expected, digest)


def seed(db: sqlite3.Connection, name: str = "demo", scale: int | None = None, *, now: int | None = None) -> dict:
    """Replace the content of ``db`` with a deterministic seed; returns ``{table: row count}``.

    ``name``: ``"demo"`` (users, docs, albums, groups, comments... see seed_docs/seed_social) or
    ``"empty"`` (only the demo apps and the named users of :data:`DEMO_USERS`, so authorization
    works on an empty sandbox; ``scale`` is ignored). ``scale``: exact number of docs (default 3000; members grow with
    it). ``now``: the reference time (Unix seconds, default :data:`DEFAULT_NOW`), never the wall
    clock. The schema is applied when missing. Runs in one transaction with fast pragmas that
    are restored afterwards; a WAL database stays in WAL.

    >>> import sqlite3
    >>> seed(sqlite3.connect(":memory:"), "empty")["users"]
    5
    """
    from .seed_gen import run

    return run(db, name, scale, now=DEFAULT_NOW if now is None else now)
