"""A 30-page harvest against its floor and against a sequential walker, side by side in one run.

Run: ``.venv/bin/python -m benchmarks.bench_floor [--repeat 5] [--latency-ms 50] [--workers 6]``

Two sandbox processes on one seeded database (one whose API answers each wait ``--latency-ms``,
one with no added latency) serve doc.search: 3,000 docs in 30 pages of 100 with
``extra=dates,count,owner``. For each it measures, medians of ``--repeat`` runs:

* the round trip: one page fetched and parsed by the client, alone;
* the floor: page 1, then ``ceil(29 / workers)`` rounds of concurrent pages = round trip x
  ``(1 + ceil(29 / workers))``: no walker with that many workers can beat it;
* the toolkit: ``Client.frame("doc.search", pages="all", ...)`` at the default workers (typed frame);
* the walker: a sequential page-by-page loop over one keep-alive session, ``json`` per page, one
  ``pandas.json_normalize`` at the end (what a notebook user writes first);
  toolkit and walker run in turns, so the machine's slow spells fall on both.

Then it prints each ratio beside its target: toolkit within 1.25x of the floor and at least 5x the
walker with latency, at least 1.3x the walker with none. ``--memory`` adds, on a 115k-doc sandbox
(each in a fresh child process, peak = VmHWM - RSS after one warm-up page): the peak while building a 100k-doc
frame against the frame's own memory (target <= 3x), and ``walk``/``export`` with ``split=True``
at 10k and 100k docs (target: flat, under 50 MB of growth).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.run import client_for, run_child, start_sandbox, stop  # noqa: E402
from ipernity_nb.paging import DEFAULT_WORKERS  # noqa: E402
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP  # noqa: E402

PARAMS: dict[str, str | int] = {"extra": "dates,count,owner", "per_page": 100, "sort": "posted-asc"}
PAGES = 30


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def interleaved(a: Callable[[], object], b: Callable[[], object], repeat: int) -> tuple[float, object, float, object]:
    """Medians of ``a`` and ``b`` run in turns (a, b, a, b …): a shared machine's slow spells
    fall on both alike, where ``repeat`` runs of one then of the other would each meet their own."""
    ta, tb, out_a, out_b = [], [], None, None
    for _ in range(repeat):
        t = time.perf_counter()
        out_a = a()
        ta.append(time.perf_counter() - t)
        t = time.perf_counter()
        out_b = b()
        tb.append(time.perf_counter() - t)
    return statistics.median(ta), out_a, statistics.median(tb), out_b


def walker(api_url: str) -> pd.DataFrame:
    """Sequential, page by page, one keep-alive session, json, one json_normalize at the end."""
    s = requests.Session()
    docs: list[dict] = []
    page = 1
    while True:
        p = {"api_key": APP["api_key"], **PARAMS, "page": page}
        body = json.loads(s.get(api_url + "doc.search/json", params=p, timeout=60).content)
        docs.extend(body["docs"].get("doc", []))
        if page >= min(int(body["docs"]["pages"]), PAGES):
            break
        page += 1
    return pd.json_normalize(docs)


def measure(api_url: str, label: str, workers: int, repeat: int) -> dict[str, float]:
    client = client_for(api_url, workers=workers)
    client.frame("doc.search", pages=2, **PARAMS)  # warm-up: imports, first connection
    rt, _ = median_time(lambda: client.call("doc.search", page=1, **PARAMS), max(repeat, 5))
    floor = rt * (1 + math.ceil((PAGES - 1) / workers))
    tk, df, wk, raw = interleaved(
        lambda: client.frame("doc.search", pages="all", **PARAMS), lambda: walker(api_url), repeat
    )
    assert len(df) == len(raw) == PAGES * 100, (len(df), len(raw))  # type: ignore[arg-type]
    assert df["doc_id"].astype(str).tolist() == raw["doc_id"].astype(str).tolist()  # type: ignore[index]
    print(f"{label}: round trip {rt * 1000:.0f} ms, floor {floor * 1000:.0f} ms (1 + ceil(29/{workers}) round trips)")
    print(f"{label}: toolkit {tk * 1000:.0f} ms, walker {wk * 1000:.0f} ms")
    return {"rt": rt, "floor": floor, "toolkit": tk, "walker": wk}


def verdict(name: str, value: float, target: str, ok: bool) -> None:
    print(f"  {name:<52} {value:6.2f}x   target {target:<8} {'PASS' if ok else 'MISS'}")


def memory(big: int = 100_000, mid: int = 10_000) -> None:
    """Peak memory of a 100k-doc frame against the frame, and split walk/export from 10k to 100k docs."""
    work = tempfile.mkdtemp(prefix="ipnb-memory-")
    proc, url, seeded = start_sandbox(os.path.join(work, "sandbox.sqlite"), scale=int(big * 1.15))
    try:
        print(f"seeded {int(big * 1.15):,} docs in {seeded:.0f} s")
        res = {(n, kind): run_child(url, n, kind, work) for n in (mid, big) for kind in ("frame", "walk", "export")}
    finally:
        stop(proc)
    for (n, kind), r in res.items():
        extra = f", frame {r['frame_mb']:.0f} MB" if kind == "frame" else ""
        print(f"{kind} {n:,} docs ({r['rows']:,} rows): {r['seconds']:.1f} s, peak +{r['peak_mb']:.0f} MB{extra}")
    r = res[(big, "frame")]
    ratio = r["peak_mb"] / r["frame_mb"]
    verdict(f"peak / frame memory, {big:,}-doc frame", ratio, "<= 3x", ratio <= 3)
    for kind in ("walk", "export"):
        grow = res[(big, kind)]["peak_mb"] - res[(mid, kind)]["peak_mb"]
        print(
            f"  {kind + ' split=True peak growth ' + f'{mid:,} -> {big:,}':<52} {grow:6.1f} MB target < 50 MB "
            f"{'PASS' if grow < 50 else 'MISS'}"
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    ap.add_argument("--scale", type=int, default=4000, help="docs seeded (about 88%% are public)")
    ap.add_argument("--memory", action="store_true", help="also the 100k-doc memory figures (seeds 115k docs)")
    args = ap.parse_args(argv)
    if args.memory:
        memory()
    work = tempfile.mkdtemp(prefix="ipnb-floor-")
    db = os.path.join(work, "sandbox.sqlite")
    procs = []
    try:
        fast, fast_url, _ = start_sandbox(db, scale=args.scale)
        procs.append(fast)
        slow, slow_url, _ = start_sandbox(db, scale=args.scale, latency_ms=args.latency_ms)
        procs.append(slow)
        lat = measure(slow_url, f"{args.latency_ms:.0f} ms latency", args.workers, args.repeat)
        none = measure(fast_url, "no latency", args.workers, args.repeat)
    finally:
        for p in procs:
            stop(p)
    print(f"\n3,000 docs, 30 pages of 100, extra=dates,count,owner, workers={args.workers}:")
    r = lat["toolkit"] / lat["floor"]
    verdict(f"toolkit / floor, {args.latency_ms:.0f} ms latency", r, "<= 1.25x", r <= 1.25)
    r = lat["walker"] / lat["toolkit"]
    verdict(f"walker / toolkit, {args.latency_ms:.0f} ms latency", r, ">= 5x", r >= 5)
    r = none["walker"] / none["toolkit"]
    verdict("walker / toolkit, no latency", r, ">= 1.3x", r >= 1.3)


if __name__ == "__main__":
    main()
