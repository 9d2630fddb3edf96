"""The sandbox speaks HTTP/1.1 keep-alive: one connection carries many calls, safely."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP

KEY = {"api_key": APP["api_key"]}


@pytest.fixture
def sb():
    with Sandbox(seed="empty") as box:
        yield box


def echo(s: requests.Session, sb: Sandbox, text: str) -> requests.Response:
    r = s.get(sb.api_url + "test.echo/json", params={**KEY, "echo": text}, timeout=10)
    assert r.json()["echo"] == text, r.text
    return r


def test_many_calls_over_one_connection(sb):
    s = requests.Session()
    for i in range(30):
        r = echo(s, sb, str(i))
        assert r.headers["Content-Length"] == str(len(r.content))
        assert r.headers.get("Connection", "").lower() != "close"
    assert r.raw._pool.num_connections == 1  # urllib3 opened one connection for all 30 calls


def test_unread_request_body_does_not_leak_into_the_next_request(sb):
    s = requests.Session()
    r = s.post(sb.url + "/no/such/page", data=b"x" * 200_000, timeout=10)  # nobody reads this body
    assert r.status_code == 404
    echo(s, sb, "after a big unread body")
    r = s.post(sb.api_url + "test.echo/json", data={**KEY, "echo": "posted"}, timeout=10)
    assert r.json()["echo"] == "posted"
    assert echo(s, sb, "still in step").raw._pool.num_connections == 1


def test_head_and_client_close_are_honoured(sb):
    s = requests.Session()
    r = s.head(sb.url + "/", timeout=10)
    assert r.status_code == 200 and r.content == b""
    echo(s, sb, "after HEAD")
    r = s.get(sb.api_url + "test.echo/json", params={**KEY, "echo": "x"}, headers={"Connection": "close"}, timeout=10)
    assert r.headers["Connection"].lower() == "close"


def test_dropped_connection_fault_still_drops_and_the_next_call_works(sb):
    s = requests.Session()
    echo(s, sb, "before")
    sb.configure(faults={"drop": 1.0})
    with pytest.raises(requests.ConnectionError):
        s.get(sb.api_url + "test.echo/json", params={**KEY, "echo": "x"}, timeout=10)
    sb.configure(faults={})
    echo(s, sb, "after")


def test_stop_is_prompt_with_idle_kept_alive_connections_and_ends_them():
    box = Sandbox(seed="empty").start()
    socks = []
    for _ in range(3):  # raw sockets left idle after one answer, as a pool leaves them
        c = socket.create_connection(("127.0.0.1", box.port), timeout=5)
        c.sendall(f"GET /api/test.echo/json?api_key={APP['api_key']}&echo=hi HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert b"200" in c.recv(65536).split(b"\r\n", 1)[0]
        socks.append(c)
    t = time.perf_counter()
    box.stop()
    assert time.perf_counter() - t < 2.0
    for c in socks:  # the server side is gone: a further request gets end-of-stream, not an answer
        try:
            c.sendall(b"GET /api/test.hello/json HTTP/1.1\r\nHost: x\r\n\r\n")
            assert c.recv(65536) == b""
        except (ConnectionResetError, BrokenPipeError):
            pass
        c.close()
