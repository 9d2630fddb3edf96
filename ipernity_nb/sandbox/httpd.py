"""The sandbox's HTTP/1.1 server: a small threaded WSGI server, bounded in every dimension.

One thread per connection (at most ``max_connections``; the next client gets ``503`` with
``Retry-After`` and is closed, also at the open-file limit, where a reserved descriptor lets
the acceptor answer instead of spinning). The request head must arrive within
``header_timeout`` seconds of its first byte (or of the accept) and within ``max_header_bytes``;
a body larger than ``max_request_bytes`` is refused with ``413`` before it is read (or, when
chunked, as soon as it passes the bound), and must arrive within ``body_timeout``. A kept-alive
connection idle for ``idle_timeout`` is closed. Malformed request lines and headers get a
``4xx`` answer and a DEBUG log line, never a traceback. Every answer is sent with a
``Content-Length`` in one write; the body the app left unread is drained when small, else the
connection is closed, so the next request line is never read from inside a body.

Why hand-written rather than cheroot, waitress or werkzeug's own server: docs/sandbox-server.md
(measured side by side by ``benchmarks/compare_servers.py``).

Example:
    >>> Limits(max_connections=4).max_connections, Limits().max_request_bytes > 64 * 2**20
    (4, True)
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import unquote_to_bytes

from werkzeug.exceptions import HTTPException

from .wire import Body, Conn, Reject, keep_alive, linger_close, parse_head, response_bytes, simple_response

__all__ = ["HTTPServer", "Limits"]

log = logging.getLogger("ipernity_nb.sandbox")


@dataclass(frozen=True)
class Limits:
    """The server's bounds (``Sandbox(max_connections=..., header_timeout=...)`` sets them)."""

    max_connections: int = 64
    max_header_bytes: int = 1024 * 1024  # long GET query strings (a search text) get an API answer, not 414
    max_request_bytes: int = 64 * 1024 * 1024 + 1024 * 1024  # the largest upload plus its form fields
    header_timeout: float = 10.0
    body_timeout: float = 120.0
    idle_timeout: float = 30.0

    @classmethod
    def pop_from(cls, config: dict[str, Any]) -> Limits:
        """Take this class's keys out of ``config`` (the rest configures the app); validates them."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in config:
                v = config.pop(f.name)
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                    raise ValueError(f"{f.name} must be a positive number, not {v!r}")
                values[f.name] = int(v) if f.type == "int" else float(v)
        return cls(**values)


class _ErrorStream:
    """``wsgi.errors``: to the sandbox logger, never stderr."""

    def write(self, s: str) -> None:
        if s.strip():
            log.debug("wsgi.errors: %s", s.rstrip())

    def writelines(self, lines: Iterable[str]) -> None:
        for s in lines:
            self.write(s)

    def flush(self) -> None:
        pass


_ERRORS = _ErrorStream()


class HTTPServer:
    """Serve ``app`` on the listening socket ``sock`` (see the module docstring for the bounds)."""

    def __init__(self, app: Callable, sock: socket.socket, limits: Limits | None = None) -> None:
        self.app = app
        self.socket = sock
        self.limits = limits or Limits()
        self.server_address = sock.getsockname()
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._idle: set[socket.socket] = set()  # waiting for a request head: safe to end on shutdown
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._reserve: int | None = _reserve_fd()
        self.rejected = 0  # connections answered 503 (over the cap or at the open-file limit)

    # --- accept loop ---------------------------------------------------------------------

    def serve_forever(self, poll_interval: float = 0.1) -> None:
        """Accept connections until :meth:`shutdown`; each is served in its own daemon thread."""
        self.socket.setblocking(False)
        sel = selectors.DefaultSelector()
        sel.register(self.socket, selectors.EVENT_READ)
        try:
            while not self._stopping.is_set():
                if sel.select(poll_interval):
                    self._accept()
        finally:
            sel.close()
            self._stopped.set()

    def _accept(self) -> None:
        try:
            sock, addr = self.socket.accept()
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                self._refuse_at_fd_limit()
            return
        with self._lock:
            full = len(self._conns) >= self.limits.max_connections
            if not full:
                self._conns.add(sock)
        if full:
            self._turn_away(sock)
            return
        try:
            t = threading.Thread(target=self._serve, args=(sock, addr), name="sandbox-conn", daemon=True)
            t.start()
        except RuntimeError:  # cannot start a new thread: same as over the cap
            with self._lock:
                self._conns.discard(sock)
            self._turn_away(sock)

    def _refuse_at_fd_limit(self) -> None:
        """At the open-file limit: free the reserved descriptor, answer 503, take it back.

        Without this the listening socket stays readable and the loop spins on EMFILE.
        """
        if self._reserve is not None:
            os.close(self._reserve)
            self._reserve = None
            with contextlib.suppress(OSError):
                sock, _ = self.socket.accept()
                self._turn_away(sock)
            self._reserve = _reserve_fd()
        else:
            time.sleep(0.05)  # nothing to free: back off instead of spinning
        log.debug("open-file limit reached: a client was answered 503")

    def _turn_away(self, sock: socket.socket) -> None:
        self.rejected += 1
        with contextlib.suppress(OSError):
            sock.setblocking(False)
            sock.send(simple_response(503, "The sandbox is serving too many connections; retry shortly.", 1))
            sock.shutdown(socket.SHUT_WR)
            sock.recv(65536)  # closing with an unread request would reset the connection before the 503 is read
        with contextlib.suppress(OSError):
            sock.close()

    def shutdown(self) -> None:
        """Stop accepting; end idle kept-alive connections once their answer (if any) is written."""
        self._stopping.set()
        if threading.current_thread().name != "sandbox-conn":
            self._stopped.wait(5.0)
        with self._lock:
            conns = list(self._idle)
        # Only connections waiting between requests: one whose body is being read must finish
        # (ending its read side would turn a request in flight into "client disconnected").
        for conn in conns:  # wakes a thread parked in poll(); it sees end of stream and exits
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RD)

    def server_close(self) -> None:
        """Close the listening socket and the reserved descriptor."""
        with contextlib.suppress(OSError):
            self.socket.close()
        if self._reserve is not None:
            with contextlib.suppress(OSError):
                os.close(self._reserve)
            self._reserve = None

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._conns)

    # --- one connection --------------------------------------------------------------------

    def _serve(self, sock: socket.socket, addr: Any) -> None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # small answers: no delayed ACK wait
            conn = Conn(sock)
            deadline = time.monotonic() + self.limits.header_timeout
            while not self._stopping.is_set() and self._one(conn, addr, deadline):
                # between requests: wait up to idle_timeout for the next first byte
                deadline = time.monotonic() + self.limits.idle_timeout
        except Exception:  # the last line of defence: a bug here must not print a traceback
            log.debug("connection from %s ended by an error", addr, exc_info=True)
        finally:
            with self._lock:
                self._conns.discard(sock)
            with contextlib.suppress(OSError):
                sock.close()

    def _one(self, conn: Conn, addr: Any, first_byte_deadline: float) -> bool:
        """Read, run and answer one request; True to keep the connection for the next one."""
        try:
            with self._lock:
                if self._stopping.is_set():
                    return False
                if not conn.buf:
                    self._idle.add(conn.sock)
            try:
                head = self._read_head(conn, first_byte_deadline)
            finally:
                with self._lock:
                    self._idle.discard(conn.sock)
            if head is None:
                return False
            method, target, version, headers = parse_head(head)
            environ, body = self._environ(conn, addr, method, target, version, headers)
        except Reject as r:
            log.debug("refused a request from %s: %s %s", addr[0], r.status, r)
            self._send(conn, simple_response(r.status, str(r)))
            linger_close(conn)
            return False
        except (TimeoutError, OSError):
            return False
        keep = keep_alive(version, headers.get("connection", "")) and not self._stopping.is_set()
        status, out_headers, chunks = self._run_app(environ, body)
        if not body.drain():
            keep = False
        payload = response_bytes(status, out_headers, chunks, head_only=method == "HEAD", close=not keep)
        conn.served += 1
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s %s", method, target.split("?", 1)[0][:200], status.split(" ", 1)[0])
        return self._send(conn, payload) and keep

    def _read_head(self, conn: Conn, first_byte_deadline: float) -> bytes | None:
        deadline = first_byte_deadline
        started = bool(conn.buf)
        if started:
            deadline = time.monotonic() + self.limits.header_timeout
        while True:
            end = conn.buf.find(b"\r\n\r\n")
            if 0 <= end <= self.limits.max_header_bytes:
                return conn.take(end + 4)[:-4]
            if len(conn.buf) > self.limits.max_header_bytes:
                nl = conn.buf.find(b"\n")
                if nl < 0 or nl > self.limits.max_header_bytes:
                    raise Reject(414, f"The request line is longer than {self.limits.max_header_bytes} bytes.")
                raise Reject(431, f"The request head is longer than {self.limits.max_header_bytes} bytes.")
            try:
                more = conn.fill(deadline, wait_first=conn.served > 0 and not conn.buf)
            except TimeoutError:
                if not conn.buf:
                    return None  # idle: close quietly
                late = f"The request head did not arrive within {self.limits.header_timeout:g} s."
                raise Reject(408, late) from None
            if not more:
                return None
            if not started:
                started = True
                deadline = min(deadline, time.monotonic() + self.limits.header_timeout)

    def _environ(
        self, conn: Conn, addr: Any, method: str, target: str, version: str, headers: dict[str, str]
    ) -> tuple[dict[str, Any], Body]:
        te = headers.get("transfer-encoding")
        cl = headers.get("content-length")
        if te is not None:
            if cl is not None:
                raise Reject(400, "Content-Length and Transfer-Encoding: chunked cannot both be sent.")
            if te.strip().lower() != "chunked":
                raise Reject(501, f"Transfer-Encoding {te[:40]!r} is not supported (only chunked).")
            length: int | None = None
        elif cl is not None:
            if not cl.strip().isdigit() or len(cl.strip()) > 18:
                raise Reject(400, "Content-Length must be a non-negative integer.")
            length = int(cl)
            if length > self.limits.max_request_bytes:
                cap = self.limits.max_request_bytes
                raise Reject(413, f"The request body ({length} bytes) is larger than the limit of {cap} bytes.")
        else:
            length = 0
        expect = headers.get("expect", "").strip().lower() == "100-continue" and version == "HTTP/1.1"

        def send_continue() -> None:
            conn.send(b"HTTP/1.1 100 Continue\r\n\r\n", self.limits.body_timeout)

        cap, timeout = self.limits.max_request_bytes, self.limits.body_timeout
        body = Body(conn, length, cap, timeout, send_continue if expect else None)
        path, _, query = target.partition("?")
        host, port = self.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1") if "%" in path else path,
            "QUERY_STRING": query,
            "RAW_URI": target,
            "REQUEST_URI": target,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": version,
            "REMOTE_ADDR": str(addr[0]),
            "REMOTE_PORT": str(addr[1]),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": body,
            "wsgi.input_terminated": True,
            "wsgi.errors": _ERRORS,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "werkzeug.socket": conn.sock,  # the "drop connection" fault closes it (sandbox/app.py)
        }
        for name, value in headers.items():
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
            elif name == "content-length":
                environ["CONTENT_LENGTH"] = value
            elif name != "transfer-encoding":
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        return environ, body

    def _run_app(self, environ: dict[str, Any], body: Body) -> tuple[str, list[tuple[str, str]], list[bytes]]:
        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            if exc_info and started and chunks:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return chunks.append

        try:
            it = self.app(environ, start_response)
            try:
                chunks.extend(it)
            finally:
                if hasattr(it, "close"):
                    it.close()
        except HTTPException as exc:  # a body error raised while the app read wsgi.input
            return (
                f"{exc.code} {exc.name}",
                [("Content-Type", "text/plain; charset=utf-8")],
                [(exc.description or exc.name).encode()],
            )
        except Exception:
            log.exception("sandbox request %s failed", environ.get("PATH_INFO", "")[:200])
            body.left, body.done = None, False  # unknown state: close after answering
            return "500 Internal Server Error", [("Content-Type", "text/plain")], [b"Internal error in the sandbox."]
        if not started:
            return "500 Internal Server Error", [("Content-Type", "text/plain")], [b"The app did not answer."]
        return started[0], started[1], chunks

    def _send(self, conn: Conn, payload: bytes) -> bool:
        try:
            conn.send(payload, self.limits.body_timeout)  # a client that stops reading cannot pin the thread
            return True
        except OSError:  # the client went away, or the "drop connection" fault closed the socket
            return False


def _reserve_fd() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY)
    except OSError:
        return None
