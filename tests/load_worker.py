"""One load-test client (run in a thread or a spawned process): mixes reads and writes until a deadline.

Kept in its own module so ``multiprocessing`` (spawn) can import it in child processes.
Writes: ``doc.comments.add`` with a unique content on shared docs, and album membership toggles
(``album.docs.add``/``remove``) of this worker's own docs in shared albums. Every call's outcome
is logged so the test can compare the database with the log of acknowledged writes.
"""

from __future__ import annotations

import random
import time
from typing import Any

from ipernity_nb import Client
from ipernity_nb.errors import IpernityError
from ipernity_nb.transport import RetryPolicy, WriteUncertainError

KEY, SECRET = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718"


def run(job: dict[str, Any]) -> dict[str, Any]:
    """``job``: url, token, wid, docs (shared), albums (shared), mine (own docs), deadline (epoch s)."""
    rng = random.Random(job["wid"])
    c = Client(
        KEY,
        SECRET,
        url=job["url"],
        token=job["token"],
        progress=False,
        max_log=10,
        retries=RetryPolicy(attempts=5, base=0.02, cap=0.2, total=5),
    )
    out: dict[str, Any] = {"wid": job["wid"], "lat": [], "comments": [], "uncertain": [], "album_ops": [], "errors": []}
    member = {(a, d): False for a in job["albums"] for d in job["mine"]}
    seq = 0
    while time.time() < job["deadline"]:
        roll = rng.random()
        start = time.perf_counter()
        try:
            if roll < 0.25:
                seq += 1
                content = f"load w{job['wid']} #{seq}"
                try:
                    got = c.call("doc.comments.add", doc_id=rng.choice(job["docs"]), content=content)
                    out["comments"].append(content)
                    assert got  # an acknowledged write answers the new comment
                except WriteUncertainError:
                    out["uncertain"].append(content)
                    raise
            elif roll < 0.40 and member:
                a, d = rng.choice(sorted(member))
                method = "album.docs.remove" if member[(a, d)] else "album.docs.add"
                try:
                    c.call(method, album_id=a, doc_id=str(d))  # a list parameter (catalog)
                    member[(a, d)] = not member[(a, d)]
                    out["album_ops"].append((a, d, member[(a, d)]))
                except WriteUncertainError:
                    out["album_ops"].append((a, d, None))  # unknown from now on: leave the pair alone
                    del member[(a, d)]
                    raise
            elif roll < 0.60:
                c.call("doc.get", doc_id=rng.choice(job["docs"]))
            elif roll < 0.75:
                c.call("album.docs.getList", album_id=rng.choice(job["albums"]), per_page=50)
            elif roll < 0.90:
                c.call("doc.comments.getList", doc_id=rng.choice(job["docs"]), per_page=20)
            else:
                c.call("doc.search", text=rng.choice(["cat", "sea", "paris", "x"]), per_page=20)
        except IpernityError as exc:
            out["errors"].append(
                (type(exc).__name__, getattr(exc, "code", None), getattr(exc, "status", None), str(exc)[:200])
            )
        out["lat"].append(time.perf_counter() - start)
    return out
