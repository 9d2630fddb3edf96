"""The sandbox's HTTP server is bounded in every dimension, over real sockets (sandbox/httpd.py).

Deadlines are configured short here (tenths of a second) instead of waiting on the defaults.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import pytest
import requests

from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP

KEY = APP["api_key"]
ECHO = f"GET /api/test.echo/json?api_key={KEY}&echo=hi HTTP/1.1\r\nHost: x\r\n\r\n".encode()


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed="empty", header_timeout=1.0, body_timeout=0.5, idle_timeout=0.3) as box:
        yield box


def connect(sb: Sandbox, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", sb.port), timeout=timeout)


def read_response(s: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP response from ``s``: (status, lower-cased headers, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        data = s.recv(65536)
        if not data:
            raise ConnectionError(f"closed before a full head: {buf!r}")
        buf += data
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    n = int(headers.get("content-length", 0))
    while len(body) < n:
        data = s.recv(65536)
        if not data:
            break
        body += data
    return int(lines[0].split(" ")[1]), headers, body


def one(sb: Sandbox, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with connect(sb) as s:
        s.sendall(request)
        return read_response(s)


# --- request size ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/nope", "/api/test.echo/json", "/_sandbox/apps", "/api/upload.file/json"],
)
def test_a_declared_huge_body_is_refused_413_before_it_is_sent(sb, path):
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {2**30}\r\n\r\n"
    )
    status, headers, body = one(sb, head.encode())  # not one byte of the body was sent
    assert status == 413 and headers["connection"] == "close"
    assert b"larger than the limit" in body


def test_a_chunked_body_past_the_cap_is_answered_413_then_cut_off():
    with Sandbox(seed="empty", max_request_bytes=300_000) as box:
        head = (
            b"POST /api/upload.file/json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: multipart/form-data; boundary=XX\r\n\r\n"
        )
        chunk = b"%x\r\n%s\r\n" % (65536, b"a" * 65536)
        with connect(box) as s:  # a little past the cap: the answer arrives
            s.sendall(head + chunk * 6)
            status, headers, body = read_response(s)
        assert status == 413 and headers["connection"] == "close" and b"300000 bytes" in body
        with connect(box) as s, pytest.raises(OSError):  # far past it: the server stops reading, then closes
            s.sendall(head)
            for _ in range(10_000):
                s.sendall(chunk)


def test_memory_of_the_sandbox_grows_under_50_mb_for_1_gib_bodies(tmp_path):
    """The sandbox runs in a child process; its peak RSS is read from /proc (Linux)."""
    import subprocess
    import sys

    if not __import__("os").path.exists("/proc/self/status"):
        pytest.skip("reads the child's peak memory from /proc (Linux only)")
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ipernity_nb.sandbox", "--port", "0", "--seed", "empty", "--port-file", str(port_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr and proc.stderr.read()
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port_file.read_text()}"
        assert requests.get(url + "/api/test.hello", params={"api_key": KEY}, timeout=10).ok
        start = _status_kb(proc.pid, "VmRSS")

        def gib() -> Iterator[bytes]:
            block = b"x" * (1 << 20)
            for _ in range(1024):
                yield block

        bodies = [
            ("/nope", "application/octet-stream", {}),
            ("/api/test.echo/json", "application/x-www-form-urlencoded", {}),
            ("/_sandbox/apps", "application/json", {"Authorization": "Bearer wrong"}),
            ("/api/upload.file/json", "multipart/form-data; boundary=XX", {}),
        ]
        for path, ctype, extra in bodies:
            with pytest.raises(requests.RequestException):  # cut off: never a 1 GiB read
                r = requests.post(url + path, data=gib(), headers={"Content-Type": ctype, **extra}, timeout=30)
                raise requests.RequestException(f"answered {r.status_code} after reading it all")
        peak = _status_kb(proc.pid, "VmHWM")
        assert requests.get(url + "/api/test.hello", params={"api_key": KEY}, timeout=10).ok
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert (peak - start) < 50 * 1024, f"grew {(peak - start) / 1024:.0f} MB"


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field)


# --- connections and deadlines ---------------------------------------------------------------------


def test_a_slow_client_does_not_block_others_and_gets_408():
    with Sandbox(seed="empty", header_timeout=1.0) as box, connect(box) as slow:
        slow.sendall(b"G")  # a head arriving a byte at a time...
        for _ in range(3):  # ...while other clients are served
            assert requests.get(box.api_url + "test.hello", params={"api_key": KEY}, timeout=5).ok
        slow.setblocking(False)
        with pytest.raises(BlockingIOError):  # the slow one is still pending: the others did not wait for it
            slow.recv(1)
        slow.settimeout(5)
        with contextlib.suppress(OSError):
            slow.sendall(b"ET /api/test.hello HTTP/1.1\r\n")  # more bytes, but the whole head is late
        status, _headers, body = read_response(slow)
    assert status == 408 and b"did not arrive within 1 s" in body


@pytest.mark.parametrize("ctype", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=b"])
def test_a_stalled_body_does_not_hold_up_other_calls(ctype):
    """API calls are answered one at a time, but a body is read before a call takes its turn:
    a sender that stalls mid-body keeps nobody else waiting."""
    with Sandbox(seed="empty", body_timeout=3.0) as box, connect(box) as slow:
        slow.sendall(
            f"POST /api/upload.file/json HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n".encode()
            + b'Content-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n'
        )
        time.sleep(0.3)  # lets the server start on the stalled request; nothing is timed against it
        for _ in range(3):
            assert requests.get(box.api_url + "test.hello", params={"api_key": KEY}, timeout=2).ok
        status, _headers, _body = read_response(slow)
    assert status == 408


def test_a_stalled_body_gets_408(sb):
    with connect(sb) as s:
        s.sendall(
            b"POST /api/test.echo/json HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100\r\n\r\napi_key="
        )
        status, headers, _body = read_response(s)
    assert status == 408 and headers["connection"] == "close"


def test_an_idle_kept_alive_connection_is_closed(sb):
    with connect(sb) as s:
        s.sendall(ECHO)
        assert read_response(s)[0] == 200
        assert s.recv(1) == b""  # closed by the server after idle_timeout (0.3 s)


def test_past_the_connection_cap_clients_get_503_and_a_freed_slot_is_reused():
    with Sandbox(seed="empty", max_connections=4) as sb:  # the default idle timeout: the 4 stay open
        _cap_holds(sb)


def _cap_holds(sb: Sandbox) -> None:
    held = [connect(sb) for _ in range(4)]
    for s in held:  # 4 kept-alive connections (the cap)
        s.sendall(ECHO)
        assert read_response(s)[0] == 200
    with connect(sb) as extra:
        status, headers, body = read_response(extra)
    assert status == 503 and headers["retry-after"] == "1" and b"too many connections" in body
    held.pop().close()
    deadline = time.monotonic() + 5
    while sb._server is not None and sb._server.open_connections >= 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert one(sb, ECHO)[0] == 200
    for s in held:
        s.close()


# --- malformed requests ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /\r\n\r\n", 400),
        (b"GET / HTTP/1.1 extra\r\n\r\n", 400),
        (b"\xff\xfe\xfd / HTTP/1.1\r\n\r\n", 400),
        (b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\n folded: header\r\n\r\n", 400),
        (b"GET /" + b"a" * 1_100_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 200 + b"\r\n", 431),
        (b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (
            b"POST /api/test.echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\nzz\r\n",
            400,
        ),
    ],
)
def test_malformed_requests_get_a_4xx_and_nothing_on_stderr(sb, capfd, raw, status):
    got, headers, body = one(sb, raw)
    assert got == status and headers["connection"] == "close" and body.strip()
    assert one(sb, ECHO)[0] == 200  # the server is fine
    assert capfd.readouterr().err == ""


def test_a_timed_out_connection_prints_nothing(sb, capfd):
    with connect(sb) as s:
        s.sendall(b"GET /api/test.hel")
        assert read_response(s)[0] == 408
    with connect(sb) as s:
        s.sendall(ECHO)
        read_response(s)
        assert s.recv(1) == b""  # idle timeout reached
    assert capfd.readouterr().err == ""


def test_a_client_expecting_100_continue_is_not_asked_for_a_body_nobody_reads(sb):
    with connect(sb) as s:
        s.sendall(
            b"POST /nope HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10000000\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n"
        )
        status, headers, _ = read_response(s)  # the first answer is the final one, not "100 Continue"
    assert status == 404 and headers["connection"] == "close"


def test_a_client_expecting_100_continue_is_asked_when_the_body_is_read(sb):
    with connect(sb) as s:
        body = f"api_key={KEY}&echo=after-continue".encode()
        s.sendall(
            b"POST /api/test.echo/json HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        assert s.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        s.sendall(body)
        status, _, answer = read_response(s)
    assert status == 200 and b"after-continue" in answer


@pytest.mark.parametrize("bad", [{"max_connections": 0}, {"header_timeout": -1}, {"idle_timeout": "30"}])
def test_bad_bounds_are_refused_naming_the_option(bad):
    name = next(iter(bad))
    with pytest.raises(ValueError, match=f"{name} must be a positive number"):
        Sandbox(seed="empty", **bad)
