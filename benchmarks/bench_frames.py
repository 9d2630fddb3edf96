"""What typing a payload costs: over ``pandas.json_normalize`` for a big answer, over the HTTP call for a small one.

Run: ``.venv/bin/python benchmarks/bench_frames.py [--rows 20000] [--repeat 5] [--calls 200]``

1. Big answer: a doc.search answer of ``--rows`` hits (owner, dates, count, thumb blocks,
   strings everywhere as the live API sends them); ``json_normalize`` alone vs
   ``ipernity_nb.to_frame`` (locate rows + normalize + typing), best of ``--repeat``
   (target: well under 2x).
2. Small answers (one page, as ``client.frame`` gets by default): a demo sandbox in a separate
   process with no latency; for each method the median of ``--calls`` HTTP calls
   (``client.call``) and the median typing of that answer (``to_frame``), in a child process with
   the working tree and in one with the previous landing (``benchmarks/baseline.py``), side by
   side. Target: typing at most 2x the call.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__" and "--small-child" not in sys.argv and str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python benchmarks/bench_frames.py` from anywhere

from ipernity_nb import to_frame  # noqa: E402

#: The small answers: (method, parameters) as an analyst's first call asks them.
SMALL = [
    ("doc.search", {"text": "sunset", "extra": "owner,dates,count,license,medias,geo,original"}),
    ("doc.get", {"doc_id": None, "extra": "tags,notes,geo,md5"}),
    ("doc.comments.getList", {"doc_id": None, "extra": "owner"}),
    ("doc.tags.getList", {"doc_id": None}),
    ("album.getList", {"user_id": 284001}),
    ("user.get", {"user_id": 284001}),
]


def payload(rows: int) -> dict:
    docs = [
        {
            "doc_id": str(1000 + i),
            "title": f"Photo {i}",
            "media": ("photo", "video")[i % 2],
            "license": ("0", "3", "9")[i % 3],
            "safety": "1",
            "owner": {"user_id": str(284001 + i % 50), "username": f"user{i % 50}"},
            "dates": {"posted_at": str(1_600_000_000 + i), "created": "2020-09-13 12:26:40", "last_update_at": "0"},
            "count": {"visits": str(i % 97), "faves": str(i % 7), "comments": str(i % 5)},
            "visibility": {"ispublic": "1", "isfriend": "0", "isfamily": "0", "share": "4"},
            "thumb": {"label": "75x", "ext": "jpg", "w": "75", "h": "75", "url": f"https://u1/{i}.75x.jpg"},
        }
        for i in range(rows)
    ]
    return {"docs": {"page": "1", "pages": "1", "per_page": str(rows), "total": str(rows), "doc": docs}}


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def median_ms(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def small_child(path: str, n: int) -> None:
    """In a child process: the median typing time of each saved answer, as JSON on stdout."""
    answers = json.loads(Path(path).read_text())
    out = {m: median_ms(lambda m=m, p=p: to_frame(m, p), n) for m, p in answers.items()}
    import ipernity_nb

    print(json.dumps({"typing": out, "package": ipernity_nb.__file__}))


def small(calls: int) -> None:
    from benchmarks.baseline import BASELINE_REV, baseline_env, current_env
    from benchmarks.run import client_for, start_sandbox, stop

    db = tempfile.mktemp(prefix="ipnb-small-", suffix=".sqlite")
    proc, url, _ = start_sandbox(db, scale=2000)
    try:
        client = client_for(url)
        doc_id = int(client.call("doc.search", text="sunset", per_page=1)["docs"]["doc"][0]["doc_id"])
        asks = [(m, {k: (doc_id if v is None else v) for k, v in p.items()}) for m, p in SMALL]
        call_ms = {m: median_ms(lambda m=m, p=p: client.call(m, **p), calls) for m, p in asks}
        answers = {m: client.call(m, **p) for m, p in asks}
    finally:
        stop(proc)
        Path(db).unlink(missing_ok=True)
    path = tempfile.mktemp(prefix="ipnb-answers-", suffix=".json")
    Path(path).write_text(json.dumps(answers))
    script = str(Path(__file__).resolve())
    runs = {}
    for name, env in (("now", current_env()), (f"at {BASELINE_REV}", baseline_env())):
        done = subprocess.run(
            [sys.executable, script, "--small-child", path, "--calls", str(calls)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        runs[name] = json.loads(done.stdout.strip().splitlines()[-1])["typing"]
    Path(path).unlink()
    print(f"\nsmall answers: median of {calls} HTTP calls (no latency) vs median typing (to_frame)")
    names = list(runs)
    print(f"  {'method':<22} {'call':>8} " + " ".join(f"{'typing ' + n:>22}" for n in names) + "   target")
    for m, _ in asks:
        cells = " ".join(f"{runs[n][m]:7.2f} ms ({runs[n][m] / call_ms[m]:5.2f}x)".rjust(22) for n in names)
        verdict = "met" if runs["now"][m] <= 2 * call_ms[m] else "NOT met"
        print(f"  {m:<22} {call_ms[m]:5.2f} ms {cells}   <= 2x: {verdict}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--small-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.small_child:
        small_child(args.small_child, args.calls)
        return
    p = payload(args.rows)
    docs = p["docs"]["doc"]
    bare = best(lambda: pd.json_normalize(docs, sep="."), args.repeat)
    typed = best(lambda: to_frame("doc.search", p), args.repeat)
    df = to_frame("doc.search", p)
    print(f"rows={args.rows} columns={df.shape[1]}")
    print(f"json_normalize: {bare * 1000:.1f} ms   to_frame: {typed * 1000:.1f} ms   ratio: {typed / bare:.2f}x")
    small(args.calls)


if __name__ == "__main__":
    main()
