"""The fast render and record paths answer byte for byte what the plain versions did.

``render.py`` renders JSON without copying a payload that already follows the conventions and
XML with plain-string fast paths; ``views_blocks.counts`` counts a page in one statement. The
reference implementations below are the straightforward versions they replaced: the spec.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3

import pytest

from ipernity_nb.sandbox import render
from ipernity_nb.sandbox.registry import Text, s
from ipernity_nb.sandbox.views_blocks import counts

# --- reference renderer (the pre-issue-8 render.py, unchanged in behaviour) -------------------

_ILLEGAL = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(v: str) -> str:
    return _ILLEGAL.sub("", v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(v: str) -> str:
    return _text(v).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


def _name(name: object) -> str:
    n = re.sub(r"[^A-Za-z0-9_.\-]", "_", str(name)) or "_"
    if not (n[0].isalpha() or n[0] == "_") or n.lower().startswith("xml"):
        n = "_" + n
    return n


def _scalar(v: object) -> str:
    return ("1" if v else "0") if isinstance(v, bool) else str(v)


def _element(name: object, value: object, out: list[str]) -> None:
    tag = _name(name)
    if isinstance(value, dict):
        attrs, children, content = [], [], ""
        for k, v in value.items():
            if v is None:
                continue
            if k == "content" and not isinstance(v, (dict, list)):
                content = _text(_scalar(v))
            elif isinstance(v, list):
                for item in v:
                    _element(k, item, children)
            elif isinstance(v, (dict, Text)):
                _element(k, v, children)
            else:
                attrs.append(f' {_name(k)}="{_attr(_scalar(v))}"')
        out.append(f"<{tag}{''.join(attrs)}>{content}{''.join(children)}</{tag}>")
    elif isinstance(value, list):
        for item in value:
            _element(name, item, out)
    elif value is not None:
        out.append(f"<{tag}>{_text(_scalar(value))}</{tag}>")


def _jsonable(v: object) -> object:
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    return str(v) if isinstance(v, str) else _scalar(v)


def reference(payload: dict, fmt: str) -> bytes:
    if fmt == "xml":
        out: list[str] = []
        for k, v in payload.items():
            if k != "api":
                _element(k, v, out)
        return ('<?xml version="1.0" encoding="utf-8"?>\n<api status="ok">' + "".join(out) + "</api>").encode()
    doc: dict = {"api": {"status": "ok"}}
    doc.update((k, v) for k, v in _jsonable(payload).items() if k != "api")  # type: ignore[union-attr]
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


# --- random payloads -------------------------------------------------------------------------


class _Sub(str):
    pass


_STRS = ["", "a", "0", 'x<&>"y', "é€", "\x01bad\ud800", " sp\n\t\r", "http://h/p?a=1&b=2", "xml", "1abc", "a-b.c"]
_KEYS = ["doc_id", "title", "content", "api", "doc", "1x", "xml_k", "a b", "é", "owner", "url"]


def _scalar_value(rnd: random.Random) -> object:
    return rnd.choice(
        [
            lambda: rnd.choice(_STRS),
            lambda: Text(rnd.choice(_STRS)),
            lambda: _Sub(rnd.choice(_STRS)),
            lambda: rnd.randint(-5, 10**12),
            lambda: rnd.random() * 100,
            lambda: rnd.choice([True, False]),
            lambda: None,
        ]
    )()


def _value(rnd: random.Random, depth: int) -> object:
    r = rnd.random()
    if depth > 3 or r < 0.55:
        return _scalar_value(rnd)
    if r < 0.8:
        return {rnd.choice(_KEYS): _value(rnd, depth + 1) for _ in range(rnd.randint(0, 6))}
    return [_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_random_payloads_render_as_the_reference(fmt: str) -> None:
    rnd = random.Random(8)
    for _ in range(3000):
        payload = {rnd.choice(_KEYS): _value(rnd, 0) for _ in range(rnd.randint(0, 5))}
        got = _outcome(lambda p=payload: render.render_ok(p, fmt)[0])
        assert got == _outcome(lambda p=payload: reference(p, fmt)), payload


def _outcome(fn) -> object:
    """The bytes, or the exception type (a lone surrogate cannot be UTF-8: both must refuse it)."""
    try:
        return fn()
    except Exception as exc:
        return type(exc)


def test_a_conforming_payload_is_encoded_without_a_copy() -> None:
    records = [{"doc_id": str(i), "title": Text("t"), "owner": {"user_id": "1"}} for i in range(3)]
    payload = {"docs": {"total": "3", "doc": records}}
    assert render._jsonable(payload) is payload  # nothing to convert: no copy
    stray = {"docs": {"total": 3, "skip": None, "doc": records}}
    got = render._jsonable(stray)
    assert got == {"docs": {"total": "3", "doc": records}} and stray["docs"]["total"] == 3  # input untouched


def test_s_fast_paths_keep_the_rule() -> None:
    assert [s(None), s(True), s(False), s(7), s(2.0), s("x"), s(Text("t"))] == ["", "1", "0", "7", "2.0", "x", "t"]
    assert type(s(Text("t"))) is str


def test_counts_in_one_query_match_per_table_counts(sandbox) -> None:
    db = sqlite3.connect(sandbox.db_path)
    try:
        ids = [r[0] for r in db.execute("SELECT doc_id FROM docs ORDER BY doc_id LIMIT 150")]
        ids += [r[0] for r in db.execute("SELECT doc_id FROM grp_docs WHERE pending = 1 LIMIT 5")]
        ids += [r[0] for r in db.execute("SELECT item_id FROM visits WHERE kind = 'doc' LIMIT 5")]
        ids += [999999999]  # no such doc: all zero
        got = counts(db, ids)

        def one(sql: str, i: int) -> int:
            return db.execute(sql, (i,)).fetchone()[0]

        for i in ids:
            want = {
                "faves": one("SELECT COUNT(*) FROM faves_docs WHERE doc_id = ?", i),
                "comments": one("SELECT COUNT(*) FROM comments WHERE doc_id = ?", i),
                "notes": one("SELECT COUNT(*) FROM notes WHERE doc_id = ?", i),
                "tags": one("SELECT COUNT(*) FROM doc_tags WHERE doc_id = ?", i)
                + one("SELECT COUNT(*) FROM doc_members WHERE doc_id = ?", i),
                "albums": one("SELECT COUNT(*) FROM album_docs WHERE doc_id = ?", i),
                "groups": one("SELECT COUNT(*) FROM grp_docs WHERE doc_id = ? AND pending = 0", i),
                "last_visit": one(
                    "SELECT COALESCE(MAX(visited_at), 0) FROM visits WHERE kind = 'doc' AND item_id = ?", i
                ),
            }
            assert got[i] == want, i
        assert any(v["faves"] or v["comments"] or v["tags"] for v in got.values())  # the sample is not all zeros
        assert counts(db, []) == {}
    finally:
        db.close()
