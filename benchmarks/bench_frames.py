"""What typing a payload costs over a bare ``pandas.json_normalize`` of the same records.

Run: ``.venv/bin/python benchmarks/bench_frames.py [--rows 20000] [--repeat 5]``

Builds a doc.search answer of ``--rows`` hits (owner, dates, count, thumb blocks, strings
everywhere as the live API sends them), then times ``json_normalize`` alone and
``ipernity_nb.to_frame`` (locate rows + normalize + typing), best of ``--repeat``. Prints both
times and their ratio (target: well under 2x).
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from ipernity_nb import to_frame


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    p = payload(args.rows)
    docs = p["docs"]["doc"]
    bare = best(lambda: pd.json_normalize(docs, sep="."), args.repeat)
    typed = best(lambda: to_frame("doc.search", p), args.repeat)
    df = to_frame("doc.search", p)
    print(f"rows={args.rows} columns={df.shape[1]}")
    print(f"json_normalize: {bare * 1000:.1f} ms   to_frame: {typed * 1000:.1f} ms   ratio: {typed / bare:.2f}x")


if __name__ == "__main__":
    main()
