"""post.* reads over a real socket against an exact world (tests/containers_world.py)."""

from __future__ import annotations

import pytest
from containers_world import ALICE, BOB, Api, build

from ipernity_nb.sandbox import Sandbox


@pytest.fixture(scope="module")
def w():
    with Sandbox(seed="empty") as sb:
        build(sb.db_path)
        yield Api(sb)


def pids(payload):
    return [int(p["post_id"]) for p in payload["posts"].get("post", [])]


def test_post_get_shape(w):
    post = w.both("post.get", post_id=70001, extra="tags", as_="bob")["post"]
    assert post["title"] == "First trip" and post["description"] == "We went to the sea."
    assert post["visibility"] == {"ispublic": "1", "isfriend": "0", "isfamily": "0", "share": "4"}
    assert post["count"] == {"comments": "2", "faves": "1", "tags": "1", "visits": "5"}
    assert post["owner"]["username"] == "alice" and post["owner"]["is_pro"] == "1"
    assert post["dates"]["last_comment_at"] == "1700001200"
    assert post["you"] == {"isfave": "1", "visits": "2", "last_visit_at": "1700000070"}
    assert post["can"]["fave"] == "1" and post["can"]["comment"] == "1"
    assert post["tags"]["tag"][0]["tag"] == "travel"
    assert "you" not in w.ok("post.get", post_id=70001)["post"]


def test_post_get_visibility(w):
    assert w.err("post.get", post_id=70002) == (1, "Post not found")  # friends only
    assert w.err("post.get", post_id=70002, as_="bob") == (1, "Post not found")  # bob is family, not friend
    assert w.ok("post.get", post_id=70002, as_="carol")["post"]["title"] == "Friends only"
    assert w.err("post.get", post_id=70003, as_="carol") == (1, "Post not found")
    assert w.ok("post.get", post_id=70003, as_="alice")["post"]["visibility"]["share"] == "0"
    assert w.err("post.get", post_id=1) == (1, "Post not found")


def test_post_getlist(w):
    got = w.both("post.getList", user_id=ALICE)
    assert pids(got) == [70004, 70001] and got["posts"]["pages"] == "1"
    assert pids(w.ok("post.getList", as_="alice")) == [70004, 70003, 70002, 70001]
    assert pids(w.ok("post.getList", as_="carol", user_id=ALICE)) == [70004, 70002, 70001]
    assert pids(w.ok("post.getList", as_="alice", share=0)) == [70003]
    page = w.ok("post.getList", as_="alice", per_page=3, page=2)["posts"]
    assert page["pages"] == "2" and page["count"] == "1"
    assert w.err("post.getList") == (1, "User not found")


def test_post_getcontext(w):
    got = w.both("post.getContext", post_id=70001)
    assert "prev" not in got and got["next"]["post_id"] == "70004"  # friends/private posts skipped
    mine = w.ok("post.getContext", post_id=70002, as_="alice")
    assert mine["prev"]["post_id"] == "70001" and mine["next"]["post_id"] == "70003"


def test_post_search(w):
    assert pids(w.both("post.search", text="sea")) == [70001]  # the private draft is not found
    assert pids(w.ok("post.search", text="sea", as_="alice")) == [70003, 70001]
    assert pids(w.ok("post.search", text="sea -draft", as_="alice")) == [70001]
    assert pids(w.ok("post.search", tags="Travel")) == [70001]
    assert pids(w.ok("post.search", license="1")) == [70001]
    assert pids(w.ok("post.search", user_id=BOB)) == [70011]
    assert pids(w.ok("post.search", posted_min=1_700_001_400, posted_max=1_700_003_999)) == [70011]
    assert pids(w.ok("post.search", created_min="2023-11-17")) == [70004]
    assert pids(w.ok("post.search", sort="posted-asc")) == [70001, 70011, 70004]
    assert w.ok("post.search", text="nothing-like-this")["posts"]["total"] == "0"


def test_post_comments(w):
    got = w.both("post.comments.getList", post_id=70001)["comments"]
    assert [c["comment_id"] for c in got["comment"]] == ["900001", "900002"]
    assert got["comment"][1]["parent_id"] == "900001" and got["comment"][0]["content"] == "Lovely!"
    one = w.both("post.comments.get", comment_id=900001, as_="alice")["comment"]
    assert one["username"] == "bob" and one["candelete"] == "1" and one["canedit"] == "0"
    assert w.err("post.comments.get", comment_id=1) == (1, "Comment not found")
    assert w.err("post.comments.getList", post_id=70003) == (1, "Post not found")


def test_post_faves_and_visitors(w):
    faves = w.both("post.getFaves", post_id=70001)["faves"]
    assert [f["username"] for f in faves["fave"]] == ["bob"]
    visits = w.both("post.getVisitors", post_id=70001, as_="alice", perms={"post": "read"})["visits"]
    assert visits["anonymous"]["visits"] == "3" and visits["visit"][0]["username"] == "bob"
    assert w.err("post.getVisitors", post_id=70001, as_="bob", perms={"post": "read"}) == (1, "Post not found")
    assert w.err("post.getFaves", post_id=70003) == (1, "Post not found")
