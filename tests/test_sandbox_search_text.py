"""Search text is parsed in one pass and bounded; odd text is stored by one rule, so JSON and
XML answer the same and a NUL query matches nothing. Over a real socket (tests/containers_world.py).
"""

from __future__ import annotations

import pytest
import requests
from containers_world import ALICE, Api, build

from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.handlers.search_text import MAX_TERMS, MAX_TEXT_CHARS, text_terms
from ipernity_nb.sandbox.registry import clean_text
from ipernity_nb.signing import sign

ODD = "Sun\x00set\x01 \ufffe\uffffover\r\nthe bay\rnow"
CLEAN = "Sunset over\nthe bay\nnow"


@pytest.fixture(scope="module")
def w():
    with Sandbox(seed="empty") as sb:
        build(sb.db_path)
        yield Api(sb)


def test_terms_in_one_pass():
    assert text_terms('Cat "red car" -dog +sun -"grey sky"') == (["cat", "red car", "sun"], ["dog", "grey sky"])
    assert text_terms('"unclosed phrase') == (["unclosed phrase"], [])
    assert text_terms('- + ++ ""') == ([], [])
    with pytest.raises(Exception, match="at most 20 words"):
        text_terms("w " * 21, MAX_TERMS)
    assert text_terms("w " * 21) == (["w"] * 21, [])  # unbounded when no limit is asked


def test_clean_text_rule():
    assert clean_text(ODD) == CLEAN
    assert clean_text("plain é 😀 text") == "plain é 😀 text"


@pytest.mark.parametrize("method", ["doc.search", "group.search", "post.search"])
def test_search_text_bounded_with_a_clear_error(w, method):
    words = " ".join(["sunset"] * MAX_TERMS)
    assert w.ok(method, text=words)  # at the bound: answered
    assert w.err(method, text=words + " bay") == (5, "Search text too long: at most 20 words and 1000 characters")
    assert w.err(method, text="x" * (MAX_TEXT_CHARS + 1))[0] == 5
    assert w.err(method, text="word " * 2500)[0] == 5  # 2000+ words answered an API 500 before


def test_one_megabyte_text_is_refused_before_parsing(w):
    """A 1 MB ``text=`` (17-28 s of CPU, then API 500, before) is refused by its length."""
    params = sign({"api_key": w.app["api_key"], "text": '"' + "a b " * 262_144}, w.app["secret"], "doc.search")
    r = requests.post(f"{w.sb.api_url}doc.search/json", data=params, timeout=60)
    assert r.json()["api"]["code"] == "5"


def test_nul_text_matches_nothing(w):
    everything = w.ok("doc.search", as_="alice")["docs"]
    assert int(everything["total"]) > 0
    assert w.ok("doc.search", as_="alice", text="\x00")["docs"]["total"] == "0"
    assert w.ok("post.search", text="\x00\x01")["posts"]["total"] == "0"
    # a control character inside a word is dropped, like in stored text
    assert w.ok("doc.search", as_="alice", text="Sun\x00set")["docs"]["total"] == "1"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_odd_text_is_stored_by_one_rule(w, fmt):
    w.ok("doc.set", as_="alice", doc_id=5000001, title=ODD, description=ODD)
    doc = w.ok("doc.get", as_="alice", doc_id=5000001, fmt=fmt)["doc"]
    assert (doc["title"], doc["description"]) == (CLEAN, CLEAN)
    made = w.ok("doc.comments.add", as_="bob", doc_id=5000001, content=ODD + fmt, fmt=fmt)["comment"]
    got = w.ok("doc.comments.get", as_="bob", comment_id=made["comment_id"], fmt=fmt)["comment"]
    assert got["content"] == CLEAN + fmt
    album = w.ok("album.create", as_="alice", title=ODD + fmt, description=ODD, fmt=fmt)["album"]
    assert (album["title"], album["description"]) == (CLEAN + fmt, CLEAN)
    assert w.ok("album.get", album_id=album["album_id"], fmt="json")["album"]["title"] == CLEAN + fmt
    assert [d["doc_id"] for d in w.ok("doc.search", user_id=ALICE, text="over the", fmt=fmt)["docs"]["doc"]] == [
        "5000001"
    ]
