"""Sandbox CPU per doc.search page of 100 (all extras), measured on the sandbox process itself.

Run: ``.venv/bin/python benchmarks/page_cpu.py [--clients 1,4] [--format json] [--root DIR]``

Starts ``python -m ipernity_nb.sandbox`` on a demo database (``--root`` puts another checkout
first on ``PYTHONPATH``, to compare before/after), warms it up, then has N client threads
fetch 400 pages over keep-alive sessions and reads the process's user+system CPU from
``/proc``. Prints CPU ms/page and pages/s per client count (with several clients the
threads queue on the GIL at every SQLite step, so the CPU per page grows with concurrency).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP

EXTRA = "owner,dates,count,license,medias,geo,original"


def _cpu(pid: int) -> float:
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", default="1,4")
    ap.add_argument("--format", default="json", choices=["json", "xml"])
    ap.add_argument("--root", default=None, help="checkout to import ipernity_nb from (default: this one)")
    ap.add_argument("--pages", type=int, default=400)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ipnb-cpu-")
    port_file = os.path.join(work, "port")
    env = {**os.environ, **({"PYTHONPATH": args.root} if args.root else {})}
    cmd = [sys.executable, "-m", "ipernity_nb.sandbox", "--port", "0", "--db", os.path.join(work, "db.sqlite")]
    proc = subprocess.Popen([*cmd, "--port-file", port_file], env=env, cwd=work, stdout=subprocess.DEVNULL)
    try:
        while not os.path.exists(port_file) or not Path(port_file).read_text().strip():
            if proc.poll() is not None:
                raise SystemExit("the sandbox did not start")
            time.sleep(0.05)
        url = f"http://127.0.0.1:{Path(port_file).read_text().strip()}/api/doc.search/{args.format}"

        def work_(n: int) -> None:
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

        work_(20)
        for n in (int(x) for x in args.clients.split(",")):
            c0, t0 = _cpu(proc.pid), time.perf_counter()
            threads = [threading.Thread(target=work_, args=(args.pages // n,)) for _ in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            pages = args.pages // n * n
            cpu_ms = (_cpu(proc.pid) - c0) / pages * 1000
            rate = pages / (time.perf_counter() - t0)
            print(f"{n} client(s), {args.format}: {cpu_ms:.2f} ms sandbox CPU/page, {rate:.0f} pages/s")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
