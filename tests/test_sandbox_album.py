"""album.* reads over a real socket against an exact world (tests/containers_world.py)."""

from __future__ import annotations

import pytest
from containers_world import ALICE, CLOSED, Api, build

from ipernity_nb.sandbox import Sandbox


@pytest.fixture(scope="module")
def w():
    with Sandbox(seed="empty") as sb:
        build(sb.db_path)
        yield Api(sb)


def ids(items, key="album_id"):
    return [int(x[key]) for x in items]


def test_album_get_anonymous_sees_public_docs_and_a_visible_cover(w):
    album = w.both("album.get", album_id=120001)["album"]
    assert album["title"] == "Holidays" and album["description"] == "Summer <b>2023</b>"
    assert album["count"]["docs"] == "1"  # only the public doc of four
    assert album["count"]["visits"] == "10" and album["count"]["faves"] == "2"
    assert (album["count"]["family"], album["count"]["friend"], album["count"]["public"]) == ("1", "1", "1")
    assert album["cover"]["doc_id"] == "5000001"  # the private cover_id is not revealed
    assert album["owner"]["user_id"] == str(ALICE)
    assert album["can"] == {"fave": "0", "comment": "0", "add_doc": "0"}
    assert "you" not in album
    assert all(isinstance(v, str) for v in album["dates"].values())


def test_album_get_owner_and_contacts(w):
    mine = w.both("album.get", as_="alice", album_id=120001, thumbsize="240")["album"]
    assert mine["count"]["docs"] == "4" and mine["cover"]["doc_id"] == "5000004"
    assert (mine["cover"]["w"], mine["cover"]["h"], mine["thumbsize"]) == ("240", "180", "240")
    assert mine["can"]["add_doc"] == "1" and mine["can"]["fave"] == "0"
    bob = w.ok("album.get", as_="bob", album_id=120001)["album"]
    assert bob["count"]["docs"] == "2"  # public + family
    assert bob["you"] == {"isfave": "1", "visits": "3", "last_visit_at": "1700000050"}
    assert bob["can"]["fave"] == "1" and bob["can"]["comment"] == "1"


@pytest.mark.parametrize("album_id", ["999999", "abc", "-4", "", "99999999999999999999999"])
def test_album_get_not_found(w, album_id):
    assert w.err("album.get", album_id=album_id) == (1, "Album not found")


def test_album_getlist_shape_count_and_pages(w):
    albums = w.both("album.getList", user_id=ALICE)["albums"]
    assert ids(albums["album"]) == [120003, 120001]  # 120002 holds only a private doc
    assert albums["total"] == "2" and albums["count"] == "2" and albums["per_page"] == "100"
    # pages although the 2014 sample omits it: live uploaders read int(albums["pages"])
    assert albums["pages"] == "1" and "can" not in albums  # can.create for the owner only
    assert w.ok("album.getList", user_id=ALICE, per_page=1)["albums"]["pages"] == "2"
    assert albums["thumbsize"] == "75x"
    rec = albums["album"][1]
    assert set(rec) >= {"album_id", "link", "title", "dates", "count", "cover", "can", "permissions", "visibility"}


def test_album_getlist_caller_default_empty_notinfolder(w):
    mine = w.ok("album.getList", as_="alice")["albums"]
    assert ids(mine["album"]) == [120003, 120002, 120001] and mine["can"] == {"create": "1"}
    assert ids(w.ok("album.getList", user_id=ALICE, empty=1)["albums"]["album"]) == [120003, 120002, 120001]
    assert ids(w.ok("album.getList", as_="alice", notinfolder=1)["albums"]["album"]) == [120002]
    assert ids(w.ok("album.getList", as_="bob", user_id="alicem")["albums"]["album"]) == [120003, 120001]


def test_album_getlist_pagination_and_thumbsize(w):
    page2 = w.ok("album.getList", user_id=ALICE, per_page=1, page=2, thumbsize="500")["albums"]
    assert ids(page2["album"]) == [120001] and page2["page"] == "2" and page2["total"] == "2"
    assert page2["album"][0]["cover"]["w"] == "500" and page2["thumbsize"] == "500"
    beyond = w.ok("album.getList", user_id=ALICE, per_page=1, page=9)["albums"]
    assert "album" not in beyond and beyond["count"] == "0"  # empty lists are omitted


def test_album_getlist_user_errors(w):
    assert w.err("album.getList") == (1, "User not found")  # anonymous, no user_id
    assert w.err("album.getList", user_id=CLOSED) == (1, "User not found")
    assert w.err("album.getList", user_id=1) == (1, "User not found")


def test_album_docs_getlist_visibility_per_caller(w):
    def docs(**kw):
        out = w.both("album.docs.getList", album_id=120001, **kw)["album"]
        return ids(out["docs"].get("doc", []), "doc_id"), out

    assert docs()[0] == [5000001]
    assert docs(as_="bob")[0] == [5000001, 5000002]  # family
    assert docs(as_="carol")[0] == [5000001, 5000003]  # friend
    got, out = docs(as_="alice")
    assert got == [5000001, 5000002, 5000003, 5000004]
    assert out["docs"]["total"] == "4" and out["docs"]["pages"] == "1" and out["album_id"] == "120001"


def test_album_docs_getlist_filters_pages_extra(w):
    q = {"album_id": 120001, "as_": "alice"}
    assert ids(w.ok("album.docs.getList", share=0, **q)["album"]["docs"]["doc"], "doc_id") == [5000004]
    assert ids(w.ok("album.docs.getList", media="video", **q)["album"]["docs"]["doc"], "doc_id") == [5000003]
    # share is only honoured on the caller's own album
    bob = w.ok("album.docs.getList", album_id=120001, as_="bob", share=0)["album"]["docs"]
    assert bob["total"] == "2"
    page = w.ok("album.docs.getList", per_page=3, page=2, extra="dates,link", **q)["album"]["docs"]
    assert ids(page["doc"], "doc_id") == [5000004] and page["pages"] == "2"
    assert "dates" in page["doc"][0] and page["doc"][0]["link"].endswith("/5000004")
    assert w.err("album.docs.getList", album_id=1) == (1, "Album not found")


def test_album_docs_getcontext(w):
    got = w.both("album.docs.getContext", as_="alice", album_id=120001, doc_id=5000002)
    assert got["album"] == {"album_id": "120001", "total": "4", "thumbsize": "75x"}
    assert ids(got["prev"]["doc"], "doc_id") == [5000001] and got["prev"]["count"] == "1"
    assert ids(got["next"]["doc"], "doc_id") == [5000003, 5000004]
    assert got["doc"]["index"] == "2" and got["next"]["doc"][1]["index"] == "4"
    one = w.ok("album.docs.getContext", as_="alice", album_id=120001, doc_id=5000002, next=1)
    assert ids(one["next"]["doc"], "doc_id") == [5000003]
    first = w.ok("album.docs.getContext", album_id=120001, doc_id=5000001)
    assert first["prev"] == {"count": "0"} and first["next"] == {"count": "0"}
    assert w.err("album.docs.getContext", album_id=120001, doc_id=5000004) == (1, "Document not found")


def test_album_getfaves_and_visitors(w):
    faves = w.both("album.getFaves", album_id=120001)["faves"]
    assert [f["username"] for f in faves["fave"]] == ["carol", "bob"]  # newest first
    assert faves["total"] == "2" and faves["per_page"] == "10"
    visits = w.both("album.getVisitors", as_="alice", album_id=120001)["visits"]
    assert [v["username"] for v in visits["visit"]] == ["carol", "bob"]
    assert visits["anonymous"]["visits"] == "6"  # 10 visits, 4 identified
    assert w.err("album.getVisitors", as_="bob", album_id=120001) == (1, "Album not found")
    assert w.err("album.getVisitors", album_id=120001)[0] == 106


def test_faves_albums_getlist_excludes_own_unless_owner_is_user(w):
    got = w.both("faves.albums.getList", as_="alice")["albums"]
    assert [a["album_id"] for a in got["album"]] == ["120004"]  # own 120003 left out (§6.5)
    assert got["album"][0]["user_id"] == "284002" and got["album"][0]["faved_at"] == "1700000042"
    own = w.ok("faves.albums.getList", as_="alice", owner_id=ALICE)["albums"]
    assert [a["album_id"] for a in own["album"]] == ["120003"]
    bobs = w.ok("faves.albums.getList", user_id=284002, extra="owner")["albums"]
    assert [a["album_id"] for a in bobs["album"]] == ["120001"] and bobs["album"][0]["owner"]["username"] == "alice"
    assert "album" not in w.ok("faves.albums.getList", user_id=284002, owner_id=284003)["albums"]
    assert w.err("faves.albums.getList") == (1, "User not found")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_package_client_reads_container_lists(w, fmt):
    from ipernity_nb import Client

    app = w.app
    c = Client(app["api_key"], app["secret"], token=w.token("alice"), url=w.sb.api_url, format=fmt, progress=False)
    assert c.call("album.get", album_id=120001)["album"]["count"]["docs"] == "4"
    docs = c.frame("album.docs.getList", pages="all", album_id=120001, per_page=3)
    assert sorted(docs["doc_id"].astype(int)) == [5000001, 5000002, 5000003, 5000004]
    assert [int(r["doc_id"]) for r in c.walk("group.docs.getList", group_id=7001, per_page=2)] == [
        5000002,
        5000011,
        5000001,
        5000005,
    ]
    assert len(c.frame("album.getList")) == 3 and len(c.frame("network.getList")) == 3
    assert len(c.frame("post.getList")) == 4 and len(c.frame("group.getList")) == 4
