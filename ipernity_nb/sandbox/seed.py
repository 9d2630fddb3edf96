"""Deterministic demo data for the sandbox: seed(), and the demo world's constants re-exported.

The constants and password hashing live in :mod:`.demo_world` (a leaf every seed module
imports); the generators in :mod:`.seed_gen` (users, network), :mod:`.seed_docs` and
:mod:`.seed_social`, which this module drives, so no seed module imports another in a circle.

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

import sqlite3

from . import seed_docs, seed_help, seed_social
from .demo_world import (
    CLOSED_USERNAME,
    DEMO_APPS,
    DEMO_DESKTOP_APP,
    DEMO_PASSWORD,
    DEMO_USERS,
    DEMO_WEB_APP,
    check_password,
    hash_password,
)
from .seed_gen import World, run

__all__ = [
    "CLOSED_USERNAME",
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

DEFAULT_NOW = 1780272000  # 2026-06-01 00:00:00 UTC: fixed so tutorial outputs are stable


def _demo_content(db: sqlite3.Connection, world: World) -> None:
    """The demo seed's docs, albums, groups and posts (after its users and network)."""
    seed_docs.docs(db, world)
    seed_social.albums(db, world)
    seed_social.groups(db, world)
    seed_social.posts(db, world)
    seed_help.help_groups(db, world)


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
    return run(db, name, scale, now=DEFAULT_NOW if now is None else now, content=_demo_content)
