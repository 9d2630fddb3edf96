"""How many doc.search pages of 100 (with every extra block) the sandbox answers per second.

Run: ``.venv/bin/python benchmarks/bench_doc_search.py [--scale 100000] [--db PATH]``

Seeds a sandbox with ``--scale`` docs (or reuses ``--db`` if it is already seeded), then
times pages 1, 2, 3, 10 and 30 (per_page=100, extra=owner,dates,count,license,medias,geo,
original) over HTTP for several filters, anonymous and signed in, and doc.getList for the
PRO demo user. Prints the median ms/page, pages/s and the ratio to the 10 pages/s target.
"""

from __future__ import annotations

import argparse
import statistics
import time

import requests

from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP
from ipernity_nb.signing import sign

TARGET = 10.0  # pages of 100 per second
EXTRA = "owner,dates,count,license,medias,geo,original"
CASES: dict[str, tuple[str, dict, bool]] = {
    "search, no filter": ("doc.search", {"extra": EXTRA}, False),
    "search, no filter (alice)": ("doc.search", {"extra": EXTRA}, True),
    "search text=paris": ("doc.search", {"text": "paris", "extra": EXTRA}, False),
    "search text=paris (alice)": ("doc.search", {"text": "paris", "extra": EXTRA}, True),
    "search tags=nature": ("doc.search", {"tags": "nature", "extra": EXTRA}, False),
    "search geo Paris 30 km": ("doc.search", {"lat": 48.8566, "lng": 2.3522, "dist": 30000, "extra": EXTRA}, False),
    "search sort=popular": ("doc.search", {"sort": "popular", "extra": EXTRA}, False),
    "getList (alice)": ("doc.getList", {"extra": "dates,count,geo,medias,original,md5"}, True),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=100_000)
    ap.add_argument("--db", default=None, help="SQLite file to create or reuse (default: throwaway)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    with Sandbox(seed="demo", scale=args.scale, db=args.db) as sb:
        print(f"sandbox ready in {time.perf_counter() - t0:.1f}s with {sb.status()['counts']['docs']} docs")
        token = sb.issue_token(APP["api_key"], "alice", {"doc": "read"})
        session = requests.Session()
        rates = []
        for name, (method, params, signed_in) in CASES.items():
            times = []
            for page in (1, 2, 3, 10, 30):
                p = {"api_key": APP["api_key"], **params, "per_page": 100, "page": page}
                if signed_in:
                    p["auth_token"] = token
                t = time.perf_counter()
                body = session.get(sb.api_url + method, params=sign(p, APP["secret"], method), timeout=60).json()
                times.append(time.perf_counter() - t)
                assert body["api"]["status"] == "ok", body
            rate = 1 / statistics.median(times)
            rates.append(rate)
            print(
                f"{name:28s} total={body['docs']['total']:>6s}  {statistics.median(times) * 1000:7.1f} ms/page"
                f"  {rate:6.1f} pages/s  ({rate / TARGET:.1f}x target)"
            )
        print(f"slowest case: {min(rates):.1f} pages/s ({min(rates) / TARGET:.1f}x the {TARGET:.0f} pages/s target)")


if __name__ == "__main__":
    main()
