"""HTTP/1.1 on the wire for the sandbox's server (httpd.py): heads, bodies and answers, with deadlines.

:class:`Conn` reads from a non-blocking client socket, every wait bounded by an absolute
deadline; :class:`Body` is the ``wsgi.input`` of one request, bounded by its ``Content-Length``
or chunked framing, a size cap and a deadline; :func:`parse_head` turns a request head into
its parts or raises :class:`Reject` with the ``4xx``/``5xx`` status to answer.

Example:
    >>> parse_head(b"GET /api/test.hello HTTP/1.1\\r\\nHost: x\\r\\nX-A: 1\\r\\nX-A: 2")
    ('GET', '/api/test.hello', 'HTTP/1.1', {'host': 'x', 'x-a': '1, 2'})
    >>> simple_response(503, "busy", retry_after=1).split(b"\\r\\n")[0]
    b'HTTP/1.1 503 Service Unavailable'
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
import time
from collections.abc import Callable, Iterator

from werkzeug.exceptions import ClientDisconnected, HTTPException

from .forms import BadBody, BodyTimeout, BodyTooLarge

__all__ = ["Body", "Conn", "Reject", "keep_alive", "linger_close", "parse_head", "response_bytes", "simple_response"]

_TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_TARGET = re.compile(rb"^/[\x21-\x7e]*$")
_HOP = frozenset({"content-length", "connection", "transfer-encoding", "keep-alive"})
_REASONS = {400: "Bad Request", 408: "Request Timeout", 413: "Content Too Large", 414: "URI Too Long"}
_REASONS |= {431: "Request Header Fields Too Large", 501: "Not Implemented", 503: "Service Unavailable"}
_REASONS |= {505: "HTTP Version Not Supported"}
_DRAIN_MAX = 256 * 1024  # an unread body up to this is drained to keep the connection; larger closes it
_RECV = 65536


class Reject(Exception):
    """A request refused before the app sees it: answer ``status`` with ``message`` and close."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Conn:
    """Buffered reads from (and writes to) one non-blocking client socket, bounded by deadlines.

    The socket stays non-blocking and waits with one ``poll`` object: a socket timeout would
    cost a ``settimeout`` call and a ``poll`` before every ``recv`` and ``send`` (half the
    server's system calls for a small answer).
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.served = 0  # requests answered on this connection
        sock.setblocking(False)
        self._poll = select.poll()
        self._poll.register(sock, select.POLLIN)
        self._mode = select.POLLIN

    def _wait(self, mode: int, deadline: float) -> None:
        if self._mode != mode:
            self._poll.modify(self.sock, mode)
            self._mode = mode
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not self._poll.poll(remaining * 1000):
            raise TimeoutError

    def fill(self, deadline: float, *, wait_first: bool = False) -> bool:
        """Receive more bytes before ``deadline``; False on end of stream. Raises ``TimeoutError``.

        ``wait_first``: poll before ``recv`` (the next request on a kept-alive connection is
        rarely there yet when the answer to the previous one has just left).
        """
        if wait_first:
            self._wait(select.POLLIN, deadline)
        while True:
            try:
                data = self.sock.recv(_RECV)
                break
            except BlockingIOError:
                self._wait(select.POLLIN, deadline)
        if not data:
            return False
        self.buf += data
        return True

    def send(self, payload: bytes, timeout: float) -> None:
        """Write all of ``payload`` within ``timeout`` seconds (``TimeoutError``, ``OSError``)."""
        view = memoryview(payload)
        deadline = time.monotonic() + timeout
        while view:
            try:
                view = view[self.sock.send(view) :]
            except BlockingIOError:
                self._wait(select.POLLOUT, deadline)

    def take(self, n: int) -> bytes:
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


class Body:
    """``wsgi.input``: the request body, bounded by its length (or chunked framing), cap and deadline."""

    def __init__(
        self, conn: Conn, length: int | None, cap: int, timeout: float, on_first_read: Callable[[], None] | None
    ) -> None:
        self.conn, self.cap, self.timeout = conn, cap, timeout
        self.left = length  # None: chunked
        self.chunk_left = 0
        self.done = length == 0
        self.read_total = 0
        self.deadline: float | None = None
        self._first: Callable[[], None] | None = on_first_read

    def _more(self) -> None:
        if self.deadline is None:
            self.deadline = time.monotonic() + self.timeout
        try:
            if not self.conn.fill(self.deadline):
                raise ClientDisconnected("the client closed the connection before sending the whole body")
        except TimeoutError:
            raise BodyTimeout(f"the request body did not arrive within {self.timeout:g} s") from None

    def _line(self) -> bytes:
        while (i := self.conn.buf.find(b"\n")) < 0:
            if len(self.conn.buf) > 4096:
                raise BadBody("malformed chunked body: a chunk-size line is too long")
            self._more()
        return self.conn.take(i + 1)

    def _next_chunk(self) -> None:
        size_line = self._line().split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise BadBody(f"malformed chunked body: bad chunk size {size_line[:20]!r}") from None
        if size < 0 or len(size_line) > 16:
            raise BadBody("malformed chunked body: bad chunk size")
        if size == 0:
            while self._line() not in (b"\r\n", b"\n"):  # trailers, ignored
                pass
            self.done = True
        self.chunk_left = size

    def read(self, n: int | None = -1) -> bytes:
        first = self._first
        if first is not None:
            self._first = None
            first()
        out = bytearray()
        want = -1 if n is None or n < 0 else n
        while not self.done and (want < 0 or len(out) < want):
            if self.left is None and self.chunk_left == 0:
                if out and not self.conn.buf:
                    break  # return what we have rather than wait for the next chunk
                self._next_chunk()
                continue
            avail = self.left if self.left is not None else self.chunk_left
            if not self.conn.buf:
                if out:
                    break
                self._more()
            k = min(avail, len(self.conn.buf), (want - len(out)) if want >= 0 else avail)
            piece = self.conn.take(k)
            self.read_total += k
            if self.read_total > self.cap:
                raise BodyTooLarge(f"the request body is larger than the sandbox's limit of {self.cap} bytes")
            out += piece
            if self.left is not None:
                self.left -= k
                self.done = self.left == 0
            else:
                self.chunk_left -= k
                if self.chunk_left == 0:
                    while len(self.conn.buf) < 2:
                        self._more()
                    if self.conn.take(2) != b"\r\n":
                        raise BadBody("malformed chunked body: a chunk does not end with CRLF")
        return bytes(out)

    def readline(self, limit: int = -1) -> bytes:
        out = bytearray()
        while not out.endswith(b"\n") and (limit < 0 or len(out) < limit):
            b = self.read(1 if limit < 0 else min(1, limit - len(out)))
            if not b:
                break
            out += b
        return bytes(out)

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def drain(self) -> bool:
        """Consume what the app left unread if it is small; False when the connection must close."""
        if self.done:
            return True
        if self.left is None or self.left > _DRAIN_MAX:
            return False
        try:
            self._first = None  # the client may wait for "100 Continue": never prompt it now
            while not self.done:
                self.read(_RECV)
        except (HTTPException, OSError):
            return False
        return True


def parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    """``(method, target, version, headers)`` of a request head (without its blank line); ``Reject`` if malformed."""
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3:
        raise Reject(400, "Malformed request line: expected 'METHOD /path HTTP/1.1'.")
    method_b, target_b, version_b = parts
    if not _TOKEN.match(method_b):
        raise Reject(400, "Malformed request line: the method is not a token.")
    if version_b not in (b"HTTP/1.1", b"HTTP/1.0"):
        if version_b.startswith(b"HTTP/") and re.fullmatch(rb"HTTP/\d\.\d", version_b):
            raise Reject(505, "Only HTTP/1.0 and HTTP/1.1 are supported.")
        raise Reject(400, "Malformed request line: unknown protocol version.")
    if not _TARGET.match(target_b):
        raise Reject(400, "Malformed request target: it must be a path starting with '/', in printable ASCII.")
    headers: dict[str, str] = {}
    if len(lines) > 101:
        raise Reject(431, "Too many header fields (more than 100).")
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not _TOKEN.match(name):
            raise Reject(400, "Malformed header line (obsolete folding or a missing colon).")
        key = name.decode("ascii").lower()
        text = value.strip(b" \t").decode("latin-1")
        if key in headers:
            if key == "content-length" and headers[key] != text:
                raise Reject(400, "Conflicting Content-Length headers.")
            if key in ("content-length", "host"):
                continue
            text = headers[key] + ", " + text
        headers[key] = text
    return method_b.decode("ascii"), target_b.decode("ascii"), version_b.decode("ascii"), headers


def keep_alive(version: str, connection: str) -> bool:
    """Whether the client lets the connection carry another request (HTTP/1.0 must ask for it)."""
    tokens = {t.strip().lower() for t in connection.split(",")}
    if version == "HTTP/1.0":
        return "keep-alive" in tokens
    return "close" not in tokens


def response_bytes(
    status: str, headers: list[tuple[str, str]], chunks: list[bytes], *, head_only: bool, close: bool
) -> bytes:
    """A whole answer in one buffer, with ``Content-Length`` (the body left out for HEAD)."""
    body = b"".join(chunks)
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP]
    code = status[:3]
    if code not in ("204", "304") and not code.startswith("1"):
        lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + body


def simple_response(status: int, message: str, retry_after: int | None = None) -> bytes:
    """A plain-text answer that closes the connection (errors the server answers by itself)."""
    body = (message + "\n").encode()
    extra = f"Retry-After: {retry_after}\r\n" if retry_after is not None else ""
    return (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n"
    ).encode() + body


def linger_close(conn: Conn, limit: int = 1024 * 1024, seconds: float = 0.5) -> None:
    """Half-close, then discard a bounded amount of what the client still sends, so that it reads
    the error answer instead of a connection reset."""
    with contextlib.suppress(OSError):
        conn.sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + seconds
        got = 0
        while got < limit and conn.fill(deadline):
            got += len(conn.buf)
            conn.buf.clear()
