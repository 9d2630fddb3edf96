"""The opt-in read cache: re-runs hit; writes, auth and errors never cached; no secrets on disk."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ipernity_nb import Client
from ipernity_nb.apisig import ApiSigAuth
from ipernity_nb.cache import CacheSettings, cache_counts, cacheable
from ipernity_nb.errors import APIError, ParameterError


@pytest.fixture
def cache_path(tmp_path) -> Path:
    return tmp_path / "harvest.sqlite"


def make(sandbox, app, cache, token=None) -> Client:
    return Client(app["api_key"], app["secret"], url=sandbox.api_url, progress=False, cache=cache, token=token)


def hits(client: Client) -> list[bool]:
    return client.calls["from_cache"].astype(bool).tolist()


def test_rerun_is_served_from_cache_with_zero_http_calls(sandbox, demo_app, cache_path):
    c = make(sandbox, demo_app, cache_path)
    first = c.frame("doc.search", pages=3, per_page=20, extra="owner,dates")
    assert not any(hits(c))
    c.clear_calls()
    again = c.frame("doc.search", pages=3, per_page=20, extra="owner,dates")
    assert hits(c) == [True]  # the whole frame, stored by the first run: no HTTP call, no re-typing
    assert cache_counts(c.calls) == {"hits": 1, "misses": 0}
    pd.testing.assert_frame_equal(first, again)
    assert again.attrs == first.attrs
    c.clear_calls()
    walked = [d["doc_id"] for d in c.walk("doc.search", per_page=20, extra="owner,dates")]
    assert len(walked) > 60 and hits(c)[:3] == [True, True, True]  # pages 1-3 were stored as answers
    with c.cache_mode("refresh"):
        c.clear_calls()
        fresh = c.frame("doc.search", pages=3, per_page=20, extra="owner,dates")
    assert hits(c) == [False, False, False]
    pd.testing.assert_frame_equal(first, fresh)
    # a second Client on the same file (a notebook re-run) hits too
    c2 = make(sandbox, demo_app, cache_path)
    c2.call("doc.search", per_page=20, extra="owner,dates", page=1)
    assert hits(c2) == [True]


def test_writes_auth_and_uploads_are_never_cacheable():
    assert cacheable("doc.search") and cacheable("doc.get")
    assert not cacheable("doc.set") and not cacheable("doc.delete")
    assert not cacheable("auth.checkToken") and not cacheable("auth.getFrob")
    assert not cacheable("upload.file") and not cacheable("no.such.method")


def test_write_calls_are_sent_every_time(sandbox, demo_app, token_for, cache_path):
    token = token_for("alice", {"doc": "write"})
    c = make(sandbox, demo_app, cache_path, token=token)
    doc = c.call("doc.getList", per_page=1)["docs"]["doc"][0]["doc_id"]
    for title in ("cache test one", "cache test two"):
        c.call("doc.set", doc_id=doc, title=title)
    writes = c.calls[c.calls["method"] == "doc.set"]
    assert writes["verb"].tolist() == ["POST", "POST"] and not writes["from_cache"].astype(bool).any()
    for _ in range(2):
        c.call("auth.checkToken")
    assert not c.calls[c.calls["method"] == "auth.checkToken"]["from_cache"].astype(bool).any()
    with c.cache_mode("refresh"):
        assert c.call("doc.get", doc_id=doc)["doc"]["title"] == "cache test two"


def test_error_answers_are_not_cached(sandbox, demo_app, cache_path):
    c = make(sandbox, demo_app, cache_path)
    for _ in range(2):
        with pytest.raises(APIError):
            c.call("doc.get", doc_id=999999999)
    assert not any(hits(c))


def test_two_tokens_never_share_entries(sandbox, demo_app, token_for, cache_path):
    alice = make(sandbox, demo_app, cache_path, token=token_for("alice", {"doc": "read"}))
    bob = make(sandbox, demo_app, cache_path, token=token_for("bob", {"doc": "read"}))
    a = alice.call("doc.getList", per_page=5)
    b = bob.call("doc.getList", per_page=5)
    assert hits(bob) == [False]  # same method and params, another token: a miss
    assert a["docs"]["doc"][0]["doc_id"] != b["docs"]["doc"][0]["doc_id"]
    assert bob.call("doc.getList", per_page=5) == b and hits(bob) == [False, True]


def test_bypass_and_refresh(sandbox, demo_app, cache_path):
    c = make(sandbox, demo_app, cache_path)
    with c.cache_mode("off"):
        c.call("doc.search", per_page=7)
        c.call("doc.search", per_page=7)
    c.call("doc.search", per_page=7)  # "off" stored nothing: still a miss
    assert hits(c) == [False, False, False]
    with c.cache_mode("refresh"):
        c.call("doc.search", per_page=7)
    c.call("doc.search", per_page=7)
    assert hits(c)[-2:] == [False, True]
    with pytest.raises(ParameterError, match="cache mode"), c.cache_mode("sometimes"):
        pass


def test_cache_file_holds_no_token_secret_or_signature(sandbox, demo_app, token_for, cache_path):
    token = token_for("carol", {"doc": "read"})
    c = make(sandbox, demo_app, cache_path, token=token)
    sigs = []
    for method, params in (("doc.getList", {"per_page": 3}), ("test.echo", {"echo": "x"}), ("user.get", {})):
        if method == "user.get":
            params = {"user_id": 284001}
        fields = c.caller.prepare(method, params).fields
        sigs.append(ApiSigAuth(c.credentials).sign_fields(method, fields)["api_sig"])
        c.call(method, **params)
        c.call(method, **params)
    assert hits(c).count(True) >= 2  # something was really stored and served
    c.frame("doc.getList", pages=2, per_page=2)  # a whole-frame entry too
    files = [p for p in cache_path.parent.rglob("*") if p.is_file()]
    assert any(p.suffix == ".pkl" for p in files)
    blob = b"".join(p.read_bytes() for p in files)
    assert blob, "the cache file should exist"
    for secret in (token, demo_app["secret"], *sigs):
        assert secret.encode() not in blob


def test_client_without_cache_refuses_cache_mode(sandbox, demo_app):
    c = Client(demo_app["api_key"], url=sandbox.api_url)
    with pytest.raises(ParameterError, match="no cache"):
        c.cache_mode("off")


@pytest.mark.parametrize("bad", [1, "", 3.5])
def test_bad_cache_setting_raises(demo_app, bad):
    with pytest.raises(ParameterError, match="cache must be"):
        Client(demo_app["api_key"], cache=bad)


def test_settings_coerce(tmp_path):
    assert CacheSettings.coerce(tmp_path / "x.sqlite").path == str(tmp_path / "x.sqlite")
    s = CacheSettings(str(tmp_path / "y.sqlite"), expire_after=-1)
    assert CacheSettings.coerce(s) is s
