"""group.* reads over a real socket against an exact world (tests/containers_world.py)."""

from __future__ import annotations

import pytest
from containers_world import ALICE, BOB, Api, build

from ipernity_nb.sandbox import Sandbox


@pytest.fixture(scope="module")
def w():
    with Sandbox(seed="empty") as sb:
        build(sb.db_path)
        yield Api(sb)


def gids(payload):
    return [int(g["group_id"]) for g in payload.get("group", [])]


def test_group_get_anonymous_and_member(w):
    g = w.both("group.get", group_id=7001)["group"]
    assert g["id"] == "7001" and g["title"] == "Street photography"
    assert g["count"] == {"docs": "4", "members": "2", "topics": "0"}
    assert g["visibility"]["ispublic"] == "1" and g["dates"]["last_doc_at"] == "1700000300"
    assert g["can"]["add_doc"] == "0" and "you" not in g
    assert g["quota"] == {"max": "0", "left": "0", "period": "day", "moderated": "0"}
    mine = w.ok("group.get", as_="alice", group_id=7001)["group"]
    assert mine["you"]["ismember"] == "1" and mine["you"]["isadmin"] == "0" and mine["you"]["docs"] == "3"
    assert mine["can"]["add_doc"] == "1"
    admin = w.ok("group.get", as_="bob", group_id=7001)["group"]["you"]
    assert admin["isadmin"] == "1" and admin["ismoderator"] == "1"
    mod = w.ok("group.get", as_="alice", group_id=7003)["group"]
    assert mod["quota"]["moderated"] == "1" and mod["can"]["accept_video"] == "0" and mod["can"]["accept_photo"] == "1"
    assert w.ok("group.get", as_="alice", group_id=7004)["group"]["can"]["add_doc"] == "0"  # closed
    assert w.ok("group.get", as_="alice", group_id=7005)["group"]["quota"]["left"] == "2"
    assert w.err("group.get", group_id=1) == (1, "Group not found")


def test_group_getlist_caller_default_and_private_groups(w):
    mine = w.both("group.getList", as_="bob")["groups"]
    assert sorted(gids(mine)) == [7001, 7002, 7003] and mine["pages"] == "1" and mine["count"] == "3"
    assert w.ok("group.getList", as_="bob", per_page=2)["groups"]["pages"] == "2"
    assert sorted(gids(w.ok("group.getList", user_id=BOB)["groups"])) == [7001, 7003]  # private hidden
    assert gids(w.ok("group.getList", user_id=ALICE, per_page=2)["groups"]) == [7005, 7004]
    assert w.err("group.getList") == (1, "User not found")


def test_group_search(w):
    got = w.both("group.search", text="street")["groups"]
    assert gids(got) == [7001, 7002] and got["pages"] == "1"  # title match ranks first
    assert gids(w.ok("group.search", text="street", sort="created-desc")["groups"]) == [7002, 7001]
    assert gids(w.ok("group.search", text="portraits", lang="fr")["groups"]) == [7003]
    assert "group" not in w.ok("group.search", text="portraits", lang="en")["groups"]
    assert w.err("group.search") == (1, "Search text query is empty")
    assert w.err("group.search", text="   ") == (1, "Search text query is empty")


def test_group_docs_getlist_pool_visibility(w):
    def pool(**kw):
        return [int(d["doc_id"]) for d in w.both("group.docs.getList", **kw)["group"]["docs"].get("doc", [])]

    assert pool(group_id=7001) == [5000011, 5000001, 5000005]  # newest first; family doc hidden
    assert pool(group_id=7001, as_="bob") == [5000002, 5000011, 5000001, 5000005]
    assert pool(group_id=7001, user_id=BOB) == [5000011]
    assert pool(group_id=7001, media="audio") == [5000005]
    page = w.ok("group.docs.getList", group_id=7001, per_page=2, page=2)["group"]["docs"]
    assert page["total"] == "3" and page["pages"] == "2" and [d["doc_id"] for d in page["doc"]] == ["5000005"]
    # private pool: members only
    assert pool(group_id=7002, as_="bob") == [5000011]
    assert w.err("group.docs.getList", group_id=7002) == (1, "Group not found")
    assert w.err("group.docs.getList", as_="alice", group_id=7002) == (1, "Group not found")
    assert w.err("group.docs.getList", group_id=7001, user_id=999) == (2, "User not found")
    extra = w.ok("group.docs.getList", group_id=7001, extra="owner,dates")["group"]["docs"]["doc"][0]
    assert "dates" in extra and extra["owner"]["username"] == "bob"


def test_group_docs_getcontext(w):
    got = w.both("group.docs.getContext", group_id=7001, doc_id=5000001)
    assert got["group"]["total"] == "3"
    assert [d["doc_id"] for d in got["prev"]["doc"]] == ["5000011"]
    assert [d["doc_id"] for d in got["next"]["doc"]] == ["5000005"]
    assert w.err("group.docs.getContext", group_id=7001, doc_id=5000002) == (1, "Document not found")
    assert w.err("group.docs.getContext", group_id=7002, doc_id=5000011) == (1, "Group not found")
