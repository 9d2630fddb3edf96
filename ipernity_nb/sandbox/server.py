"""``Sandbox``: a local ipernity (API + authorization pages) on a loopback port.

Example:
    >>> from ipernity_nb.sandbox import Sandbox
    >>> import requests
    >>> with Sandbox(seed="empty") as sb:
    ...     r = requests.get(sb.api_url + "test.hello", params={"api_key": "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c"})
    ...     r.json()["hello"]
    'hello world!'
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import secrets
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ..errors import ControlError, ParameterError
from . import control as _control
from .app import SandboxApp, make_app
from .httpd import HTTPServer, Limits
from .state import State

__all__ = ["Sandbox"]

log = logging.getLogger("ipernity_nb.sandbox")
# A library logs, it does not print: without this, Python's last-resort handler would write
# the sandbox's warnings to stderr, into whatever notebook cell ran last.
log.addHandler(logging.NullHandler())


class Sandbox:
    """A running emulator of api.ipernity.com and its authorization pages.

    ``db=None`` is a throwaway database (a temporary file deleted on stop); a path persists
    across restarts. ``seed`` is ``"demo"`` or ``"empty"``, ``scale`` a number of docs for
    performance work. ``from_backup=folder`` loads an archive written by ``backup()`` as one
    member's account (:meth:`load_backup`), so a class studies a real account offline.
    Extra keywords (``frob_ttl=600`` …) tune the emulation; among them
    ``faults={"rate": 0.15, "http_codes": [502, 503], "api_codes": [500, 503], "latency":
    (0.0, 0.05), "drop": 0.02, "seed": 7}``, ``quota={"app_per_minute": 600, "ip_per_second":
    20}``, ``maintenance=True``, ``upload_delay=1.0`` and ``max_upload_bytes`` (see
    sandbox/faults.py and handlers/upload.py); :meth:`configure` changes the first three live.
    The server's bounds (sandbox/httpd.py ``Limits``): ``max_connections=64``,
    ``max_request_bytes``, ``max_header_bytes``, ``header_timeout=10``, ``body_timeout=120``
    and ``idle_timeout=30`` seconds.

    Example:
        >>> with Sandbox(seed="empty") as sb:
        ...     sb.url.startswith("http://127.0.0.1:"), sb.api_url == sb.url + "/api/"
        (True, True)
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str | os.PathLike | None = None,
        seed: str = "demo",
        admin_token: str | None = None,
        *,
        scale: int | None = None,
        from_backup: str | os.PathLike | None = None,
        **config: Any,
    ) -> None:
        if seed not in ("demo", "empty"):
            raise ParameterError(f"seed must be 'demo' or 'empty', not {seed!r}", param="seed", received=seed)
        from .faults import parse_faults, parse_quota

        parse_faults(config.get("faults"))  # fail here, naming the bad key, not at start()
        parse_quota(config.get("quota"))
        config = dict(config)
        self.limits = Limits.pop_from(config)
        self.host = host
        self.port = port
        self.db = db
        self.seed = seed
        self.scale = scale
        self.config = config
        self.admin_token = admin_token or secrets.token_urlsafe(24)
        self.from_backup = from_backup
        #: What ``from_backup`` loaded at start (sandbox/restore.py): member, docs, files … counts.
        self.loaded: dict[str, Any] | None = None
        self._state: State | None = None
        self._app: SandboxApp | None = None
        self._server: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:  # never shows the admin token
        where = self.url if self._server else "stopped"
        return f"<Sandbox {where} db={'throwaway' if self.db is None else os.fspath(self.db)!r}>"

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Open the database (seeding it if new), bind, serve in a daemon thread; wait until ready."""
        if self._server is not None:
            return self
        if not _is_loopback(self.host):
            print(
                f"WARNING: the sandbox listens on {self.host}, reachable from other machines. "
                "Its data and admin token are not protected beyond the Bearer token.",
                file=sys.stderr,
            )
        self._state = State(self.db, seed=self.seed, scale=self.scale, clock=self.config.get("clock"))
        try:
            if self.from_backup is not None:
                self.loaded = self.load_backup(self.from_backup)
            self._app = make_app(self._state, admin_token=self.admin_token, config=self.config)
            self._server = HTTPServer(self._app, _listen(self.host, self.port), self.limits)
        except BaseException:
            self._state.close()
            self._state = None
            raise
        self.port = int(self._server.server_address[1])
        self._app.cookie_suffix = str(self.port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"sandbox:{self.port}", daemon=True
        )
        self._thread.start()
        self._wait_ready()
        log.info("sandbox serving on %s", self.url)
        return self

    def _wait_ready(self, timeout: float = 10.0) -> None:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else ("::1" if self.host == "::" else self.host)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection((host, self.port), timeout=1.0):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the sandbox did not start listening on port {self.port}") from None
                time.sleep(0.02)

    def stop(self) -> None:
        """Stop serving, join the thread, close the database (a throwaway one is deleted)."""
        if self._server is not None:
            self._server.shutdown()  # also ends idle kept-alive connections
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._state is not None:
            self._state.close()
        self._server = self._thread = self._state = self._app = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- addresses --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The site root, e.g. ``http://127.0.0.1:8765``."""
        host = self.host if self.host not in ("0.0.0.0", "", "::") else "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The API base, ``url + "/api/"``."""
        return self.url + "/api/"

    @property
    def db_path(self) -> str:
        """The SQLite file (for tests that insert precise rows)."""
        return self._require().path

    def _require(self) -> State:
        if self._state is None:
            raise RuntimeError("the sandbox is not running: call start() or use 'with Sandbox() as sb:'")
        return self._state

    # --- control operations (same as the /_sandbox/ endpoints) -------------------------------

    def create_app(self, name: str, auth: str = "desktop", callback: str = "") -> dict[str, str]:
        """Register an API key: ``{"api_key", "secret"}``."""
        with self._require().transaction(write=True) as db:
            return _control.create_app(db, name, auth, callback)

    def create_user(
        self,
        username: str,
        password: str,
        realname: str = "",
        is_pro: bool = False,
        groups: Any = (),
        *,
        exist_ok: bool = False,
    ) -> dict[str, str]:
        """Add a member who can log in: ``{"user_id", "username"}``.

        A taken name raises :class:`~ipernity_nb.errors.ControlError`; with ``exist_ok=True``
        the existing member is returned unchanged (a notebook can then run top to bottom twice).
        """
        with self._require().transaction(write=True) as db:
            if exist_ok:
                row = db.execute("SELECT user_id, username FROM users WHERE username = ?", (username,)).fetchone()
                if row is not None:
                    return {"user_id": str(row["user_id"]), "username": row["username"]}
            return _control.create_user(db, username, password, realname, is_pro, groups)

    def create_students(
        self, count: int | None = None, *, roster: str | os.PathLike | None = None, prefix: str = "student"
    ) -> dict[str, list[dict[str, str]]]:
        """A class's accounts in one step: ``count`` students (``student01`` …) or a roster CSV file.

        Returns ``{"created": [{username, password, realname, user_id}], "existing": [...]}``
        (sandbox/classroom.py); names already taken are listed as existing, not changed.
        """
        from .classroom import read_roster, roster_from_count

        if (count is None) == (roster is None):
            raise ControlError("give the number of students or a roster CSV file, not both or neither")
        if roster is not None:
            try:
                text = Path(roster).read_text(encoding="utf-8-sig")
            except OSError as exc:
                raise ControlError(f"cannot read the roster {os.fspath(roster)!r}: {exc.strerror}") from None
            students = read_roster(text)
        else:
            students = roster_from_count(count, prefix)  # type: ignore[arg-type]
        with self._require().transaction(write=True) as db:
            return _control.create_students(db, students)

    def load_backup(self, folder: str | os.PathLike) -> dict[str, Any]:
        """Load an archive written by ``backup()`` as one member's account (sandbox/restore.py).

        Returns ``{"user_id", "username", "docs", "files", "tags", "notes", "comments", "albums",
        "groups"}``; the member signs in with the demo password. Also ``Sandbox(from_backup=folder)``.
        """
        from .restore import load_backup

        with self._require().transaction(write=True) as db:
            return load_backup(db, folder)

    def approve_frob(self, frob: str, username: str, perms: dict[str, str] | None = None) -> dict:
        """Approve a pending frob as ``username`` would on the consent page."""
        with self._require().transaction(write=True) as db:
            return _control.approve_frob(db, frob, username, perms if perms is not None else {"doc": "write"})

    def issue_token(self, api_key: str, username: str, perms: dict[str, str] | None = None) -> str:
        """A token for ``username`` on ``api_key`` with ``perms``, created directly."""
        with self._require().transaction(write=True) as db:
            return _control.issue_token(db, api_key, username, perms or {})

    def reset(self, seed: str = "demo", scale: int | None = None) -> dict[str, int]:
        """Empty the database and seed it again; returns the row counts."""
        return self._require().reset(seed, scale)

    def configure(self, faults: dict | None = None, quota: dict | None = None, maintenance: bool | None = None) -> dict:
        """Switch fault injection / rate limits / maintenance at run time (``{}`` = off, ``None`` = keep).

        Returns the switches now in force (as ``GET /_sandbox/config``).
        """
        if self._app is None:
            raise RuntimeError("the sandbox is not running: call start() or use 'with Sandbox() as sb:'")
        return self._app.faults.configure(faults, quota, maintenance)

    def status(self) -> dict:
        """``{"status": "ok", "seed": …, "counts": {table: rows}}``."""
        st = self._require()
        return {"status": "ok", "seed": st.meta("seed"), "counts": st.counts()}


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket; errors raise ``OSError`` naming the address."""
    family, _, _, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return False
