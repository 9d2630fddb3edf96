"""Load: N concurrent clients (threads AND processes, loopback only) for a bounded time mix reads
and writes on shared docs and albums, with a few injected faults. Afterwards: no error outside
the injected ones, no lost or duplicated write (the database equals the log of acknowledged
writes), and the figures (clients, calls, throughput, p50/p99 latency) are printed.

``LOAD_SECONDS``, ``LOAD_THREADS`` and ``LOAD_PROCS`` (environment) resize it (default 8 s + process start-up,
6 threads, 2 processes).
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import statistics
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import load_worker
import pytest

from ipernity_nb.sandbox import Sandbox

SECONDS = float(os.environ.get("LOAD_SECONDS", "8"))
THREADS = int(os.environ.get("LOAD_THREADS", "6"))
PROCS = int(os.environ.get("LOAD_PROCS", "2"))
ALICE = 284001
#: Only these are injected, so any other failure (an API 500, a lock error …) is a real bug.
FAULTS = {"rate": 0.04, "http_codes": [502], "api_codes": [503], "seed": 21}


def injected(err: tuple) -> bool:
    name, code, status, _ = err
    return (
        (name == "ServerError" and status == 502)
        or (name == "ServiceUnavailableError" and code == 503)
        or name == "WriteUncertainError"  # a write hit by an injected 502 (not repeated, reported)
    )


def q(db_path: str, sql: str, *args) -> list:
    with sqlite3.connect(db_path) as db:
        return db.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def sb():
    with Sandbox(seed="demo", faults=FAULTS) as s:
        yield s


def test_mixed_load_loses_and_duplicates_nothing(sb, capsys):
    n = THREADS + PROCS
    docs = [r[0] for r in q(sb.db_path, "SELECT doc_id FROM docs WHERE owner_id = ? AND share = 4 LIMIT 6", ALICE)]
    albums = [r[0] for r in q(sb.db_path, "SELECT album_id FROM albums WHERE owner_id = ? LIMIT 3", ALICE)]
    free = [
        r[0]
        for r in q(
            sb.db_path,
            f"SELECT doc_id FROM docs WHERE owner_id = ? AND doc_id NOT IN "
            f"(SELECT doc_id FROM album_docs WHERE album_id IN ({','.join('?' * len(albums))})) LIMIT ?",
            ALICE,
            *albums,
            3 * n,
        )
    ]
    assert len(docs) == 6 and len(albums) == 3 and len(free) == 3 * n
    first_comment = q(sb.db_path, "SELECT coalesce(max(comment_id), 0) FROM comments")[0][0]
    deadline = time.time() + SECONDS + 4  # processes need a few seconds to import pandas
    jobs = [
        {
            "url": sb.api_url,
            "token": sb.issue_token(load_worker.KEY, "alice", {"doc": "write"}),
            "wid": w,
            "docs": docs,
            "albums": albums,
            "mine": free[3 * w : 3 * w + 3],
            "deadline": deadline,
        }
        for w in range(n)
    ]
    started = time.time()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(PROCS, mp_context=ctx) as procs, ThreadPoolExecutor(THREADS) as threads:
        futures = [procs.submit(load_worker.run, j) for j in jobs[:PROCS]]
        futures += [threads.submit(load_worker.run, j) for j in jobs[PROCS:]]
        results = [f.result(timeout=SECONDS + 60) for f in futures]
    wall = time.time() - started

    # 1. no error outside the injected ones
    errors = [e for r in results for e in r["errors"]]
    unexpected = [e for e in errors if not injected(e)]
    assert not unexpected, unexpected[:5]

    # 2. comments: the database holds every acknowledged one exactly once, nothing else but
    #    (possibly) the uncertain ones
    acked = [c for r in results for c in r["comments"]]
    uncertain = {c for r in results for c in r["uncertain"]}
    rows = [r[0] for r in q(sb.db_path, "SELECT content FROM comments WHERE comment_id > ?", first_comment)]
    stored = Counter(rows)
    lost = [c for c in acked if stored[c] != 1]
    dup = [c for c, k in stored.items() if k > 1]
    extra = set(stored) - set(acked) - uncertain
    assert not lost and not dup and not extra, (lost[:3], dup[:3], sorted(extra)[:3])

    # 3. album membership equals the last acknowledged toggle of every (album, doc) pair
    last: dict[tuple[int, int], bool | None] = {}
    for r in results:
        for a, d, state in r["album_ops"]:
            last[(a, d)] = state
    wrong = []
    for (a, d), state in last.items():
        if state is None:
            continue  # the last write of this pair was reported as uncertain
        has = bool(q(sb.db_path, "SELECT 1 FROM album_docs WHERE album_id = ? AND doc_id = ?", a, d))
        if has != state:
            wrong.append((a, d, state, has))
    assert not wrong, wrong[:5]

    lat = sorted(x for r in results for x in r["lat"])
    calls = len(lat)
    writes = len(acked) + sum(1 for r in results for *_, s in r["album_ops"] if s is not None)
    assert calls > 50 * n // 8 and writes > 10  # the load really ran
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000
    with capsys.disabled():
        print(
            f"\nload: {n} clients ({THREADS} threads + {PROCS} processes), {wall:.1f} s wall, {calls} calls "
            f"({writes} acknowledged writes, {len(uncertain)} uncertain), {calls / wall:.0f} calls/s overall, "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, injected errors seen {len(errors)}, lost writes {len(lost)}, "
            f"duplicated {len(dup)}"
        )
