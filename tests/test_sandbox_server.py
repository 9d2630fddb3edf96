"""Sandbox lifecycle over real sockets: readiness, stop, isolation, persistence, CLI, throughput."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.server import _is_loopback
from ipernity_nb.signing import sign

KEY, SECRET = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718"


def hello(sb: Sandbox) -> dict:
    return requests.get(sb.api_url + "test.hello", params={"api_key": KEY}, timeout=10).json()


def test_start_returns_when_ready_and_stop_frees_everything():
    sb = Sandbox(seed="empty", admin_token="s3cret-admin")
    sb.start()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sb.url) and sb.api_url == sb.url + "/api/"
        assert sb.admin_token == "s3cret-admin" and "s3cret-admin" not in repr(sb)
        assert hello(sb)["hello"] == "hello world!"  # no sleep needed: start() waited for the socket
        path, port = sb.db_path, sb.port
        assert os.path.exists(path)
    finally:
        sb.stop()
    assert not os.path.exists(path)  # the throwaway database is deleted
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    with pytest.raises(RuntimeError, match="not running"):
        sb.status()


def test_generated_admin_tokens_differ():
    a, b = Sandbox(seed="empty"), Sandbox(seed="empty")
    assert a.admin_token and a.admin_token != b.admin_token


def test_two_sandboxes_are_isolated():
    with Sandbox(seed="empty") as a, Sandbox(seed="empty") as b:
        assert a.url != b.url and a.db_path != b.db_path
        app = a.create_app("only in a")
        a.create_user("only_a", "pw")
        assert "only_a" not in str(b.status())
        assert b.status()["counts"]["users"] == a.status()["counts"]["users"] - 1
        r = requests.get(b.api_url + "test.hello", params={"api_key": app["api_key"]})
        assert r.json()["api"]["code"] == "101"
        assert requests.get(a.api_url + "test.hello", params={"api_key": app["api_key"]}).json()["hello"]
        t = a.issue_token(KEY, "alice", {"doc": "read"})
        p = sign({"api_key": KEY, "auth_token": t}, SECRET, "auth.checkToken")
        assert requests.get(b.api_url + "auth.checkToken", params=p).json()["api"]["code"] == "107"


def test_db_path_persists_across_restarts(tmp_path):
    path = tmp_path / "class.sqlite"
    with Sandbox(db=path, seed="empty") as sb:
        app = sb.create_app("kept")
        token = sb.issue_token(app["api_key"], "bob", {"doc": "write"})
    assert path.exists()
    with Sandbox(db=path, seed="empty") as sb:  # not re-seeded: the app and token survive
        p = sign({"api_key": app["api_key"], "auth_token": token}, app["secret"], "auth.checkToken")
        r = requests.get(sb.api_url + "auth.checkToken", params=p).json()
        assert r["auth"]["user"]["username"] == "bob" and r["auth"]["permissions"]["doc"] == "write"
    assert path.exists()  # a given path is never deleted
    import sqlite3

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_non_loopback_host_warns(capsys):
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.0.2.7")
    # 192.0.2.7 (TEST-NET) is not a local address: the bind fails after the warning, nothing listens.
    with pytest.raises(OSError):
        Sandbox(host="192.0.2.7", seed="empty").start()
    assert "WARNING" in capsys.readouterr().err


def test_cli_prints_credentials_and_serves():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ipernity_nb.sandbox", "--port", "0", "--seed", "empty", "--admin-token", "tok-123"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ctrl-C" in line:
                break
        out = "".join(lines)
        api = re.search(r"API:\s+(\S+)", out).group(1)
        assert "tok-123" in out and KEY in out and SECRET in out and "alice" in out and "'demo'" in out
        assert requests.get(api + "test.hello", params={"api_key": KEY}, timeout=10).json()["hello"] == "hello world!"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0


def test_cli_stops_on_sigint_even_when_started_with_it_ignored(tmp_path):
    """A background job of a script inherits SIGINT ignored; the sandbox must still stop on it."""
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ipernity_nb.sandbox", "--port", "0", "--seed", "empty", "--port-file", str(port_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the sandbox did not start"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_coverage_lists_every_method():
    from ipernity_nb import catalog

    out = subprocess.run(
        [sys.executable, "-m", "ipernity_nb.sandbox", "--coverage"], capture_output=True, text=True, timeout=120
    ).stdout
    for name in catalog.methods():
        assert re.search(rf"^{re.escape(name)}\s+(yes|no)", out, re.M), name


def test_4_client_threads_on_kept_alive_connections_all_get_their_own_answer(sandbox):
    """Throughput is measured in benchmarks/bench_sandbox_echo.py; here: no answer crosses to another client."""
    n_threads, per_thread = 4, 100
    errors: list[str] = []

    def worker(t: int) -> None:
        with requests.Session() as s:
            for i in range(per_thread):
                r = s.get(sandbox.api_url + "test.echo", params={"api_key": KEY, "echo": f"{t}-{i}"})
                if r.json().get("echo") != f"{t}-{i}":
                    errors.append(r.text)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_concurrent_writes_lose_nothing(sandbox):
    """8 threads creating frobs at once (write transactions): every call succeeds, every row is there."""
    frobs: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        with requests.Session() as s:
            for _ in range(20):
                p = sign({"api_key": KEY}, SECRET, "auth.getFrob")
                body = s.get(sandbox.api_url + "auth.getFrob", params=p).json()
                with lock:
                    if body["api"]["status"] == "ok":
                        frobs.append(body["auth"]["frob"])
                    else:
                        failures.append(str(body))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures and len(set(frobs)) == 160
    import sqlite3

    with sqlite3.connect(sandbox.db_path) as db:
        marks = ",".join("?" * len(frobs))
        assert db.execute(f"SELECT COUNT(*) FROM frobs WHERE frob IN ({marks})", frobs).fetchone()[0] == 160


def test_port_in_use_raises_oserror_not_systemexit():
    """werkzeug's own bind would sys.exit(1) — fatal in a notebook kernel; start() raises OSError instead."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        sb = Sandbox(port=port, seed="empty")
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
            sb.start()
        with pytest.raises(RuntimeError):
            sb.db_path  # noqa: B018  (nothing was left open)
