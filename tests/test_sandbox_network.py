"""network.getList / network.autocomplete over a real socket (tests/containers_world.py)."""

from __future__ import annotations

import sqlite3

import pytest
from containers_world import ALICE, BOB, Api, T, build

from ipernity_nb.sandbox import Sandbox


@pytest.fixture(scope="module")
def w():
    with Sandbox(seed="empty") as sb:
        build(sb.db_path)
        yield Api(sb)


def names(payload):
    return [u["username"] for u in payload["network"].get("user", [])]


def test_network_getlist_caller_default_relation_flags(w):
    got = w.both("network.getList", as_="alice")
    assert names(got) == ["bob", "carol", "dave"]  # closed account left out
    net = got["network"]
    assert net["total"] == "3" and net["pages"] == "1" and net["per_page"] == "20"
    bob = net["user"][0]
    assert bob["relation"] == {
        "iscontact": "1",
        "isfamily": "1",
        "isfriend": "0",
        "revcontact": "1",
        "revfamily": "0",
        "revfriend": "1",
    }
    assert "realname" not in bob and "count" not in bob and "location" not in bob


@pytest.mark.parametrize(
    ("relation", "expected"),
    [(0, ["bob", "carol", "dave"]), (1, ["bob"]), (2, ["carol"]), (3, ["bob", "carol"]), (4, ["dave"])],
)
def test_network_getlist_relation_filter(w, relation, expected):
    assert names(w.ok("network.getList", as_="alice", relation=relation)) == expected


def test_network_getlist_blocked_only_for_own_network(w):
    assert names(w.ok("network.getList", as_="bob", relation=8)) == ["dave"]
    assert names(w.ok("network.getList", as_="bob")) == ["alice"]
    assert names(w.ok("network.getList", as_="alice", user_id=BOB, relation=8)) == ["alice"]  # ignored


def test_network_getlist_extra_and_other_users(w):
    got = w.both("network.getList", user_id=BOB, extra="realname,count,location")["network"]["user"][0]
    assert got["username"] == "alice" and got["realname"] == "Alice Martin"
    assert got["count"] == {"docs": "2", "posts": "2", "network": "3"}  # anonymous sees public items
    assert got["location"]["town"] == "Lyon"
    page = w.ok("network.getList", as_="alice", per_page=2, page=2)["network"]
    assert [u["username"] for u in page["user"]] == ["dave"] and page["pages"] == "2"
    assert w.err("network.getList") == (1, "User not found")


def test_network_autocomplete(w):
    got = w.both("network.autocomplete", as_="alice", query="CA")["network"]
    assert got["complete"] == "1" and got["count"] == "1" and [u["username"] for u in got["user"]] == ["carol"]
    assert "user" not in w.ok("network.autocomplete", as_="alice", query="ar")["network"]
    assert [
        u["username"] for u in w.ok("network.autocomplete", as_="alice", query="ar", anywhere=1)["network"]["user"]
    ] == ["carol"]
    assert w.ok("network.autocomplete", as_="alice", query="b", relation=2)["network"]["count"] == "0"
    assert w.err("network.autocomplete", as_="alice", query="") == (1, "Query is empty")
    assert w.err("network.autocomplete", query="b")[0] == 106


def test_network_autocomplete_caps_at_500(w):
    db = sqlite3.connect(w.sb.db_path)
    db.executemany(
        "INSERT INTO users (user_id, username, password_hash) VALUES (?,?,?)",
        [(300000 + i, f"zed_{i:03}", "x") for i in range(501)],
    )
    db.executemany(
        "INSERT INTO network (user_id, contact_id, created_at) VALUES (?,?,?)",
        [(ALICE, 300000 + i, T) for i in range(501)],
    )
    db.commit()
    db.close()
    got = w.ok("network.autocomplete", as_="alice", query="zed")["network"]
    assert got["complete"] == "0" and got["count"] == "500" and len(got["user"]) == 500
