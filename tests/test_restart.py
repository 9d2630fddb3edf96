"""Restart: a file-backed sandbox stopped in the middle of a write load and started again (same
file, same port) loses no acknowledged write, and holds none twice.

Writers keep calling ``doc.comments.add`` (unique contents) through the Client while the server
goes away: refused connections are retried by the client (the request never left), writes cut
in flight are reported as uncertain (WriteUncertainError) and are not acknowledged.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter

from ipernity_nb import Client
from ipernity_nb.errors import IpernityError
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.transport import RetryPolicy, WriteUncertainError

KEY, SECRET = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718"
WRITERS = 4


def test_restart_mid_load_loses_no_acknowledged_write(tmp_path):
    path = tmp_path / "classroom.sqlite"
    sb = Sandbox(db=path).start()
    port = sb.port
    tokens = [sb.issue_token(KEY, "alice", {"doc": "write"}) for _ in range(WRITERS)]
    with sqlite3.connect(sb.db_path) as db:
        docs = [r[0] for r in db.execute("SELECT doc_id FROM docs WHERE owner_id = 284001 AND share = 4 LIMIT 4")]
        first = db.execute("SELECT max(comment_id) FROM comments").fetchone()[0]
    acked: list[list[str]] = [[] for _ in range(WRITERS)]
    uncertain: list[list[str]] = [[] for _ in range(WRITERS)]
    other: list[str] = []
    stop = threading.Event()

    def writer(w: int) -> None:
        c = Client(KEY, SECRET, url=sb.api_url, token=tokens[w], progress=False, max_log=5, timeout=(2.0, 5.0))
        c.retries = RetryPolicy(attempts=40, base=0.05, cap=0.25, total=20)
        i = 0
        while not stop.is_set():
            i += 1
            content = f"restart w{w} #{i}"
            try:
                c.call("doc.comments.add", doc_id=docs[i % len(docs)], content=content)
                acked[w].append(content)
            except WriteUncertainError:
                uncertain[w].append(content)
            except IpernityError as exc:  # anything else is a failure of the test
                other.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    before_stop = sum(map(len, acked))
    sb.stop()  # mid-load
    time.sleep(0.7)
    during = sum(map(len, acked))
    again = Sandbox(db=path, port=port).start()
    try:
        time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        after = sum(map(len, acked))
        with sqlite3.connect(again.db_path) as db:
            stored = Counter(r[0] for r in db.execute("SELECT content FROM comments WHERE comment_id > ?", (first,)))
    finally:
        again.stop()
    print(f"restart: acked {after} ({before_stop} before the stop), uncertain {sum(map(len, uncertain))}")
    assert not other, other[:3]
    assert before_stop > 10 and after > during + 10  # writes went on before the stop and after the restart
    all_acked = [c for a in acked for c in a]
    lost = [c for c in all_acked if stored[c] == 0]
    dup = [c for c, n in stored.items() if n > 1]
    maybe = {c for u in uncertain for c in u}
    extra = set(stored) - set(all_acked) - maybe
    assert not lost and not dup and not extra, (lost[:3], dup[:3], sorted(extra)[:3])
