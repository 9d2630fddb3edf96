"""Ids are never reused after a deletion: a deleted newest id does not come back.

Id-keyed caches and incremental backups take an id they saw once to mean one item forever.
Over a real socket, through ipernity_nb.Client, on an empty-seed sandbox of this module.
"""

from __future__ import annotations

import pytest
from test_sandbox_upload import doc_of, png, upload

from ipernity_nb import Client
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP


@pytest.fixture(scope="module")
def alice():
    with Sandbox(seed="empty") as sb:
        tok = sb.issue_token(APP["api_key"], "alice", {"doc": "delete", "blog": "write"})
        yield Client(APP["api_key"], APP["secret"], token=tok, url=sb.api_url, site_url=sb.url, progress=False), sb


def _upload(c: Client, salt: int) -> int:
    return int(doc_of(c, upload(c, png(8, 6, salt), title=f"d{salt}")))


def test_deleted_newest_ids_never_come_back(alice):
    c, _sb = alice
    first = _upload(c, 1)
    newest = _upload(c, 2)
    assert newest > first
    album = int(c.call("album.create", title="a", cover_id=newest)["album"]["album_id"])
    folder = int(c.call("folder.create", title="f")["folder"]["folder_id"])
    comment = int(c.call("doc.comments.add", doc_id=newest, content="hi")["comment"]["comment_id"])
    note = int(c.call("doc.notes.add", doc_id=newest, content="n", x=1, y=1, w=5, h=5)["note"]["note_id"])
    post = int(c.call("post.set", title="t", content="c")["post"]["post_id"])

    c.call("doc.comments.delete", comment_id=comment)
    c.call("doc.notes.delete", note_id=note)
    c.call("album.delete", album_id=album)
    c.call("folder.delete", folder_id=folder)
    c.call("doc.delete", doc_id=newest)

    again = _upload(c, 3)
    assert again > newest  # not newest again: MAX(id) + 1 would hand it out
    assert int(c.call("album.create", title="b", cover_id=again)["album"]["album_id"]) > album
    assert int(c.call("folder.create", title="g")["folder"]["folder_id"]) > folder
    assert int(c.call("doc.comments.add", doc_id=again, content="hi")["comment"]["comment_id"]) > comment
    note2 = c.call("doc.notes.add", doc_id=again, content="n", x=1, y=1, w=5, h=5)["note"]["note_id"]
    assert int(note2) > note
    assert int(c.call("post.set", title="t2", content="c")["post"]["post_id"]) > post


def test_reset_starts_ids_afresh(alice):
    """A reset reseeds a known world: the ids of the next uploads start again as on a new sandbox."""
    sb = alice[1]
    sb.reset("empty")
    assert _upload(c_fresh(sb), 4) == 9000001


def c_fresh(sb: Sandbox) -> Client:
    tok = sb.issue_token(APP["api_key"], "alice", {"doc": "delete", "blog": "write"})
    return Client(APP["api_key"], APP["secret"], token=tok, url=sb.api_url, site_url=sb.url, progress=False)
