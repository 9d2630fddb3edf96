"""album.* and faves.albums.* writes over a real socket: create, read back, change, delete, errors."""

from __future__ import annotations

import sqlite3

import pytest
from containers_world import ALICE, CAROL, Api, T, build

from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.handlers.album_write import FREE_ALBUM_LIMIT
from ipernity_nb.sandbox.handlers.containers import MAX_ALBUMS_PER_DOC


@pytest.fixture
def w():
    with Sandbox(seed="empty") as sb:
        build(sb.db_path)
        yield Api(sb)


def n_albums(w, owner=None):
    db = sqlite3.connect(w.sb.db_path)
    try:
        if owner is None:
            return db.execute("SELECT COUNT(*) FROM albums").fetchone()[0]
        return db.execute("SELECT COUNT(*) FROM albums WHERE owner_id = ?", (owner,)).fetchone()[0]
    finally:
        db.close()


def test_album_create_read_back_edit_delete(w):
    made = w.ok("album.create", as_="bob", title=" Street ", description="d", cover_id=5000011, perm_comment=4)["album"]
    aid = made["album_id"]
    assert int(aid) > 120004 and made["title"] == "Street" and made["count"]["docs"] == "1"
    assert made["permissions"]["comment"] == "4" and made["cover"]["doc_id"] == "5000011"
    assert aid in [a["album_id"] for a in w.ok("album.getList", as_="bob")["albums"]["album"]]
    edited = w.ok("album.edit", as_="bob", album_id=aid, title="Streets", description="")["album"]
    assert edited["title"] == "Streets" and edited["description"] == ""
    assert int(edited["dates"]["last_update_at"]) >= int(made["dates"]["created_at"])
    assert w.ok("album.get", album_id=aid)["album"]["title"] == "Streets"
    assert w.ok("album.delete", as_="bob", album_id=aid) == {}
    assert w.err("album.get", album_id=aid) == (1, "Album not found")


def test_album_create_errors_change_nothing(w):
    before = n_albums(w)
    assert w.err("album.create", as_="bob") == (1, "Title is missing")
    assert w.err("album.create", as_="bob", title="  ") == (1, "Title is missing")
    assert w.err("album.create", as_="bob", title="x", cover_id=5000001) == (2, "Cover not found")  # alice's doc
    assert w.err("album.create", as_="bob", title="x", cover_id="zz") == (2, "Cover not found")
    assert w.err("album.create", as_="bob", title="x", perm_comment=9) == (5, "Invalid arguments")
    assert w.err("album.create", as_="bob", title="x", perms={"doc": "read"})[0] == 110
    r = w.raw("album.create", as_="bob", title="x", http="GET")
    assert r.json()["api"]["code"] in (120, "120")
    assert n_albums(w) == before


def test_album_limit_free_vs_pro(w):
    db = sqlite3.connect(w.sb.db_path)
    db.executemany(
        "INSERT INTO albums (album_id, owner_id, title, created_at) VALUES (?,?,?,?)",
        [(200000 + i, CAROL, f"a{i}", T) for i in range(FREE_ALBUM_LIMIT)]
        + [(300000 + i, ALICE, f"a{i}", T) for i in range(FREE_ALBUM_LIMIT)],
    )
    db.commit()
    db.close()
    assert w.err("album.create", as_="carol", title="one too many") == (4, "Can't create any more albums")
    assert w.ok("account.getQuota", as_="carol")["quota"]["albums"]["left"] == "0"
    assert w.ok("album.create", as_="alice", title="PRO has room")["album"]["title"] == "PRO has room"


def test_album_create_without_cover_is_empty_and_hidden(w):
    aid = w.ok("album.create", as_="alice", title="Later")["album"]["album_id"]
    assert aid not in [a["album_id"] for a in w.ok("album.getList", as_="alice")["albums"]["album"]]
    assert aid in [a["album_id"] for a in w.ok("album.getList", as_="alice", empty=1)["albums"]["album"]]


def test_album_edit_errors(w):
    assert w.err("album.edit", as_="alice", album_id=120001) == (4, "No parameters were sent")
    assert w.err("album.edit", as_="alice", album_id=120001, title="") == (3, "Title is empty")
    assert w.err("album.edit", as_="alice", album_id=120001, cover_id=5000011) == (2, "Cover not found")
    assert w.err("album.edit", as_="bob", album_id=120001, title="mine now") == (1, "Album not found")
    assert w.ok("album.get", album_id=120001)["album"]["title"] == "Holidays"
    assert w.ok("album.edit", as_="alice", album_id=120001, cover_id=5000003)["album"]["cover"]["doc_id"] == "5000003"


def test_album_setperms_orderlist(w):
    assert w.ok("album.setPerms", as_="alice", album_id=120001, perm_comment=3) == {}
    assert w.ok("album.get", album_id=120001)["album"]["permissions"]["comment"] == "3"
    assert w.err("album.setPerms", as_="alice", album_id=120001, perm_comment=1) == (5, "Invalid arguments")
    assert w.err("album.setPerms", as_="alice", album_id=120001) == (5, "Invalid arguments")
    assert w.err("album.setPerms", as_="bob", album_id=120001, perm_comment=0) == (1, "Album not found")
    assert w.ok("album.orderList", as_="alice", album_ids="120001,120004,120003") == {}
    got = w.ok("album.getList", as_="alice")["albums"]["album"]
    assert [a["album_id"] for a in got] == ["120001", "120003", "120002"]  # unlisted last; bob's id ignored
    assert w.err("album.orderList", as_="alice", album_ids="120004") == (1, "Album not found")


def test_album_docs_add_flags(w):
    got = w.ok("album.docs.add", as_="alice", album_id=120003, doc_id="5000001,5000005,5000011")["album"]
    assert (got["total"], got["added"], got["skipped"]) == ("2", "1", "2")
    assert [(d["doc_id"], d["added"], d["error"]) for d in got["doc"]] == [
        ("5000001", "1", "0"),
        ("5000005", "0", "0"),
        ("5000011", "0", "0"),
    ]
    docs = w.ok("album.docs.getList", album_id=120003)["album"]["docs"]["doc"]
    assert [d["doc_id"] for d in docs] == ["5000005", "5000001"]
    assert int(w.ok("album.get", album_id=120003)["album"]["dates"]["last_update_at"]) > T + 12  # bumped
    # one doc in XML still parses as a list (shapes.LIST_PAIRS)
    x = w.ok("album.docs.add", as_="alice", album_id=120003, doc_id="5000003", fmt="xml")["album"]
    assert isinstance(x["doc"], list) and x["doc"][0]["added"] == "1"
    assert w.err("album.docs.add", as_="alice", album_id=120003, doc_id="5000011") == (2, "Documents not found")
    assert w.err("album.docs.add", as_="bob", album_id=120003, doc_id="5000011") == (1, "Album not found")


def test_album_docs_add_error_flag_when_doc_is_in_max_albums(w):
    db = sqlite3.connect(w.sb.db_path)
    db.executemany(
        "INSERT INTO albums (album_id, owner_id, title, created_at) VALUES (?,?,?,?)",
        [(300000 + i, ALICE, f"a{i}", T) for i in range(MAX_ALBUMS_PER_DOC)],
    )
    db.executemany(
        "INSERT INTO album_docs (album_id, doc_id, added_at) VALUES (?,?,?)",
        [(300000 + i, 5000002, T) for i in range(MAX_ALBUMS_PER_DOC - 1)],  # + 120001 = the maximum
    )
    db.commit()
    db.close()
    got = w.ok("album.docs.add", as_="alice", album_id=120003, doc_id="5000002")["album"]
    assert got["doc"] == [{"doc_id": "5000002", "added": "0", "error": "1"}] and got["added"] == "0"
    assert w.err("album.create", as_="alice", title="x", cover_id=5000002) == (3, "Can not use this cover")


def test_album_docs_remove_and_last_doc_destroys_album(w):
    got = w.ok("album.docs.remove", as_="alice", album_id=120001, doc_id="5000004,5000011")["album"]
    assert (got["total"], got["removed"], got["skipped"]) == ("3", "1", "1")
    assert w.ok("album.get", as_="alice", album_id=120001)["album"]["count"]["docs"] == "3"
    assert w.err("album.docs.remove", as_="alice", album_id=120001, doc_id="5000004") == (2, "Document not found")
    # 120003 holds one doc and sits in folder 40001 with 120001: the album goes, the folder stays
    last = w.ok("album.docs.remove", as_="alice", album_id=120003, doc_id="5000005")["album"]
    assert last["total"] == "0"
    assert w.err("album.get", album_id=120003) == (1, "Album not found")
    assert w.ok("folder.get", folder_id=40001)["folder"]["count"]["albums"] == "1"
    assert "120003" not in [
        a["album_id"] for a in w.ok("faves.albums.getList", as_="alice", owner_id=ALICE)["albums"].get("album", [])
    ]


def test_album_docs_setlist(w):
    got = w.ok("album.docs.setList", as_="alice", album_id=120001, doc_ids="5000003,5000001,5000011", cover_id=5000001)
    assert got["album"]["total"] == "2" and got["album"]["cover_id"] == "5000001" and got["album"]["skipped"] == "1"
    # per-doc flags under "docs" (album.docs.add uses "doc"), as live clients read them
    assert [(d["doc_id"], d["added"]) for d in got["album"]["docs"]] == [
        ("5000003", "0"),
        ("5000001", "0"),
        ("5000011", "0"),
    ]
    again = w.ok("album.docs.setList", as_="alice", album_id=120001, doc_ids="5000001", cover_id=5000001, fmt="xml")
    assert again["album"]["docs"] == [{"doc_id": "5000001", "added": "0", "error": "0"}]
    assert w.ok("album.docs.setList", as_="alice", album_id=120001, doc_ids="5000003,5000001", cover_id=5000001)
    docs = w.ok("album.docs.getList", as_="alice", album_id=120001)["album"]["docs"]["doc"]
    assert [d["doc_id"] for d in docs] == ["5000003", "5000001"]
    assert w.err("album.docs.setList", as_="alice", album_id=120001, doc_ids="5000005", cover_id=5000001) == (
        3,
        "Cover document not found",
    )
    assert w.err("album.docs.setList", as_="alice", album_id=120001, doc_ids="5000011", cover_id=5000011) == (
        2,
        "Documents not found",
    )
    assert len(w.ok("album.docs.getList", as_="alice", album_id=120001)["album"]["docs"]["doc"]) == 2  # unchanged


def test_album_delete_needs_delete_level_and_ownership(w):
    assert w.err("album.delete", as_="alice", album_id=120001, perms={"doc": "write"})[0] == 110
    assert w.err("album.delete", as_="bob", album_id=120001) == (1, "Album not found")
    assert w.ok("album.delete", as_="alice", album_id=120001) == {}
    assert w.err("album.get", album_id=120001) == (1, "Album not found")
    assert w.ok("album.getFaves", album_id=120004)["faves"]["total"] == "1"
    assert "album" not in w.ok("faves.albums.getList", as_="bob")["albums"]  # its faves went with it
    assert w.ok("folder.get", folder_id=40001)["folder"]["count"]["albums"] == "1"


def test_faves_albums_add_remove(w):
    assert w.ok("faves.albums.add", as_="bob", album_id=120003) == {}
    assert w.ok("faves.albums.add", as_="bob", album_id=120003) == {}  # idempotent
    got = w.ok("faves.albums.getList", as_="bob")["albums"]["album"]
    assert [a["album_id"] for a in got] == ["120003", "120001"]
    assert w.ok("album.get", album_id=120003)["album"]["count"]["faves"] == "2"
    assert w.ok("faves.albums.remove", as_="bob", album_id=120003) == {}
    assert [a["album_id"] for a in w.ok("faves.albums.getList", as_="bob")["albums"]["album"]] == ["120001"]
    assert w.err("faves.albums.add", as_="bob", album_id=1) == (1, "Album not found")
    assert w.err("faves.albums.add", as_="bob", album_id=120003, perms={"doc": "read"})[0] == 110


def test_concurrent_album_creates_lose_nothing(w):
    from concurrent.futures import ThreadPoolExecutor

    w.token("bob")  # issue the token before the threads share the Api
    before = n_albums(w, 284002)

    def make(i):
        return Api(w.sb).ok("album.create", as_="bob", title=f"t{i}", cover_id=5000011)["album"]["album_id"]

    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(make, range(16)))
    assert len(set(made)) == 16 and n_albums(w, 284002) == before + 16
    assert w.ok("album.getList", as_="bob")["albums"]["total"] == str(before + 16)
