"""tags.* in the sandbox over a real socket: docs.getList, user.getList, user.getPopular."""

from __future__ import annotations

import pytest
from docworld import FAM, PUB, SAMDOC, USERS, World, ids

from ipernity_nb.sandbox import Sandbox

PARIS_TAG, SUNSET_TAG = 1, 2


@pytest.fixture(scope="module")
def w():
    with Sandbox(seed="empty") as sb:
        yield World.build(sb)


def test_docs_getlist_keyword_popular_first(w):
    out = w.ok("tags.docs.getList", type="keyword", id=PARIS_TAG)
    assert ids(out) == [PUB, SAMDOC]  # visits 50 then 5
    assert out["docs"]["per_page"] == "100" and out["docs"]["total"] == "2"
    assert ids(w.ok("tags.docs.getList", as_="fanny", type="keyword", id=PARIS_TAG)) == [PUB, SAMDOC, FAM]
    assert ids(w.ok("tags.docs.getList", type="keyword", id=PARIS_TAG, sort="posted-asc")) == [SAMDOC, PUB]


def test_docs_getlist_filters_and_member_tags(w):
    assert ids(w.ok("tags.docs.getList", type="keyword", id=PARIS_TAG, user_id=USERS["sam"])) == [SAMDOC]
    assert ids(w.ok("tags.docs.getList", type="member", id=USERS["fred"])) == [PUB]
    out = w.ok("tags.docs.getList", type="keyword", id=PARIS_TAG, extra="owner,dates", per_page=1)
    assert out["docs"]["pages"] == "2" and out["docs"]["doc"][0]["owner"]["realname"] == "Olga"
    assert "dates" in out["docs"]["doc"][0]


def test_docs_getlist_errors(w):
    assert w.err("tags.docs.getList", type="keyword", id=999) == (1, "Tag not found")
    assert w.err("tags.docs.getList", type="keyword", id="x") == (1, "Tag not found")
    assert w.err("tags.docs.getList", type="keyword", id=PARIS_TAG, user_id=1) == (2, "User not found")


def test_user_getlist_defaults_to_caller(w):
    mine = w.ok("tags.user.getList", as_="olga")["tags"]
    assert mine["user_id"] == str(USERS["olga"]) and mine["type"] == "keyword"
    assert [t["tag"] for t in mine["tag"]] == ["paris", "seine", "sunset"]  # alphabetical
    assert mine["count"] == "3"
    anon = w.ok("tags.user.getList", user_id=USERS["olga"], count=2)["tags"]
    assert [t["tag"] for t in anon["tag"]] == ["paris", "seine"]
    members = w.ok("tags.user.getList", user_id=USERS["olga"], type="member")["tags"]
    assert members["tag"] == [{"id": str(USERS["fred"]), "tag": "fred", "type": "member"}]
    assert w.err("tags.user.getList") == (1, "User not found")
    assert w.err("tags.user.getList", user_id=USERS["zed"]) == (1, "User not found")


def test_user_getpopular_counts_visible_docs(w):
    mine = w.ok("tags.user.getPopular", as_="olga")["tags"]
    assert [(t["tag"], t["docs"]) for t in mine["tag"]] == [("paris", "2"), ("seine", "1"), ("sunset", "1")]
    assert mine["tag"][0]["posts"] == "0"
    anon = w.ok("tags.user.getPopular", user_id=USERS["olga"])["tags"]
    assert anon["tag"][0] == {"id": str(PARIS_TAG), "tag": "paris", "type": "keyword", "docs": "1", "posts": "0"}
    bulk = w.ok("tags.user.getPopular", user_id=USERS["bulk"], count=1)["tags"]
    assert bulk["tag"] == [{"id": "4", "tag": "cat", "type": "keyword", "docs": "125", "posts": "0"}]


def test_xml_shape(w):
    root = w.xml("tags.user.getList", user_id=USERS["olga"])
    tags = root.find("tags")
    assert tags.get("count") == "3" and [t.get("tag") for t in tags.findall("tag")] == ["paris", "seine", "sunset"]
