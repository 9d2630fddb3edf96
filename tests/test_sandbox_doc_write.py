"""doc.* writes and faves.docs.add/remove in the sandbox over a real socket.

Each write is read back through the API (and, where the API hides it, the database);
foreign data, missing rights, bad values and GET instead of POST answer the documented
codes and change nothing.
"""

from __future__ import annotations

import time

import pytest
from docworld import FAM, PRIV, PUB, SAMDOC, T0, USERS, VID, World, ids

from ipernity_nb.sandbox import Sandbox


@pytest.fixture
def w():
    """A fresh world per test: writes never leak between tests."""
    with Sandbox(seed="empty") as sb:
        yield World.build(sb)


def _doc(w: World, doc_id: int, as_: str = "olga", **params) -> dict:
    return w.ok("doc.get", as_=as_, doc_id=doc_id, **params)["doc"]


def _snapshot(w: World, doc_id: int) -> list[tuple]:
    return w.sql("SELECT * FROM docs WHERE doc_id = ?", (doc_id,))


# --- doc.set & co ----------------------------------------------------------------------------


def test_set_title_description_and_read_back(w):
    before = time.time() - 5
    out = w.post("doc.set", doc_id=PUB, title="New title", description="New <b>text</b>")
    assert out["doc"] == {"doc_id": str(PUB), "title": "New title", "share": "4", "description": "New <b>text</b>"}
    d = _doc(w, PUB)
    assert d["title"] == "New title" and d["description"] == "New <b>text</b>"
    assert int(d["dates"]["modified_at"]) >= before and int(d["dates"]["last_update_at"]) >= before
    assert ids(w.ok("doc.search", text="new title")) == [PUB]


def test_set_accepts_other_setters_params(w):
    w.post("doc.set", doc_id=PUB, license=9, safety=2, lat=45.0, lng=5.0, share=2, perm_comment=3)
    d = _doc(w, PUB, extra="geo")
    assert d["license"] == "9" and d["safety"] == "2" and d["geo"]["lat"] == "45.0"
    assert d["visibility"]["share"] == "2" and d["permissions"]["comment"] == "3"


def test_set_errors_change_nothing(w):
    snap = _snapshot(w, PUB)
    assert w.err("doc.set", "olga", "POST", doc_id=PUB) == (2, "No parameters were sent")
    assert w.err("doc.set", "olga", "POST", doc_id=PUB, title="X", share=9) == (3, "Invalid arguments")
    assert w.err("doc.set", "olga", "POST", doc_id=PUB, title="X", license="abc") == (3, "Invalid arguments")
    assert w.err("doc.set", "sam", "POST", doc_id=PUB, title="Hacked") == (1, "Document not found")
    assert w.err("doc.set", "olga", "POST", doc_id=SAMDOC, title="Hacked") == (1, "Document not found")
    assert w.err("doc.set", "olga", "POST", doc_id=99, title="X") == (1, "Document not found")
    assert _snapshot(w, PUB) == snap
    assert w.err("doc.set", "olga", "GET", doc_id=PUB, title="X")[0] == 120  # POST only
    assert w.err("doc.set", None, "POST", doc_id=PUB, title="X")[0] == 106  # token required


def test_set_needs_write_permission(w):
    reader = w.sb.issue_token(w.api_key, "olga", {"doc": "read"})
    w.tokens["olga_reader"] = reader
    assert w.err("doc.set", "olga_reader", "POST", doc_id=PUB, title="X")[0] == 110


def test_set_perms_changes_who_sees(w):
    assert w.post("doc.setPerms", doc_id=PUB, share=0) == {"api": {"status": "ok"}}
    assert w.err("doc.get", doc_id=PUB) == (1, "Document not found")
    assert w.err("doc.get", "fred", doc_id=PUB) == (1, "Document not found")
    w.post("doc.setPerms", doc_id=PUB, is_public=0, is_friend=1, is_family=0)
    assert _doc(w, PUB, as_="fred")["visibility"] == {"ispublic": "0", "isfriend": "1", "isfamily": "0", "share": "2"}
    assert w.err("doc.get", "fanny", doc_id=PUB) == (1, "Document not found")
    w.post("doc.setPerms", doc_id=PUB, share=4, is_public=0, perm_comment=0, perm_tag=3, perm_tagme=5)
    d = _doc(w, PUB, as_="sam")
    assert d["visibility"]["share"] == "4"  # share wins over the flags
    assert d["permissions"] == {"comment": "0", "tag": "3", "tagme": "5"} and d["can"]["comment"] == "0"


def test_set_perms_bad_values(w):
    snap = _snapshot(w, PUB)
    for bad in ({"perm_comment": 2}, {"share": 5}, {"is_public": 2}, {"share": "x"}, {}):
        assert w.err("doc.setPerms", "olga", "POST", doc_id=PUB, **bad) == (2, "Invalid arguments"), bad
    assert w.err("doc.setPerms", "fred", "POST", doc_id=PUB, share=0) == (1, "Document not found")
    assert _snapshot(w, PUB) == snap


def test_set_license_and_safety(w):
    w.post("doc.setLicense", doc_id=PUB, license=7)
    w.post("doc.setSafety", doc_id=PUB, safety=3)
    d = _doc(w, PUB)
    assert d["license"] == "7" and d["safety"] == "3"
    assert ids(w.ok("doc.getList", user_id=USERS["olga"], safesurf=2)) == [VID]
    assert w.err("doc.setLicense", "olga", "POST", doc_id=PUB, license=2) == (2, "Invalid arguments")
    assert w.err("doc.setSafety", "olga", "POST", doc_id=PUB, safety=4) == (2, "Invalid arguments")
    assert w.err("doc.setSafety", "sam", "POST", doc_id=PUB, safety=1) == (1, "Document not found")
    assert _doc(w, PUB)["safety"] == "3"


def test_set_geo_and_clear(w):
    w.post("doc.setGeo", doc_id=FAM, lat="43.2965", lng="5.3698")
    assert _doc(w, FAM, extra="geo")["geo"]["lat"] == "43.2965"
    assert ids(w.ok("doc.search", as_="olga", lat=43.2965, lng=5.3698, dist=100)) == [FAM]
    w.post("doc.setGeo", doc_id=FAM, lat=-999, lng=-999)
    assert "geo" not in _doc(w, FAM, extra="geo")
    assert w.err("doc.setGeo", "olga", "POST", doc_id=FAM, lat=100, lng=0) == (2, "Invalid arguments")
    assert w.err("doc.setGeo", "olga", "POST", doc_id=FAM, lat="abc", lng=0) == (2, "Invalid arguments")
    assert w.err("doc.setGeo", "olga", "POST", doc_id=FAM, lat=1) == (2, "Invalid arguments")


def test_delete(w):
    writer = w.sb.issue_token(w.api_key, "olga", {"doc": "write"})
    w.tokens["olga_writer"] = writer
    assert w.err("doc.delete", "olga_writer", "POST", doc_id=VID)[0] == 110  # needs doc:delete
    assert w.err("doc.delete", "sam", "POST", doc_id=VID) == (1, "Document not found")
    assert w.post("doc.delete", doc_id=VID)["api"]["status"] == "ok"
    assert w.err("doc.get", "olga", doc_id=VID) == (1, "Document not found")
    # the emptied album stays (album.docs.remove alone destroys it): a live cleanup deletes docs, then albums
    assert w.sql("SELECT cover_id FROM albums WHERE album_id = 800002") == [(None,)]
    assert w.ok("album.get", as_="olga", album_id=800002)["album"]["count"]["docs"] == "0"
    assert w.post("album.delete", album_id=800002)["api"]["status"] == "ok"
    assert w.sql("SELECT COUNT(*) FROM grp_docs WHERE doc_id = ?", (VID,)) == [(0,)]
    w.post("doc.delete", doc_id=PUB)  # the cover of album 800001 moves to FAM
    assert w.sql("SELECT cover_id FROM albums WHERE album_id = 800001") == [(FAM,)]
    assert w.sql("SELECT COUNT(*) FROM comments WHERE doc_id = ?", (PUB,)) == [(0,)]
    assert w.err("doc.delete", "olga", "POST", doc_id=PUB) == (1, "Document not found")


# --- tags --------------------------------------------------------------------------------------


def _tags(w: World, doc_id: int) -> list[tuple[str, str]]:
    out = w.ok("doc.tags.getList", as_="olga", doc_id=doc_id)["tags"]
    return [(t["type"], t["tag"]) for t in out.get("tag", [])]


def test_tags_add_keywords_and_members(w):
    out = w.post("doc.tags.add", doc_id=PUB, keywords="Eiffel Tower, PARIS", members=f"{USERS['sam']},nobody")
    assert out["tags"]["added"] == "2" and out["tags"]["dropped"] == "2"  # PARIS exists, nobody unknown
    assert ("keyword", "eiffel tower") in _tags(w, PUB) and ("member", "sam") in _tags(w, PUB)
    assert ids(w.ok("doc.search", tags="eiffel tower")) == [PUB]
    assert int(_doc(w, PUB)["dates"]["last_update_at"]) > T0 + 10**6
    # a contact may tag (perm_tag 4), a stranger may not
    assert w.post("doc.tags.add", as_="cora", doc_id=PUB, keywords="pretty")["tags"]["added"] == "1"
    assert w.err("doc.tags.add", "sam", "POST", doc_id=PUB, keywords="spam") == (110, "Insufficient permissions")
    assert w.err("doc.tags.add", "sam", "POST", doc_id=FAM, keywords="spam") == (1, "Document not found")
    assert ("keyword", "spam") not in _tags(w, PUB)


def test_tags_edit_replaces_and_clears(w):
    w.post("doc.tags.edit", doc_id=PUB, keywords="a,b")
    assert _tags(w, PUB) == [("keyword", "a"), ("keyword", "b"), ("member", "fred")]
    w.post("doc.tags.edit", doc_id=PUB, members="")
    assert _tags(w, PUB) == [("keyword", "a"), ("keyword", "b")]
    w.post("doc.tags.edit", doc_id=PUB, keywords="")
    assert _tags(w, PUB) == []
    assert w.err("doc.tags.edit", "cora", "POST", doc_id=SAMDOC, keywords="x") == (1, "Document not found")


def test_tags_remove(w):
    w.post("doc.tags.remove", doc_id=PUB, type="keyword", id=2)  # sunset
    w.post("doc.tags.remove", doc_id=PUB, type="member", id=USERS["fred"])
    assert _tags(w, PUB) == [("keyword", "paris"), ("keyword", "seine")]
    assert w.err("doc.tags.remove", "olga", "POST", doc_id=PUB, type="keyword", id=2) == (2, "Tag not found")
    assert w.err("doc.tags.remove", "sam", "POST", doc_id=PUB, type="keyword", id=1)[0] == 110
    w.post("doc.tags.add", as_="cora", doc_id=PUB, keywords="mine")
    tag_id = w.sql("SELECT tag_id FROM tags WHERE tag = 'mine'")[0][0]
    w.post("doc.tags.remove", as_="cora", doc_id=PUB, type="keyword", id=tag_id)  # the tagger may remove
    assert ("keyword", "mine") not in _tags(w, PUB)


# --- notes -------------------------------------------------------------------------------------


def test_notes_add_edit_delete(w):
    note = w.post("doc.notes.add", doc_id=PUB, content="Seine", x=5, y=6, w=100, h=50)["note"]
    assert (note["x"], note["y"], note["w"], note["h"], note["content"]) == ("5", "6", "100", "50", "Seine")
    nid = int(note["note_id"])
    notes = _doc(w, PUB, extra="notes")["notes"]
    assert notes["total"] == "2" and notes["note"][-1]["content"] == "Seine"
    # impossible rectangle (the 560 rendition of 4000x3000 is 560x420) -> 0,0,50,50
    edited = w.post("doc.notes.edit", note_id=nid, content="Seine river", x=500, y=0, w=100, h=50)["note"]
    assert (edited["x"], edited["y"], edited["w"], edited["h"]) == ("0", "0", "50", "50")
    assert w.sql("SELECT content, x, w FROM notes WHERE note_id = ?", (nid,)) == [("Seine river", 0, 50)]
    assert w.err("doc.notes.edit", "sam", "POST", note_id=nid, content="x", x=1, y=1, w=1, h=1) == (
        1,
        "Note not found",
    )
    assert w.err("doc.notes.edit", "olga", "POST", note_id=nid, content=" ", x=1, y=1, w=1, h=1) == (
        2,
        "Content is empty",
    )
    w.post("doc.notes.delete", note_id=nid)
    assert w.sql("SELECT COUNT(*) FROM notes WHERE note_id = ?", (nid,)) == [(0,)]
    assert w.err("doc.notes.delete", "olga", "POST", note_id=nid) == (1, "Note not found")


def test_notes_rules(w):
    assert w.err("doc.notes.add", "olga", "POST", doc_id=PUB, content="", x=1, y=1, w=5, h=5) == (2, "Content is empty")
    member = w.post("doc.notes.add", doc_id=PUB, content="", member_id=USERS["fred"], x=-5, y=1, w=5, h=5)["note"]
    assert member["x"] == "0" and member["w"] == "50"  # member note without text; bad rectangle reset
    preview = w.post("doc.notes.add", doc_id=PUB, content="draft", x=1, y=1, w=5, h=5, preview=1)["note"]
    assert preview["note_id"] == "0"
    assert w.sql("SELECT COUNT(*) FROM notes WHERE content = 'draft'") == [(0,)]
    assert w.err("doc.notes.add", "sam", "POST", doc_id=PUB, content="x", x=1, y=1, w=5, h=5)[0] == 110
    # the doc owner may delete fred's note
    w.post("doc.notes.delete", note_id=900001)
    assert w.sql("SELECT COUNT(*) FROM notes WHERE note_id = 900001") == [(0,)]


# --- comments ----------------------------------------------------------------------------------


def _comment_count(w: World, doc_id: int) -> int:
    return w.sql("SELECT COUNT(*) FROM comments WHERE doc_id = ?", (doc_id,))[0][0]


def test_comments_add_duplicate_preview(w):
    c = w.post("doc.comments.add", as_="sam", doc_id=PUB, content="Great shot")["comment"]
    assert c["user_id"] == str(USERS["sam"]) and c["content"] == "Great shot" and "#comment" in c["link"]
    assert _comment_count(w, PUB) == 4
    again = w.post("doc.comments.add", as_="sam", doc_id=PUB, content="Great shot")["comment"]
    assert again["comment_id"] == c["comment_id"] and _comment_count(w, PUB) == 4  # not stored twice
    p = w.post("doc.comments.add", as_="sam", doc_id=PUB, content="Preview only", preview=1)["comment"]
    assert p["comment_id"] == "0" and _comment_count(w, PUB) == 4
    d = _doc(w, PUB)
    assert d["count"]["comments"] == "4" and int(d["dates"]["last_comment_at"]) > T0 + 10**6


def test_comments_add_errors(w):
    assert w.err("doc.comments.add", "sam", "POST", doc_id=PUB, content="  ") == (2, "Comment text is empty")
    assert w.err("doc.comments.add", "sam", "POST", doc_id=FAM, content="hi") == (1, "Document not found")
    assert w.err("doc.comments.add", "olga", "POST", doc_id=SAMDOC, content="hi") == (3, "No permission to comment")
    assert w.err("doc.comments.add", "fanny", "POST", doc_id=PRIV, content="hi") == (1, "Document not found")
    assert _comment_count(w, SAMDOC) == 0


def test_comments_edit_grace_reply_delete(w):
    c = w.post("doc.comments.add", as_="fred", doc_id=PUB, content="Fresh")["comment"]
    e = w.post("doc.comments.edit", as_="fred", comment_id=c["comment_id"], content="Fresh, edited")["comment"]
    assert e["modified_at"] == "0"  # within 5 minutes of posting
    old = w.post("doc.comments.edit", as_="sam", comment_id=700003, content="Where exactly?")["comment"]
    assert int(old["modified_at"]) > T0 + 10**6  # posted long ago
    got = w.ok("doc.comments.get", comment_id=700003)["comment"]
    assert got["content"] == "Where exactly?"
    assert w.err("doc.comments.edit", "olga", "POST", comment_id=700003, content="x") == (1, "Comment not found")
    r = w.post("doc.comments.reply", as_="olga", comment_id=700003, content="At the Pont Neuf")["comment"]
    assert r["parent_id"] == "700003"
    assert w.ok("doc.comments.get", comment_id=r["comment_id"])["comment"]["parent"]["comment_id"] == "700003"
    assert w.err("doc.comments.delete", "cora", "POST", comment_id=700003) == (1, "Comment not found")
    w.post("doc.comments.delete", as_="olga", comment_id=700003)  # the doc owner; the reply goes too
    assert w.err("doc.comments.get", comment_id=r["comment_id"]) == (1, "Comment not found")
    assert _comment_count(w, PUB) == 3


# --- faves -------------------------------------------------------------------------------------


def test_faves_add_remove(w):
    assert w.post("doc.getFaves", as_="cora", doc_id=PUB)["faves"]["total"] == "2"
    w.post("faves.docs.add", as_="cora", doc_id=PUB)
    w.post("faves.docs.add", as_="cora", doc_id=PUB)  # twice: no change
    faves = w.ok("doc.getFaves", doc_id=PUB)["faves"]
    assert faves["total"] == "3" and faves["fave"][0]["username"] == "cora"
    assert ids(w.ok("faves.docs.getList", as_="cora")) == [PUB]
    assert w.ok("doc.get", as_="cora", doc_id=PUB)["doc"]["you"]["isfave"] == "1"
    assert w.err("faves.docs.add", "olga", "POST", doc_id=PUB)[0] == 2  # own doc
    assert w.err("faves.docs.add", "sam", "POST", doc_id=FAM) == (1, "Document not found")
    w.post("faves.docs.remove", as_="cora", doc_id=PUB)
    assert w.ok("doc.getFaves", doc_id=PUB)["faves"]["total"] == "2"
    assert w.err("faves.docs.remove", "cora", "POST", doc_id=PUB) == (1, "Document not found")
    assert w.err("faves.docs.add", "cora", "GET", doc_id=PUB)[0] == 120


def test_writes_through_the_client_in_xml(w):
    """The package's Client (XML format) drives a create / read back / change / delete cycle."""
    from ipernity_nb import Client
    from ipernity_nb.errors import APIError

    c = Client(w.api_key, w.secret, token=w.tokens["fred"], url=w.sb.api_url, format="xml", progress=False)
    made = c.call("doc.comments.add", doc_id=PUB, content="Via XML")["comment"]
    assert made["content"] == "Via XML" and made["user_id"] == str(USERS["fred"])
    listed = c.call("doc.comments.getList", doc_id=PUB)["comments"]["comment"]
    assert listed[-1]["comment_id"] == made["comment_id"]
    c.call("doc.comments.edit", comment_id=made["comment_id"], content="Via XML, edited")
    assert c.call("doc.comments.get", comment_id=made["comment_id"])["comment"]["content"] == "Via XML, edited"
    c.call("doc.comments.delete", comment_id=made["comment_id"])
    with pytest.raises(APIError) as exc:
        c.call("doc.comments.get", comment_id=made["comment_id"])
    assert exc.value.code == 1
    with pytest.raises(APIError) as exc:
        c.call("doc.set", doc_id=PUB, title="Not fred's")
    assert exc.value.code == 1
    assert _doc(w, PUB)["title"] == "Sunset over Paris"
