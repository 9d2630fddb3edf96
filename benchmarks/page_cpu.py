"""Sandbox CPU per doc.search page of 100 (all extras), this tree beside the previous landing.

Run: ``.venv/bin/python -m benchmarks.page_cpu [--clients 1,2,8] [--format json] [--rounds 3]``

Starts ``python -m ipernity_nb.sandbox`` on a demo database, once with the package as it was
at the previous landing (benchmarks/baseline.py) and once with this working tree, each in
its own child process, in alternating rounds on the same machine. Each run warms up, then has
N client threads fetch pages over keep-alive sessions, and reads the sandbox process's
user+system CPU from ``/proc``. Prints the median CPU ms/page of each, their ratio, and the
target (at most 2.5 ms per page for one client, JSON).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from benchmarks.baseline import BASELINE_REV, baseline_env, current_env
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP

EXTRA = "owner,dates,count,license,medias,geo,original"
#: Sandbox CPU per page of 100 docs with every extra, one client, JSON (milliseconds).
TARGET_MS = 2.5


def _cpu(pid: int) -> float:
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def measure(env: dict[str, str], clients: list[int], pages: int, fmt: str) -> dict[int, tuple[float, float]]:
    """``{clients: (CPU ms per page, pages per second)}`` for one sandbox process run with ``env``."""
    work = tempfile.mkdtemp(prefix="ipnb-cpu-")
    port_file = os.path.join(work, "port")
    cmd = [sys.executable, "-m", "ipernity_nb.sandbox", "--port", "0", "--db", os.path.join(work, "db.sqlite")]
    proc = subprocess.Popen(
        [*cmd, "--port-file", port_file], env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    out: dict[int, tuple[float, float]] = {}
    try:
        while not os.path.exists(port_file) or not Path(port_file).read_text().strip():
            if proc.poll() is not None:
                raise SystemExit("the sandbox did not start")
            time.sleep(0.05)
        url = f"http://127.0.0.1:{Path(port_file).read_text().strip()}/api/doc.search/{fmt}"

        def fetch(n: int) -> None:
            s = requests.Session()
            for i in range(n):
                p: dict[str, str | int] = {
                    "api_key": APP["api_key"],
                    "extra": EXTRA,
                    "per_page": 100,
                    "sort": "posted-asc",
                    "page": 1 + i % 20,
                }
                r = s.get(url, params=p, timeout=60)
                if r.status_code != 200 or b"error" in r.content[:80]:
                    raise RuntimeError(r.text[:200])

        fetch(40)
        for n in clients:
            c0, t0 = _cpu(proc.pid), time.perf_counter()
            threads = [threading.Thread(target=fetch, args=(pages // n,)) for _ in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            done = pages // n * n
            out[n] = ((_cpu(proc.pid) - c0) / done * 1000, done / (time.perf_counter() - t0))
    finally:
        proc.terminate()
        proc.wait()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--clients", default="1,4")
    ap.add_argument("--format", default="json", choices=["json", "xml"])
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=3, help="alternating runs of each side (medians are printed)")
    args = ap.parse_args()
    clients = [int(x) for x in args.clients.split(",")]
    sides = {f"previous ({BASELINE_REV})": baseline_env(), "this tree": current_env()}
    runs: dict[str, list[dict[int, tuple[float, float]]]] = {name: [] for name in sides}
    for _ in range(args.rounds):
        for name, env in sides.items():
            runs[name].append(measure(env, clients, args.pages, args.format))
    print(f"doc.search, 100 docs/page, extra={EXTRA}, {args.format}, {args.rounds} rounds (median):")
    for n in clients:
        ms = {name: statistics.median(r[n][0] for r in rs) for name, rs in runs.items()}
        rate = {name: statistics.median(r[n][1] for r in rs) for name, rs in runs.items()}
        before, after = ms.values()
        line = "  ".join(f"{name}: {ms[name]:.2f} ms CPU/page, {rate[name]:.0f} pages/s" for name in sides)
        print(f"  {n} client(s): {line}  -> x{before / after:.2f} less CPU")
        if n == 1 and args.format == "json":
            verdict = "met" if after <= TARGET_MS else "NOT met"
            print(f"  target: at most {TARGET_MS} ms/page (1 client, json): {after:.2f} ms, {verdict}")


if __name__ == "__main__":
    main()
