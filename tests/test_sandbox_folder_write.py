"""folder.* writes over a real socket: create, read back, change, delete, errors."""

from __future__ import annotations

import pytest
from containers_world import Api, build

from ipernity_nb.sandbox import Sandbox


@pytest.fixture
def w():
    with Sandbox(seed="empty") as sb:
        build(sb.db_path)
        yield Api(sb)


def album_ids(w, folder_id):
    got = w.ok("folder.albums.getList", folder_id=folder_id)["folder"]["albums"]
    return [a["album_id"] for a in got.get("album", [])]


def test_folder_create_fill_edit_delete(w):
    f = w.ok("folder.create", as_="alice", title="Seasons", description="All year")["folder"]
    fid = f["folder_id"]
    assert f["title"] == "Seasons" and f["description"] == "All year" and f["count"]["albums"] == "0"
    assert fid not in [x["folder_id"] for x in w.ok("folder.getList", as_="alice")["folders"]["folder"]]
    added = w.ok("folder.albums.add", as_="alice", folder_id=fid, album_id="120001,120002,120004")["folder"]
    assert (added["total"], added["added"], added["skipped"]) == ("2", "2", "1")
    assert [(a["album_id"], a["added"]) for a in added["album"]] == [("120001", "1"), ("120002", "1"), ("120004", "0")]
    assert album_ids(w, fid) == ["120001", "120002"]
    assert fid in [x["folder_id"] for x in w.ok("folder.getList", as_="alice")["folders"]["folder"]]
    again = w.ok("folder.albums.add", as_="alice", folder_id=fid, album_id="120001")["folder"]
    assert again["album"] == [{"album_id": "120001", "added": "0"}]
    ed = w.ok("folder.edit", as_="alice", folder_id=fid, title="Seasons 2", cover_id=5000003)["folder"]
    assert ed["title"] == "Seasons 2" and ed["cover"]["doc_id"] == "5000003"
    assert w.ok("folder.delete", as_="alice", folder_id=fid) == {}
    assert w.err("folder.get", folder_id=fid) == (1, "Folder not found")
    assert w.ok("album.get", album_id=120001)["album"]["title"] == "Holidays"  # albums stay


def test_folder_write_errors(w):
    assert w.err("folder.create", as_="alice") == (1, "Title is missing")
    assert w.err("folder.edit", as_="alice", folder_id=40001) == (4, "No parameters were sent")
    assert w.err("folder.edit", as_="alice", folder_id=40001, title=" ") == (3, "Title is empty")
    assert w.err("folder.edit", as_="alice", folder_id=40001, cover_id=5000011) == (2, "Cover not found")
    assert w.err("folder.edit", as_="bob", folder_id=40001, title="x") == (1, "Folder not found")
    assert w.err("folder.delete", as_="bob", folder_id=40001) == (1, "Folder not found")
    assert w.err("folder.delete", as_="alice", folder_id=40001, perms={"doc": "write"})[0] == 110
    assert w.err("folder.albums.add", as_="alice", folder_id=40001, album_id="120004") == (2, "Albums not found")
    assert w.err("folder.albums.add", as_="bob", folder_id=40001, album_id="120004") == (1, "Folder not found")
    assert w.err("folder.albums.remove", as_="alice", folder_id=40001, album_id="120002") == (2, "Albums not found")
    assert w.ok("folder.get", folder_id=40001)["folder"]["title"] == "Trips"


def test_folder_albums_remove_last_destroys_folder(w):
    got = w.ok("folder.albums.remove", as_="alice", folder_id=40001, album_id="120003")["folder"]
    assert (got["total"], got["removed"]) == ("1", "1") and got["album"] == [{"album_id": "120003", "removed": "1"}]
    assert album_ids(w, 40001) == ["120001"]
    x = w.ok("folder.albums.remove", as_="alice", folder_id=40001, album_id="120001", fmt="xml")["folder"]
    assert x["total"] == "0" and isinstance(x["album"], list)
    assert w.err("folder.get", folder_id=40001) == (1, "Folder not found")
    assert w.ok("album.get", album_id=120001)["album"]["title"] == "Holidays"


def test_folder_orderlist(w):
    f = w.ok("folder.create", as_="alice", title="Second")["folder"]["folder_id"]
    w.ok("folder.albums.add", as_="alice", folder_id=f, album_id="120002")
    assert w.ok("folder.orderList", as_="alice", folder_ids=f"{f},40001") == {}
    got = w.ok("folder.getList", as_="alice")["folders"]["folder"]
    assert [x["folder_id"] for x in got] == [f, "40001"]
    assert w.ok("folder.orderList", as_="alice", folder_ids="40001") == {}
    assert [x["folder_id"] for x in w.ok("folder.getList", as_="alice")["folders"]["folder"]] == ["40001", f]
    assert w.err("folder.orderList", as_="bob", folder_ids="40001") == (1, "Folder not found")
