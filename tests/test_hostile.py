"""A client that a server cannot hang or blow up: a hostile in-process server for what the sandbox cannot do.

The server speaks raw HTTP/1.1 over a loopback socket so it can drip bytes, lie about lengths,
send gzip bombs, nest answers absurdly deep and answer "ok" without the method's root.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import stat
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from ipernity_nb import Client
from ipernity_nb.errors import IpernityError, ServerError, TransportError, WriteUncertainError
from ipernity_nb.sandbox.media import image_png
from ipernity_nb.transport import retry_after_seconds
from ipernity_nb.upload_batch import upload_many

KEY, SECRET, TOKEN = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718", "284001-0123456789abcdef"
HELLO = json.dumps({"api": {"status": "ok"}, "hello": "hello world!"}).encode()


class Hostile:
    """One mode at a time; ``hits`` counts requests (a truncated answer is followed by a full one)."""

    def __init__(self) -> None:
        self.mode = "hello"
        self.hits = 0
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        self.bomb = gzip.compress(b" " * (64 * 2**20), compresslevel=9)  # 64 MiB of JSON whitespace

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                head += chunk
            self.hits += 1
            with contextlib.suppress(OSError):  # the client hung up, as it should when it gives up
                self._respond(conn)

    def _send(self, conn: socket.socket, body: bytes, *, length: int | None = None, extra: str = "") -> None:
        n = len(body) if length is None else length
        conn.sendall(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {n}\r\n{extra}\r\n".encode() + body
        )

    def _respond(self, conn: socket.socket) -> None:
        mode = self.mode
        if mode == "drip":  # a valid header, then one byte every 20 ms, for ever
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            while not self.stop.is_set():
                conn.sendall(b" ")
                time.sleep(0.02)
        elif mode == "bomb":
            self._send(conn, self.bomb, extra="Content-Encoding: gzip\r\n")
        elif mode == "large":
            self._send(conn, b" " * (3 * 2**20) + HELLO)
        elif mode == "deep_json":
            self._send(conn, b'{"api": {"status": "ok"}, "hello": ' + b"[" * 50_000 + b"]" * 50_000 + b"}")
        elif mode == "deep_xml":
            self._send(conn, b'<api status="ok"><hello>' + b"<a>" * 50_000 + b"</a>" * 50_000 + b"</hello></api>")
        elif mode == "huge_code":
            self._send(conn, b'{"api": {"status": "error", "code": 1e400, "message": "x"}}')
        elif mode == "no_root":
            self._send(conn, b'{"api": {"status": "ok"}}')
        elif mode == "truncated_once":
            if self.hits == 1:  # announces 1000 bytes, sends 20, hangs up
                self._send(conn, HELLO[:20], length=1000)
                return
            self._send(conn, HELLO)
        elif mode == "slow_headers":  # thinks for 0.5 s before answering
            time.sleep(0.5)
            self._send(conn, b'{"api": {"status": "ok"}, "ticket": "42", "hello": "hello world!"}')
        elif mode == "retry_date":
            date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 1))
            body = b'{"api": {"status": "error", "code": "113", "message": "Client IP Quota Error"}}'
            self._send(conn, body, extra=f"Retry-After: {date}\r\n")
        else:
            self._send(conn, HELLO)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def server() -> Iterator[Hostile]:
    h = Hostile()
    yield h
    h.close()


def client(server: Hostile, **kw: object) -> Client:
    kw.setdefault("retries", 0)
    return Client(KEY, SECRET, url=server.url, token=TOKEN, progress=False, **kw)  # type: ignore[arg-type]


def test_a_dripping_server_meets_the_deadline(server: Hostile) -> None:
    server.mode = "drip"
    c = client(server, timeout=(2, 3), deadline=0.5, retries=True)
    start = time.monotonic()
    with pytest.raises(TransportError, match="still arriving after the deadline") as err:
        c.call("test.hello")
    assert time.monotonic() - start < 2.5  # each byte came within the read timeout: only the deadline stops it
    assert err.value.sent is True and not err.value.retryable and err.value.attempts == 1


def test_the_deadline_covers_the_wait_for_an_answer_but_not_a_streamed_upload(server: Hostile) -> None:
    server.mode = "slow_headers"
    with pytest.raises(TransportError, match="deadline"):
        client(server, deadline=0.3).call("test.hello")
    # a streamed multipart upload may take long to send: its deadline starts once it is sent
    assert client(server, deadline=0.3).call("upload.file", file=b"\x89PNG...")["ticket"] == "42"


def test_a_gzip_bomb_is_capped_after_decompression(server: Hostile) -> None:
    server.mode = "bomb"
    assert len(server.bomb) < 2**20  # under 1 MiB on the wire
    c = client(server, max_bytes=2 * 2**20)
    tracemalloc.start()
    try:
        with pytest.raises(TransportError, match="larger than the client's cap") as err:
            c.call("test.hello")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MiB held while refusing a 64 MiB answer"
    assert not err.value.retryable and "max_bytes" in str(err.value)


def test_a_plain_body_over_the_cap_is_refused_and_the_cap_is_configurable(server: Hostile) -> None:
    server.mode = "large"
    with pytest.raises(TransportError, match="larger than"):
        client(server, max_bytes=2**20).call("test.hello")
    assert client(server, max_bytes=8 * 2**20).call("test.hello") == {"hello": "hello world!"}


@pytest.mark.parametrize("mode,fmt", [("deep_json", "json"), ("deep_xml", "xml")])
def test_deep_nesting_is_a_server_error_not_a_recursion_error(server: Hostile, mode: str, fmt: str) -> None:
    server.mode = mode
    with pytest.raises(ServerError, match="nested deeper than 64 levels"):
        client(server, format=fmt).call("test.hello")


def test_an_absurd_error_code_is_a_server_error(server: Hostile) -> None:
    server.mode = "huge_code"
    with pytest.raises(ServerError, match="number out of range"):
        client(server).call("test.hello")


def test_ok_without_the_method_root_is_an_error_not_an_empty_frame(server: Hostile) -> None:
    server.mode = "no_root"
    c = client(server)
    with pytest.raises(ServerError, match="answered ok but without 'docs'"):
        c.frame("doc.search", text="x")
    assert c.calls["error"].tolist() == ["ServerError"]


def test_a_body_cut_midway_is_retried_for_reads(server: Hostile) -> None:
    server.mode = "truncated_once"
    c = client(server, retries=True)
    assert c.call("test.hello") == {"hello": "hello world!"}
    assert server.hits == 2 and c.calls["error"].fillna("").tolist() == ["TransportError", ""]


def test_a_body_cut_midway_is_not_repeated_for_writes(server: Hostile) -> None:
    server.mode = "truncated_once"
    c = client(server, retries=True)
    with pytest.raises(WriteUncertainError, match="MAY OR MAY NOT"):
        c.call("doc.set", doc_id=1, title="t")
    assert server.hits == 1


def test_retry_after_as_an_http_date(server: Hostile) -> None:
    server.mode = "retry_date"
    with pytest.raises(IpernityError) as err:
        client(server).call("test.hello")
    assert err.value.retry_after is not None and 0 <= err.value.retry_after <= 2
    assert retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT") == 0.0 and retry_after_seconds("1e400") is None


def test_no_secret_in_any_error_chain(server: Hostile) -> None:
    import traceback

    write, read = ("doc.set", {"doc_id": 1, "title": "t"}), ("doc.get", {"doc_id": 1})
    for mode, (method, params) in (("drip", write), ("bomb", write), ("no_root", read), ("truncated_once", write)):
        server.mode, server.hits = mode, 0
        with pytest.raises(TransportError) as err:  # sent and failed: never a ParameterError before sending
            client(server, deadline=0.3, max_bytes=2**20).call(method, **params)
        text = "".join(traceback.format_exception(err.value))
        cur: BaseException | None = err.value
        while cur is not None:  # every chained exception, with its request if it kept one
            text += repr(vars(cur)) + repr(cur.args)
            cur = cur.__cause__ or cur.__context__
        assert TOKEN not in text and SECRET not in text and "api_sig=" not in text, mode


def test_cache_lives_in_the_user_cache_dir_owner_only(server: Hostile, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    c = client(server, cache=True)
    assert c.call("test.hello") == {"hello": "hello world!"}
    db = tmp_path / "xdg" / "ipernity_nb" / "http.sqlite"
    assert db.is_file() and stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    for f in db.parent.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, f"{f.name} is readable by others"


def test_a_cached_client_can_upload(sandbox, demo_app: dict, token_for, tmp_path: Path) -> None:
    """The streamed multipart body has no bytes for the cache key to hash; uploads are never cached."""
    token = token_for("alice", {"doc": "write"})
    c = Client(
        demo_app["api_key"],
        demo_app["secret"],
        url=sandbox.api_url,
        token=token,
        progress=False,
        cache=tmp_path / "http.sqlite",
    )
    f = tmp_path / "cat.png"
    f.write_bytes(image_png(5, 32, 24))
    doc = c.upload(f, title="cached")
    assert doc["title"] == "cached"
    df = upload_many(c, [f], progress=False)
    assert df["status"].tolist() == ["skipped"]  # already online, found by its MD5
