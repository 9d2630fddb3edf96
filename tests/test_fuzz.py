"""Property-based fuzzing of EVERY catalog method against a live sandbox (hypothesis, loopback).

Each example draws a format (json/xml), a verb (GET/POST), signed or not, anonymous or with a
token of "bob" holding every right, and for each parameter: missing, or a random, oversized,
wrong-typed (repeated key), unicode, SQL-metacharacter or markup value — with real ids of
other users' objects mixed in. Every answer must be an HTTP 200 well-formed envelope (XML
parsed with defusedxml) whose error code is documented (generic table, the method's catalog
errors, or a method-specific 1-9); never a 500, a traceback or a hang (10 s timeout). Write
methods must leave other users' data (alice's docs, albums, posts, profile) unchanged.

``FUZZ_EXAMPLES`` (environment) sets examples per method (default 25; the file then runs in
well under a minute). The volume is printed by the last test (``pytest -s``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections import Counter

import defusedxml.ElementTree as SafeET
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipernity_nb import catalog
from ipernity_nb.errors import CODES
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.signing import sign

KEY, SECRET = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718"
ALICE = 284001
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
METHODS = sorted(catalog.methods())
VOLUME: Counter[str] = Counter()
CODES_SEEN: Counter[int] = Counter()

SPECIAL = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "NaN",
    "null",
    "true",
    "' OR '1'='1",
    "1; DROP TABLE docs; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "1 UNION SELECT secret FROM apps",
    "<script>alert(1)</script>",
    "<![CDATA[x]]>",
    "]]>",
    "&amp;&lt;&#0;",
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
    "{{7*7}}",
    "${jndi:ldap://x}",
    "é,ü,😀,\u202e,\ufeff",
    "\x01\x02\x1f\x7f",
    "tags,geo,notes,,,",
    "2026-13-45 25:61:61",
    "9" * 40,
]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@pytest.fixture(scope="module")
def world():
    with Sandbox(seed="demo") as sb:
        perms = {"doc": "delete", "blog": "delete", "post": "delete", "network": "delete", "profile": "write"}
        token = sb.issue_token(KEY, "bob", perms)
        with sqlite3.connect(sb.db_path) as db:
            ids = [r[0] for r in db.execute("SELECT doc_id FROM docs WHERE owner_id = ? LIMIT 8", (ALICE,))]
            ids += [r[0] for r in db.execute("SELECT album_id FROM albums WHERE owner_id = ? LIMIT 4", (ALICE,))]
            ids += [r[0] for r in db.execute("SELECT post_id FROM posts WHERE owner_id = ? LIMIT 4", (ALICE,))]
            ids += [r[0] for r in db.execute("SELECT comment_id FROM comments WHERE user_id = ? LIMIT 4", (ALICE,))]
            ids += [r[0] for r in db.execute("SELECT folder_id FROM folders WHERE owner_id = ? LIMIT 2", (ALICE,))]
            ids += [r[0] for r in db.execute("SELECT group_id FROM grp LIMIT 2")]
            ids += [r[0] for r in db.execute("SELECT note_id FROM notes LIMIT 2")]
        session = requests.Session()
        yield {"sb": sb, "token": token, "ids": [str(i) for i in [*ids, ALICE]], "session": session}
        session.close()


def others_checksum(db_path: str) -> str:
    """What bob may never change: alice's own rows (docs, albums, posts, folders, profile)."""
    queries = [
        "SELECT doc_id, title, description, share, license, safety, lat, lng, perm_comment, perm_tag, created "
        "FROM docs WHERE owner_id = 284001 ORDER BY doc_id",
        "SELECT album_id, title, description, cover_id, perm_comment FROM albums WHERE owner_id = 284001 "
        "ORDER BY album_id",
        "SELECT * FROM posts WHERE owner_id = 284001 ORDER BY post_id",
        "SELECT * FROM folders WHERE owner_id = 284001 ORDER BY folder_id",
        "SELECT album_id, doc_id FROM album_docs WHERE album_id IN (SELECT album_id FROM albums "
        "WHERE owner_id = 284001) ORDER BY 1, 2",
        "SELECT comment_id, content FROM comments WHERE user_id = 284001 ORDER BY comment_id",
        "SELECT user_id, username, realname FROM users ORDER BY user_id",
        "SELECT api_key, secret FROM apps ORDER BY api_key",
    ]
    h = hashlib.sha256()
    with sqlite3.connect(db_path) as db:
        for q in queries:
            h.update(repr(db.execute(q).fetchall()).encode())
    return h.hexdigest()


def documented(m: catalog.Method) -> set[int]:
    return set(CODES) | {code for code, _ in m.errors} | set(range(1, 10))


def value_strategy(ids: list[str]) -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(SPECIAL),
        st.sampled_from(ids),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        TEXT,
        st.integers(min_value=1000, max_value=6000).map(lambda n: "x" * n),  # oversized
        st.lists(st.sampled_from(ids + SPECIAL[:6]), min_size=2, max_size=3),  # wrong type: repeated key
        st.booleans().map(str),
    )


def check_answer(method: str, fmt: str, r: requests.Response) -> int | None:
    """Assert a well-formed envelope with a documented code; return the code (None = ok)."""
    assert r.status_code == 200, (method, r.status_code, r.text[:300])
    assert "Traceback" not in r.text and 'File "' not in r.text, (method, r.text[:300])
    if fmt == "json":
        data = json.loads(r.content)
        api = data["api"]
        status, code = api["status"], api.get("code")
    else:
        root = SafeET.fromstring(r.content)  # well-formed, no entities
        assert root.tag == "api", (method, r.text[:200])
        status, code = root.get("status"), root.get("code")
    assert status in ("ok", "error"), (method, status)
    if status == "ok":
        return None
    code = int(code)
    assert code in documented(catalog.get(method)), (method, code, r.text[:300])
    return code


@pytest.mark.parametrize("method", METHODS)
def test_fuzz_method(world, method):
    m = catalog.get(method)
    sb, token, session = world["sb"], world["token"], world["session"]
    names = [p.name for p in m.params or ()] or ["doc_id", "user_id", "page"]
    values = value_strategy(world["ids"])
    before = others_checksum(sb.db_path) if m.is_write else None

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data):
        fmt = data.draw(st.sampled_from(["json", "xml"]), label="fmt")
        # Mostly well-formed envelopes (signed, POST for writes) so the handlers, not only the
        # dispatcher's 104/120 checks, see the garbage.
        usual = "POST" if m.is_write or m.http == "POST" else "GET"
        http = data.draw(st.sampled_from([usual] * 3 + ["GET", "POST"]), label="verb")
        signed = data.draw(st.integers(0, 3), label="signed") > 0
        who = data.draw(st.sampled_from([None, token]), label="token")
        params: dict[str, object] = {"api_key": KEY}
        for name in names:
            if data.draw(st.integers(0, 9), label=f"has {name}") < 7:
                params[name] = data.draw(values, label=name)
        if data.draw(st.integers(0, 9), label="extra") == 0:
            params[data.draw(TEXT.filter(bool), label="extra name")] = data.draw(values, label="extra value")
        if who:
            params["auth_token"] = who
        if signed:
            flat = {k: (",".join(v) if isinstance(v, list) else v) for k, v in params.items()}
            params["api_sig"] = sign(flat, SECRET, method)["api_sig"]
        url = f"{sb.api_url}{method}/{fmt}"
        r = session.get(url, params=params, timeout=10) if http == "GET" else session.post(url, data=params, timeout=10)
        CODES_SEEN[check_answer(method, fmt, r) or 0] += 1
        VOLUME[method] += 1

    run()
    if before is not None:
        assert others_checksum(sb.db_path) == before, f"{method} changed another user's data"


def test_fuzz_volume_report(capsys):
    """Every method got its examples; print the volume (shown with -s, and kept in the report)."""
    ran = {m: VOLUME[m] for m in METHODS if m in VOLUME}
    if len(ran) < len(METHODS):
        pytest.skip("run the whole file to get the per-method volume")
    assert all(n >= EXAMPLES for n in ran.values()), {m: n for m, n in ran.items() if n < EXAMPLES}
    with capsys.disabled():
        print(
            f"\nfuzz: {len(ran)} methods x >= {EXAMPLES} examples = {sum(ran.values())} calls; "
            f"answers by code: {dict(sorted(CODES_SEEN.items()))}"
        )
