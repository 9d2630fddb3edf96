"""Children in one call: ``Client.frame_each`` vs a hand-written loop, at 50 ms per call.

Run: ``.venv/bin/python benchmarks/bench_fanout.py [--calls 100] [--latency-ms 50] [--repeat 3]``

Starts a demo sandbox in a SEPARATE PROCESS whose API answers each wait ``--latency-ms``
(the sandbox's own fault switch), takes ``--calls`` public doc ids, and times, side by side:

* a sequential loop, as an analyst writes it: ``client.frame("doc.tags.getList", doc_id=d)`` per
  id, then ``concat_frames``;
* ``client.frame_each("doc.tags.getList", ids)`` at the client's default workers (and at
  ``--workers``), all calls through ``client.call`` on the one keep-alive session.

The floor is ``ceil(calls / workers)`` round trips of ``--latency-ms``; the target is within
1.5x of it. Rows must be identical. Medians of ``--repeat`` runs; each ratio is printed beside its
target.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python benchmarks/bench_fanout.py` from anywhere

from benchmarks.run import client_for, start_sandbox, stop  # noqa: E402
from ipernity_nb import IncompleteResultWarning, concat_frames  # noqa: E402

METHOD = "doc.tags.getList"


def median_time(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def loop(client, ids: list[int]):
    """The hand-written loop the fan-out replaces."""
    return concat_frames([client.frame(METHOD, doc_id=d) for d in ids])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=lambda v: [int(x) for x in v.split(",")], default=[10])
    args = ap.parse_args()
    warnings.simplefilter("ignore", IncompleteResultWarning)
    db = tempfile.mktemp(prefix="ipnb-fanout-", suffix=".sqlite")
    proc, url, _ = start_sandbox(db, scale=2000, latency_ms=args.latency_ms)
    try:
        client = client_for(url)
        ids = client.frame("doc.search", per_page=args.calls).doc_id.tolist()
        n = len(ids)
        lat = args.latency_ms / 1000
        seq, by_loop = median_time(lambda: loop(client, ids), args.repeat)
        print(f"{n} calls of {METHOD} at {args.latency_ms:.0f} ms per call")
        print(f"  sequential loop (frame per id + concat_frames): {seq:6.2f} s")
        for workers in [client.workers, *args.workers]:
            took, fanned = median_time(lambda w=workers: client.frame_each(METHOD, ids, workers=w), args.repeat)
            same = fanned.drop(columns="doc_id").equals(by_loop)
            floor = math.ceil(n / workers) * lat
            ratio = took / floor
            verdict = "met" if ratio <= 1.5 else "NOT met"
            print(
                f"  frame_each, workers={workers:<2}: {took:6.2f} s   floor {floor:5.2f} s   "
                f"ratio to floor {ratio:4.2f}x (target <= 1.5x: {verdict})   {seq / took:4.1f}x faster than the loop"
                f"   rows {'identical' if same else 'DIFFER'}"
            )
    finally:
        stop(proc)
        Path(db).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
