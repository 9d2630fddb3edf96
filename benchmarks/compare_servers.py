"""The sandbox app behind four HTTP servers, measured on the bounds, throughput and the drop fault.

Run: ``.venv/bin/python benchmarks/compare_servers.py`` (cheroot and waitress are optional:
``.venv/bin/pip install cheroot waitress``; a server that is not installed is skipped).

Servers, each in its own child process serving the same app (``make_app`` over an empty seed):

* ``sandbox``  — sandbox/httpd.py as ``Sandbox`` runs it (defaults, keep-alive);
* ``werkzeug`` — ``werkzeug.serving.make_server(threaded=True)`` (one thread per connection,
  ``Connection: close`` after every answer: werkzeug's own server has no keep-alive);
* ``cheroot``  — ``cheroot.wsgi.Server`` (16 worker threads, timeout 10 s, 65 MiB body, 64 KiB head);
* ``waitress`` — ``waitress.create_server`` (8 threads, 64 connections, channel timeout 30 s,
  65 MiB body, 64 KiB head).

Measured: test.echo calls/s and server CPU per call with 4 kept-alive client threads; peak memory
growth while 1 GiB bodies are offered (declared, and chunked: url-encoded, multipart, to an
unknown URL); whether 20 clients sending one header byte every 0.5 s keep a 21st from being
served, and whether they are cut off within 12 s; what a client meets past 200 open idle
connections; whether the "drop connection" fault (sandbox/faults.py) drops the connection.
Results are written up in docs/sandbox-server.md.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.bench_sandbox_echo import cpu_seconds  # noqa: E402

KEY = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c"
ADMIN = "bench-admin"
MIB = 1 << 20


# --- child: one server ----------------------------------------------------------------------------


def serve(kind: str, port_file: str) -> None:
    from ipernity_nb.sandbox.app import make_app
    from ipernity_nb.sandbox.state import State

    def ready(port: int) -> None:
        Path(port_file + ".tmp").write_text(str(port))
        Path(port_file + ".tmp").rename(port_file)

    if kind == "sandbox":
        from ipernity_nb.sandbox import Sandbox

        sb = Sandbox(seed="empty", admin_token=ADMIN).start()
        ready(sb.port)
        threading.Event().wait()
    app = make_app(State(None, seed="empty"), admin_token=ADMIN)
    if kind == "werkzeug":
        from werkzeug.serving import make_server

        srv = make_server("127.0.0.1", 0, app, threaded=True)
        ready(srv.server_address[1])
        srv.serve_forever()
    elif kind == "cheroot":
        from cheroot import wsgi

        c = wsgi.Server(("127.0.0.1", 0), app, numthreads=16, timeout=10)
        c.max_request_body_size = 65 * MIB
        c.max_request_header_size = 64 * 1024
        c.prepare()
        ready(c.bind_addr[1])
        c.serve()
    elif kind == "waitress":
        import waitress

        w = waitress.create_server(
            app,
            host="127.0.0.1",
            port=0,
            threads=8,
            connection_limit=64,
            channel_timeout=30,
            max_request_body_size=65 * MIB,
            max_request_header_size=64 * 1024,
        )
        ready(w.effective_port)
        w.run()


def start(kind: str) -> tuple[subprocess.Popen, int]:
    port_file = str(Path(tempfile.mkdtemp(prefix="ipnb-cmp-")) / "port")
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", kind, port_file],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not Path(port_file).exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{kind} did not start")
        time.sleep(0.05)
    return proc, int(Path(port_file).read_text())


# --- measurements ---------------------------------------------------------------------------------


def _echo_worker(port: int, calls: int, out: list[int]) -> None:
    req = f"GET /api/test.echo/json?api_key={KEY}&echo=bench HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    s, buf, done = None, b"", 0
    for _ in range(calls):
        if s is None:
            s = socket.create_connection(("127.0.0.1", port))
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            buf = b""
        s.sendall(req)
        while b"\r\n\r\n" not in buf:
            buf += s.recv(65536)
        head, _, buf = buf.partition(b"\r\n\r\n")
        low = head.lower()
        length = int(low.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        while len(buf) < length:
            buf += s.recv(65536)
        done += b'"bench"' in buf[:length]
        buf = buf[length:]
        if b"connection: close" in low:
            s.close()
            s = None
    if s is not None:
        s.close()
    out.append(done)


def throughput(proc: subprocess.Popen, port: int, threads: int = 4, calls: int = 1500) -> tuple[float, float]:
    out: list[int] = []
    ts = [threading.Thread(target=_echo_worker, args=(port, calls, out)) for _ in range(threads)]
    cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall, cpu = time.perf_counter() - t0, cpu_seconds(proc.pid) - cpu0
    assert sum(out) == threads * calls, "wrong answers"
    return threads * calls / wall, cpu / (threads * calls) * 1e6


def _kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))


def big_bodies(proc: subprocess.Popen, port: int) -> str:
    """Peak RSS growth (MB) and seconds while four 1 GiB bodies are offered."""
    url = f"http://127.0.0.1:{port}"
    start, t0 = _kb(proc.pid, "VmRSS"), time.perf_counter()

    def gib() -> Iterator[bytes]:
        block = b"x" * MIB
        for _ in range(1024):
            yield block

    outcomes = []
    for path, ctype in [
        ("/nope", "application/octet-stream"),
        ("/api/test.echo/json", "application/x-www-form-urlencoded"),
        ("/api/upload.file/json", "multipart/form-data; boundary=XX"),
    ]:
        try:
            r = requests.post(url + path, data=gib(), headers={"Content-Type": ctype}, timeout=120)
            outcomes.append(str(r.status_code))
        except requests.RequestException:
            outcomes.append("cut")
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:  # declared, not sent
        s.sendall(f"POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: {1 << 30}\r\n\r\n".encode())
        try:
            s.settimeout(5)
            outcomes.append(s.recv(100).split(b" ")[1].decode() or "closed")
        except (OSError, IndexError):
            outcomes.append("no answer in 5 s")
    grow = (_kb(proc.pid, "VmHWM") - start) / 1024
    return f"+{grow:.0f} MB peak, {time.perf_counter() - t0:.1f} s; answers {'/'.join(outcomes)}"


def slow_clients(port: int, n: int = 20) -> str:
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
    stop = threading.Event()
    cut = [0]

    def drip() -> None:
        for i, byte in enumerate(b"GET /api/test.hello HTTP/1.1\r\nX-Pad: " + b"a" * 200):
            if stop.wait(0.5):
                return
            for s in list(slow):
                try:
                    s.sendall(bytes([byte]))
                except OSError:
                    slow.remove(s)
                    cut[0] += 1
            if i * 0.5 > 12:
                return

    t = threading.Thread(target=drip, daemon=True)
    t.start()
    time.sleep(1.0)
    t0 = time.perf_counter()
    try:
        requests.get(f"http://127.0.0.1:{port}/api/test.hello", params={"api_key": KEY}, timeout=5)
        served = f"a 21st client served in {time.perf_counter() - t0:.2f} s"
    except requests.RequestException:
        served = "a 21st client NOT served within 5 s"
    t.join(timeout=15)
    for s in slow:  # what is still open after 12 s: probe whether the server closed it
        s.setblocking(False)
        try:
            s.recv(4096)  # end of stream or an error answer (408): the server gave up on it
            cut[0] += 1
        except BlockingIOError:
            pass  # still open, still waiting for its head
        except OSError:
            cut[0] += 1
        s.close()
    stop.set()
    return f"{served}; {cut[0]}/{n} slow clients cut off within 12 s"


def many_idle(port: int, n: int = 200) -> str:
    idle = []
    try:
        for _ in range(n):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(0.5)
        t0 = time.perf_counter()
        try:
            r = requests.get(f"http://127.0.0.1:{port}/api/test.hello", params={"api_key": KEY}, timeout=5)
            return f"next client: HTTP {r.status_code} in {time.perf_counter() - t0:.2f} s"
        except requests.RequestException as exc:
            return f"next client: {type(exc).__name__} after {time.perf_counter() - t0:.1f} s"
    finally:
        for s in idle:
            s.close()


def drop_fault(port: int) -> str:
    url = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {ADMIN}"}
    requests.post(url + "/_sandbox/config", data=json.dumps({"faults": {"drop": 1.0}}), headers=auth, timeout=5)
    try:
        r = requests.get(url + "/api/test.echo", params={"api_key": KEY, "echo": "x"}, timeout=5)
        out = f"NOT dropped: HTTP {r.status_code}"
    except requests.ConnectionError:
        out = "dropped"
    finally:
        requests.post(url + "/_sandbox/config", data=json.dumps({"faults": {}}), headers=auth, timeout=5)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", nargs=2, metavar=("KIND", "PORT_FILE"), help=argparse.SUPPRESS)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--servers", default="sandbox,werkzeug,cheroot,waitress")
    args = ap.parse_args()
    if args.serve:
        serve(*args.serve)
        return
    kinds = []
    for kind in args.servers.split(","):
        try:
            if kind in ("cheroot", "waitress"):
                __import__(kind)
            kinds.append(kind)
        except ImportError:
            print(f"{kind}: not installed, skipped (pip install {kind})")
    servers = {k: start(k) for k in kinds}
    try:
        rates: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
        for _ in range(args.rounds):  # alternate servers so that each meets the same machine load
            for k, (proc, port) in servers.items():
                rates[k].append(throughput(proc, port))
        for k, (proc, port) in servers.items():
            rate = statistics.median(r for r, _ in rates[k])
            cpu = statistics.median(c for _, c in rates[k])
            print(f"\n== {k}")
            print(f"  test.echo, 4 kept-alive clients: {rate:.0f} calls/s, server CPU {cpu:.0f} us/call")
            print(f"  drop fault: {drop_fault(port)}")
            print(f"  1 GiB bodies: {big_bodies(proc, port)}")
            print(f"  20 slow-header clients: {slow_clients(port)}")
            print(f"  200 idle connections: {many_idle(port)}")
    finally:
        for proc, _ in servers.values():
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
