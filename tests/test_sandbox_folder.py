"""folder.* reads over a real socket against an exact world (tests/containers_world.py)."""

from __future__ import annotations

import pytest
import requests
from containers_world import ALICE, Api, build

from ipernity_nb.sandbox import Sandbox


@pytest.fixture(scope="module")
def w():
    with Sandbox(seed="empty") as sb:
        build(sb.db_path)
        yield Api(sb)


def test_folder_get_shape(w):
    f = w.both("folder.get", folder_id=40001)["folder"]
    assert f["title"] == "Trips" and f["description"] == "All my trips"
    assert f["count"] == {"albums": "2", "family": "1", "friends": "1", "ff": "0", "public": "2"}
    assert f["owner"] == {"user_id": str(ALICE), "username": "alice", "alias": "alicem"}
    assert f["cover"]["doc_id"] == "5000005"  # first visible doc of the first album
    # secret, path and icon let clients rebuild other sizes: url = {root}{path}/{id}.{secret}.{label}.{ext}
    c = f["cover"]
    assert (c["secret"], c["farm"], c["icon"]) == ("a1b2c3d4", "1", "0")  # the world's audio has pixels
    assert c["url"] == f"{w.sb.url}{c['path']}/{c['doc_id']}.{c['secret']}.{c['label']}.{c['ext']}"
    assert requests.get(c["url"], timeout=10).status_code == 200
    assert f["link"].endswith("/folder/40001")
    assert w.err("folder.get", folder_id=1) == (1, "Folder not found")
    assert w.err("folder.get", folder_id="x") == (1, "Folder not found")


def test_folder_getlist_hides_empty_folders_and_has_pages(w):
    f = w.both("folder.getList", user_id=ALICE)["folders"]
    assert [x["folder_id"] for x in f["folder"]] == ["40001"] and f["pages"] == "1" and f["count"] == "1"
    assert "can" not in f
    mine = w.ok("folder.getList", as_="alice", empty=1)["folders"]
    assert [x["folder_id"] for x in mine["folder"]] == ["40001", "40002"] or [
        x["folder_id"] for x in mine["folder"]
    ] == ["40002", "40001"]
    assert mine["total"] == "2" and mine["can"] == {"create": "1"}
    assert w.err("folder.getList") == (1, "User not found")
    assert "folder" not in w.ok("folder.getList", as_="bob")["folders"]


def test_folder_albums_getlist(w):
    got = w.both("folder.albums.getList", folder_id=40001, thumbsize="100")["folder"]
    albums = got["albums"]
    assert [a["album_id"] for a in albums["album"]] == ["120003", "120001"]
    assert albums["total"] == "2" and albums["pages"] == "1" and got["folder_id"] == "40001"
    assert albums["album"][0]["thumb"]["label"] == "100"
    assert got["cover"]["album_id"] == "120003"
    page = w.ok("folder.albums.getList", folder_id=40001, per_page=1, page=2)["folder"]["albums"]
    assert [a["album_id"] for a in page["album"]] == ["120001"] and page["pages"] == "2"
    assert w.err("folder.albums.getList", folder_id=4) == (1, "Folder not found")
