"""A classroom on one sandbox: concurrent writes from threads and processes lose nothing.

Threads share one Sandbox; processes run their own Sandbox on the same SQLite file (WAL
mode, ``BEGIN IMMEDIATE`` writers). Throughput is printed (``-s`` shows it).
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import struct
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from ipernity_nb import Client
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP

THREADS = 8
PER_THREAD = 15


def png(salt: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"\x00" + salt.to_bytes(4, "big") * 3
    ihdr = struct.pack(">IIBBBBB", 4, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def client(sb_url: str, token: str) -> Client:
    return Client(APP["api_key"], APP["secret"], token=token, url=sb_url + "/api/", site_url=sb_url, progress=False)


def new_doc(c: Client, salt: int) -> str:
    ticket = c.call("upload.file", file=png(salt), title=f"d{salt}")["ticket"]
    return c.call("upload.checkTickets", tickets=ticket)["tickets"]["ticket"][0]["doc_id"]


@pytest.fixture(scope="module")
def sb():
    with Sandbox(seed="demo") as s:
        yield s


def students(sb: Sandbox, n: int, prefix: str) -> list[Client]:
    out = []
    for i in range(n):
        name = f"{prefix}{i}"
        sb.create_user(name, "pw")
        out.append(client(sb.url, sb.issue_token(APP["api_key"], name, {"doc": "write"})))
    return out


def test_threads_comment_and_fave_one_doc(sb):
    alice = client(sb.url, sb.issue_token(APP["api_key"], "alice", {"doc": "delete"}))
    doc_id = new_doc(alice, 1)
    clients = students(sb, THREADS, "pupil")

    def work(i: int) -> int:
        c = clients[i]
        for k in range(PER_THREAD):
            c.call("doc.comments.add", doc_id=doc_id, content=f"comment {k} from {i}")
        c.call("faves.docs.add", doc_id=doc_id)
        return PER_THREAD + 1

    t0 = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        calls = sum(pool.map(work, range(THREADS)))
    elapsed = time.perf_counter() - t0
    print(f"\n{calls} concurrent writes from {THREADS} threads in {elapsed:.2f}s: {calls / elapsed:.0f} writes/s")
    comments = alice.call("doc.comments.getList", doc_id=doc_id, per_page=100)["comments"]
    assert int(comments["total"]) == THREADS * PER_THREAD
    texts = {c["content"] for p in (1, 2) for c in _comments_page(alice, doc_id, p)}
    assert texts == {f"comment {k} from {i}" for i in range(THREADS) for k in range(PER_THREAD)}
    count = alice.call("doc.get", doc_id=doc_id)["doc"]["count"]
    assert count["comments"] == str(THREADS * PER_THREAD) and count["faves"] == str(THREADS)


def _comments_page(c: Client, doc_id: str, page: int) -> list[dict]:
    return c.call("doc.comments.getList", doc_id=doc_id, per_page=100, page=page)["comments"].get("comment", [])


def test_threads_add_docs_to_one_album(sb):
    alice = client(sb.url, sb.issue_token(APP["api_key"], "alice", {"doc": "delete"}))
    docs = [new_doc(alice, 100 + i) for i in range(24)]
    album_id = alice.call("album.create", title="class album", cover_id=docs[0])["album"]["album_id"]
    workers = [client(sb.url, sb.issue_token(APP["api_key"], "alice", {"doc": "write"})) for _ in range(6)]

    def add(i: int) -> int:
        out = workers[i % 6].call("album.docs.add", album_id=album_id, doc_id=docs[i])["album"]
        return int(out["added"])

    with ThreadPoolExecutor(6) as pool:
        added = sum(pool.map(add, range(1, len(docs))))
    assert added == len(docs) - 1
    album = alice.call("album.get", album_id=album_id)["album"]
    assert album["count"]["docs"] == str(len(docs))
    listed = alice.call("album.docs.getList", album_id=album_id, per_page=100)["album"]["docs"]
    assert sorted(d["doc_id"] for d in listed["doc"]) == sorted(docs)


def _process_worker(db_path: str, doc_id: str, token: str, n: int, tag: str, out: multiprocessing.Queue) -> None:
    with Sandbox(db=db_path) as own:  # a second server process on the same SQLite file
        c = client(own.url, token)
        for k in range(n):
            c.call("doc.comments.add", doc_id=doc_id, content=f"{tag} {k}")
    out.put(n)


def test_processes_share_one_file_database(tmp_path):
    path = str(tmp_path / "class.sqlite")
    procs_n, per_proc = 3, 20
    with Sandbox(db=path) as sb:
        assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        alice = client(sb.url, sb.issue_token(APP["api_key"], "alice", {"doc": "delete"}))
        doc_id = new_doc(alice, 7)
        ctx = multiprocessing.get_context("spawn")
        q = ctx.Queue()
        tokens = [sb.issue_token(APP["api_key"], u, {"doc": "write"}) for u in ("bob", "carol", "dave")]
        procs = [
            ctx.Process(target=_process_worker, args=(path, doc_id, tokens[i], per_proc, f"p{i}", q))
            for i in range(procs_n)
        ]
        t0 = time.perf_counter()
        for p in procs:
            p.start()
        # meanwhile, this process writes through its own server too
        for k in range(per_proc):
            alice.call("doc.comments.add", doc_id=doc_id, content=f"main {k}")
        done = [q.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(timeout=60)
            assert p.exitcode == 0
        elapsed = time.perf_counter() - t0
        total = procs_n * per_proc + per_proc
        print(f"\n{total} comments from {procs_n + 1} processes in {elapsed:.2f}s (incl. process start-up)")
        assert sum(done) == procs_n * per_proc
        got = alice.call("doc.comments.getList", doc_id=doc_id, per_page=100)["comments"]
        assert int(got["total"]) == total
        assert alice.call("doc.get", doc_id=doc_id)["doc"]["count"]["comments"] == str(total)


def test_concurrent_uploads_get_distinct_docs(sb):
    uploaders = [client(sb.url, sb.issue_token(APP["api_key"], u, {"doc": "write"})) for u in ("alice", "bob", "carol")]

    def work(i: int) -> list[str]:
        return [new_doc(uploaders[i % 3], 1000 + i * 10 + k) for k in range(4)]

    with ThreadPoolExecutor(6) as pool:
        docs = [d for batch in pool.map(work, range(6)) for d in batch]
    assert len(docs) == 24 and len(set(docs)) == 24
    with sqlite3.connect(sb.db_path) as db:
        rows = db.execute(
            f"SELECT COUNT(*), COUNT(DISTINCT f.doc_id) FROM docs d JOIN files f ON f.doc_id = d.doc_id "
            f"WHERE d.doc_id IN ({','.join('?' * len(docs))})",
            docs,
        ).fetchone()
    assert rows == (24, 24)
