"""Malformed values never crash the doc-family handlers: every parameter of every method gets
garbage (GET and POST, anonymous and signed in) and the answer is always an API envelope."""

from __future__ import annotations

import pytest
from docworld import PUB, World

from ipernity_nb import catalog
from ipernity_nb.sandbox import Sandbox

FAMILIES = ("doc.", "tags.", "explore.", "faves.docs.", "network.docs.")
METHODS = sorted(n for n in catalog.methods() if n.startswith(FAMILIES) and n != "doc.albums.add")
GARBAGE = ["abc", "-1", "99999999999999999999999999", "1.5e3", "%_'\"\\", "é,,;", " ", "0", "-999"]


@pytest.fixture(scope="module")
def w():
    with Sandbox(seed="empty") as sb:
        yield World.build(sb)


@pytest.mark.parametrize("method", METHODS)
def test_garbage_never_crashes(w, method):
    m = catalog.get(method)
    names = [p.name for p in m.params or ()] or ["doc_id", "safety", "lat", "lng"]
    http = "POST" if m.is_write else "GET"
    for value in GARBAGE:
        for as_ in ("olga", None):
            params = {n: value for n in names}
            params.setdefault("doc_id", PUB)
            r = w.raw(method, as_, "json", http, **params)
            assert r.status_code == 200, (method, value, r.status_code, r.text[:300])
            assert r.json()["api"]["status"] in ("ok", "error")
            one = {names[0]: value}
            r = w.raw(method, as_, "xml", http, **one)
            assert r.status_code == 200 and r.text.lstrip().startswith("<"), (method, value, r.text[:300])
