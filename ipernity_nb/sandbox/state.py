"""The sandbox's storage: one SQLite file, a pool of connections, transactions, reset. No HTTP.

A throwaway sandbox (``db=None``) lives in a temporary file, deleted on :meth:`State.close`,
so every server thread can open its own connection to it; a path makes the data persist
across restarts (WAL mode, so readers never wait for the writer). ``clock`` (``time.time``
by default) is the sandbox's time: request times, expiry and quotas read it, so a test
can move it forward instead of sleeping (``Sandbox(clock=...)``).

Example:
    >>> st = State(None, seed="empty")
    >>> with st.transaction() as db:
    ...     db.execute("SELECT COUNT(*) FROM users WHERE username = 'alice'").fetchone()[0]
    1
    >>> st.close()
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

from ..perms import SCOPES
from . import seed as _seed

__all__ = [
    "PERM_SCOPES",
    "State",
    "check_password",
    "hash_password",
    "insert_token",
    "new_frob",
    "new_token",
]

log = logging.getLogger("ipernity_nb.sandbox")

#: Permission scopes a token carries, in the order auth.* report them (docs/protocol.md §4.1).
PERM_SCOPES = SCOPES  # the one vocabulary (perms.py), under the sandbox's historic name


def _schema_sql() -> str:
    return (resources.files("ipernity_nb.sandbox") / "schema.sql").read_text(encoding="utf-8")


def hash_password(password: str, salt: str | None = None) -> str:
    """``"salt$sha256hex(salt+password)"`` (the seed's format) with a fresh salt by default."""
    return _seed.hash_password(password, salt or secrets.token_hex(8))


def check_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches a stored hash (constant-time; the seed's rule)."""
    return _seed.check_password(stored, password)


def new_frob() -> str:
    """A frob shaped like the live ones: ``<digits>-<hex>`` (docs/protocol.md §4.3)."""
    return f"{secrets.randbelow(9 * 10**8) + 10**8}-{secrets.token_hex(6)}"


def new_token() -> str:
    """An auth token, ``<digits>-<hex>``, from the secrets module."""
    return f"{secrets.randbelow(9 * 10**8) + 10**8}-{secrets.token_hex(16)}"


def insert_token(db: sqlite3.Connection, api_key: str, user_id: int, perms: dict, now: int | None = None) -> str:
    """Store a new token with ``perms`` (missing scopes are ``none``), created at ``now``; returns it."""
    token = new_token()
    db.execute(
        "INSERT INTO tokens (token, api_key, user_id, perm_doc, perm_blog, perm_post, perm_network, perm_profile,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            token,
            api_key,
            user_id,
            *(perms.get(s, "none") for s in PERM_SCOPES),
            int(time.time()) if now is None else now,
        ),
    )
    return token


class State:
    """The database of one sandbox: a file, a connection pool and the seed step.

    Connections are pooled (werkzeug's threaded server starts a thread per request, so
    thread-local connections would be opened and dropped every call).
    """

    def __init__(
        self,
        db: str | os.PathLike | None = None,
        *,
        seed: str = "demo",
        scale: int | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        #: The sandbox's time in Unix seconds; replace it to test expiry and quotas without sleeping.
        self.clock: Callable[[], float] = clock or time.time
        self.owned = db is None
        if db is None:
            fd, path = tempfile.mkstemp(prefix="ipernity-sandbox-", suffix=".sqlite")
            os.close(fd)
            self.path = path
        else:
            self.path = os.fspath(db)
        self._pool: list[sqlite3.Connection] = []
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._reset_lock = threading.Lock()
        self._closed = False
        conn = self._connect()
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_schema_sql())
        seeded = conn.execute("SELECT value FROM meta WHERE key = 'seed'").fetchone()
        self._release(conn)
        if seeded is None:
            self.reset(seed, scale)

    def now(self) -> int:
        """The sandbox's current time in whole Unix seconds (from :attr:`clock`)."""
        return int(self.clock())

    # --- connections ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30.0)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        with self._lock:
            self._all.append(conn)
        return conn

    def _acquire(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise RuntimeError("the sandbox database is closed")
            if self._pool:
                return self._pool.pop()
        return self._connect()

    def _release(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:  # never hand out a connection in a half-finished state
            conn.rollback()
        with self._lock:
            if not self._closed:
                self._pool.append(conn)
                return
        conn.close()

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A pooled connection in autocommit mode (for callers that manage transactions)."""
        conn = self._acquire()
        try:
            yield conn
        finally:
            self._release(conn)

    @contextlib.contextmanager
    def transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection inside ``BEGIN`` (``BEGIN IMMEDIATE`` when ``write``); commit or roll back.

        ``BEGIN IMMEDIATE`` takes the write lock up front, so two concurrent writers queue
        on ``busy_timeout`` instead of failing when a read snapshot upgrades to a write.
        """
        with self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            else:
                conn.commit()

    # --- seed and reset ---------------------------------------------------------------------

    def reset(self, seed: str = "demo", scale: int | None = None) -> dict[str, int]:
        """Empty every table and seed again; returns the row counts."""
        if seed not in ("demo", "empty"):
            raise ValueError(f"unknown seed {seed!r}: use 'demo' or 'empty'")
        with self._reset_lock, self.connection() as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            conn.execute("PRAGMA foreign_keys = OFF")  # bulk delete and bulk seed in any order
            try:
                conn.execute("BEGIN IMMEDIATE")
                for t in tables:
                    conn.execute(f'DELETE FROM "{t}"')
                conn.commit()
                t0 = time.perf_counter()
                _seed.seed(conn, name=seed, scale=scale)
                if conn.in_transaction:
                    conn.commit()
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('seed', ?)",
                    (json.dumps({"seed": seed, "scale": scale}),),
                )
                log.info("sandbox seeded (%s, scale=%s) in %.2fs", seed, scale, time.perf_counter() - t0)
            finally:
                conn.execute("PRAGMA foreign_keys = ON")
        return self.counts()

    def counts(self) -> dict[str, int]:
        """Rows per table (the control plane's status)."""
        with self.connection() as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables if t != "meta"}

    def meta(self, key: str) -> Any:
        with self.connection() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    # --- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close every connection; delete the file when it was a throwaway one."""
        with self._lock:
            self._closed = True
            conns, self._pool = self._pool, []
            busy = [c for c in self._all if all(c is not idle for idle in conns)]
            self._all = []
        for c in conns:
            with contextlib.suppress(sqlite3.Error):
                c.close()
        # Connections still used by in-flight requests are closed by _release when they finish:
        # closing them under a running statement crashes the sqlite3 module (a segfault, seen
        # when a file-backed sandbox is stopped mid-load: tests/test_restart.py). Wait a little.
        deadline = time.monotonic() + 5.0
        while busy and time.monotonic() < deadline:
            busy = [c for c in busy if _is_open(c)]
            if busy:
                time.sleep(0.01)
        if self.owned:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError, PermissionError):
                    os.remove(self.path + suffix)


def _is_open(conn: sqlite3.Connection) -> bool:
    try:
        conn.total_changes  # noqa: B018 - raises ProgrammingError once closed
    except sqlite3.ProgrammingError:
        return False
    return True
