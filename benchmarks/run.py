"""Harvest benchmarks: one command, side by side, a table of medians and ratios.

Run: ``.venv/bin/python -m benchmarks`` (or ``.venv/bin/python benchmarks/run.py``) —
``--quick`` for a smoke run, ``--repeat N`` (default 3) runs per timing.

It seeds a 100k-doc sandbox in a SEPARATE PROCESS (``python -m ipernity_nb.sandbox --port 0
--port-file …``, seeding time measured), starts a second sandbox process on the same database
whose API answers each wait 50 ms (``--faults '{"latency": 0.05}'``, a realistic round trip;
``--latency-ms``), then times:

1. harvest 10,000 docs (100 pages of 100, doc.search with every extra block) into a DataFrame:
   the toolkit (one ``Client.frame(pages="all", split=True)`` over the posted range: it finds its
   own windows, then one pool fetches every page over one keep-alive session) vs a naive baseline (a
   sequential loop, ``requests.get`` = a new connection per call, ``json`` parsing, one
   ``pandas.json_normalize`` at the end), with no latency and with 50 ms; rows must be identical;
2. the same harvest re-run with ``cache=`` on: time and number of HTTP calls;
3. shaping only: typed frame vs bare ``json_normalize`` on the same 100k harvested records;
4. scaling: 1k, 10k, 100k docs, time and peak memory of ``frame`` and of the streaming export
   (each in a fresh child process, peak = VmHWM − RSS before the harvest);
5. sandbox throughput: test.echo calls/s and 100-doc doc.search pages/s with 4 client threads.

doc.search stops at 3000 results (docs/protocol.md §2.4), so N docs are harvested as N/2500
disjoint ``posted_min``/``posted_max`` windows of 25 pages each (found once before timing).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import requests

from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP

EXTRA = "owner,dates,count,license,medias,geo,original"
WINDOW = 2500  # docs per posted_at window (25 pages of 100, under the 3000 cap)
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


# --- processes ------------------------------------------------------------------------------


def start_sandbox(db: str, *, scale: int, latency_ms: float = 0.0, timeout: float = 300.0) -> tuple:
    """Start a sandbox process; return (Popen, api_url, seconds until it answered)."""
    port_file = tempfile.mktemp(prefix="ipnb-port-")
    cmd = [sys.executable, "-m", "ipernity_nb.sandbox", "--port", "0", "--db", db, "--scale", str(scale)]
    if latency_ms:  # the sandbox's own fault switch (sandbox/faults.py): every API answer waits
        cmd += ["--faults", json.dumps({"latency": latency_ms / 1000})]
    cmd += ["--port-file", port_file]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    while not os.path.exists(port_file):
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr is not None else ""
            raise RuntimeError(f"sandbox exited: {err[-2000:]}")
        if time.perf_counter() - t0 > timeout:
            stop(proc)
            raise RuntimeError("sandbox did not start in time")
        time.sleep(0.05)
    took = time.perf_counter() - t0
    port = Path(port_file).read_text().strip()
    os.unlink(port_file)
    return proc, f"http://127.0.0.1:{port}/api/", took


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- harvests ------------------------------------------------------------------------------


def windows(api_url: str, n_docs: int) -> list[tuple[int, int]]:
    """Disjoint posted_at windows of ``WINDOW`` docs each, oldest first, covering ``n_docs`` docs."""
    out: list[tuple[int, int]] = []
    lo = 0
    s = requests.Session()
    while len(out) * WINDOW < n_docs:
        p: dict[str, str | int] = {"api_key": APP["api_key"], "sort": "posted-asc", "posted_min": lo, "per_page": 100}
        p["page"] = WINDOW // 100
        body = s.get(api_url + "doc.search/json", params={**p, "extra": "dates"}, timeout=60).json()
        docs = body["docs"].get("doc", [])
        if len(docs) < 100:
            raise RuntimeError(f"the sandbox has fewer than {n_docs} public docs")
        hi = int(docs[-1]["dates"]["posted_at"])
        out.append((lo, hi))
        lo = hi + 1
    return out


def _params(w: tuple[int, int]) -> dict:
    return {"extra": EXTRA, "per_page": 100, "posted_min": w[0], "posted_max": w[1], "sort": "posted-asc"}


def toolkit_harvest(client, wins: list[tuple[int, int]], workers: int | None = None) -> pd.DataFrame:
    """The toolkit as an analyst calls it: ONE ``frame(pages="all", split=True)`` over the posted range.

    It finds its own under-cap windows (bisection on ``total``, probes concurrent) and fetches
    every window's pages in one bounded pool over the one keep-alive session.
    """
    p = _params((wins[0][0], wins[-1][1]))
    return client.frame("doc.search", pages="all", split=True, workers=workers, **p)


def toolkit_per_window(client, wins: list[tuple[int, int]], workers: int | None = None) -> pd.DataFrame:
    """The previous way, for comparison: one ``frame(pages="all")`` per known window, one after another."""
    from ipernity_nb.frames import concat_frames

    return concat_frames([client.frame("doc.search", pages="all", workers=workers, **_params(w)) for w in wins])


def naive_harvest(api_url: str, wins: list[tuple[int, int]]) -> pd.DataFrame:
    """As existing clients do it: sequential, a new connection per request, json, one normalize."""
    docs: list[dict] = []
    for w in wins:
        page = 1
        while True:
            p = {"api_key": APP["api_key"], **_params(w), "page": page}
            body = json.loads(requests.get(api_url + "doc.search/json", params=p, timeout=60).text)
            docs.extend(body["docs"].get("doc", []))
            if page >= int(body["docs"]["pages"]):
                break
            page += 1
    return pd.json_normalize(docs)


def client_for(api_url: str, **kw):
    from ipernity_nb import Client

    return Client(APP["api_key"], APP["secret"], url=api_url, progress=False, **kw)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def same_rows(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return len(a) == len(b) and a["doc_id"].astype(str).tolist() == b["doc_id"].astype(str).tolist()


# --- child: scaling -------------------------------------------------------------------------


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def scale_child(api_url: str, n: int, kind: str, out_dir: str) -> None:
    client = client_for(api_url)
    wins = windows(api_url, n) if n > WINDOW else []
    # one typed page first, so loading pyarrow & co. (a fixed cost) is not counted as harvest memory
    client.frame("doc.search", per_page=100, extra=EXTRA)
    before = _rss_kb("VmRSS")
    t = time.perf_counter()
    frame_mb = 0.0
    if kind == "frame":
        if wins:
            df = toolkit_harvest(client, wins)
        else:
            df = client.frame("doc.search", pages=n // 100, extra=EXTRA, per_page=100, sort="posted-asc")
        rows, frame_mb = len(df), df.memory_usage(deep=True).sum() / 2**20
    elif kind == "walk":  # records streamed and dropped: memory must not grow with n
        p = _params((wins[0][0], wins[-1][1])) if wins else {**_params((0, 2**31))}
        rows = sum(1 for _ in client.walk("doc.search", split=bool(wins), **p))
    else:  # one streamed export; past the cap with split=True (its windows found by the client)
        path = os.path.join(out_dir, f"scale-{n}.parquet")
        if wins:
            p = _params((wins[0][0], wins[-1][1]))
            rows = client.export("doc.search", path, split=True, **p)["rows"]
        else:
            rows = client.export("doc.search", path, pages=n // 100, **_params((0, 2**31)))["rows"]
    took = time.perf_counter() - t
    peak_mb = (_rss_kb("VmHWM") - before) / 1024
    print(json.dumps({"rows": rows, "seconds": took, "peak_mb": peak_mb, "frame_mb": frame_mb}))


def run_child(api_url: str, n: int, kind: str, out_dir: str) -> dict:
    cmd = [sys.executable, str(HERE / "run.py"), "--scale-child", api_url, str(n), kind, out_dir]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=1200)
    if res.returncode:
        raise RuntimeError(res.stderr[-2000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


# --- throughput ----------------------------------------------------------------------------


def hammer(api_url: str, threads: int, calls: int, make: Callable[[int], tuple[str, dict]]) -> float:
    """Calls per second with ``threads`` clients (one keep-alive session each)."""
    errors: list[BaseException] = []

    def work(tid: int) -> None:
        s = requests.Session()
        try:
            for i in range(calls):
                method, p = make(tid * calls + i)
                r = s.get(api_url + method + "/json", params={"api_key": APP["api_key"], **p}, timeout=60)
                if r.json()["api"]["status"] != "ok":
                    raise RuntimeError(r.text[:200])
        except BaseException as exc:
            errors.append(exc)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    t = time.perf_counter()
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    took = time.perf_counter() - t
    if errors:
        raise errors[0]
    return threads * calls / took


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing (median reported)")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, 1 run each (smoke test)")
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument(
        "--workers",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[2, 8],
        help="toolkit worker counts also timed beside the default (comma-separated, default 2,8)",
    )
    ap.add_argument("--scale-child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.scale_child:
        url, n, kind, out = args.scale_child
        scale_child(url, int(n), kind, out)
    else:
        from benchmarks.report import main_run  # the orchestration lives beside, for size

        main_run(args)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # `python benchmarks/run.py` from anywhere
    main()
