"""The token store: saved auth tokens, keyed by API key and user, in an owner-only JSON file.

The file is ``tokens.json`` in ``platformdirs.user_config_dir("ipernity_nb")`` — or in the
directory given as ``TokenStore(directory)`` or by the ``IPERNITY_NB_CONFIG_DIR`` environment
variable (tests, classrooms). The directory is created ``0700`` and the file ``0600`` (written
to a ``0600`` temporary file, then atomically renamed). It holds tokens and the users they
belong to — never an API secret. Several accounts of one app live side by side (a teacher and
a student in one kernel). Writers take a lock (``flock`` on ``.tokens.lock``, POSIX), so two
kernels saving at once lose nothing.

Example:
    >>> import tempfile
    >>> store = TokenStore(tempfile.mkdtemp())
    >>> from ipernity_nb.auth import Token
    >>> store.save(Token("123-abc", user_id=284001, username="alice", api_key="k"))
    >>> store.load("k", "alice").username
    'alice'
    >>> store.forget("k", "alice")
    1
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

import platformdirs

from .authtoken import Token
from .errors import IpernityError
from .files import atomic_write

__all__ = ["TokenStore"]

log = logging.getLogger(__name__)

FILENAME = "tokens.json"
_VERSION = 1


def default_directory() -> Path:
    """``$IPERNITY_NB_CONFIG_DIR`` if set, else the user's config dir for ipernity_nb."""
    env = os.environ.get("IPERNITY_NB_CONFIG_DIR")
    return Path(env) if env else Path(platformdirs.user_config_dir("ipernity_nb"))


class TokenStore:
    """Save, load, list and forget tokens (see the module docstring for where and how).

    Example:
        >>> import tempfile
        >>> store = TokenStore(tempfile.mkdtemp())
        >>> store.list()
        []
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_directory()
        self.path = self.directory / FILENAME
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    # --- file -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialize read-modify-write: threads via a lock, kernels via flock on a lock file."""
        with self._lock:
            if fcntl is None:  # Windows: the atomic replace still keeps the file whole
                yield
                return
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.directory / ".tokens.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing releases the flock

    def _read(self) -> dict[str, dict[str, dict[str, Any]]]:
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            # never echo the content: it holds tokens
            log.warning("token store %s is unreadable (%s); treating it as empty", self.path, type(exc).__name__)
            return {}
        mode = stat.S_IMODE(os.stat(self.path).st_mode)
        if mode & 0o077:
            log.warning("token store %s is readable by others (mode %o); it will be rewritten 0600", self.path, mode)
        tokens = data.get("tokens") if isinstance(data, dict) else None
        return tokens if isinstance(tokens, dict) else {}

    def _write(self, tokens: dict[str, dict[str, dict[str, Any]]]) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            os.chmod(self.directory, 0o700)
        except OSError as exc:
            raise IpernityError(f"Cannot make {self.directory} private (chmod 0700): {exc.strerror}.") from exc
        body = json.dumps({"version": _VERSION, "tokens": tokens}, indent=1, sort_keys=True).encode("utf-8")
        atomic_write(self.path, body, private=True)

    # --- public API -----------------------------------------------------------------------

    def save(self, token: Token) -> None:
        """Save ``token`` under its API key and user id (replacing that user's previous token)."""
        if not token.api_key:
            raise IpernityError("A token needs its api_key to be saved (tokens belong to one application).")
        user = str(token.user_id if token.user_id is not None else token.username)
        entry = token.to_dict() | {"saved_at": datetime.now(UTC).isoformat(timespec="microseconds")}
        with self._locked():
            tokens = self._read()
            tokens.setdefault(token.api_key, {})[user] = entry
            self._write(tokens)

    def _entries(self, api_key: str | None) -> list[dict[str, Any]]:
        tokens = self._read()
        keys = [api_key] if api_key is not None else sorted(tokens)
        out = [e for k in keys for e in (tokens.get(k) or {}).values() if isinstance(e, dict) and e.get("token")]
        return sorted(out, key=lambda e: e.get("saved_at", ""))

    def list(self, api_key: str | None = None) -> list[Token]:
        """Every saved token (of one API key, or all), oldest first."""
        return [Token.from_dict(e) for e in self._entries(api_key)]

    def load(self, api_key: str, user: str | int | None = None) -> Token | None:
        """The token of ``user`` (username or user id) for ``api_key``; without ``user`` the latest saved."""
        entries = [e for e in self._entries(api_key) if user is None or _matches(e, user)]
        return Token.from_dict(entries[-1]) if entries else None

    def forget(self, api_key: str, user: str | int | None = None) -> int:
        """Remove the token of ``user`` for ``api_key`` (all of the key's tokens without ``user``).

        Returns how many tokens were removed. This forgets the token locally; revoke the app on
        the site's "Authorized applications" page to invalidate it on the server.
        """
        with self._locked():
            tokens = self._read()
            users = tokens.get(api_key) or {}
            gone = [u for u, e in users.items() if user is None or _matches(e, user)]
            for u in gone:
                del users[u]
            if not users:
                tokens.pop(api_key, None)
            if gone:
                self._write(tokens)
        return len(gone)

    def discard(self, token: Token) -> int:
        """Forget ``token`` if the store still holds it (a revoked one); returns 1 or 0.

        Only that exact token goes: a newer token of the same user, saved meanwhile by another
        kernel, stays.

        Example:
            >>> import tempfile
            >>> store = TokenStore(tempfile.mkdtemp())
            >>> store.save(Token("123-abc", user_id=284001, username="alice", api_key="k"))
            >>> store.discard(Token("123-abc", api_key="k")), store.list()
            (1, [])
        """
        with self._locked():
            tokens = self._read()
            users = tokens.get(token.api_key) or {}
            gone = [u for u, e in users.items() if isinstance(e, dict) and e.get("token") == token.token]
            for u in gone:
                del users[u]
            if not users:
                tokens.pop(token.api_key, None)
            if gone:
                self._write(tokens)
        return len(gone)


def _matches(entry: dict[str, Any], user: str | int) -> bool:
    return str(user) in (str(entry.get("user_id")), str(entry.get("username")))
