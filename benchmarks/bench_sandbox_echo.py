"""How many test.echo calls per second the sandbox answers (target: >= 500/s with 4 client threads).

Run: ``.venv/bin/python benchmarks/bench_sandbox_echo.py [--threads 4] [--calls 500]``

Two set-ups are measured: the sandbox in this process (clients and server share one GIL, as
in the test suite) and the sandbox as a separate process (``python -m ipernity_nb.sandbox``,
as in a classroom). Prints calls/s and the ratio to the 500/s target.
"""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import threading
import time

import requests

KEY = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c"
TARGET = 500


def hammer(api_url: str, threads: int, calls: int) -> float:
    def worker() -> None:
        with requests.Session() as s:
            for i in range(calls):
                r = s.get(api_url + "test.echo", params={"api_key": KEY, "echo": str(i)})
                assert r.json()["echo"] == str(i)

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return threads * calls / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--calls", type=int, default=500, help="calls per thread")
    args = ap.parse_args()

    from ipernity_nb.sandbox import Sandbox

    with Sandbox(seed="empty") as sb:
        hammer(sb.api_url, 1, 50)  # warm up
        rate = hammer(sb.api_url, args.threads, args.calls)
    print(f"in-process sandbox:   {rate:7.0f} test.echo/s  ({rate / TARGET:.2f}x target)")

    proc = subprocess.Popen(
        [sys.executable, "-m", "ipernity_nb.sandbox", "--port", "0", "--seed", "empty"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        api_url = ""
        for line in proc.stdout:
            m = re.search(r"API:\s+(\S+)", line)
            if m:
                api_url = m.group(1)
            if "Ctrl-C" in line:
                break
        hammer(api_url, 1, 50)
        rate = hammer(api_url, args.threads, args.calls)
        print(f"separate process:     {rate:7.0f} test.echo/s  ({rate / TARGET:.2f}x target)")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
