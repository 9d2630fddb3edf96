"""The sandbox's injectable clock: timestamps, expiry and quotas follow ``Sandbox(clock=...)``.

No test here sleeps: the clock jumps ahead (tests/shifted_clock.py). Over a real socket.
"""

from __future__ import annotations

import sqlite3

import pytest
from containers_world import ALICE, Api, build
from shifted_clock import ShiftedClock

from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.state import State


@pytest.fixture
def clocked():
    clock = ShiftedClock()
    with Sandbox(seed="empty", clock=clock, frob_ttl=60, quota={"ip_per_second": 50}) as sb:
        build(sb.db_path)
        yield Api(sb), clock


def test_request_time_comes_from_the_clock(clocked):
    w, clock = clocked
    clock.advance(10 * 365 * 86400)  # ten years on
    w.ok("doc.set", as_="alice", doc_id=5000001, title="later")
    stamp = int(w.ok("doc.get", as_="alice", doc_id=5000001)["doc"]["dates"]["last_update_at"])
    assert abs(stamp - clock()) < 5
    posted = w.ok("doc.comments.add", as_="bob", doc_id=5000001, content="hi")["comment"]["posted_at"]
    assert abs(int(posted) - clock()) < 5


def test_frob_expiry_without_sleeping(clocked):
    w, clock = clocked
    frob = w.ok("auth.getFrob")["auth"]["frob"]
    w.sb.approve_frob(frob, "alice", {"doc": "read"})
    clock.advance(61)  # past frob_ttl
    assert w.err("auth.getToken", frob=frob)[0] == 2
    fresh = w.ok("auth.getFrob")["auth"]["frob"]
    w.sb.approve_frob(fresh, "alice", {"doc": "read"})
    assert w.ok("auth.getToken", frob=fresh)["auth"]["user"]["user_id"] == str(ALICE)


def test_rate_quota_window_moves_with_the_clock(clocked):
    w, clock = clocked
    clock.advance(1 - clock() % 1 + 0.01)  # start of a one-second window of the sandbox's time
    codes = [w.raw("test.hello").json()["api"].get("code") for _ in range(60)]
    assert "113" in codes  # 50 per second: the window filled up
    clock.advance(1)  # the next window, without waiting for it
    assert w.raw("test.hello").json()["api"]["status"] == "ok"


def test_group_daily_quota_resets_a_day_later(clocked):
    w, clock = clocked
    with sqlite3.connect(w.sb.db_path) as db:
        db.execute("UPDATE grp SET max_docs = 1, moderated = 0 WHERE group_id = 7001")
    w.ok("group.docs.remove", as_="alice", group_id=7001, doc_id="5000001")
    w.ok("group.docs.add", as_="alice", group_id=7001, doc_id="5000001")
    assert w.err("group.docs.add", as_="alice", group_id=7001, doc_id="5000003") == (
        3,
        "Quota limit reached",
    )  # one a day
    clock.advance(86400 + 1)
    assert w.ok("group.docs.add", as_="alice", group_id=7001, doc_id="5000003")["group"]["added"] == "1"


def test_state_clock_default_and_override():
    st = State(None, seed="empty", clock=lambda: 1234.9)
    try:
        assert st.now() == 1234
    finally:
        st.close()
