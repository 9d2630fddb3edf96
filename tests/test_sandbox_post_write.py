"""post.set and post.comments.* over a real socket: create, read back, change, delete, errors."""

from __future__ import annotations

import pytest
from containers_world import Api, build

from ipernity_nb.sandbox import Sandbox


@pytest.fixture
def w():
    with Sandbox(seed="empty") as sb:
        build(sb.db_path)
        yield Api(sb)


def test_post_set_create_edit(w):
    made = w.ok("post.set", as_="bob", title="Hello", content="First words", intro="Hi", share=2, license=5)["post"]
    pid = made["post_id"]
    assert made["title"] == "Hello" and made["description"] == "First words" and made["license"] == "5"
    assert made["visibility"]["share"] == "2" and made["owner"]["username"] == "bob"
    assert w.ok("post.get", post_id=pid, as_="alice")["post"]["intro"] == "Hi"  # alice is bob's friend
    assert w.err("post.get", post_id=pid) == (1, "Post not found")
    ed = w.ok("post.set", as_="bob", post_id=pid, title="Hello again", share=4)["post"]
    assert ed["title"] == "Hello again" and ed["description"] == "First words" and ed["visibility"]["share"] == "4"
    assert w.ok("post.get", post_id=pid)["post"]["title"] == "Hello again"
    assert pid in [p["post_id"] for p in w.ok("post.getList", user_id=284002)["posts"]["post"]]


def test_post_set_errors(w):
    assert w.err("post.set", as_="bob", title="no content") == (2, "No parameters were sent")
    assert w.err("post.set", as_="bob", content="no title") == (2, "No parameters were sent")
    assert w.err("post.set", as_="bob", post_id=70011) == (2, "No parameters were sent")
    assert w.err("post.set", as_="bob", title="t", content="c", share=7) == (3, "Invalid arguments")
    assert w.err("post.set", as_="bob", title="t", content="c", license=2) == (3, "Invalid arguments")
    assert w.err("post.set", as_="bob", post_id=70001, title="stolen") == (1, "Post not found")
    assert w.err("post.set", as_="bob", title="t", content="c", perms={"post": "write"})[0] == 110  # needs blog
    assert w.ok("post.get", post_id=70001)["post"]["title"] == "First trip"
    assert w.ok("post.getList", user_id=284002)["posts"]["total"] == "1"


def test_post_comments_add_dedupe_preview_edit_reply_delete(w):
    c = w.ok("post.comments.add", as_="carol", post_id=70001, content="Nice sea")["comment"]
    cid = c["comment_id"]
    assert c["content"] == "Nice sea" and c["user_id"] == "284003"
    assert w.ok("post.comments.add", as_="carol", post_id=70001, content="Nice sea")["comment"]["comment_id"] == cid
    assert (
        w.ok("post.comments.add", as_="carol", post_id=70001, content="Draft", preview=1)["comment"]["comment_id"]
        == "0"
    )
    listing = w.ok("post.comments.getList", post_id=70001)["comments"]
    assert listing["total"] == "3" and listing["comment"][-1]["comment_id"] == cid
    assert w.ok("post.get", post_id=70001)["post"]["count"]["comments"] == "3"
    ed = w.ok("post.comments.edit", as_="carol", comment_id=cid, content="Nicer sea")["comment"]
    assert ed["content"] == "Nicer sea" and ed["modified_at"] == "0"  # within 5 minutes of posting
    rep = w.ok("post.comments.reply", as_="alice", comment_id=cid, content="Thanks")["comment"]
    assert rep["parent_id"] == cid
    assert w.ok("post.comments.get", comment_id=rep["comment_id"])["comment"]["parent_id"] == cid
    assert w.err("post.comments.edit", as_="alice", comment_id=cid, content="hijack") == (1, "Comment not found")
    assert w.ok("post.comments.delete", as_="alice", comment_id=cid) == {}  # the article's owner may
    assert w.err("post.comments.get", comment_id=cid) == (1, "Comment not found")


def test_post_comments_errors(w):
    assert w.err("post.comments.add", as_="carol", post_id=70001, content="  ") == (2, "Comment text is empty")
    assert w.err("post.comments.add", as_="bob", post_id=70002, content="hi") == (1, "Post not found")
    assert w.err("post.comments.add", as_="carol", post_id=1, content="hi") == (1, "Post not found")
    assert w.err("post.comments.delete", as_="carol", comment_id=900001) == (1, "Comment not found")
    assert w.err("post.comments.reply", as_="carol", comment_id=1, content="x") == (1, "Comment not found")
    assert w.err("post.comments.add", as_="carol", post_id=70001, content="x", perms={"post": "read"})[0] == 110
    r = w.raw("post.comments.add", as_="carol", post_id=70001, content="x", http="GET")
    assert str(r.json()["api"]["code"]) == "120"
    assert w.ok("post.comments.getList", post_id=70001)["comments"]["total"] == "2"


def test_post_comment_permission_and_late_edit(w):
    import sqlite3

    assert w.ok("post.set", as_="alice", post_id=70001, com=0)["post"]["title"] == "First trip"
    assert w.ok("post.get", post_id=70001, as_="carol")["post"]["can"]["comment"] == "0"
    assert w.err("post.comments.add", as_="carol", post_id=70001, content="hi") == (3, "No permission to comment")
    assert w.ok("post.comments.add", as_="alice", post_id=70001, content="owner may")["comment"]["comment_id"] != "0"
    db = sqlite3.connect(w.sb.db_path)
    db.execute("UPDATE post_comments SET posted_at = posted_at - 3600")  # posted an hour earlier
    db.commit()
    db.close()
    ed = w.ok("post.comments.edit", as_="bob", comment_id=900001, content="Lovely indeed!")["comment"]
    assert ed["content"] == "Lovely indeed!" and int(ed["modified_at"]) > 0  # > 5 minutes after posting
