"""The sandbox's deterministic demo data (ipernity_nb/sandbox/seed.py).

No server needed: seed() fills a plain sqlite3 connection. Timings are reported, not asserted.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from importlib import resources

import pytest

from ipernity_nb.sandbox import seed as seed_mod
from ipernity_nb.sandbox.seed import (
    DEFAULT_NOW,
    DEMO_DESKTOP_APP,
    DEMO_PASSWORD,
    DEMO_USERS,
    DEMO_WEB_APP,
    check_password,
    hash_password,
    seed,
)


def _db() -> sqlite3.Connection:
    return sqlite3.connect(":memory:")


def _fingerprint(db: sqlite3.Connection) -> dict[str, str]:
    """sha256 of every table's rows, ordered by all columns."""
    out = {}
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    for t in tables:
        ncols = len(db.execute(f"SELECT * FROM {t} LIMIT 0").description)
        order = ",".join(str(i) for i in range(1, ncols + 1))
        h = hashlib.sha256()
        for row in db.execute(f"SELECT * FROM {t} ORDER BY {order}"):
            h.update(repr(row).encode())
        out[t] = h.hexdigest()
    return out


@pytest.fixture(scope="module")
def demo() -> sqlite3.Connection:
    db = _db()
    seed(db, "demo")
    return db


def one(db: sqlite3.Connection, sql: str, *args):
    return db.execute(sql, args).fetchone()[0]


# --- contract values -------------------------------------------------------------------------


def test_demo_constants_are_the_contract_values():
    assert DEMO_DESKTOP_APP == {
        "name": "ipernity_nb demo (desktop)",
        "api_key": "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c",
        "secret": "a1b2c3d4e5f60718",
        "kind": "desktop",
        "callback": "",
    }
    assert DEMO_WEB_APP == {
        "name": "ipernity_nb demo (web)",
        "api_key": "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49",
        "secret": "0f1e2d3c4b5a6978",
        "kind": "web",
        "callback": "/apps/callback",
    }
    assert DEMO_PASSWORD == "demo"
    named = {u["username"]: u for u in DEMO_USERS}
    assert named["alice"]["user_id"] == 284001 and named["alice"]["is_pro"] is True
    assert [named[n]["user_id"] for n in ("bob", "carol", "dave")] == [284002, 284003, 284004]
    assert "closed_account" in named
    assert all(set(u) >= {"username", "user_id", "realname", "is_pro"} for u in DEMO_USERS)


def test_apps_and_named_users_are_seeded_with_contract_values(demo):
    for app in (DEMO_DESKTOP_APP, DEMO_WEB_APP):
        row = demo.execute(
            "SELECT secret, name, kind, callback FROM apps WHERE api_key=?", (app["api_key"],)
        ).fetchone()
        assert row == (app["secret"], app["name"], app["kind"], app["callback"])
    for u in DEMO_USERS:
        row = demo.execute("SELECT user_id, realname, is_pro FROM users WHERE username=?", (u["username"],)).fetchone()
        assert row == (u["user_id"], u["realname"], int(u["is_pro"]))
    assert one(demo, "SELECT is_pro FROM users WHERE username='alice'") == 1
    assert one(demo, "SELECT is_closed FROM users WHERE username='closed_account'") == 1
    assert one(demo, "SELECT COUNT(*) FROM users WHERE is_closed=1") == 1


def test_passwords_check_and_wrong_ones_fail(demo):
    rows = demo.execute("SELECT username, password_hash FROM users").fetchall()
    assert len({h for _, h in rows}) == len(rows), "salts are per user"
    for name, stored in rows:
        assert "demo" not in stored
        assert check_password(stored, DEMO_PASSWORD), name
        assert not check_password(stored, "Demo")
        assert not check_password(stored, "")
    assert not check_password("garbage", "demo")
    assert not check_password("", "demo")
    assert check_password(hash_password("s3cret", "abc"), "s3cret")
    with pytest.raises(ValueError, match="salt"):
        hash_password("x", "a$b")


# --- determinism -----------------------------------------------------------------------------


def test_two_seeds_are_identical_and_ignore_the_wall_clock(demo, monkeypatch):
    first = _fingerprint(demo)
    monkeypatch.setattr(time, "time", lambda: 4_000_000_000.0)  # a different "now" must not leak in
    db = _db()
    seed(db, "demo")
    assert _fingerprint(db) == first


_FINGERPRINT_SCRIPT = """
import hashlib, sqlite3
from ipernity_nb.sandbox.seed import seed
db = sqlite3.connect(":memory:")
seed(db, "demo", scale=400)
h = hashlib.sha256()
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").fetchall():
    for row in db.execute(f"SELECT * FROM {t} ORDER BY rowid"):
        h.update(repr(row).encode())
print(h.hexdigest())
"""


def test_seed_does_not_depend_on_hash_randomisation():
    outs = set()
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        done = subprocess.run(
            [sys.executable, "-c", _FINGERPRINT_SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        outs.add(done.stdout.strip())
    assert len(outs) == 1 and len(outs.pop()) == 64


def test_now_keyword_moves_the_history():
    a, b = _db(), _db()
    seed(a, "demo", scale=300)
    seed(b, "demo", scale=300, now=DEFAULT_NOW - 365 * 86400)
    assert one(a, "SELECT MAX(posted_at) FROM docs") <= DEFAULT_NOW
    assert one(b, "SELECT MAX(posted_at) FROM docs") <= DEFAULT_NOW - 365 * 86400
    assert _fingerprint(a)["docs"] != _fingerprint(b)["docs"]


def test_reseeding_replaces_everything(demo):
    db = _db()
    seed(db, "demo", scale=200)
    db.execute("INSERT INTO apps (api_key, secret, name, kind) VALUES ('k', 's', 'x', 'desktop')")
    db.commit()
    counts = seed(db, "demo", scale=200)
    assert counts["apps"] == 2 and counts["docs"] == 200
    assert _fingerprint(db)["docs"] == _fingerprint(_seeded(200))["docs"]


def _seeded(scale: int) -> sqlite3.Connection:
    db = _db()
    seed(db, "demo", scale=scale)
    return db


# --- sizes and shapes ------------------------------------------------------------------------


def test_counts_are_in_expected_ranges(demo):
    c = {
        t: one(demo, f"SELECT COUNT(*) FROM {t}")
        for t in (
            "users",
            "docs",
            "tags",
            "doc_tags",
            "comments",
            "albums",
            "album_docs",
            "folders",
            "grp",
            "grp_members",
            "grp_docs",
            "faves_docs",
            "faves_albums",
            "network",
            "posts",
            "post_comments",
            "notes",
            "doc_members",
            "visits",
            "faves_posts",
            "post_tags",
            "folder_albums",
        )
    }
    assert c["docs"] == 3000
    assert 35 <= c["users"] <= 60
    assert 280 <= c["tags"] <= 400
    assert 13 <= c["grp"] <= 20
    for table in c:
        assert c[table] > 0, table
    assert c["doc_tags"] > c["docs"] and c["comments"] > 1000 and c["album_docs"] > 1000


def test_alice_has_a_good_set_of_everything(demo):
    a = 284001
    assert 150 <= one(demo, "SELECT COUNT(*) FROM docs WHERE owner_id=?", a) <= 300
    assert 8 <= one(demo, "SELECT COUNT(*) FROM albums WHERE owner_id=?", a) <= 14
    assert one(demo, "SELECT COUNT(*) FROM folders WHERE owner_id=?", a) >= 1
    assert one(demo, "SELECT COUNT(*) FROM grp_members WHERE user_id=?", a) >= 4
    assert one(demo, "SELECT COUNT(*) FROM grp_members WHERE user_id=? AND role='admin'", a) == 1
    assert one(demo, "SELECT COUNT(*) FROM docs WHERE owner_id=? AND share<4", a) >= 5  # for visibility tutorials
    assert one(demo, "SELECT COUNT(*) FROM network WHERE user_id=?", a) >= 5
    assert one(demo, "SELECT COUNT(*) FROM posts WHERE owner_id=?", a) >= 5
    # asymmetric relations: alice lists dave, dave does not list alice
    assert one(demo, "SELECT COUNT(*) FROM network WHERE user_id=284001 AND contact_id=284004") == 1
    assert one(demo, "SELECT COUNT(*) FROM network WHERE user_id=284004 AND contact_id=284001") == 0


def test_distributions_look_like_a_photo_site(demo):
    n = 3000
    photos = one(demo, "SELECT COUNT(*) FROM docs WHERE media='photo'")
    assert 0.85 * n <= photos <= 0.95 * n
    for media in ("video", "audio", "other"):
        assert one(demo, "SELECT COUNT(*) FROM docs WHERE media=?", media) > 0
    assert one(demo, "SELECT COUNT(*) FROM docs WHERE media IN ('video','audio') AND length<=0") == 0
    assert 0.3 * n <= one(demo, "SELECT COUNT(*) FROM docs WHERE lat IS NOT NULL") <= 0.5 * n
    assert one(demo, "SELECT COUNT(*) FROM docs WHERE share=4") > 0.8 * n
    assert {r[0] for r in demo.execute("SELECT DISTINCT share FROM docs")} == {0, 1, 2, 3, 4}
    assert one(demo, "SELECT COUNT(*) FROM docs WHERE license=0") > 0.4 * n
    assert one(demo, "SELECT COUNT(DISTINCT license) FROM docs") >= 6
    assert one(demo, "SELECT COUNT(*) FROM docs WHERE safety=1") > 0.9 * n
    assert 0 < one(demo, "SELECT COUNT(*) FROM docs WHERE created='0000-00-00 00:00:00'") < 0.15 * n
    years = {r[0] for r in demo.execute("SELECT strftime('%Y', posted_at, 'unixepoch') FROM docs")}
    assert len(years) >= 15
    weekend = one(demo, "SELECT COUNT(*) FROM docs WHERE strftime('%w', posted_at, 'unixepoch') IN ('0','6')")
    assert weekend / n > 2 / 7 * 1.1  # weekends busier than weekdays
    # long-tailed tags: the top tag is far above the median tag
    freqs = [r[0] for r in demo.execute("SELECT COUNT(*) c FROM doc_tags GROUP BY tag_id ORDER BY c DESC")]
    assert freqs[0] > 10 * freqs[len(freqs) // 2]
    assert one(demo, "SELECT MAX(visits) FROM docs") > 20 * one(demo, "SELECT AVG(visits) FROM docs") / 2
    assert (
        one(
            demo,
            "SELECT COUNT(*) FROM docs WHERE secret NOT GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f]"
            "[0-9a-f][0-9a-f][0-9a-f][0-9a-f]'",
        )
        == 0
    )
    assert one(demo, "SELECT COUNT(*) FROM docs WHERE length(md5)!=32 OR w<=0 OR h<=0 OR bytes<=0") == 0
    assert one(demo, "SELECT COUNT(*) FROM docs WHERE media='photo' AND exif LIKE '%\"Model\"%'") > 0.7 * n
    langs = {r[0] for r in demo.execute("SELECT DISTINCT lg FROM users")}
    assert len(langs) >= 5
    assert one(demo, "SELECT COUNT(DISTINCT lang) FROM grp") >= 4


def test_ids_look_like_the_live_service(demo):
    assert one(demo, "SELECT MIN(doc_id) FROM docs") >= 1_000_000
    assert one(demo, "SELECT MIN(user_id) FROM users") >= 284_000
    assert one(demo, "SELECT MAX(user_id) FROM users") <= 299_999
    ids = [r[0] for r in demo.execute("SELECT doc_id FROM docs ORDER BY posted_at, doc_id")]
    assert ids == sorted(ids), "doc ids grow with posting time"
    assert ids[-1] - ids[0] > 10 * len(ids), "ids have gaps"
    for table, col in (
        ("albums", "album_id"),
        ("grp", "group_id"),
        ("comments", "comment_id"),
        ("tags", "tag_id"),
        ("posts", "post_id"),
        ("folders", "folder_id"),
        ("notes", "note_id"),
    ):
        assert one(demo, f"SELECT MIN({col}) FROM {table}") > 1000, table


# --- consistency -----------------------------------------------------------------------------

ORPHANS = {
    "declared foreign keys": "SELECT COUNT(*) FROM pragma_foreign_key_check",
    "doc tagger": "SELECT COUNT(*) FROM doc_tags WHERE user_id NOT IN (SELECT user_id FROM users)",
    "note author": "SELECT COUNT(*) FROM notes WHERE user_id NOT IN (SELECT user_id FROM users)",
    "album cover outside album": "SELECT COUNT(*) FROM albums a WHERE cover_id IS NOT NULL AND NOT EXISTS"
    " (SELECT 1 FROM album_docs WHERE album_id=a.album_id AND doc_id=a.cover_id)",
    "album without cover": "SELECT COUNT(*) FROM albums a WHERE cover_id IS NULL"
    " AND EXISTS (SELECT 1 FROM album_docs WHERE album_id=a.album_id)",
    "album doc of someone else": "SELECT COUNT(*) FROM album_docs ad JOIN albums a USING(album_id)"
    " JOIN docs d ON d.doc_id=ad.doc_id WHERE d.owner_id!=a.owner_id",
    "folder album of someone else": "SELECT COUNT(*) FROM folder_albums fa JOIN folders f USING(folder_id)"
    " JOIN albums a USING(album_id) WHERE a.owner_id!=f.owner_id",
    "folder cover": "SELECT COUNT(*) FROM folders WHERE cover_id NOT IN (SELECT doc_id FROM docs)",
    "pool doc not a member's": "SELECT COUNT(*) FROM grp_docs g JOIN docs d USING(doc_id) WHERE d.owner_id!=g.user_id"
    " OR NOT EXISTS (SELECT 1 FROM grp_members m WHERE m.group_id=g.group_id AND m.user_id=g.user_id)",
    "non-public doc in public group": "SELECT COUNT(*) FROM grp_docs g JOIN grp USING(group_id)"
    " JOIN docs d USING(doc_id) WHERE grp.is_public=1 AND d.share!=4",
    "group without admin": "SELECT COUNT(*) FROM grp g WHERE NOT EXISTS (SELECT 1 FROM grp_members m"
    " WHERE m.group_id=g.group_id AND m.user_id=g.owner_id AND m.role='admin')",
    "visit of unknown item": "SELECT COUNT(*) FROM visits v"
    " WHERE (kind='doc' AND item_id NOT IN (SELECT doc_id FROM docs))"
    " OR (kind='album' AND item_id NOT IN (SELECT album_id FROM albums))"
    " OR (kind='post' AND item_id NOT IN (SELECT post_id FROM posts))",
    "counter below identified visits": "SELECT COUNT(*) FROM docs d WHERE visits <"
    " (SELECT COALESCE(SUM(visits),0) FROM visits WHERE kind='doc' AND item_id=d.doc_id)",
    "reply to another doc": "SELECT COUNT(*) FROM comments c JOIN comments p ON p.comment_id=c.parent_id"
    " WHERE p.doc_id!=c.doc_id OR c.posted_at<p.posted_at",
    "dangling reply": "SELECT COUNT(*) FROM comments WHERE parent_id IS NOT NULL"
    " AND parent_id NOT IN (SELECT comment_id FROM comments)",
    "comment before its doc": "SELECT COUNT(*) FROM comments c JOIN docs d USING(doc_id) WHERE c.posted_at<d.posted_at",
    "last_comment_at wrong": "SELECT COUNT(*) FROM docs d WHERE last_comment_at !="
    " (SELECT COALESCE(MAX(posted_at),0) FROM comments WHERE doc_id=d.doc_id)",
    "comment on a doc the author cannot see": "SELECT COUNT(*) FROM comments c JOIN docs d USING(doc_id)"
    " WHERE c.user_id!=d.owner_id AND d.share<4 AND NOT EXISTS (SELECT 1 FROM network n WHERE n.user_id=d.owner_id"
    " AND n.contact_id=c.user_id AND n.is_blocked=0 AND ((d.share IN (1,3) AND n.is_family=1)"
    " OR (d.share IN (2,3) AND n.is_friend=1)))",
    "fave of a non-public doc or own doc": "SELECT COUNT(*) FROM faves_docs f JOIN docs d USING(doc_id)"
    " WHERE d.share!=4 OR f.user_id=d.owner_id",
    "taken after posted": "SELECT COUNT(*) FROM docs WHERE created!='0000-00-00 00:00:00'"
    " AND strftime('%s', created) > posted_at",
    "in the future": f"SELECT COUNT(*) FROM docs WHERE posted_at>{DEFAULT_NOW} OR last_update_at>{DEFAULT_NOW}",
    "doc before its owner joined": "SELECT COUNT(*) FROM docs d JOIN users u ON u.user_id=d.owner_id"
    " WHERE d.posted_at<u.member_since",
    "self relation": "SELECT COUNT(*) FROM network WHERE user_id=contact_id",
    "note by a stranger on a non-public doc": "SELECT COUNT(*) FROM notes n JOIN docs d USING(doc_id)"
    " WHERE d.share!=4 AND n.user_id!=d.owner_id",
    "keyword tag by a stranger on a non-public doc": "SELECT COUNT(*) FROM doc_tags t JOIN docs d USING(doc_id)"
    " WHERE d.share!=4 AND t.user_id!=d.owner_id",
    "member tag of unknown user": "SELECT COUNT(*) FROM doc_members WHERE member_id NOT IN (SELECT user_id FROM users)",
    "post comment on private post": "SELECT COUNT(*) FROM post_comments c JOIN posts p USING(post_id) WHERE p.share!=4",
}


@pytest.fixture(scope="module")
def big() -> sqlite3.Connection:
    """A larger seed: more members, heavier users; the same invariants must hold."""
    return _seeded(15_000)


@pytest.mark.parametrize("name", sorted(ORPHANS))
def test_no_orphans_or_inconsistencies(demo, big, name):
    assert one(demo, ORPHANS[name]) == 0, name
    assert one(big, ORPHANS[name]) == 0, name


def test_groups_have_the_documented_variety(demo):
    assert one(demo, "SELECT COUNT(*) FROM grp WHERE moderated=1") >= 2
    assert one(demo, "SELECT COUNT(*) FROM grp WHERE is_closed=1") == 1
    assert one(demo, "SELECT COUNT(*) FROM grp WHERE is_public=0") == 1
    assert one(demo, "SELECT COUNT(*) FROM grp_docs WHERE pending=1") >= 1
    assert (
        one(
            demo,
            "SELECT COUNT(*) FROM grp_members g JOIN users u USING(user_id) WHERE u.username='alice'"
            " AND g.group_id=(SELECT group_id FROM grp WHERE is_public=0)",
        )
        == 1
    )


# --- other seeds and arguments ---------------------------------------------------------------


def test_empty_seed_has_apps_and_named_users_only():
    db = _db()
    counts = seed(db, "empty")
    assert counts["apps"] == 2
    assert counts["users"] == len(DEMO_USERS)
    assert counts["docs"] == counts["albums"] == counts["grp"] == counts["network"] == 0
    stored = one(db, "SELECT password_hash FROM users WHERE username='bob'")
    assert check_password(stored, DEMO_PASSWORD)


@pytest.mark.parametrize("n", [0, 1, 37, 1234])
def test_scale_gives_exactly_n_docs(n):
    db = _db()
    counts = seed(db, "demo", scale=n)
    assert counts["docs"] == n == one(db, "SELECT COUNT(*) FROM docs")
    assert one(db, "SELECT COUNT(*) FROM pragma_foreign_key_check") == 0


@pytest.mark.parametrize(
    ("args", "match"),
    [(("bogus",), "unknown seed"), (("demo", -1), "scale"), (("demo", "10"), "scale"), (("demo", True), "scale")],
)
def test_bad_arguments_are_refused_clearly(args, match):
    with pytest.raises(ValueError, match=match):
        seed(_db(), *args)


def test_seed_on_a_file_db_with_schema_applied_restores_pragmas(tmp_path):
    db = sqlite3.connect(tmp_path / "s.sqlite")
    db.executescript(resources.files("ipernity_nb.sandbox").joinpath("schema.sql").read_text(encoding="utf-8"))
    db.execute("PRAGMA foreign_keys=ON")
    before = [one(db, f"PRAGMA {p}") for p in ("synchronous", "journal_mode", "foreign_keys")]
    seed(db, "demo", scale=100)
    assert [one(db, f"PRAGMA {p}") for p in ("synchronous", "journal_mode", "foreign_keys")] == before
    db.close()
    again = sqlite3.connect(tmp_path / "s.sqlite")
    assert one(again, "SELECT COUNT(*) FROM docs") == 100
    assert json.loads(one(again, "SELECT value FROM meta WHERE key='seed'")) == {"seed": "demo", "scale": 100}
    assert json.loads(one(again, "SELECT value FROM meta WHERE key='seed_now'")) == DEFAULT_NOW


def test_module_doctests():
    import doctest

    assert doctest.testmod(seed_mod).failed == 0
