"""user.get and account.getQuota over a real socket (tests/containers_world.py)."""

from __future__ import annotations

import sqlite3

import pytest
from containers_world import ALICE, BOB, CLOSED, Api, build

from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.handlers.album_write import FREE_ALBUM_LIMIT
from ipernity_nb.sandbox.handlers.user import FREE, month_start


@pytest.fixture(scope="module")
def w():
    with Sandbox(seed="empty") as sb:
        build(sb.db_path)
        yield Api(sb)


def test_user_get_by_id_username_alias_and_default(w):
    by_id = w.both("user.get", user_id=ALICE)["user"]
    assert by_id["username"] == "alice" and by_id["is_pro"] == "1" and by_id["is_closed"] == "0"
    assert by_id["location"] == {"country": "FR", "town": "Lyon", "lat": "45.76", "lng": "4.83"}
    assert by_id["count"] == {"docs": "2", "posts": "2", "network": "3"}  # anonymous: public only
    assert by_id["link"].endswith("/home/alicem")
    assert w.ok("user.get", user_id="alicem")["user"]["user_id"] == str(ALICE)
    assert w.ok("user.get", user_id="ALICE")["user"]["user_id"] == str(ALICE)
    me = w.ok("user.get", as_="bob")["user"]
    assert me["user_id"] == str(BOB) and set(me["relation"].values()) == {"0"}


def test_user_get_relation_and_counts_from_the_caller(w):
    bob_sees = w.both("user.get", user_id=ALICE, as_="bob")["user"]
    # bob lists alice as friend; alice lists bob as family
    assert bob_sees["relation"] == {
        "isfamily": "0",
        "isfriend": "1",
        "iscontact": "1",
        "revfamily": "1",
        "revfriend": "0",
        "revcontact": "1",
    }
    assert bob_sees["count"]["docs"] == "3"  # + the family doc
    assert w.ok("user.get", user_id=ALICE, as_="alice")["user"]["count"] == {"docs": "5", "posts": "4", "network": "3"}


@pytest.mark.parametrize("who", [str(CLOSED), "closed_account", "nobody", "1", "", "99999999999999999999999"])
def test_user_get_not_found(w, who):
    assert w.err("user.get", user_id=who) == (1, "User not found")


def test_account_getquota_pro_and_free(w):
    pro = w.both("account.getQuota", as_="alice")["quota"]
    assert pro["is_pro"] == "1" and pro["upload"]["unlimited"] == "1"
    assert pro["upload"]["max"]["bytes"] == str(10 * 1024**3)  # the 10 GB internal cap (§6.5)
    free = w.both("account.getQuota", as_="bob")["quota"]
    assert free["is_pro"] == "0" and free["upload"]["unlimited"] == "0"
    assert free["upload"]["max"]["bytes"] == str(FREE["upload_bytes"])
    assert free["maxfilesize"]["photo"]["mb"] == "2.5" and free["maxfilesize"]["video"]["bytes"] == "0"
    assert free["albums"] == {"max": str(FREE_ALBUM_LIMIT), "created": "1", "left": str(FREE_ALBUM_LIMIT - 1)}
    assert w.err("account.getQuota")[0] == 106
    assert w.err("account.getQuota", as_="bob", perms={"doc": "read"})[0] == 110


def test_account_getquota_reflects_this_months_bytes(w):
    import time

    now = int(time.time())
    db = sqlite3.connect(w.sb.db_path)
    db.execute(
        "INSERT INTO docs (doc_id, owner_id, media, posted_at, secret, bytes) VALUES (?,?,?,?,?,?)",
        (5000099, BOB, "photo", max(month_start(now), now - 5), "ffffffff", 3 * 1024 * 1024),
    )
    db.execute(  # last month's upload does not count against this month's allowance
        "INSERT INTO docs (doc_id, owner_id, media, posted_at, secret, bytes) VALUES (?,?,?,?,?,?)",
        (5000098, BOB, "photo", month_start(now) - 10, "ffffffff", 7 * 1024 * 1024),
    )
    db.commit()
    db.close()
    up = w.ok("account.getQuota", as_="bob")["quota"]["upload"]
    assert up["used"]["bytes"] == str(3 * 1024 * 1024) and up["used"]["mb"] == "3"
    assert int(up["left"]["bytes"]) == FREE["upload_bytes"] - 3 * 1024 * 1024
    assert up["used"]["percent"] == str(round(300 / 200))
