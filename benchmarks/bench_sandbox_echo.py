"""test.echo throughput with 4 client threads, this tree against the previous landing, side by side.

Run: ``.venv/bin/python benchmarks/bench_sandbox_echo.py [--threads 4] [--calls 2000] [--rounds 3]``

Both sandboxes run as separate processes (``python -m ipernity_nb.sandbox``, the previous one
unpacked by benchmarks/baseline.py) and are measured in alternating rounds on the same machine.
The load comes from ``--threads`` client threads, each on one kept-alive connection, sending a
pre-built request and reading the answer by its Content-Length: a load generator that costs
little, so the figure is the server's (a ``requests.Session`` costs more per call than the whole
server, which would hide the server behind the client). Printed per sandbox: the median calls/s
and the server's own CPU time per call (from /proc; less sensitive to other load on the
machine), then each ratio beside the 2x target. The same run with ``requests`` clients is
printed last, for information.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.baseline import BASELINE_REV, baseline_env, current_env  # noqa: E402

KEY = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c"
TARGET = 2.0


def start(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port_file = Path(tempfile.mkdtemp(prefix="ipnb-bench-")) / "port"
    cmd = [sys.executable, "-m", "ipernity_nb.sandbox", "--port", "0", "--seed", "empty"]
    proc = subprocess.Popen(
        [*cmd, "--port-file", str(port_file)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while not port_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("a sandbox did not start")
        time.sleep(0.05)
    return proc, int(port_file.read_text())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0.0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_worker(port: int, calls: int, errors: list[str]) -> None:
    request = f"GET /api/test.echo/json?api_key={KEY}&echo=bench HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        for _ in range(calls):
            s.sendall(request)
            while b"\r\n\r\n" not in buf:
                buf += s.recv(65536)
            head, _, buf = buf.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
            while len(buf) < length:
                buf += s.recv(65536)
            body, buf = buf[:length], buf[length:]
            if b'"bench"' not in body:
                errors.append(body.decode(errors="replace"))


def requests_worker(port: int, calls: int, errors: list[str]) -> None:
    with requests.Session() as s:
        for _ in range(calls):
            r = s.get(f"http://127.0.0.1:{port}/api/test.echo/json", params={"api_key": KEY, "echo": "bench"})
            if r.json().get("echo") != "bench":
                errors.append(r.text)


def hammer(proc: subprocess.Popen, port: int, threads: int, calls: int, worker=raw_worker) -> tuple[float, float]:
    """(calls per second, server CPU microseconds per call)."""
    errors: list[str] = []
    ts = [threading.Thread(target=worker, args=(port, calls, errors)) for _ in range(threads)]
    cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall, cpu = time.perf_counter() - t0, cpu_seconds(proc.pid) - cpu0
    if errors:
        raise RuntimeError(f"wrong answers: {errors[:2]}")
    n = threads * calls
    return n / wall, cpu / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--calls", type=int, default=2000, help="calls per thread and round")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    servers = {"previous": start(baseline_env()), "this tree": start(current_env())}
    try:
        rates: dict[str, list[float]] = {k: [] for k in servers}
        cpus: dict[str, list[float]] = {k: [] for k in servers}
        for proc, port in servers.values():
            hammer(proc, port, args.threads, 200)  # warm up
        for _ in range(args.rounds):
            for name, (proc, port) in servers.items():  # alternate: the same machine load for both
                rate, cpu = hammer(proc, port, args.threads, args.calls)
                rates[name].append(rate)
                cpus[name].append(cpu)
        print(f"test.echo, {args.threads} client threads, {args.rounds} rounds; previous = {BASELINE_REV}")
        med = {k: statistics.median(v) for k, v in rates.items()}
        cpu_med = {k: statistics.median(v) for k, v in cpus.items()}
        for name in servers:
            print(f"  {name:<10} {med[name]:7.0f} calls/s   server CPU {cpu_med[name]:6.0f} us/call")
        ratio = med["this tree"] / med["previous"]
        cpu_ratio = cpu_med["previous"] / cpu_med["this tree"] if cpu_med["this tree"] else float("nan")
        verdict = "met" if ratio >= TARGET else "NOT met"
        print(f"  throughput ratio      {ratio:5.2f}x   (target >= {TARGET:.1f}x: {verdict})")
        print(f"  server CPU per call   {cpu_ratio:5.2f}x less")
        slow = {}
        for name, (proc, port) in servers.items():
            slow[name], _ = hammer(proc, port, args.threads, max(100, args.calls // 4), requests_worker)
        print(
            f"  with requests.Session clients (client-bound, for information): previous {slow['previous']:.0f}/s, "
            f"this tree {slow['this tree']:.0f}/s ({slow['this tree'] / slow['previous']:.2f}x)"
        )
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
