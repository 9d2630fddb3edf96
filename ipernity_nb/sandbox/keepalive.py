"""HTTP/1.1 keep-alive for the sandbox's werkzeug server.

werkzeug's development handler answers every request with ``Connection: close`` and, after
each answer, drains whatever the client sent next — which on a kept-alive connection would
swallow the next request line. So a pooled client (``requests.Session``, the real API behind
nginx) paid a new TCP connection per call. This handler runs the WSGI app itself: the request
body is bounded by its ``Content-Length`` (the app can never read into the next request), what
the app left unread is consumed, and every answer is buffered and sent with a ``Content-Length``
so the connection can carry the next request. Idle connections end after ``timeout`` seconds;
:func:`wake_idle` lets ``Sandbox.stop()`` wake the threads parked on idle ones.

Example:
    >>> KeepAliveHandler.protocol_version
    'HTTP/1.1'
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from typing import Any

from werkzeug.serving import DechunkedInput, WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

__all__ = ["IDLE_TIMEOUT", "KeepAliveHandler", "track", "wake_idle"]

log = logging.getLogger("ipernity_nb.sandbox")

#: Seconds an idle kept-alive connection stays open (nginx's default keepalive_timeout is 75).
IDLE_TIMEOUT = 30.0

_HOP = {"content-length", "connection", "transfer-encoding", "keep-alive"}


class KeepAliveHandler(WSGIRequestHandler):
    """A werkzeug request handler that keeps HTTP/1.1 connections open between requests."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT  # socketserver applies it to the connection: an idle client cannot pin a thread
    disable_nagle_algorithm = True  # small answers on a kept-alive socket must not wait for delayed ACKs

    def setup(self) -> None:
        super().setup()
        track(self.server, self.connection, add=True)

    def finish(self) -> None:
        track(self.server, self.connection, add=False)
        with contextlib.suppress(OSError):
            super().finish()

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.make_environ()
        body_in: Any = environ["wsgi.input"]
        if isinstance(body_in, DechunkedInput):
            self.close_connection = True  # a chunked request body: simplest safe answer is to close after it
        else:
            try:
                length = max(int(environ.get("CONTENT_LENGTH") or 0), 0)
            except ValueError:
                length, self.close_connection = 0, True
            body_in = LimitedStream(self.rfile, length)
            environ["wsgi.input"] = body_in
            environ["wsgi.input_terminated"] = True
        if getattr(self.server, "_ipnb_stopping", False):
            self.close_connection = True
        state: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            if exc_info and state.get("sent"):
                raise exc_info[1].with_traceback(exc_info[2])
            state["status"], state["headers"] = status, headers
            return chunks.append

        try:
            app_iter = self.server.app(environ, start_response)
            try:
                chunks.extend(app_iter)
            finally:
                if hasattr(app_iter, "close"):
                    app_iter.close()
        except Exception:  # the app has its own catch-all; this is the last line of defence
            log.exception("sandbox request %s failed", self.path.split("?", 1)[0])
            state = {"status": "500 INTERNAL SERVER ERROR", "headers": [("Content-Type", "text/plain")]}
            chunks = [b"Internal error in the sandbox (see its log)."]
            self.close_connection = True
        if isinstance(body_in, LimitedStream):
            with contextlib.suppress(OSError, ValueError):
                body_in.exhaust()  # what the app did not read belongs to this request, not the next
        self._answer(state, b"".join(chunks), environ["REQUEST_METHOD"] == "HEAD")

    def _answer(self, state: dict[str, Any], body: bytes, head: bool) -> None:
        code_str, _, msg = state.get("status", "500 INTERNAL SERVER ERROR").partition(" ")
        try:
            state["sent"] = True
            self.send_response(int(code_str), msg)
            for key, value in state.get("headers", []):
                if key.lower() not in _HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self._headers_buffer.append(b"\r\n")  # end_headers(), but headers and body in one write
            if body and not head:
                self._headers_buffer.append(body)
            self.flush_headers()
        except OSError:  # the client went away, or fault injection dropped the connection
            self.close_connection = True


def track(server: Any, conn: socket.socket, *, add: bool) -> None:
    """Remember (or forget) an open connection of ``server``, for :func:`wake_idle`."""
    lock = server.__dict__.setdefault("_ipnb_lock", threading.Lock())
    with lock:
        conns = server.__dict__.setdefault("_ipnb_conns", set())
        (conns.add if add else conns.discard)(conn)


def wake_idle(server: Any) -> None:
    """On stop: end every kept-alive connection once its current answer (if any) is written.

    Shutting down the read side wakes a thread parked in ``recv`` (it sees end-of-stream and
    exits) while a request in flight can still write its answer.
    """
    server._ipnb_stopping = True
    lock = server.__dict__.setdefault("_ipnb_lock", threading.Lock())
    with lock:
        conns = list(server.__dict__.get("_ipnb_conns", ()))
    for conn in conns:
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RD)
