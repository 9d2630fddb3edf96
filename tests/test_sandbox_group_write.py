"""group.docs.add / group.docs.remove over a real socket: membership, per-item flags, pending, quota."""

from __future__ import annotations

import pytest
from containers_world import Api, build

from ipernity_nb.sandbox import Sandbox


@pytest.fixture
def w():
    with Sandbox(seed="empty") as sb:
        build(sb.db_path)
        yield Api(sb)


def pool(w, group_id, as_="bob"):
    got = w.ok("group.docs.getList", group_id=group_id, as_=as_)["group"]["docs"]
    return [d["doc_id"] for d in got.get("doc", [])]


def test_group_docs_add_read_back_remove(w):
    got = w.ok("group.docs.add", as_="alice", group_id=7001, doc_id="5000003,5000001,5000011")["group"]
    assert (got["added"], got["pending"], got["skipped"], got["total"]) == ("1", "0", "2", "5")
    assert [(d["doc_id"], d["added"], d["pending"], d["error"]) for d in got["doc"]] == [
        ("5000003", "1", "0", "0"),
        ("5000001", "0", "0", "0"),  # already in the pool
        ("5000011", "0", "0", "0"),  # not alice's
    ]
    assert pool(w, 7001, as_="carol")[0] == "5000003"
    assert w.ok("group.get", group_id=7001)["group"]["count"]["docs"] == "5"
    rm = w.ok("group.docs.remove", as_="alice", group_id=7001, doc_id="5000003,5000011")["group"]
    assert (rm["removed"], rm["skipped"], rm["total"]) == ("1", "1", "4")  # bob's doc is not alice's to remove
    # the removed docs come back under "docs" (group.docs.add uses "doc"), as live clients read them
    assert rm["docs"] == [{"doc_id": "5000003", "removed": "1"}, {"doc_id": "5000011", "removed": "0"}]
    assert "doc" not in rm
    admin = w.ok("group.docs.remove", as_="bob", group_id=7001, doc_id="5000001", fmt="xml")["group"]
    assert admin["removed"] == "1" and admin["docs"] == [{"doc_id": "5000001", "removed": "1"}]  # anyone's docs


def test_group_docs_add_membership_and_group_errors(w):
    assert w.err("group.docs.add", as_="carol", group_id=7001, doc_id="5000001") == (1, "Group not found")
    assert w.err("group.docs.add", as_="alice", group_id=1, doc_id="5000001") == (1, "Group not found")
    assert w.err("group.docs.add", as_="alice", group_id=7004, doc_id="5000001") == (4, "Group closed or limit reached")
    assert w.err("group.docs.add", as_="alice", group_id=7001, doc_id="5000011") == (2, "Documents not found")
    assert w.err("group.docs.add", as_="alice", group_id=7001, doc_id="5000003", perms={"doc": "read"})[0] == 110
    assert w.err("group.docs.remove", as_="carol", group_id=7001, doc_id="5000001") == (1, "Group not found")
    assert w.err("group.docs.remove", as_="alice", group_id=7001, doc_id="5000003") == (2, "Documents not found")
    assert w.ok("group.get", group_id=7001)["group"]["count"]["docs"] == "4"


def test_group_docs_add_moderated_pending_and_media_rejected(w):
    got = w.ok("group.docs.add", as_="alice", group_id=7003, doc_id="5000001,5000003")["group"]
    assert got["pending"] == "1" and got["added"] == "1"
    assert [(d["doc_id"], d["added"], d["pending"], d["error"]) for d in got["doc"]] == [
        ("5000001", "1", "1", "0"),
        ("5000003", "0", "0", "2"),  # a video in a photo-only group
    ]
    assert pool(w, 7003) == []  # pending docs wait for moderation
    assert w.ok("group.get", group_id=7003)["group"]["count"]["docs"] == "0"


def test_group_daily_quota(w):
    assert w.ok("group.docs.add", as_="alice", group_id=7005, doc_id="5000001,5000002")["group"]["added"] == "2"
    assert w.ok("group.get", as_="alice", group_id=7005)["group"]["quota"]["left"] == "0"
    assert w.err("group.docs.add", as_="alice", group_id=7005, doc_id="5000003") == (3, "Quota limit reached")
    assert pool(w, 7005, as_="alice") == ["5000001", "5000002"] or pool(w, 7005, as_="alice") == ["5000002", "5000001"]
